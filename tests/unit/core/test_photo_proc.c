/*
 * test_photo_proc.c — running the photo helper (src/core/photo_proc.c):
 * exit codes, crashes, time limits, a flood on stdout, what the child may
 * see of the server (environment, descriptors), and the helper's answer
 * read by photo_proc_decode() from stand-in helpers written as scripts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/photo_proc.h"

/* Runs the shell command script with the given limits. */
static enum photo_proc_end run_sh(const char *script, unsigned timeout_ms, buf *out, size_t out_max, int *code)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	return photo_proc_run(argv, timeout_ms, out, out_max, code);
}

static void exit_codes_and_output(void **state)
{
	buf out = BUF_INIT;
	int code;
	assert_int_equal(run_sh("echo width=3; exit 3", 10000, &out, 4096, &code), PHOTO_PROC_EXITED);
	assert_int_equal(code, 3);
	assert_string_equal(out.data, "width=3\n");
	buf_reset(&out);
	assert_int_equal(run_sh("exit 0", 10000, &out, 4096, &code), PHOTO_PROC_EXITED);
	assert_int_equal(code, 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void crash_is_a_signal(void **state)
{
	buf out = BUF_INIT;
	int code;
	assert_int_equal(run_sh("echo started; kill -SEGV $$", 10000, &out, 4096, &code), PHOTO_PROC_SIGNALLED);
	assert_int_equal(code, -1);
	assert_string_equal(out.data, "started\n");
	buf_free(&out);
}

static void missing_program_is_not_started(void **state)
{
	buf out = BUF_INIT;
	int code;
	const char *argv[] = { "/nonexistent/trygg-photo", "x", NULL };
	assert_int_equal(photo_proc_run(argv, 10000, &out, 4096, &code), PHOTO_PROC_NOT_STARTED);
	assert_int_equal(code, -1);
	buf_free(&out);
}

static void killed_at_the_deadline(void **state)
{
	buf out = BUF_INIT;
	int code;
	/* Still writing nothing on an open stdout. */
	assert_int_equal(run_sh("/bin/sleep 30", 300, &out, 4096, &code), PHOTO_PROC_TIMED_OUT);
	assert_int_equal(code, -1);
	/* Its stdout closed, but it goes on running. */
	assert_int_equal(run_sh("exec >/dev/null; /bin/sleep 30", 300, &out, 4096, &code), PHOTO_PROC_TIMED_OUT);
	/* Writing without end. */
	assert_int_equal(run_sh("while :; do echo x; done", 300, &out, 4096, &code), PHOTO_PROC_TIMED_OUT);
	assert_int_equal(out.len, 4096);
	buf_free(&out);
}

static void large_output_is_cut_but_drained(void **state)
{
	buf out = BUF_INIT;
	int code;
	/* Far more than a pipe holds: the child must not block on a full pipe. */
	assert_int_equal(run_sh("/usr/bin/head -c 3000000 /dev/zero | /usr/bin/tr '\\0' a; exit 0", 60000, &out, 5000,
				&code),
			 PHOTO_PROC_EXITED);
	assert_int_equal(code, 0);
	assert_int_equal(out.len, 5000);
	assert_int_equal(out.data[4999], 'a');
	buf_free(&out);
}

static void child_sees_no_environment_and_no_descriptors(void **state)
{
	buf out = BUF_INIT;
	int code;
	/* A descriptor of the parent's without close-on-exec must not reach the child. */
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd > 2);
	setenv("TRYGG_SECRET_FOR_TEST", "hemligt", 1);
	char script[200];
	snprintf(script, sizeof(script), "test -e /proc/$$/fd/%d && echo open; echo \"[$TRYGG_SECRET_FOR_TEST]\"; "
		 "ls /proc/$$/fd | /usr/bin/tr '\\n' ' '", fd);
	assert_int_equal(run_sh(script, 10000, &out, 4096, &code), PHOTO_PROC_EXITED);
	assert_int_equal(code, 0);
	assert_string_equal(out.data, "[]\n0 1 2 ");
	close(fd);
	unsetenv("TRYGG_SECRET_FOR_TEST");
	buf_free(&out);
}

/* Writes an executable stand-in helper with the shell body into dir. Returns its path (free it). */
static char *fake_helper(const char *dir, const char *name, const char *body)
{
	char *path = buf_strdup_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
	return path;
}

static void decode_reads_the_helpers_answer(void **state)
{
	char dir[] = "/tmp/trygg-photo-proc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	config cfg;
	config_defaults(&cfg);
	cfg.photo_timeout_seconds = 1;
	struct {
		const char *name, *body;
		enum photo_result want;
	} cases[] = {
		{ "ok", "echo format=jpegload; echo width=640; echo height=480; echo lat=57.74; echo lon=12.1", PHOTO_OK },
		{ "ok-no-gps", "echo width=640; echo height=480; echo lat=91; echo lon=12.1", PHOTO_OK },
		{ "no-size", "echo format=jpegload; exit 0", PHOTO_FAILED },
		{ "not-image", "echo error=not-image; exit 2", PHOTO_NOT_IMAGE },
		{ "too-large", "echo error=too-large; exit 3", PHOTO_NOT_IMAGE },
		{ "failed", "exit 1", PHOTO_FAILED },
		{ "crash", "kill -SEGV $$", PHOTO_NOT_IMAGE },
		{ "hang", "exec /bin/sleep 30", PHOTO_NOT_IMAGE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		free(cfg.photo_helper);
		cfg.photo_helper = fake_helper(dir, cases[i].name, cases[i].body);
		photo_info info;
		memset(&info, 0x55, sizeof(info));
		enum photo_result got = photo_proc_decode(&cfg, "/dev/null", NULL, NULL, true, &info);
		assert_int_equal(got, cases[i].want);
		if (got == PHOTO_OK) {
			assert_int_equal(info.width, 640);
			assert_int_equal(info.height, 480);
		}
		if (i == 0) {
			assert_string_equal(info.format, "jpegload");
			assert_true(info.has_gps);
			assert_true(info.lat > 57.73 && info.lat < 57.75);
		}
		if (i == 1)
			assert_false(info.has_gps); /* a latitude beyond 90° is not a position */
		unlink(cfg.photo_helper);
	}
	/* A helper that does not exist. */
	free(cfg.photo_helper);
	cfg.photo_helper = buf_strdup_printf("%s/missing", dir);
	assert_int_equal(photo_proc_decode(&cfg, "/dev/null", NULL, NULL, false, NULL), PHOTO_FAILED);
	config_free(&cfg);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes_and_output),
		cmocka_unit_test(crash_is_a_signal),
		cmocka_unit_test(missing_program_is_not_started),
		cmocka_unit_test(killed_at_the_deadline),
		cmocka_unit_test(large_output_is_cut_but_drained),
		cmocka_unit_test(child_sees_no_environment_and_no_descriptors),
		cmocka_unit_test(decode_reads_the_helpers_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
