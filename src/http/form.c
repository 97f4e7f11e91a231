/*
 * form.c — the streaming request-body decoder of form.h.
 *
 * application/x-www-form-urlencoded bodies are collected (never more than the
 * body limit) and decoded at the end by http_urldecode_form().
 *
 * multipart/form-data (RFC 7578, framing from RFC 2046) is decoded by a state
 * machine that consumes each byte once, so chunks may be split anywhere. The
 * delimiter is "\r\n--" BOUNDARY, and the body is read as if it began with
 * "\r\n" so that a boundary on the very first line needs no preamble. A
 * boundary holds no CR, so when a partial match fails, no later start of a
 * match can lie inside the bytes matched so far: those bytes are content, and
 * matching restarts at the failing byte. The search is linear without KMP.
 *
 * Strict on purpose: lines end in CRLF (a bare LF is not a line end), the
 * delimiter line may only be followed by spaces, tabs and CRLF, header lines
 * must be valid UTF-8 and may not be folded. Not supported: nested
 * multipart/mixed parts, Content-Transfer-Encoding (RFC 7578 §4.7 deprecates
 * it; the header is ignored like any other unknown header), charsets other
 * than UTF-8 (text fields must be UTF-8 whatever the part says).
 */
#include "http/form.h"
#include "core/util.h"

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define FIELD_LIMIT_DEFAULT (64 * 1024)
#define FIELDS_LIMIT_DEFAULT 200
#define FILES_LIMIT_DEFAULT 10
#define PART_HEADERS_MAX (8 * 1024) /* all header lines of one part, CRLFs included */
#define BOUNDARY_MAX 70              /* RFC 2046 §5.1.1 */
#define UPLOAD_TYPE_DEFAULT "application/octet-stream"

enum form_kind { FORM_URLENCODED, FORM_MULTIPART };

enum multipart_state {
	MP_PREAMBLE,   /* before the first delimiter: ignored */
	MP_DELIM_END,  /* right after a delimiter: "--", padding or CRLF follows */
	MP_DELIM_DASH, /* after one '-': the second '-' of the close delimiter */
	MP_DELIM_PAD,  /* transport padding (spaces, tabs) before the CRLF */
	MP_DELIM_LF,   /* after the CR that ends a delimiter line */
	MP_HEADERS,    /* a part's header lines */
	MP_BODY,       /* a part's content */
	MP_EPILOGUE,   /* after the close delimiter: ignored */
};

/* A temporary file holding an upload. Closed if still open and removed when the arena is freed. */
typedef struct upload {
	char *path;
	FILE *fp;
} upload;

/* The part being read. */
typedef struct part {
	size_t header_bytes;
	bool has_disposition;
	char *name;
	char *filename;      /* filename="…"; NULL when absent */
	char *filename_ext;  /* filename*=UTF-8''…, decoded; preferred over filename */
	char *content_type;
	upload *upload;      /* file parts only */
	size_t size;         /* file parts: bytes written */
} part;

struct form_parser {
	arena *arena;
	form_limits limits; /* defaults filled in */
	enum form_kind kind;
	int error;     /* FORM_OK until the first error, which sticks */
	bool finished; /* form_parser_finish() was called */
	size_t body_len;
	buf data;      /* urlencoded: the body so far; multipart: the current text field */

	/* multipart only */
	char *delim;      /* "\r\n--" boundary */
	size_t delim_len;
	size_t match;     /* bytes of delim matched so far (held back from the content) */
	enum multipart_state state;
	buf line;         /* the header line being read */
	part part;
	http_kv *fields, **fields_tail;
	http_file *files, **files_tail;
	size_t field_count, file_count;
};

/* Records the first error; returns the sticky one. */
static int fail(form_parser *p, int error)
{
	if (p->error == FORM_OK)
		p->error = error;
	return p->error;
}

static void parser_release(void *data)
{
	form_parser *p = data;
	buf_free(&p->data);
	buf_free(&p->line);
}

static void upload_remove(void *data)
{
	upload *u = data;
	if (u->fp)
		fclose(u->fp);
	unlink(u->path);
}

/* ---- Header values: "type *( OWS ; OWS name=value )" (RFC 7231 §3.1.1.1) ---- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 7230 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* An unquoted parameter value: lenient (boundaries use bytes tchar lacks), but
 * never a separator, a quote, a control byte or white space. */
static bool is_value_char(unsigned char c)
{
	return c > ' ' && c != 0x7F && c != ';' && c != '"' && c != '\\';
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

static const char *skip_ows(const char *s, const char *end)
{
	while (s < end && is_ows(*s))
		s++;
	return s;
}

/* Reads the first item of a header value (a media type or disposition type)
 * into *type, *type_len and moves *s past it. */
static void header_type(const char **s, const char *end, const char **type, size_t *type_len)
{
	const char *p = skip_ows(*s, end);
	*type = p;
	while (p < end && *p != ';' && !is_ows(*p))
		p++;
	*type_len = (size_t)(p - *type);
	*s = p;
}

typedef struct header_param {
	const char *name;
	size_t name_len;
	char *value; /* arena-owned, NUL-terminated, quoting undone */
	size_t value_len;
} header_param;

/* Reads the next ";name=value" from *s (the value a token or a quoted-string with
 * backslash escapes). Returns 1 with *out filled, 0 at the end, -1 when malformed. */
static int header_next_param(arena *a, const char **s, const char *end, header_param *out)
{
	const char *p = skip_ows(*s, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_ows(p + 1, end);
	if (p == end)
		return 0; /* a trailing ';' */
	out->name = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	out->name_len = (size_t)(p - out->name);
	if (out->name_len == 0 || p == end || *p != '=')
		return -1;
	p++;
	if (p < end && *p == '"') {
		/* Measure first, so the copy is exactly as long as the value. */
		const char *q = p + 1;
		size_t n = 0;
		while (q < end && *q != '"') {
			if (*q == '\\' && ++q == end)
				return -1;
			q++;
			n++;
		}
		if (q == end)
			return -1; /* no closing quote */
		char *v = arena_alloc(a, n + 1);
		size_t k = 0;
		for (const char *r = p + 1; r < q; r++) {
			if (*r == '\\')
				r++;
			v[k++] = *r;
		}
		out->value = v;
		out->value_len = n;
		p = q + 1;
	} else {
		const char *start = p;
		while (p < end && is_value_char((unsigned char)*p))
			p++;
		if (p == start)
			return -1;
		out->value_len = (size_t)(p - start);
		out->value = arena_strndup(a, start, out->value_len);
	}
	*s = p;
	return 1;
}

/* RFC 2046 §5.1.1: 1 to 70 of DIGIT ALPHA '()+_,-./:=? and space, not ending in space. */
static bool boundary_valid(const char *b, size_t len)
{
	if (len < 1 || len > BOUNDARY_MAX || b[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- Part headers ---- */

/* Decodes an RFC 8187 ext-value "UTF-8'language'percent-encoded". Returns NULL
 * for another charset or bad encoding. */
static char *decode_ext_value(arena *a, const char *v)
{
	const char *q1 = strchr(v, '\'');
	if (q1 == NULL || !word_is(v, (size_t)(q1 - v), "UTF-8"))
		return NULL;
	const char *q2 = strchr(q1 + 1, '\'');
	if (q2 == NULL)
		return NULL;
	return http_urldecode_path(a, q2 + 1, strlen(q2 + 1));
}

/* Content-Disposition: form-data; name="…"; filename="…" (RFC 7578 §4.2).
 * Each parser below returns 0, or -1 when the header is malformed. */
static int parse_disposition(form_parser *p, const char *value, const char *end)
{
	part *pt = &p->part;
	const char *type;
	size_t type_len;
	header_param prm;
	int rc;

	if (pt->has_disposition)
		return -1;
	pt->has_disposition = true;
	header_type(&value, end, &type, &type_len);
	if (!word_is(type, type_len, "form-data"))
		return -1;
	while ((rc = header_next_param(p->arena, &value, end, &prm)) > 0) {
		char **slot = NULL;
		char *decoded = prm.value;
		if (word_is(prm.name, prm.name_len, "name")) {
			slot = &pt->name;
		} else if (word_is(prm.name, prm.name_len, "filename")) {
			slot = &pt->filename;
		} else if (word_is(prm.name, prm.name_len, "filename*")) {
			slot = &pt->filename_ext;
			decoded = decode_ext_value(p->arena, prm.value);
			if (decoded == NULL)
				return -1;
		}
		if (slot == NULL)
			continue; /* an unknown parameter */
		if (*slot != NULL)
			return -1; /* given twice */
		*slot = decoded;
	}
	if (rc < 0 || pt->name == NULL || pt->name[0] == '\0')
		return -1;
	return 0;
}

static int parse_part_type(form_parser *p, const char *value, const char *end)
{
	if (p->part.content_type != NULL)
		return -1;
	p->part.content_type = arena_strndup(p->arena, value, (size_t)(end - value));
	return 0;
}

/* The part headers that mean something here; all others are ignored. */
static const struct part_header {
	const char *name;
	int (*parse)(form_parser *p, const char *value, const char *end);
} part_headers[] = {
	{ "Content-Disposition", parse_disposition },
	{ "Content-Type", parse_part_type },
};

/* Handles one header line (without its CRLF). */
static void header_line(form_parser *p, const char *line, size_t len)
{
	if (memchr(line, '\0', len) || memchr(line, '\r', len) || is_ows(line[0]) ||
	    !str_valid_utf8(line, len)) {
		fail(p, FORM_BAD);
		return;
	}
	const char *end = line + len;
	const char *colon = memchr(line, ':', len);
	if (colon == NULL || colon == line) {
		fail(p, FORM_BAD);
		return;
	}
	for (const char *c = line; c < colon; c++) {
		if (!is_tchar((unsigned char)*c)) {
			fail(p, FORM_BAD);
			return;
		}
	}
	const char *value = skip_ows(colon + 1, end);
	while (end > value && is_ows(end[-1]))
		end--;
	for (size_t i = 0; i < ARRAY_LEN(part_headers); i++) {
		if (word_is(line, (size_t)(colon - line), part_headers[i].name)) {
			if (part_headers[i].parse(p, value, end) != 0)
				fail(p, FORM_BAD);
			return;
		}
	}
}

/* ---- Part content ---- */

/* Creates the temporary file for an upload. Returns NULL when it cannot. */
static upload *upload_open(form_parser *p)
{
	const char *dir = p->limits.tmpdir ? p->limits.tmpdir : "/tmp";
	upload *u = arena_alloc(p->arena, sizeof(*u));
	u->path = arena_printf(p->arena, "%s/trygg-upload-XXXXXX", dir);
	int fd = mkostemp(u->path, O_CLOEXEC); /* created with mode 0600 */
	if (fd < 0)
		return NULL;
	arena_defer(p->arena, upload_remove, u);
	u->fp = fdopen(fd, "wb");
	if (u->fp == NULL) {
		close(fd);
		return NULL;
	}
	return u;
}

/* The headers are complete: checks them and the limits, and readies the content's sink. */
static void part_begin(form_parser *p)
{
	part *pt = &p->part;
	if (!pt->has_disposition) {
		fail(p, FORM_BAD);
		return;
	}
	if (pt->filename_ext)
		pt->filename = pt->filename_ext;
	bool is_file = pt->filename != NULL;
	if (is_file && p->limits.file == 0) {
		fail(p, FORM_BAD);
		return;
	}
	if ((is_file && p->file_count >= p->limits.files) ||
	    p->field_count + p->file_count >= p->limits.fields) {
		fail(p, FORM_TOO_LARGE);
		return;
	}
	if (is_file) {
		p->file_count++;
		pt->upload = upload_open(p);
		if (pt->upload == NULL) {
			/* No room or no directory: the server's trouble, not the client's. */
			fail(p, FORM_STORAGE);
			return;
		}
	} else {
		p->field_count++;
		buf_reset(&p->data);
	}
	p->state = MP_BODY;
}

static void part_write(form_parser *p, const char *s, size_t n)
{
	part *pt = &p->part;
	if (n == 0)
		return;
	if (pt->upload) {
		if (n > p->limits.file - pt->size) {
			fail(p, FORM_TOO_LARGE);
			return;
		}
		if (fwrite(s, 1, n, pt->upload->fp) != n) {
			fail(p, FORM_STORAGE);
			return;
		}
		pt->size += n;
	} else {
		if (n > p->limits.field - p->data.len) {
			fail(p, FORM_TOO_LARGE);
			return;
		}
		buf_append(&p->data, s, n);
	}
}

/* The part's closing delimiter was seen: hands the field or file over. */
static void part_end(form_parser *p)
{
	part *pt = &p->part;
	if (pt->upload) {
		upload *u = pt->upload;
		int rc = fclose(u->fp);
		u->fp = NULL;
		if (rc != 0) {
			fail(p, FORM_STORAGE);
			return;
		}
		http_file *f = arena_alloc(p->arena, sizeof(*f));
		f->field = pt->name;
		f->filename = pt->filename;
		f->content_type = pt->content_type ? pt->content_type : UPLOAD_TYPE_DEFAULT;
		f->path = u->path;
		f->size = pt->size;
		*p->files_tail = f;
		p->files_tail = &f->next;
	} else {
		const char *v = buf_cstr(&p->data);
		if (memchr(v, '\0', p->data.len) || !str_valid_utf8(v, p->data.len)) {
			fail(p, FORM_BAD);
			return;
		}
		http_kv_add(p->arena, p->fields_tail, pt->name, v, p->data.len);
		p->fields_tail = &(*p->fields_tail)->next;
	}
}

/* ---- The multipart state machine ---- */

static void content(form_parser *p, const char *s, size_t n)
{
	if (p->state == MP_BODY)
		part_write(p, s, n);
	/* in the preamble: dropped */
}

/* Passes bytes up to the next delimiter on as content. Returns the bytes consumed;
 * when the delimiter was found, the state has moved on to MP_DELIM_END. */
static size_t scan_delimiter(form_parser *p, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && p->error == FORM_OK) {
		if (p->match == 0) {
			const char *cr = memchr(s + i, '\r', n - i);
			size_t run = cr ? (size_t)(cr - (s + i)) : n - i;
			content(p, s + i, run);
			i += run;
			if (cr == NULL)
				break;
			p->match = 1;
			i++;
		} else if (s[i] == p->delim[p->match]) {
			i++;
			if (++p->match == p->delim_len) {
				p->match = 0;
				if (p->state == MP_BODY)
					part_end(p);
				p->state = MP_DELIM_END;
				break;
			}
		} else {
			/* The held-back bytes were content after all (they equal the delimiter's
			 * start). Without a CR in the boundary, matching restarts at s[i]. */
			content(p, p->delim, p->match);
			p->match = 0;
		}
	}
	return i;
}

/* One byte of the rest of a delimiter line: "--" (close), or padding and CRLF. */
static void delimiter_byte(form_parser *p, char c)
{
	switch (p->state) {
	case MP_DELIM_END:
	case MP_DELIM_PAD:
		if (c == '-' && p->state == MP_DELIM_END)
			p->state = MP_DELIM_DASH;
		else if (is_ows(c))
			p->state = MP_DELIM_PAD;
		else if (c == '\r')
			p->state = MP_DELIM_LF;
		else
			fail(p, FORM_BAD);
		return;
	case MP_DELIM_DASH:
		if (c == '-')
			p->state = MP_EPILOGUE;
		else
			fail(p, FORM_BAD);
		return;
	case MP_DELIM_LF:
		if (c != '\n') {
			fail(p, FORM_BAD);
			return;
		}
		memset(&p->part, 0, sizeof(p->part));
		buf_reset(&p->line);
		p->state = MP_HEADERS;
		return;
	default:
		assert(!"not a delimiter state");
	}
}

/* Takes header bytes up to and including the next LF. Returns the bytes consumed. */
static size_t header_input(form_parser *p, const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);
	size_t take = lf ? (size_t)(lf - s) + 1 : n;
	if (take > PART_HEADERS_MAX - p->part.header_bytes) {
		fail(p, FORM_TOO_LARGE);
		return take;
	}
	p->part.header_bytes += take;
	buf_append(&p->line, s, take);
	if (lf == NULL)
		return take;
	size_t len = p->line.len;
	if (len < 2 || p->line.data[len - 2] != '\r')
		fail(p, FORM_BAD); /* a bare LF */
	else if (len == 2)
		part_begin(p); /* the empty line */
	else
		header_line(p, p->line.data, len - 2);
	buf_reset(&p->line);
	return take;
}

static void multipart_feed(form_parser *p, const char *data, size_t len)
{
	size_t i = 0;
	while (i < len && p->error == FORM_OK) {
		switch (p->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			i += scan_delimiter(p, data + i, len - i);
			break;
		case MP_DELIM_END:
		case MP_DELIM_DASH:
		case MP_DELIM_PAD:
		case MP_DELIM_LF:
			delimiter_byte(p, data[i++]);
			break;
		case MP_HEADERS:
			i += header_input(p, data + i, len - i);
			break;
		case MP_EPILOGUE:
			i = len;
			break;
		}
	}
}

/* ---- The API ---- */

form_parser *form_parser_new(arena *a, const char *content_type, const form_limits *limits)
{
	if (content_type == NULL)
		return NULL;
	const char *s = content_type, *end = s + strlen(s);
	const char *type;
	size_t type_len;
	enum form_kind kind;
	const char *boundary = NULL;

	header_type(&s, end, &type, &type_len);
	if (word_is(type, type_len, "application/x-www-form-urlencoded")) {
		kind = FORM_URLENCODED; /* parameters (a charset) are ignored: it is UTF-8 */
	} else if (word_is(type, type_len, "multipart/form-data")) {
		kind = FORM_MULTIPART;
		header_param prm;
		int rc;
		while ((rc = header_next_param(a, &s, end, &prm)) > 0) {
			if (word_is(prm.name, prm.name_len, "boundary")) {
				if (boundary)
					return NULL;
				boundary = prm.value;
			}
		}
		if (rc < 0 || boundary == NULL || !boundary_valid(boundary, strlen(boundary)))
			return NULL;
	} else {
		return NULL;
	}

	form_parser *p = arena_alloc(a, sizeof(*p));
	p->arena = a;
	p->kind = kind;
	p->limits = *limits; /* limits.body has no default: 0 allows an empty body only */
	if (p->limits.field == 0)
		p->limits.field = FIELD_LIMIT_DEFAULT;
	if (p->limits.fields == 0)
		p->limits.fields = FIELDS_LIMIT_DEFAULT;
	if (p->limits.files == 0)
		p->limits.files = FILES_LIMIT_DEFAULT;
	buf_init(&p->data);
	buf_init(&p->line);
	arena_defer(a, parser_release, p);
	p->fields_tail = &p->fields;
	p->files_tail = &p->files;
	if (kind == FORM_MULTIPART) {
		p->delim = arena_printf(a, "\r\n--%s", boundary);
		p->delim_len = strlen(p->delim);
		p->state = MP_PREAMBLE;
		p->match = 2; /* the "\r\n" read before the body */
	}
	return p;
}

int form_parser_feed(form_parser *p, const char *data, size_t len)
{
	if (p->error != FORM_OK)
		return p->error;
	if (p->finished)
		return fail(p, FORM_BAD);
	if (len > p->limits.body - p->body_len)
		return fail(p, FORM_TOO_LARGE);
	p->body_len += len;
	if (len == 0)
		return FORM_OK;
	if (p->kind == FORM_URLENCODED)
		buf_append(&p->data, data, len);
	else
		multipart_feed(p, data, len);
	return p->error;
}

int form_parser_finish(form_parser *p, http_kv **fields, http_file **files)
{
	if (p->error != FORM_OK)
		return p->error;
	if (p->finished)
		return fail(p, FORM_BAD);
	p->finished = true;
	if (p->kind == FORM_URLENCODED) {
		if (http_urldecode_form(p->arena, buf_cstr(&p->data), p->data.len, &p->fields) != 0)
			return fail(p, FORM_BAD);
		size_t count = 0;
		for (const http_kv *kv = p->fields; kv; kv = kv->next)
			if (++count > p->limits.fields || kv->value_len > p->limits.field)
				return fail(p, FORM_TOO_LARGE);
	} else if (p->state != MP_EPILOGUE) {
		return fail(p, FORM_BAD); /* no close delimiter */
	}
	buf_free(&p->data);
	buf_free(&p->line);
	if (fields)
		*fields = p->fields;
	if (files)
		*files = p->files;
	return FORM_OK;
}
