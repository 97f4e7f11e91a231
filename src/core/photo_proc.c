/*
 * photo_proc.c — running the photo helper (see photo_proc.h): a program
 * started with posix_spawn, its stdout read through a pipe until it ends or
 * its time is up, then reaped; and the helper's key=value answer parsed.
 *
 * The helper gets its own process group, so that on expiry everything it
 * may have started is killed with it. Nothing here is global: any server
 * thread may run a helper at the same time as another.
 */
#include "core/photo_proc.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PHOTO_ANSWER_MAX 4096

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts argv with stdout on out_fd (see photo_proc_run). Returns the pid, or -1. */
static pid_t spawn_child(const char *const argv[], int out_fd)
{
	static char *const empty_env[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid = -1;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	sigemptyset(&none);
	sigfillset(&all);
	/* Signals back to their defaults (the server ignores SIGPIPE), none
	 * blocked, and a process group of its own. */
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, out_fd, 1) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(&fa, 3) != 0 || posix_spawnattr_setsigmask(&attr, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&attr, &all) != 0 || posix_spawnattr_setpgroup(&attr, 0) != 0 ||
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP) != 0)
		goto out;
	if (posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, empty_env) != 0)
		pid = -1;
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Waits for pid until deadline (CLOCK_MONOTONIC ms), then kills its group.
 * Returns how it ended. */
static enum photo_proc_end reap(pid_t pid, long long deadline, int *exit_code)
{
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return PHOTO_PROC_SIGNALLED; /* cannot happen for our own child; say the worst */
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return PHOTO_PROC_TIMED_OUT;
		}
		/* It closed its stdout and is ending: check again shortly. */
		struct timespec pause = { 0, 2 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	if (WIFEXITED(status)) {
		*exit_code = WEXITSTATUS(status);
		return PHOTO_PROC_EXITED;
	}
	return PHOTO_PROC_SIGNALLED;
}

enum photo_proc_end photo_proc_run(const char *const argv[], unsigned timeout_ms, buf *out, size_t out_max,
				   int *exit_code)
{
	int fds[2];
	char chunk[4096];
	long long deadline = now_ms() + timeout_ms;
	*exit_code = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return PHOTO_PROC_NOT_STARTED;
	pid_t pid = spawn_child(argv, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return PHOTO_PROC_NOT_STARTED;
	}
	bool timed_out = false;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = { fds[0], POLLIN, 0 };
		int ready = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			break;
		if (ready == 0)
			continue;
		ssize_t n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < out_max)
			buf_append(out, chunk, (size_t)n < out_max - out->len ? (size_t)n : out_max - out->len);
	}
	close(fds[0]);
	if (timed_out) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return PHOTO_PROC_TIMED_OUT;
	}
	return reap(pid, deadline, exit_code);
}

/* The helper's path into out: the configured one, or trygg-photo in the
 * folder of the running program. 0 or -1. */
static int helper_path(const config *cfg, char *out, size_t size)
{
	if (cfg->photo_helper && *cfg->photo_helper)
		return str_copy(out, cfg->photo_helper, size) < size ? 0 : -1;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return (size_t)snprintf(out, size, "%s/trygg-photo", self) < size ? 0 : -1;
}

/* Reads the helper's key=value lines into info. 0, or -1 when width or height is missing. */
static int parse_answer(char *text, photo_info *info)
{
	bool has_lat = false, has_lon = false;
	memset(info, 0, sizeof(*info));
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *value = eq + 1;
		char *end;
		if (strcmp(line, "format") == 0) {
			str_copy(info->format, value, sizeof(info->format));
		} else if (strcmp(line, "width") == 0 || strcmp(line, "height") == 0) {
			long v = strtol(value, &end, 10);
			if (end != value && *end == '\0' && v > 0 && v <= 1000000)
				*(strcmp(line, "width") == 0 ? &info->width : &info->height) = (int)v;
		} else if (strcmp(line, "lat") == 0 || strcmp(line, "lon") == 0) {
			double v = strtod(value, &end);
			if (end != value && *end == '\0') {
				bool lat = strcmp(line, "lat") == 0;
				*(lat ? &info->lat : &info->lon) = v;
				*(lat ? &has_lat : &has_lon) = true;
			}
		}
	}
	info->has_gps = has_lat && has_lon && info->lat >= -90 && info->lat <= 90 && info->lon >= -180 &&
			info->lon <= 180;
	return info->width > 0 && info->height > 0 ? 0 : -1;
}

enum photo_result photo_proc_decode(const config *cfg, const char *input, const char *full, const char *thumb,
				    bool want_gps, photo_info *info)
{
	char helper[4096];
	const char *argv[10];
	size_t n = 0;
	buf answer = BUF_INIT;
	photo_info found;
	int code = -1;
	enum photo_result rc = PHOTO_FAILED;
	if (helper_path(cfg, helper, sizeof(helper)) != 0) {
		fprintf(stderr, "photo: the helper's path is too long\n");
		return PHOTO_FAILED;
	}
	argv[n++] = helper;
	if (want_gps)
		argv[n++] = "--gps";
	if (full) {
		argv[n++] = "--out";
		argv[n++] = full;
	}
	if (thumb) {
		argv[n++] = "--thumb";
		argv[n++] = thumb;
	}
	argv[n++] = "--";
	argv[n++] = input;
	argv[n] = NULL;
	switch (photo_proc_run(argv, (unsigned)cfg->photo_timeout_seconds * 1000u, &answer, PHOTO_ANSWER_MAX, &code)) {
	case PHOTO_PROC_NOT_STARTED:
		fprintf(stderr, "photo: %s could not be started\n", helper);
		break;
	case PHOTO_PROC_TIMED_OUT:
		fprintf(stderr, "photo: %s ran longer than %d s and was stopped\n", helper, cfg->photo_timeout_seconds);
		rc = PHOTO_NOT_IMAGE;
		break;
	case PHOTO_PROC_SIGNALLED:
		/* A decoder that crashes or runs out of its limits on a file: the file's fault. */
		fprintf(stderr, "photo: %s was ended by a signal\n", helper);
		rc = PHOTO_NOT_IMAGE;
		break;
	case PHOTO_PROC_EXITED:
		if (code == PHOTO_EXIT_NOT_IMAGE || code == PHOTO_EXIT_TOO_LARGE)
			rc = PHOTO_NOT_IMAGE;
		else if (code == PHOTO_EXIT_OK && parse_answer(answer.data ? answer.data : (char *)"", &found) == 0)
			rc = PHOTO_OK;
		else
			fprintf(stderr, "photo: %s failed (exit status %d)\n", helper, code);
		break;
	}
	if (rc == PHOTO_OK && info)
		*info = found;
	buf_free(&answer);
	return rc;
}
