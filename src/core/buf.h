/*
 * buf.h — the one growable byte buffer through which all text is built.
 * The data is always NUL-terminated, so buf.data can be used as a C string
 * when the content holds no NUL bytes. Allocation failure aborts (fatal()).
 */
#ifndef TRYGG_CORE_BUF_H
#define TRYGG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len; /* bytes used, not counting the terminating NUL */
	size_t cap; /* bytes allocated */
} buf;

#define BUF_INIT { NULL, 0, 0 }

void buf_init(buf *b);
/* Frees the storage; the buffer can be used again afterwards. */
void buf_free(buf *b);
/* Empties the buffer but keeps its storage. */
void buf_reset(buf *b);
void buf_append(buf *b, const void *data, size_t len);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Appends s with & < > " ' replaced by HTML character references. */
void buf_html_escape(buf *b, const char *s, size_t len);
/* Appends s percent-encoded for use in a URL component (RFC 3986 unreserved kept). */
void buf_url_escape(buf *b, const char *s);
/* Returns a new string formatted like printf; the caller frees it. */
char *buf_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends the whole file at path. Returns 0, or -1 when it cannot be read. */
int buf_read_file(buf *b, const char *path);
/* Returns the data, a NUL-terminated string the caller now owns (never NULL), and empties b. */
char *buf_detach(buf *b);
/* Returns the data as a C string ("" when empty); still owned by b. */
const char *buf_cstr(const buf *b);

#endif
