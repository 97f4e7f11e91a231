/*
 * fuzz_form.c — libFuzzer target for the request-body decoders (form.c,
 * urlencode.c).
 *
 * Input layout: byte 0 picks the content type (low 3 bits) and whether files
 * are allowed (bit 7); byte 1 picks the chunk size (0: all at once); the rest
 * is the body. The body is fed to the streaming parser, and also given whole
 * to http_urldecode_form() and http_urldecode_path(). Whatever the input,
 * what the decoders accept must hold their promises (valid UTF-8, no NUL,
 * limits kept); a broken promise aborts.
 */
#include "core/arena.h"
#include "core/util.h"
#include "http/form.h"
#include "http/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
	"multipart/form-data; boundary=XyZ",
	"multipart/form-data; boundary=b",
	"multipart/form-data; boundary=\"a b:=?(x)\"",
	"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=XyZ",
	"multipart/form-data; boundary=-",
	"application/x-www-form-urlencoded; charset=utf-8",
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_text(const char *s, size_t len)
{
	check(s != NULL && s[len] == '\0' && memchr(s, '\0', len) == NULL && str_valid_utf8(s, len));
}

static void fuzz_parser(arena *a, uint8_t mode, size_t chunk, const char *body, size_t len)
{
	form_limits lim = {
		.body = 1 << 16,
		.field = 512,
		.fields = 20,
		.file = (mode & 0x80) ? 0 : 4096,
		.files = 3,
		.tmpdir = "/tmp",
	};
	form_parser *p = form_parser_new(a, content_types[mode & 7], &lim);
	check(p != NULL);
	int rc = FORM_OK;
	for (size_t off = 0; off < len && rc == FORM_OK;) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		rc = form_parser_feed(p, body + off, n);
		off += n;
	}
	http_kv *fields = NULL;
	http_file *files = NULL;
	int fin = form_parser_finish(p, &fields, &files);
	check(rc == FORM_OK || fin == rc);
	if (fin != FORM_OK)
		return;
	size_t count = 0, file_count = 0;
	for (const http_kv *kv = fields; kv; kv = kv->next, count++) {
		check_text(kv->name, strlen(kv->name));
		check_text(kv->value, kv->value_len);
		check(kv->value_len <= lim.field);
	}
	for (const http_file *f = files; f; f = f->next, file_count++) {
		struct stat st;
		check(lim.file > 0 && f->size <= lim.file);
		check(stat(f->path, &st) == 0 && (size_t)st.st_size == f->size && (st.st_mode & 0777) == 0600);
		check_text(f->field, strlen(f->field));
		check_text(f->filename, strlen(f->filename));
	}
	check(file_count <= lim.files && count + file_count <= lim.fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *body = (const char *)data + 2;
	size_t len = size - 2;
	arena *a = arena_new();

	fuzz_parser(a, data[0], data[1], body, len);

	http_kv *list = NULL;
	if (http_urldecode_form(a, body, len, &list) == 0) {
		for (const http_kv *kv = list; kv; kv = kv->next) {
			check_text(kv->name, strlen(kv->name));
			check_text(kv->value, kv->value_len);
			check(kv->value_len <= len);
		}
	} else {
		check(list == NULL);
	}
	char *path = http_urldecode_path(a, body, len);
	if (path)
		check_text(path, strlen(path));

	arena_free(a);
	return 0;
}
