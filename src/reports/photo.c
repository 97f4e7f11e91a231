/*
 * photo.c — a resident's photo made safe to publish: decoded by libvips and
 * written again as JPEG without any metadata (EXIF with GPS and camera,
 * XMP, IPTC, ICC, comments), turned upright first, at most PHOTO_MAX_SIDE
 * pixels on its longer side, and a thumbnail beside it. Images larger than
 * PHOTO_MAX_PIXELS are refused before they are decoded.
 *
 * Also here: the uploads of one request (the web form's "photos", the API's
 * "media", "media[]" and "photo") taken through that pipeline, their rows in
 * report_photos, and the one thing ever read from a photo's metadata: its GPS
 * position, and only when the resident has agreed (report_photo_gps()).
 *
 * Formats: whatever this libvips decodes. Debian 12's libvips 8.14 with
 * libheif 1.15 (libde265) decodes HEIC from phones; tests/http/reports.test.mjs
 * checks it with a HEIC made by heif-enc.
 */
#include "reports/report_internal.h"
#include "core/util.h"
#include "web/web.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vips/vips.h>

#define PHOTO_MAX_SIDE 2048
#define PHOTO_THUMB_SIDE 320
#define PHOTO_MAX_PIXELS (40LL * 1000 * 1000)
#define PHOTO_JPEG_QUALITY 85

static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static bool vips_ready;

/* VIPS_INIT may be called by another module too; libvips counts it once. */
static void vips_start(void)
{
	if (VIPS_INIT("trygg") != 0) {
		vips_error_clear();
		return;
	}
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_concurrency_set(1);
	vips_block_untrusted_set(TRUE);
	vips_ready = true;
}

/* Writes path re-encoded at most side pixels wide and high as out. 0, 1 (not an image), -1. */
static int save_one(const char *path, int side, const char *out)
{
	VipsImage *img = NULL;
	int rc = 1;
	if (vips_thumbnail(path, &img, side, "height", side, "size", VIPS_SIZE_DOWN, NULL) != 0)
		goto out;
	rc = vips_jpegsave(img, out, "strip", TRUE, "Q", PHOTO_JPEG_QUALITY, NULL) == 0 ? 0 : -1;
out:
	vips_error_clear();
	if (img)
		g_object_unref(img);
	return rc;
}

int report_photo_store(const char *path, const char *dir, const char *name)
{
	VipsImage *probe = NULL;
	int rc = 1;
	char full[4096], thumb[4096];
	pthread_once(&vips_once, vips_start);
	if (!vips_ready)
		return -1;
	probe = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (probe == NULL)
		goto out;
	if ((long long)vips_image_get_width(probe) * vips_image_get_height(probe) > PHOTO_MAX_PIXELS)
		goto out;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s.jpg", dir, name) >= sizeof(full) ||
	    (size_t)snprintf(thumb, sizeof(thumb), "%s/%s-t.jpg", dir, name) >= sizeof(thumb)) {
		rc = -1;
		goto out;
	}
	rc = save_one(path, PHOTO_MAX_SIDE, full);
	if (rc == 0)
		rc = save_one(path, PHOTO_THUMB_SIDE, thumb);
	if (rc != 0) {
		remove(full);
		remove(thumb);
	}
out:
	vips_error_clear();
	if (probe)
		g_object_unref(probe);
	return rc;
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

int report_photo_gps(const char *path, double *lat, double *lon)
{
	VipsImage *img = NULL;
	const char *la = NULL, *lo = NULL;
	int rc = 0;
	pthread_once(&vips_once, vips_start);
	if (!vips_ready)
		return 0;
	/* Only the header is read: no pixels are decoded. */
	img = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (img == NULL)
		goto out;
	if (vips_image_get_typeof(img, "exif-ifd3-GPSLatitude") == 0 ||
	    vips_image_get_typeof(img, "exif-ifd3-GPSLongitude") == 0 ||
	    vips_image_get_string(img, "exif-ifd3-GPSLatitude", &la) != 0 ||
	    vips_image_get_string(img, "exif-ifd3-GPSLongitude", &lo) != 0)
		goto out;
	double y, x;
	if (gps_degrees(la, &y) != 0 || gps_degrees(lo, &x) != 0)
		goto out;
	if (gps_ref(img, "exif-ifd3-GPSLatitudeRef") == 'S')
		y = -y;
	if (gps_ref(img, "exif-ifd3-GPSLongitudeRef") == 'W')
		x = -x;
	if (!isfinite(y) || !isfinite(x) || fabs(y) > 90 || fabs(x) > 180 || (y == 0 && x == 0))
		goto out;
	*lat = y;
	*lon = x;
	rc = 1;
out:
	vips_error_clear();
	if (img)
		g_object_unref(img);
	return rc;
}

bool report_upload_field(const char *const *fields, const char *name)
{
	for (size_t i = 0; fields[i]; i++)
		if (strcmp(fields[i], name) == 0)
			return true;
	return false;
}

enum report_upload_problem report_photos_receive(http_req *r, const char *const *fields, size_t room,
						 const char ***names, size_t *count)
{
	const char *dir = arena_printf(r->arena, "%s/reports", web_app(r)->cfg->data_dir);
	*count = 0;
	*names = arena_alloc(r->arena, (REPORT_PHOTOS_MAX + 1) * sizeof(**names));
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return REPORT_UPLOAD_FAILED;
	enum report_upload_problem problem = REPORT_UPLOAD_OK;
	for (const http_file *f = r->files; f && problem == REPORT_UPLOAD_OK; f = f->next) {
		if (!report_upload_field(fields, f->field) || f->size == 0)
			continue;
		if (*count == room || *count == REPORT_PHOTOS_MAX) {
			problem = REPORT_UPLOAD_TOO_MANY;
			break;
		}
		const char *name = report_new_token(r->arena);
		int rc = report_photo_store(f->path, dir, name);
		if (rc != 0)
			problem = rc > 0 ? REPORT_UPLOAD_NOT_IMAGE : REPORT_UPLOAD_FAILED;
		else
			(*names)[(*count)++] = name;
	}
	if (problem != REPORT_UPLOAD_OK) {
		/* Nothing is linked yet: remove what was written. */
		for (size_t i = 0; i < *count; i++) {
			remove(arena_printf(r->arena, "%s/%s.jpg", dir, (*names)[i]));
			remove(arena_printf(r->arena, "%s/%s-t.jpg", dir, (*names)[i]));
		}
		*count = 0;
	}
	return problem;
}

static const char SQL_PHOTO_ADD[] = "INSERT INTO report_photos (report_id, created_at, file) VALUES (?, ?, ?)";

int report_photos_attach(db_conn *c, int64_t id, int64_t now, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		db_stmt *s = db_prepare(c, SQL_PHOTO_ADD);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, id);
		db_bind_int(s, 2, now);
		db_bind_text(s, 3, names[i]);
		if (db_step(s) != DB_DONE)
			return -1;
	}
	return 0;
}
