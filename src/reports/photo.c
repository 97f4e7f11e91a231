/*
 * photo.c — a resident's photo made safe to publish: decoded by the photo
 * helper build/trygg-photo in a process of its own (core/photo_proc.h) and
 * written again as JPEG without any metadata (EXIF with GPS and camera,
 * XMP, IPTC, ICC, comments), turned upright first, at most 2048 pixels on
 * its longer side, and a thumbnail beside it. The helper refuses images
 * larger than 40 megapixels before they are decoded.
 *
 * Also here: the uploads of one request (the web form's "photos", the API's
 * "media", "media[]" and "photo") taken through that pipeline, their rows in
 * report_photos, and the one thing ever read from a photo's metadata: its GPS
 * position, and only when the resident has agreed (report_photo_gps()).
 *
 * Formats: whatever the helper's libvips decodes. Debian 12's libvips 8.14
 * with libheif 1.15 (libde265) decodes HEIC from phones;
 * tests/http/reports.test.mjs checks it with a HEIC made by heif-enc.
 */
#include "reports/report_internal.h"
#include "core/photo_proc.h"
#include "core/util.h"
#include "web/web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int report_photo_store(const config *cfg, const char *path, const char *dir, const char *name)
{
	char full[4096], thumb[4096];
	if ((size_t)snprintf(full, sizeof(full), "%s/%s.jpg", dir, name) >= sizeof(full) ||
	    (size_t)snprintf(thumb, sizeof(thumb), "%s/%s-t.jpg", dir, name) >= sizeof(thumb))
		return -1;
	enum photo_result rc = photo_proc_decode(cfg, path, full, thumb, false, NULL);
	if (rc == PHOTO_OK)
		return 0;
	remove(full);
	remove(thumb);
	return rc == PHOTO_NOT_IMAGE ? 1 : -1;
}

int report_photo_gps(const config *cfg, const char *path, double *lat, double *lon)
{
	photo_info info;
	/* Only the header is read: no pixels are decoded, nothing is written. */
	if (photo_proc_decode(cfg, path, NULL, NULL, true, &info) != PHOTO_OK || !info.has_gps)
		return 0;
	*lat = info.lat;
	*lon = info.lon;
	return 1;
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
	enum report_upload_problem problem = REPORT_UPLOAD_OK;
	bool dir_made = false;
	for (const http_file *f = r->files; f && problem == REPORT_UPLOAD_OK; f = f->next) {
		if (!report_upload_field(fields, f->field) || f->size == 0)
			continue;
		if (!dir_made) {
			if (mkdir(dir, 0750) != 0 && errno != EEXIST)
				return REPORT_UPLOAD_FAILED;
			dir_made = true;
		}
		if (*count == room || *count == REPORT_PHOTOS_MAX) {
			problem = REPORT_UPLOAD_TOO_MANY;
			break;
		}
		const char *name = report_new_token(r->arena);
		int rc = report_photo_store(web_app(r)->cfg, f->path, dir, name);
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
