/*
 * form.h — streaming decoder of request bodies: application/x-www-form-urlencoded
 * and multipart/form-data (RFC 7578). Data is fed in chunks as it arrives;
 * file parts go straight to temporary files, so an upload is never held
 * wholly in memory. Text fields must be valid UTF-8.
 *
 * Limits are enforced while parsing: a body or a file over its limit gives
 * FORM_TOO_LARGE (413), anything malformed gives FORM_BAD (400).
 */
#ifndef TRYGG_HTTP_FORM_H
#define TRYGG_HTTP_FORM_H

#include "http/http.h"

/* FORM_STORAGE: an upload could not be written (no room, no folder): the server's fault (503). */
enum form_result { FORM_OK = 0, FORM_BAD = -1, FORM_TOO_LARGE = -2, FORM_STORAGE = -3 };

typedef struct form_limits {
	size_t body;       /* whole body */
	size_t field;      /* one text field's value (default 64 KiB when 0) */
	size_t fields;     /* number of fields + files (default 200 when 0) */
	size_t file;       /* one file (0: files not allowed → FORM_BAD) */
	size_t files;      /* number of files (default 10 when 0) */
	const char *tmpdir;
} form_limits;

typedef struct form_parser form_parser;

/* Returns a parser for a body of content_type (the header's whole value), or
 * NULL when the type is not one of the two form types or its boundary is bad.
 * The parser lives in a; temporary files are removed when a is freed. */
form_parser *form_parser_new(arena *a, const char *content_type, const form_limits *limits);
/* Feeds the next chunk. Returns FORM_OK, FORM_BAD or FORM_TOO_LARGE; after an
 * error every later call returns the same error. */
int form_parser_feed(form_parser *p, const char *data, size_t len);
/* Ends the body: checks it was complete and hands over what was decoded
 * (arena-owned). Returns FORM_OK, FORM_BAD or FORM_TOO_LARGE. */
int form_parser_finish(form_parser *p, http_kv **fields, http_file **files);

#endif
