/*
 * trygg_photo.c — the program build/trygg-photo: the only part of Trygg that
 * decodes images, and the only one linked with libvips. `trygg serve` starts
 * it once per uploaded photo (src/core/photo_proc.c), so that a decoder bug
 * hit by a hostile upload crashes or hangs this short-lived process, not the
 * server, and the server does not carry libvips and its libraries.
 *
 *     trygg-photo [--gps] [--out FILE] [--thumb FILE] [--] INPUT
 *
 * Reads INPUT (JPEG, PNG, WebP, HEIC: whatever this libvips decodes, with the
 * loaders libvips marks untrusted blocked), refuses it unless its header says
 * at most PHOTO_MAX_PIXELS, and writes it again as JPEG without any metadata
 * (EXIF with GPS and camera, XMP, IPTC, ICC, comments), turned upright, at
 * most 2048 pixels on its longer side to --out and at most 320 to --thumb.
 * With --gps it also reads the GPS position from the header, before anything
 * is stripped. Without --out and --thumb only the header is read.
 *
 * Prints key=value lines on stdout: format, width, height, and lat and lon
 * when --gps found a position; or error=… . Exit status: PHOTO_EXIT_* in
 * core/photo_proc.h (0 ok, 2 not an image, 3 too large, 1 anything else).
 *
 * Limits set on itself before any input is read: address space and CPU
 * time (setrlimit), no core file, no larger output files, no new
 * privileges, killed when the server (its parent thread) ends, and a small seccomp filter (raw BPF: libseccomp-dev is not a
 * dependency) that refuses creating sockets and running programs, so a
 * decoder taken over cannot reach the network or start a shell. It is a
 * deny-list, not a strict allow-list: libvips, glib and the loaders use too
 * many system calls to list robustly. The wall-clock limit is the parent's
 * (it kills on expiry); the parent also gives it an empty environment and no
 * open descriptors but stdin (/dev/null), stdout (a pipe) and stderr
 * (/dev/null).
 */
#include "core/photo_proc.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <vips/vips.h>

#define PHOTO_MAX_SIDE 2048
#define PHOTO_THUMB_SIDE 320
#define PHOTO_MAX_PIXELS (40LL * 1000 * 1000)
#define PHOTO_JPEG_QUALITY 85
#define PHOTO_MEMORY_LIMIT (1024LL << 20) /* address space; a 40 Mpx PNG fits */
#define PHOTO_CPU_SECONDS 30
#define PHOTO_OUTPUT_LIMIT (64LL << 20)   /* largest file it may write */

/* Sets the resource limits. The address-space limit is left out under
 * AddressSanitizer, which reserves terabytes of shadow memory. 0 or -1. */
static int limits_set(void)
{
	struct rlimit cpu = { PHOTO_CPU_SECONDS, PHOTO_CPU_SECONDS + 1 };
	struct rlimit none = { 0, 0 };
	struct rlimit fsize = { PHOTO_OUTPUT_LIMIT, PHOTO_OUTPUT_LIMIT };
	if (setrlimit(RLIMIT_CPU, &cpu) != 0 || setrlimit(RLIMIT_CORE, &none) != 0 ||
	    setrlimit(RLIMIT_FSIZE, &fsize) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) /* ended with the server */
		return -1;
#if !defined(__SANITIZE_ADDRESS__)
	struct rlimit as = { PHOTO_MEMORY_LIMIT, PHOTO_MEMORY_LIMIT };
	if (setrlimit(RLIMIT_AS, &as) != 0)
		return -1;
#endif
	return 0;
}

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

/* A BPF pair: system call nr fails with EACCES. */
#define SANDBOX_DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES)

/* Installs the seccomp filter described at the top. 0 or -1; on an
 * architecture it does not know, nothing is installed and it returns 0. */
static int sandbox_enter(void)
{
#ifdef SANDBOX_ARCH
	struct sock_filter filter[] = {
		/* Another architecture's numbers (a 32-bit call on x86-64) would mean other calls: killed. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
		/* The x32 calls, numbered from 0x40000000. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		SANDBOX_DENY(__NR_socket),
		SANDBOX_DENY(__NR_socketpair),
		SANDBOX_DENY(__NR_connect),
		SANDBOX_DENY(__NR_bind),
		SANDBOX_DENY(__NR_listen),
		SANDBOX_DENY(__NR_accept4),
		SANDBOX_DENY(__NR_execve),
		SANDBOX_DENY(__NR_execveat),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(filter) / sizeof(filter[0])), filter };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : -1;
#else
	return 0;
#endif
}

/* Reads up to three EXIF rationals as libvips shows them ("57/1 44/1 2400/100
 * (57, 44, 24.00, Rational, 3 components, 24 bytes)") as degrees. 0 or -1. */
static int gps_degrees(const char *text, double *out)
{
	double parts[3] = { 0, 0, 0 };
	const char *p = text;
	int n = 0;
	while (n < 3 && *p && *p != '(') {
		char *end;
		errno = 0;
		unsigned long num = strtoul(p, &end, 10);
		if (end == p || *end != '/' || errno != 0)
			break;
		p = end + 1;
		unsigned long den = strtoul(p, &end, 10);
		if (end == p || errno != 0 || den == 0)
			return -1;
		parts[n++] = (double)num / (double)den;
		p = end;
		while (*p == ' ')
			p++;
	}
	if (n == 0)
		return -1;
	*out = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0;
	return 0;
}

/* The first character of an EXIF text field as libvips shows it ("S (S, ASCII, …)"), or 0. */
static char gps_ref(VipsImage *img, const char *field)
{
	const char *v = NULL;
	if (vips_image_get_typeof(img, field) == 0 || vips_image_get_string(img, field, &v) != 0 || v == NULL)
		return 0;
	return v[0];
}

/* The GPS position in img's header into lat and lon. 1 when there is a usable one, else 0. */
static int gps_read(VipsImage *img, double *lat, double *lon)
{
	const char *la = NULL, *lo = NULL;
	if (vips_image_get_typeof(img, "exif-ifd3-GPSLatitude") == 0 ||
	    vips_image_get_typeof(img, "exif-ifd3-GPSLongitude") == 0 ||
	    vips_image_get_string(img, "exif-ifd3-GPSLatitude", &la) != 0 ||
	    vips_image_get_string(img, "exif-ifd3-GPSLongitude", &lo) != 0)
		return 0;
	double y, x;
	if (gps_degrees(la, &y) != 0 || gps_degrees(lo, &x) != 0)
		return 0;
	if (gps_ref(img, "exif-ifd3-GPSLatitudeRef") == 'S')
		y = -y;
	if (gps_ref(img, "exif-ifd3-GPSLongitudeRef") == 'W')
		x = -x;
	if (!isfinite(y) || !isfinite(x) || fabs(y) > 90 || fabs(x) > 180 || (y == 0 && x == 0))
		return 0;
	*lat = y;
	*lon = x;
	return 1;
}

/* Writes path re-encoded at most side pixels wide and high as out. PHOTO_EXIT_*. */
static int save_one(const char *path, int side, const char *out)
{
	VipsImage *img = NULL;
	int rc = PHOTO_EXIT_NOT_IMAGE;
	if (vips_thumbnail(path, &img, side, "height", side, "size", VIPS_SIZE_DOWN, NULL) != 0)
		goto out;
	rc = vips_jpegsave(img, out, "strip", TRUE, "Q", PHOTO_JPEG_QUALITY, NULL) == 0 ? PHOTO_EXIT_OK
											: PHOTO_EXIT_FAILED;
out:
	if (img)
		g_object_unref(img);
	return rc;
}

static int usage(void)
{
	fputs("usage: trygg-photo [--gps] [--out FILE] [--thumb FILE] [--] INPUT\n", stderr);
	return PHOTO_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const char *input = NULL, *full = NULL, *thumb = NULL;
	bool want_gps = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--gps") == 0)
			want_gps = true;
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			full = argv[++i];
		else if (strcmp(argv[i], "--thumb") == 0 && i + 1 < argc)
			thumb = argv[++i];
		else if (strcmp(argv[i], "--") == 0 && i + 2 == argc && input == NULL)
			input = argv[++i];
		else if (argv[i][0] != '-' && input == NULL)
			input = argv[i];
		else
			return usage();
	}
	if (input == NULL)
		return usage();
	if (limits_set() != 0 || sandbox_enter() != 0) {
		puts("error=limits");
		return PHOTO_EXIT_FAILED;
	}
	if (VIPS_INIT(argv[0]) != 0) {
		puts("error=vips");
		return PHOTO_EXIT_FAILED;
	}
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_concurrency_set(1);
	vips_block_untrusted_set(TRUE);

	int rc = PHOTO_EXIT_NOT_IMAGE;
	/* The header only: refuse what is not an image, or too large to decode. */
	VipsImage *probe = vips_image_new_from_file(input, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (probe == NULL) {
		puts("error=not-image");
		goto out;
	}
	int width = vips_image_get_width(probe), height = vips_image_get_height(probe);
	if ((long long)width * height > PHOTO_MAX_PIXELS) {
		puts("error=too-large");
		rc = PHOTO_EXIT_TOO_LARGE;
		goto out;
	}
	const char *loader = NULL;
	if (vips_image_get_typeof(probe, "vips-loader") == 0 ||
	    vips_image_get_string(probe, "vips-loader", &loader) != 0)
		loader = "";
	double lat = 0, lon = 0;
	bool has_gps = want_gps && gps_read(probe, &lat, &lon) == 1;
	rc = PHOTO_EXIT_OK;
	if (full)
		rc = save_one(input, PHOTO_MAX_SIDE, full);
	if (rc == PHOTO_EXIT_OK && thumb)
		rc = save_one(input, PHOTO_THUMB_SIDE, thumb);
	if (rc != PHOTO_EXIT_OK) {
		puts(rc == PHOTO_EXIT_NOT_IMAGE ? "error=not-image" : "error=write");
		goto out;
	}
	printf("format=%s\nwidth=%d\nheight=%d\n", loader, width, height);
	if (has_gps)
		printf("lat=%.9f\nlon=%.9f\n", lat, lon);
out:
	/* libvips' messages may quote the file: they are not printed. */
	vips_error_clear();
	if (probe)
		g_object_unref(probe);
	vips_shutdown();
	if (fflush(stdout) != 0)
		rc = PHOTO_EXIT_FAILED;
	return rc;
}
