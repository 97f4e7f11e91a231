/*
 * buf.c — the growable byte buffer (see buf.h).
 */
#include "core/buf.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the terminating NUL. */
static void buf_grow(buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need < b->len)
		fatal("buffer size overflow");
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("buf_vprintf: bad format");
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_html_escape(buf *b, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_append(b, s + start, len - start);
}

void buf_url_escape(buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_putc(b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_append(b, enc, 3);
		}
	}
}

char *buf_strdup_printf(const char *fmt, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

int buf_read_file(buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	int failed = ferror(f);
	fclose(f);
	return failed ? -1 : 0;
}

char *buf_detach(buf *b)
{
	char *d = b->data ? b->data : xstrdup("");
	buf_init(b);
	return d;
}

const char *buf_cstr(const buf *b)
{
	return b->data ? b->data : "";
}
