/*
 * test_core.c — buffers, arenas, UTF-8 validation, configuration parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"

static void buffer_grows_and_escapes(void **state)
{
	buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	buf_reset(&b);
	buf_html_escape(&b, "a<b>&\"c'", 8);
	assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&#39;");
	buf_reset(&b);
	buf_url_escape(&b, "å /?x=1");
	assert_string_equal(b.data, "%C3%A5%20%2F%3Fx%3D1");
	char *s = buf_detach(&b);
	assert_null(b.data);
	free(s);
}

static int deferred_runs;
static void count_deferred(void *p) { deferred_runs += *(int *)p; }

static void arena_allocates_and_cleans_up(void **state)
{
	arena *a = arena_new();
	static int one = 1;
	char *big = arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	for (int i = 0; i < 10000; i++)
		assert_non_null(arena_strdup(a, "hello"));
	assert_string_equal(arena_printf(a, "%s-%d", "a", 5), "a-5");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	deferred_runs = 0;
	arena_defer(a, count_deferred, &one);
	arena_defer(a, count_deferred, &one);
	arena_free(a);
	assert_int_equal(deferred_runs, 2);
}

/* A reset arena runs its deferred actions, hands out zeroed room again
 * (from the kept block), and still takes large and small allocations. */
static void arena_reset_reuses(void **state)
{
	arena *a = arena_new();
	static int one = 1;
	deferred_runs = 0;
	arena_defer(a, count_deferred, &one);
	char *first = arena_alloc(a, 64);
	memset(first, 'x', 64);
	assert_non_null(arena_alloc(a, 50000));
	for (int i = 0; i < 5000; i++)
		assert_non_null(arena_strdup(a, "row"));
	arena_reset(a);
	assert_int_equal(deferred_runs, 1);
	for (int round = 0; round < 3; round++) {
		char *p = arena_alloc(a, 64);
		for (int i = 0; i < 64; i++)
			assert_int_equal(p[i], 0);
		memset(p, 'y', 64);
		assert_string_equal(arena_printf(a, "%d", round), round == 0 ? "0" : round == 1 ? "1" : "2");
		assert_non_null(arena_alloc(a, 20000));
		arena_reset(a);
	}
	assert_int_equal(deferred_runs, 1);
	arena_reset(a); /* an empty arena too */
	assert_non_null(arena_strdup(a, "after"));
	arena_free(a);
	assert_int_equal(deferred_runs, 1);
}

static void utf8_validation(void **state)
{
	assert_true(str_valid_utf8("Sävedalen Öjersjö €", strlen("Sävedalen Öjersjö €")));
	assert_true(str_valid_utf8("\xF0\x9F\x98\x80", 4));
	assert_false(str_valid_utf8("\xC3", 1));           /* truncated */
	assert_false(str_valid_utf8("\xC0\xAF", 2));       /* overlong '/' */
	assert_false(str_valid_utf8("\xED\xA0\x80", 3));   /* surrogate */
	assert_false(str_valid_utf8("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_false(str_valid_utf8("\xFF", 1));
	assert_false(str_valid_utf8("a\x80", 2));
}

static void config_file_and_keys(void **state)
{
	config c;
	char *err = NULL;
	char path[] = "/tmp/trygg-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "# comment\nlisten = 0.0.0.0:9000\nbody_limit = 2M\ntrust_proxy = yes\n\ndatabase = sqlite:/tmp/x.db\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, &err), 0);
	assert_string_equal(c.listen_addr, "0.0.0.0");
	assert_int_equal(c.port, 9000);
	assert_int_equal(c.body_limit, 2 * 1024 * 1024);
	assert_true(c.trust_proxy);
	assert_string_equal(c.database, "sqlite:/tmp/x.db");
	assert_int_equal(config_set(&c, "threads", "0", &err), -1);
	assert_non_null(strstr(err, "threads"));
	free(err);
	assert_int_equal(config_set(&c, "no_such_key", "1", &err), -1);
	free(err);
	assert_int_equal(config_set_listen(&c, "[::1]:8081"), 0);
	assert_string_equal(c.listen_addr, "::1");
	assert_int_equal(config_set_listen(&c, "nowhere"), -1);
	config_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buffer_grows_and_escapes),
		cmocka_unit_test(arena_allocates_and_cleans_up),
		cmocka_unit_test(arena_reset_reuses),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(config_file_and_keys),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
