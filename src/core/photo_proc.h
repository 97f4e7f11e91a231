/*
 * photo_proc.h — photos decoded in a separate process: `trygg serve` never
 * decodes an image itself. It runs the helper build/trygg-photo
 * (src/photo_helper/trygg_photo.c) once per photo, with posix_spawn, an
 * empty environment, arguments only, a pipe for its short answer on stdout,
 * and a wall-clock limit after which the helper is killed.
 *
 * Two layers: photo_proc_run() runs any program that way (tested on its
 * own), photo_proc_decode() runs the helper and reads its answer.
 */
#ifndef TRYGG_CORE_PHOTO_PROC_H
#define TRYGG_CORE_PHOTO_PROC_H

#include "core/buf.h"
#include "core/config.h"

#include <stdbool.h>

/* The helper's exit status: its contract with photo_proc_decode(). */
enum photo_exit {
	PHOTO_EXIT_OK = 0,
	PHOTO_EXIT_FAILED = 1,    /* usage, libvips start, writing: not the image's fault */
	PHOTO_EXIT_NOT_IMAGE = 2, /* not an image this libvips decodes */
	PHOTO_EXIT_TOO_LARGE = 3, /* more pixels than the helper accepts */
};

/* How a program run by photo_proc_run() ended. */
enum photo_proc_end {
	PHOTO_PROC_EXITED,     /* exited by itself: see *exit_code */
	PHOTO_PROC_SIGNALLED,  /* killed by a signal of its own (a crash, a CPU limit) */
	PHOTO_PROC_TIMED_OUT,  /* still running at the deadline: killed */
	PHOTO_PROC_NOT_STARTED /* it could not be started, or a pipe could not be made */
};

/* Runs argv[0] (a path, not looked up in PATH) with argv, an empty
 * environment, stdin and stderr on /dev/null and no other descriptor open
 * but stdout, a pipe read into out (at most out_max bytes kept; the rest is
 * read and dropped, so the program never blocks on it). After timeout_ms
 * milliseconds the program is killed with SIGKILL. It is always reaped
 * before this returns. *exit_code is set for PHOTO_PROC_EXITED, else -1. */
enum photo_proc_end photo_proc_run(const char *const argv[], unsigned timeout_ms, buf *out, size_t out_max,
				   int *exit_code);

/* What the helper found. */
typedef struct photo_info {
	char format[32]; /* libvips' loader, "jpegload", "heifload", … */
	int width, height;
	bool has_gps;    /* only asked for with want_gps */
	double lat, lon;
} photo_info;

enum photo_result {
	PHOTO_OK,
	PHOTO_NOT_IMAGE, /* not an image, too large, or its decoding crashed or ran too long */
	PHOTO_FAILED,    /* the helper could not be started or failed by itself */
};

/* Runs the helper (cfg->photo_helper, or trygg-photo beside the running
 * program) on the file input: writes the re-encoded photo to full and its
 * thumbnail to thumb (either may be NULL: then it is not made), and reads
 * the GPS position when want_gps. info may be NULL. The caller removes full
 * and thumb when this does not return PHOTO_OK (they may be half written). */
enum photo_result photo_proc_decode(const config *cfg, const char *input, const char *full, const char *thumb,
				    bool want_gps, photo_info *info);

#endif
