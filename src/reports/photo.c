/*
 * photo.c — a resident's photo made safe to publish: decoded by libvips and
 * written again as JPEG without any metadata (EXIF with GPS and camera,
 * XMP, IPTC, ICC, comments), turned upright first, at most PHOTO_MAX_SIDE
 * pixels on its longer side, and a thumbnail beside it. Images larger than
 * PHOTO_MAX_PIXELS are refused before they are decoded.
 */
#include "reports/report_internal.h"
#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
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
