/*
 * test_form.c — unit tests of the body decoders: http_urldecode_form,
 * http_urldecode_path, the http_kv list, and the streaming form parser
 * (urlencoded and multipart/form-data), including every way of splitting a
 * body into chunks, the limits, and removal of temporary files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/util.h"
#include "http/form.h"
#include "http/http.h"

#define MULTIPART "multipart/form-data; boundary=XyZ"
#define URLENCODED "application/x-www-form-urlencoded"

static char tmpdir[64];

static int group_setup(void **state)
{
	str_copy(tmpdir, "/tmp/trygg-test-form-XXXXXX", sizeof(tmpdir));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	/* Fails when a test left a temporary file behind. */
	return rmdir(tmpdir);
}

static size_t tmpdir_entries(void)
{
	size_t n = 0;
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static form_limits default_limits(void)
{
	form_limits lim = { .body = 1 << 20, .file = 1 << 16, .tmpdir = tmpdir };
	return lim;
}

/* Feeds body to a new parser: first `first` bytes, then chunks of `chunk` bytes
 * (0: the rest at once). Returns the first error or the result of finishing. */
static int parse_chunked(arena *a, const char *ctype, const form_limits *lim, const char *body, size_t len,
			 size_t first, size_t chunk, http_kv **fields, http_file **files)
{
	form_parser *p = form_parser_new(a, ctype, lim);
	assert_non_null(p);
	size_t off = 0;
	if (first > len)
		first = len;
	int rc = form_parser_feed(p, body, first);
	off = first;
	while (rc == FORM_OK && off < len) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		rc = form_parser_feed(p, body + off, n);
		off += n;
	}
	if (rc != FORM_OK) {
		/* The error sticks. */
		assert_int_equal(form_parser_feed(p, "x", 1), rc);
		assert_int_equal(form_parser_finish(p, fields, files), rc);
		return rc;
	}
	return form_parser_finish(p, fields, files);
}

static int parse(arena *a, const char *ctype, const form_limits *lim, const char *body, size_t len,
		 http_kv **fields, http_file **files)
{
	return parse_chunked(a, ctype, lim, body, len, len, 0, fields, files);
}

/* Parses a NUL-terminated body with the default limits, checks the result and frees everything. */
static void expect(const char *ctype, const char *body, int want)
{
	arena *a = arena_new();
	form_limits lim = default_limits();
	http_kv *fields = NULL;
	http_file *files = NULL;
	assert_int_equal(parse(a, ctype, &lim, body, strlen(body), &fields, &files), want);
	arena_free(a);
	assert_int_equal(tmpdir_entries(), 0);
}

static char *slurp(const char *path, size_t *len)
{
	buf b = BUF_INIT;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static void assert_file_content(const http_file *f, const char *want, size_t want_len)
{
	size_t len;
	char *got = slurp(f->path, &len);
	assert_int_equal(f->size, want_len);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, want_len);
	free(got);
}

static size_t kv_count(const http_kv *kv)
{
	size_t n = 0;
	for (; kv; kv = kv->next)
		n++;
	return n;
}

/* ---- http_urldecode_form, http_urldecode_path, http_kv ---- */

static void test_urldecode_form_basics(void **state)
{
	arena *a = arena_new();
	http_kv *list = NULL;
	const char *s = "a=1&b=hello+world&&c=%C3%A5%2b%26&d&=e&a=2&";
	assert_int_equal(http_urldecode_form(a, s, strlen(s), &list), 0);
	assert_int_equal(kv_count(list), 6);
	assert_string_equal(list->name, "a");
	assert_string_equal(list->value, "1");
	assert_string_equal(http_kv_get(list, "a"), "1"); /* the first one */
	assert_string_equal(http_kv_get(list, "b"), "hello world");
	assert_string_equal(http_kv_get(list, "c"), "\xC3\xA5+&");
	assert_string_equal(http_kv_get(list, "d"), "");
	assert_string_equal(http_kv_get(list, ""), "e");
	assert_null(http_kv_get(list, "x"));
	assert_string_equal(list->next->next->next->next->next->value, "2");
	assert_int_equal(list->next->next->value_len, 4);

	/* Appends after what the list held; an empty string adds nothing. */
	assert_int_equal(http_urldecode_form(a, "z=9", 3, &list), 0);
	assert_int_equal(http_urldecode_form(a, "", 0, &list), 0);
	assert_int_equal(http_urldecode_form(a, "&&&", 3, &list), 0);
	assert_int_equal(kv_count(list), 7);
	assert_string_equal(http_kv_get(list, "z"), "9");
	/* Only '&' separates; '+' in a name is a space too. */
	http_kv *other = NULL;
	assert_int_equal(http_urldecode_form(a, "a+b=1;c=2", 9, &other), 0);
	assert_string_equal(other->name, "a b");
	assert_string_equal(other->value, "1;c=2");
	arena_free(a);
}

static void test_urldecode_form_bad(void **state)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%4g", "a=%zz", "%=1", "a=%00", "%00=a", "a=%FF", "a=%C3", "a=%C3%28",
		"a=\xFF", "a=%ED%A0%80" /* surrogate */, "a=%C0%AF" /* overlong */, "ok=1&a=%",
	};
	arena *a = arena_new();
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		http_kv *list = NULL;
		assert_int_equal(http_urldecode_form(a, bad[i], strlen(bad[i]), &list), -1);
		assert_null(list); /* untouched on failure */
	}
	/* A raw NUL byte inside the given length. */
	http_kv *list = NULL;
	assert_int_equal(http_urldecode_form(a, "a=b\0c", 5, &list), -1);
	arena_free(a);
}

static void test_urldecode_path(void **state)
{
	arena *a = arena_new();
	assert_string_equal(http_urldecode_path(a, "/a%20b+c%2F%c3%a5", 17), "/a b+c/\xC3\xA5");
	assert_string_equal(http_urldecode_path(a, "", 0), "");
	/* Only len bytes are read. */
	assert_string_equal(http_urldecode_path(a, "/abc?x=1", 4), "/abc");
	static const char *const bad[] = { "/%", "/%2", "/%G0", "/%00", "/%FF", "/\xC3", "/%F4%90%80%80" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_null(http_urldecode_path(a, bad[i], strlen(bad[i])));
	assert_null(http_urldecode_path(a, "/a\0b", 4));
	arena_free(a);
}

static void test_kv_list(void **state)
{
	arena *a = arena_new();
	http_kv *list = NULL, **tail = &list;
	char name[16];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		http_kv_add(a, tail, name, "v\0w", 3); /* values are copied byte for byte */
		tail = &(*tail)->next;
	}
	http_kv_add(a, &list, "last", "x", 1); /* from the head: walks to the end */
	int i = 0;
	for (const http_kv *kv = list; kv; kv = kv->next, i++) {
		if (i < 200) {
			snprintf(name, sizeof(name), "f%d", i);
			assert_string_equal(kv->name, name);
			assert_int_equal(kv->value_len, 3);
			assert_memory_equal(kv->value, "v\0w", 4); /* NUL-terminated too */
		}
	}
	assert_int_equal(i, 201);
	assert_string_equal(http_kv_get(list, "last"), "x");
	assert_null(http_kv_get(NULL, "x"));
	arena_free(a);
}

/* ---- Content types ---- */

static void test_content_types(void **state)
{
	static const char *const good[] = {
		"application/x-www-form-urlencoded",
		"Application/X-WWW-Form-Urlencoded; charset=UTF-8",
		"multipart/form-data; boundary=abc",
		"multipart/form-data;boundary=abc",
		"MULTIPART/FORM-DATA; charset=utf-8; BOUNDARY=\"a b:c=d?e(f)g,h/i.j+k_l'm\"",
		"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
		"multipart/form-data; boundary=1234567890123456789012345678901234567890123456789012345678901234567890",
		"multipart/form-data; boundary=\"q\\)\"; x=y;",
	};
	static const char *const bad[] = {
		"", "text/plain", "application/json", "multipart/mixed; boundary=abc",
		"multipart/form-data", "multipart/form-datax; boundary=abc", "multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"abc",
		"multipart/form-data; boundary=\"abc \"", "multipart/form-data; boundary=a\x01",
		"multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=ab*c",
		"multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
		"multipart/form-data boundary=abc", "multipart/form-data; boundary abc",
		"multipart/form-data; boundary=\"a\r\nb\"",
	};
	arena *a = arena_new();
	form_limits lim = default_limits();
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		assert_non_null(form_parser_new(a, good[i], &lim));
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_null(form_parser_new(a, bad[i], &lim));
	assert_null(form_parser_new(a, NULL, &lim));
	arena_free(a);
}

/* ---- Urlencoded bodies through the parser ---- */

static void test_form_urlencoded(void **state)
{
	const char *body = "name=Anna+Svensson&text=Hej%21%0D%0Ahej&empty=&flag";
	size_t len = strlen(body);
	for (size_t split = 0; split <= len; split++) {
		arena *a = arena_new();
		form_limits lim = default_limits();
		http_kv *fields = NULL;
		http_file *files = NULL;
		assert_int_equal(parse_chunked(a, URLENCODED "; charset=utf-8", &lim, body, len, split, 0,
					       &fields, &files),
				 FORM_OK);
		assert_int_equal(kv_count(fields), 4);
		assert_string_equal(http_kv_get(fields, "name"), "Anna Svensson");
		assert_string_equal(http_kv_get(fields, "text"), "Hej!\r\nhej");
		assert_string_equal(http_kv_get(fields, "empty"), "");
		assert_string_equal(http_kv_get(fields, "flag"), "");
		assert_null(files);
		arena_free(a);
	}
	expect(URLENCODED, "", FORM_OK);
	expect(URLENCODED, "a=%", FORM_BAD);
	expect(URLENCODED, "a=%00", FORM_BAD);
	expect(URLENCODED, "a=%C3", FORM_BAD);
	expect(URLENCODED, "a=\xC3\xA5", FORM_OK);
}

static void test_form_urlencoded_limits(void **state)
{
	arena *a = arena_new();
	form_limits lim = default_limits();
	lim.body = 10;
	assert_int_equal(parse(a, URLENCODED, &lim, "a=12345678", 10, NULL, NULL), FORM_OK);
	assert_int_equal(parse(a, URLENCODED, &lim, "a=123456789", 11, NULL, NULL), FORM_TOO_LARGE);
	assert_int_equal(parse_chunked(a, URLENCODED, &lim, "a=123456789", 11, 0, 1, NULL, NULL), FORM_TOO_LARGE);

	lim = default_limits();
	lim.field = 3;
	assert_int_equal(parse(a, URLENCODED, &lim, "a=123&b=%41%42%43", 17, NULL, NULL), FORM_OK);
	assert_int_equal(parse(a, URLENCODED, &lim, "a=1234", 6, NULL, NULL), FORM_TOO_LARGE);

	lim = default_limits();
	lim.fields = 2;
	assert_int_equal(parse(a, URLENCODED, &lim, "a&b", 3, NULL, NULL), FORM_OK);
	assert_int_equal(parse(a, URLENCODED, &lim, "a&b&c", 5, NULL, NULL), FORM_TOO_LARGE);
	arena_free(a);
}

/* ---- Multipart ---- */

/* File content that looks like delimiters in every way short of being one. */
static const char file_content[] = "\0\r\n\r\n--X\r\n--Xy\r\r\n\n-\xFF\r\n-XyZ\r\n--xyz\r\r";
#define FILE_CONTENT_LEN (sizeof(file_content) - 1)

static void build_body(buf *b)
{
	buf_puts(b, "--XyZ\r\n"
		    "Content-Disposition: form-data; name=\"title\"\r\n"
		    "\r\n"
		    "Hej v\xC3\xA4rlden\r\n"
		    "--XyZ\r\n"
		    "content-disposition: FORM-DATA; name=\"photo\"; filename=\"bild.bin\"\r\n"
		    "Content-Type: image/png\r\n"
		    "X-Unknown: ignored\r\n"
		    "\r\n");
	buf_append(b, file_content, FILE_CONTENT_LEN);
	buf_puts(b, "\r\n--XyZ\r\n"
		    "Content-Disposition: form-data; name=\"note\"\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "\r\n"
		    "rad 1\r\nrad 2\r\n-\r\n"
		    "--XyZ\r\n"
		    "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
		    "\r\n"
		    "\r\n"
		    "--XyZ\r\n"
		    "Content-Disposition: form-data; name=\"blank\"\r\n"
		    "\r\n"
		    "\r\n"
		    "--XyZ--\r\n");
}

static void check_basic(const http_kv *fields, const http_file *files)
{
	assert_int_equal(kv_count(fields), 3);
	assert_string_equal(fields->name, "title");
	assert_string_equal(fields->value, "Hej v\xC3\xA4rlden");
	assert_string_equal(fields->next->name, "note");
	assert_string_equal(fields->next->value, "rad 1\r\nrad 2\r\n-");
	assert_string_equal(fields->next->next->name, "blank");
	assert_string_equal(fields->next->next->value, "");

	assert_non_null(files);
	assert_string_equal(files->field, "photo");
	assert_string_equal(files->filename, "bild.bin");
	assert_string_equal(files->content_type, "image/png");
	assert_true(strncmp(files->path, tmpdir, strlen(tmpdir)) == 0);
	assert_file_content(files, file_content, FILE_CONTENT_LEN);

	const http_file *empty = files->next;
	assert_non_null(empty);
	assert_string_equal(empty->field, "empty");
	assert_string_equal(empty->filename, "");
	assert_string_equal(empty->content_type, "application/octet-stream");
	assert_file_content(empty, "", 0);
	assert_null(empty->next);
}

static void test_multipart_basic(void **state)
{
	buf body = BUF_INIT;
	build_body(&body);
	arena *a = arena_new();
	form_limits lim = default_limits();
	http_kv *fields = NULL;
	http_file *files = NULL;
	assert_int_equal(parse(a, MULTIPART, &lim, body.data, body.len, &fields, &files), FORM_OK);
	check_basic(fields, files);

	struct stat st;
	assert_int_equal(stat(files->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char saved[256];
	str_copy(saved, files->path, sizeof(saved));
	assert_int_equal(tmpdir_entries(), 2);
	arena_free(a);
	/* The temporary files went with the arena. */
	assert_int_equal(stat(saved, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(tmpdir_entries(), 0);
	buf_free(&body);
}

static void test_multipart_every_split(void **state)
{
	buf body = BUF_INIT;
	build_body(&body);
	form_limits lim = default_limits();
	/* Two chunks split at every position. */
	for (size_t split = 0; split <= body.len; split++) {
		arena *a = arena_new();
		http_kv *fields = NULL;
		http_file *files = NULL;
		assert_int_equal(parse_chunked(a, MULTIPART, &lim, body.data, body.len, split, 0, &fields, &files),
				 FORM_OK);
		check_basic(fields, files);
		arena_free(a);
	}
	/* One byte at a time, and small chunk sizes after every possible first cut of a few bytes. */
	for (size_t chunk = 1; chunk <= 13; chunk++) {
		for (size_t first = 0; first < chunk; first++) {
			arena *a = arena_new();
			http_kv *fields = NULL;
			http_file *files = NULL;
			assert_int_equal(parse_chunked(a, MULTIPART, &lim, body.data, body.len, first, chunk, &fields,
						       &files),
					 FORM_OK);
			check_basic(fields, files);
			arena_free(a);
		}
	}
	assert_int_equal(tmpdir_entries(), 0);
	buf_free(&body);
}

static void test_multipart_quoted_boundary(void **state)
{
	const char *ctype = "multipart/form-data; charset=utf-8; boundary=\"a b:=?(x)\"";
	const char *body = "--a b:=?(x)\r\n"
			   "Content-Disposition: form-data; name=\"q\\\"uote\\\\d\"\r\n"
			   "\r\n"
			   "v\r\n"
			   "--a b:=?(x)--";
	arena *a = arena_new();
	form_limits lim = default_limits();
	http_kv *fields = NULL;
	assert_int_equal(parse(a, ctype, &lim, body, strlen(body), &fields, NULL), FORM_OK);
	assert_int_equal(kv_count(fields), 1);
	assert_string_equal(fields->name, "q\"uote\\d");
	assert_string_equal(fields->value, "v");
	arena_free(a);
}

static void test_multipart_preamble_epilogue(void **state)
{
	const char *body = "This is the preamble.\r\n--XyY x--XyZ\r\n"
			   "\r\n--XyZ   \t\r\n"
			   "Content-Disposition: form-data; name=a\r\n"
			   "\r\n"
			   "1\r\n"
			   "--XyZ--  and the epilogue\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
			   "--XyZ\x01\xFF garbage";
	arena *a = arena_new();
	form_limits lim = default_limits();
	http_kv *fields = NULL;
	assert_int_equal(parse(a, MULTIPART, &lim, body, strlen(body), &fields, NULL), FORM_OK);
	assert_int_equal(kv_count(fields), 1);
	assert_string_equal(http_kv_get(fields, "a"), "1");
	arena_free(a);

	/* No parts at all. */
	expect(MULTIPART, "--XyZ--", FORM_OK);
	expect(MULTIPART, "--XyZ--\r\n", FORM_OK);
}

static void test_multipart_incomplete(void **state)
{
	static const char *const bodies[] = {
		"",
		"preamble only",
		"--XyZ",
		"--XyZ-",
		"--XyZ\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--XyZ",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--XyZ\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a; filename=f\r\n\r\nvalue\r\n--Xy",
	};
	for (size_t i = 0; i < ARRAY_LEN(bodies); i++)
		expect(MULTIPART, bodies[i], FORM_BAD);
}

static void test_multipart_bad_headers(void **state)
{
#define PART(headers) "--XyZ\r\n" headers "\r\nvalue\r\n--XyZ--\r\n"
	static const char *const bad[] = {
		PART(""),                                                        /* no Content-Disposition */
		PART("Content-Type: text/plain\r\n"),
		PART("Content-Disposition: attachment; name=a\r\n"),
		PART("Content-Disposition: form-data\r\n"),                      /* no name */
		PART("Content-Disposition: form-data; name=\"\"\r\n"),
		PART("Content-Disposition: form-data; filename=\"f\"\r\n"),
		PART("Content-Disposition: form-data; name=a; name=b\r\n"),
		PART("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=a\r\n"),
		PART("Content-Disposition: form-data; name=a\r\nContent-Type: a\r\nContent-Type: b\r\n"),
		PART("Content-Disposition: form-data; name=\"a\r\n"),            /* unterminated quote */
		PART("Content-Disposition: form-data; name=\"a\\\r\n"),          /* escape at the end */
		PART("Content-Disposition: form-data; name=a b\r\n"),
		PART("Content-Disposition: form-data; name =a\r\n"),
		PART("Content-Disposition: form-data; =a\r\n"),
		PART("Content-Disposition: form-data; name\r\n"),
		PART("Content-Disposition: form-data;; name=a\r\n"),
		PART("Content-Disposition form-data; name=a\r\n"),               /* no colon */
		PART(": form-data; name=a\r\n"),
		PART("Content Disposition: form-data; name=a\r\n"),
		PART("Content-Disposition: form-data;\r\n name=a\r\n"),          /* folded */
		PART("Content-Disposition: form-data; name=a\n"),                /* bare LF */
		PART("Content-Disposition: form-data; name=ab\nX-A: b\r\n"),
		PART("Content-Disposition: form-data; name=a\r\n\n"),
		PART("Content-Disposition: form-data; name=a\rX\r\n"),           /* bare CR */
		PART("Content-Disposition: form-data; name=\"\xC3\"\r\n"),       /* invalid UTF-8 */
		PART("X-Other: \xFF\r\nContent-Disposition: form-data; name=a\r\n"),
		PART("Content-Disposition: form-data; name=a; filename*=ISO-8859-1''%E5\r\n"),
		PART("Content-Disposition: form-data; name=a; filename*=UTF-8''%\r\n"),
		PART("Content-Disposition: form-data; name=a; filename*=UTF-8''%FF\r\n"),
		PART("Content-Disposition: form-data; name=a; filename*=UTF-8\r\n"),
		"--XyZ\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",  /* bare LF after boundary */
		"--XyZ\r\rContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
		"--XyZx\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--", /* not the boundary */
		"--XyZ -\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ-x",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZa\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\xC3(\r\n--XyZ--", /* invalid UTF-8 value */
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		expect(MULTIPART, bad[i], FORM_BAD);

	/* A NUL in a text field (which strlen-based expect() cannot carry). */
	const char nul_body[] = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\0y\r\n--XyZ--";
	arena *a = arena_new();
	form_limits lim = default_limits();
	assert_int_equal(parse(a, MULTIPART, &lim, nul_body, sizeof(nul_body) - 1, NULL, NULL), FORM_BAD);
	const char nul_header[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\nx\r\n--XyZ--";
	assert_int_equal(parse(a, MULTIPART, &lim, nul_header, sizeof(nul_header) - 1, NULL, NULL), FORM_BAD);
	arena_free(a);

	static const char *const good[] = {
		PART("Content-Disposition: form-data; name=a\r\n"),
		PART("Content-Disposition:form-data;name=\"a\";\r\n"),
		PART("Content-Disposition: form-data ; name=a ; other=\"x;y\"  \r\n"),
		PART("content-disposition: Form-Data; NAME=a\r\nContent-Transfer-Encoding: 8bit\r\n"),
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		expect(MULTIPART, good[i], FORM_OK);
#undef PART
}

static void test_multipart_filenames(void **state)
{
	const char *body = "--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"f1\"; filename=\"C:\\\\dir\\\\a \\\"b\\\".txt\"\r\n"
			   "\r\n"
			   "one\r\n"
			   "--XyZ\r\n"
			   "Content-Disposition: form-data; name=f2; filename=\"fallback.txt\"; "
			   "filename*=utf-8'sv'%C3%A5r+%25.txt\r\n"
			   "\r\n"
			   "two\r\n"
			   "--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"f3\"; filename=\"r\xC3\xA4ksm\xC3\xB6rg\xC3\xA5s.jpg\"\r\n"
			   "\r\n"
			   "\r\n"
			   "--XyZ--\r\n";
	arena *a = arena_new();
	form_limits lim = default_limits();
	http_file *files = NULL;
	http_kv *fields = NULL;
	assert_int_equal(parse(a, MULTIPART, &lim, body, strlen(body), &fields, &files), FORM_OK);
	assert_null(fields);
	assert_string_equal(files->filename, "C:\\dir\\a \"b\".txt");
	assert_file_content(files, "one", 3);
	assert_string_equal(files->next->field, "f2");
	assert_string_equal(files->next->filename, "\xC3\xA5r+%.txt");
	assert_file_content(files->next, "two", 3);
	assert_string_equal(files->next->next->filename, "r\xC3\xA4ksm\xC3\xB6rg\xC3\xA5s.jpg");
	assert_int_equal(files->next->next->size, 0);
	assert_null(files->next->next->next);
	arena_free(a);
	assert_int_equal(tmpdir_entries(), 0);
}

/* Builds a body of n text fields of value "v" and m files of content "f". */
static void build_many(buf *b, size_t n, size_t m)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"t%zu\"\r\n\r\nv\r\n", i);
	for (size_t i = 0; i < m; i++)
		buf_printf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"f%zu\"; filename=\"f\"\r\n\r\nf\r\n", i);
	buf_puts(b, "--XyZ--\r\n");
}

static int parse_many(const form_limits *lim, size_t n, size_t m)
{
	buf b = BUF_INIT;
	build_many(&b, n, m);
	arena *a = arena_new();
	http_kv *fields = NULL;
	http_file *files = NULL;
	int rc = parse(a, MULTIPART, lim, b.data, b.len, &fields, &files);
	if (rc == FORM_OK) {
		assert_int_equal(kv_count(fields), n);
		size_t k = 0;
		for (const http_file *f = files; f; f = f->next)
			k++;
		assert_int_equal(k, m);
	}
	arena_free(a);
	buf_free(&b);
	assert_int_equal(tmpdir_entries(), 0);
	return rc;
}

static void test_multipart_limits(void **state)
{
	/* fields, files, file: the limits (0: default); n text fields and m files sent. */
	static const struct {
		size_t fields, files, file, n, m;
		int want;
	} cases[] = {
		{ 0, 0, 1 << 16, 200, 0, FORM_OK }, /* defaults: 200 fields + files, 10 files */
		{ 0, 0, 1 << 16, 201, 0, FORM_TOO_LARGE },
		{ 0, 0, 1 << 16, 190, 10, FORM_OK },
		{ 0, 0, 1 << 16, 191, 10, FORM_TOO_LARGE },
		{ 0, 0, 1 << 16, 0, 11, FORM_TOO_LARGE },
		{ 3, 2, 1 << 16, 1, 2, FORM_OK },
		{ 3, 2, 1 << 16, 2, 2, FORM_TOO_LARGE },
		{ 3, 2, 1 << 16, 0, 3, FORM_TOO_LARGE },
		{ 3, 2, 1 << 16, 3, 0, FORM_OK },
		{ 3, 2, 1 << 16, 4, 0, FORM_TOO_LARGE },
		{ 0, 0, 0, 3, 0, FORM_OK }, /* files not allowed at all */
		{ 0, 0, 0, 0, 1, FORM_BAD },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		form_limits lim = default_limits();
		lim.fields = cases[i].fields;
		lim.files = cases[i].files;
		lim.file = cases[i].file;
		assert_int_equal(parse_many(&lim, cases[i].n, cases[i].m), cases[i].want);
	}
}

#define SIZED_HEAD "--XyZ\r\nContent-Disposition: form-data; name=p"
#define SIZED_TAIL "\r\n--XyZ--\r\n"

/* A body with one part: a field (or a file when filename is not NULL) of size bytes of 'x'. */
static int parse_sized(const form_limits *lim, const char *filename, size_t size, size_t chunk)
{
	buf b = BUF_INIT;
	buf_puts(&b, SIZED_HEAD);
	if (filename)
		buf_printf(&b, "; filename=%s", filename);
	buf_puts(&b, "\r\n\r\n");
	for (size_t i = 0; i < size; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, SIZED_TAIL);
	arena *a = arena_new();
	http_kv *fields = NULL;
	http_file *files = NULL;
	int rc = parse_chunked(a, MULTIPART, lim, b.data, b.len, 0, chunk, &fields, &files);
	if (rc == FORM_OK && filename)
		assert_int_equal(files->size, size);
	if (rc == FORM_OK && !filename)
		assert_int_equal(fields->value_len, size);
	arena_free(a);
	buf_free(&b);
	assert_int_equal(tmpdir_entries(), 0);
	return rc;
}

static void test_multipart_sizes(void **state)
{
	const size_t frame = strlen(SIZED_HEAD "\r\n\r\n") + strlen(SIZED_TAIL);
	/* Limits (0: default; body 0: 1 MiB), then one part of size bytes: a file when filename is set. */
	const struct {
		size_t field, file, body;
		const char *filename;
		size_t size;
		int want;
	} cases[] = {
		{ 100, 200, 0, NULL, 100, FORM_OK },
		{ 100, 200, 0, NULL, 101, FORM_TOO_LARGE },
		{ 100, 200, 0, "f", 200, FORM_OK },
		{ 100, 200, 0, "f", 201, FORM_TOO_LARGE },
		{ 0, 200, 0, NULL, 64 * 1024, FORM_OK }, /* the default field limit is 64 KiB */
		{ 0, 200, 0, NULL, 64 * 1024 + 1, FORM_TOO_LARGE },
		{ 0, 200, frame + 10, NULL, 10, FORM_OK }, /* the whole body, counted as it is fed */
		{ 0, 200, frame + 10, NULL, 11, FORM_TOO_LARGE },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (size_t chunk = 0; chunk <= 7; chunk += 7) {
			form_limits lim = default_limits();
			lim.field = cases[i].field;
			lim.file = cases[i].file;
			if (cases[i].body)
				lim.body = cases[i].body;
			assert_int_equal(parse_sized(&lim, cases[i].filename, cases[i].size, chunk), cases[i].want);
		}
	}

	/* Part headers are limited to 8 KiB. */
	buf b = BUF_INIT;
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=p\r\nX-Long: ");
	for (int i = 0; i < 9000; i++)
		buf_putc(&b, 'h');
	buf_puts(&b, "\r\n\r\nv\r\n--XyZ--\r\n");
	expect(MULTIPART, b.data, FORM_TOO_LARGE);
	/* The limit is per part: 500 parts' headers together are well over it. */
	buf_reset(&b);
	form_limits lim = default_limits();
	for (int i = 0; i < 500; i++)
		buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=p\r\nX-Some: 0123456789\r\n\r\n"
			     "v\r\n");
	buf_puts(&b, "--XyZ--\r\n");
	lim.fields = 1000;
	arena *a = arena_new();
	assert_int_equal(parse(a, MULTIPART, &lim, b.data, b.len, NULL, NULL), FORM_OK);
	arena_free(a);
	buf_free(&b);
}

static void test_multipart_error_removes_file(void **state)
{
	/* An upload cut off by an error: the open temporary file still goes with the arena. */
	const char *body = "--XyZ\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n0123456789";
	arena *a = arena_new();
	form_limits lim = default_limits();
	lim.file = 5;
	form_parser *p = form_parser_new(a, MULTIPART, &lim);
	assert_int_equal(form_parser_feed(p, body, strlen(body) - 6), FORM_OK);
	assert_int_equal(tmpdir_entries(), 1);
	assert_int_equal(form_parser_feed(p, body + strlen(body) - 6, 6), FORM_TOO_LARGE);
	assert_int_equal(form_parser_finish(p, NULL, NULL), FORM_TOO_LARGE);
	arena_free(a);
	assert_int_equal(tmpdir_entries(), 0);

	/* A temporary directory that does not exist. */
	a = arena_new();
	lim = default_limits();
	lim.tmpdir = "/nonexistent/trygg";
	p = form_parser_new(a, MULTIPART, &lim);
	assert_int_equal(form_parser_feed(p, body, strlen(body)), FORM_STORAGE);
	arena_free(a);
}

static void test_finish_twice(void **state)
{
	arena *a = arena_new();
	form_limits lim = default_limits();
	form_parser *p = form_parser_new(a, MULTIPART, &lim);
	assert_int_equal(form_parser_feed(p, "--XyZ--", 7), FORM_OK);
	assert_int_equal(form_parser_feed(p, NULL, 0), FORM_OK);
	assert_int_equal(form_parser_finish(p, NULL, NULL), FORM_OK);
	assert_int_equal(form_parser_feed(p, "x", 1), FORM_BAD);
	arena_free(a);
}

/* Adversarial content: near-delimiters over and over. It must decode exactly, and in linear time. */
static void test_multipart_adversarial(void **state)
{
	static const char *const patterns[] = { "\r\n--XyZ", "\r\n--Xy", "\r", "\r\n-", "\r\r\n--XyZ" };
	/* "\r\n--XyZ" itself cannot be in content; the patterns are cut so that it never is whole. */
	for (size_t k = 0; k < ARRAY_LEN(patterns); k++) {
		buf content = BUF_INIT, b = BUF_INIT;
		size_t plen = strlen(patterns[k]);
		bool whole = strstr(patterns[k], "--XyZ") != NULL;
		while (content.len < (1u << 20)) {
			buf_append(&content, patterns[k], whole ? plen - 1 : plen);
			if (whole)
				buf_putc(&content, 'q');
		}
		buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n");
		buf_append(&b, content.data, content.len);
		buf_puts(&b, "\r\n--XyZ--");
		arena *a = arena_new();
		form_limits lim = default_limits();
		lim.body = 4 << 20;
		lim.file = 4 << 20;
		http_file *files = NULL;
		clock_t t0 = clock();
		assert_int_equal(parse_chunked(a, MULTIPART, &lim, b.data, b.len, 0, 4093, NULL, &files), FORM_OK);
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		assert_true(secs < 5.0);
		assert_file_content(files, content.data, content.len);
		arena_free(a);
		buf_free(&content);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urldecode_form_basics),
		cmocka_unit_test(test_urldecode_form_bad),
		cmocka_unit_test(test_urldecode_path),
		cmocka_unit_test(test_kv_list),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_form_urlencoded),
		cmocka_unit_test(test_form_urlencoded_limits),
		cmocka_unit_test(test_multipart_basic),
		cmocka_unit_test(test_multipart_every_split),
		cmocka_unit_test(test_multipart_quoted_boundary),
		cmocka_unit_test(test_multipart_preamble_epilogue),
		cmocka_unit_test(test_multipart_incomplete),
		cmocka_unit_test(test_multipart_bad_headers),
		cmocka_unit_test(test_multipart_filenames),
		cmocka_unit_test(test_multipart_limits),
		cmocka_unit_test(test_multipart_sizes),
		cmocka_unit_test(test_multipart_error_removes_file),
		cmocka_unit_test(test_finish_twice),
		cmocka_unit_test(test_multipart_adversarial),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
