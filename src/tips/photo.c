/*
 * photo.c — a tipster's photo made safe to keep: decoded and re-encoded as
 * JPEG by libvips, in memory, which leaves out every piece of metadata
 * (EXIF with GPS position and camera serial, XMP, IPTC, ICC, comments) and
 * anything hidden after the image data. The picture is turned upright first
 * (the orientation tag is metadata too) and made at most PHOTO_MAX_SIDE
 * pixels on its longer side.
 *
 * libvips is started once, for the whole process, with its operation cache
 * off (no decoded image stays in memory after use), one worker thread per
 * operation, and the loaders that libvips marks untrusted blocked. Images
 * larger than PHOTO_MAX_PIXELS are refused before they are decoded.
 */
#include "tips/tip_pages.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#define PHOTO_MAX_SIDE 2048
#define PHOTO_MAX_PIXELS (40LL * 1000 * 1000)
#define PHOTO_JPEG_QUALITY 85

static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static bool vips_ready;

static void vips_stop(void)
{
	vips_shutdown();
}

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
	atexit(vips_stop);
	vips_ready = true;
}

int tip_photo_reencode(const void *data, size_t len, buf *out)
{
	VipsImage *probe = NULL, *thumb = NULL;
	void *jpeg = NULL;
	size_t jpeg_len = 0;
	int rc = 1;
	pthread_once(&vips_once, vips_start);
	if (!vips_ready)
		return -1;
	/* The header only: refuse what is not an image, or too large to decode. */
	probe = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (probe == NULL)
		goto out;
	if ((long long)vips_image_get_width(probe) * vips_image_get_height(probe) > PHOTO_MAX_PIXELS)
		goto out;
	if (vips_thumbnail_buffer((void *)data, len, &thumb, PHOTO_MAX_SIDE, "height", PHOTO_MAX_SIDE, "size",
				  VIPS_SIZE_DOWN, NULL) != 0)
		goto out;
	if (vips_jpegsave_buffer(thumb, &jpeg, &jpeg_len, "strip", TRUE, "Q", PHOTO_JPEG_QUALITY, NULL) != 0) {
		rc = -1;
		goto out;
	}
	buf_append(out, jpeg, jpeg_len);
	rc = 0;
out:
	/* libvips' messages may quote the file; they are not kept. */
	vips_error_clear();
	if (jpeg) {
		sodium_memzero(jpeg, jpeg_len);
		g_free(jpeg);
	}
	if (thumb)
		g_object_unref(thumb);
	if (probe)
		g_object_unref(probe);
	return rc;
}
