/*
 * photo.c — a tipster's photo made safe to keep: decoded and re-encoded as
 * JPEG by the photo helper build/trygg-photo in a process of its own
 * (core/photo_proc.h), which leaves out every piece of metadata (EXIF with
 * GPS position and camera serial, XMP, IPTC, ICC, comments) and anything
 * hidden after the image data. The picture is turned upright first (the
 * orientation tag is metadata too) and made at most 2048 pixels on its
 * longer side; images larger than 40 megapixels are refused before they are
 * decoded.
 *
 * The helper writes the re-encoded photo to a file, the one plaintext copy
 * on disk that this module makes: created 0600 by mkstemp in the upload
 * folder, read back, overwritten with zeros and removed on every path, as
 * the uploads themselves are (tip_plaintext_scrub()).
 */
#include "tips/tip_pages.h"
#include "core/photo_proc.h"
#include "core/util.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tip_plaintext_read(const char *path, buf *b)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		buf_append(b, chunk, (size_t)n);
	}
	sodium_memzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

void tip_plaintext_scrub(const char *path)
{
	static const char zeros[4096];
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		size_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
		for (size_t done = 0; done < size;) {
			size_t n = size - done < sizeof(zeros) ? size - done : sizeof(zeros);
			ssize_t w = write(fd, zeros, n);
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		fsync(fd);
		close(fd);
	}
	unlink(path);
}

int tip_photo_reencode(const config *cfg, const char *path, buf *out)
{
	char *tmp = buf_strdup_printf("%s/tip-photo-XXXXXX", cfg->upload_dir);
	int rc = -1;
	/* mkstemp creates the file 0600; the helper writes into it as it is. */
	int fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	close(fd);
	switch (photo_proc_decode(cfg, path, tmp, NULL, false, NULL)) {
	case PHOTO_OK:
		rc = tip_plaintext_read(tmp, out) == 0 ? 0 : -1;
		break;
	case PHOTO_NOT_IMAGE:
		rc = 1;
		break;
	case PHOTO_FAILED:
		rc = -1;
		break;
	}
	tip_plaintext_scrub(tmp);
out:
	free(tmp);
	return rc;
}
