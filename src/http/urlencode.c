/*
 * urlencode.c — strict percent-decoding of request paths and of
 * application/x-www-form-urlencoded strings, and the name/value lists
 * (http_kv) they fill.
 *
 * Strict means: a '%' must be followed by two hex digits, and what comes out
 * must be valid UTF-8 without NUL bytes; anything else is refused rather than
 * repaired. This module does not know about query-string conventions beyond
 * the form encoding ('&' separates pairs; ';' is an ordinary byte).
 */
#include "http/http.h"
#include "core/util.h"

#include <string.h>

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) into out (room for len + 1 bytes), NUL-terminating it.
 * Returns the decoded length, or -1 on a bad escape, a NUL byte or invalid UTF-8. */
static long percent_decode(const char *s, size_t len, bool plus_is_space, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			int hi = hex_value((unsigned char)s[i + 1]);
			int lo = hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return str_valid_utf8(out, n) ? (long)n : -1;
}

char *http_urldecode_path(arena *a, const char *s, size_t len)
{
	char *out = arena_alloc(a, len + 1);
	return percent_decode(s, len, false, out) < 0 ? NULL : out;
}

int http_urldecode_form(arena *a, const char *s, size_t len, http_kv **list)
{
	/* Pairs are collected on their own list and joined to *list only when the
	 * whole string decoded, so a failure leaves *list as it was. */
	http_kv *found = NULL, **tail = &found;
	const char *end = s + len;
	const char *p = s;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pair_end = amp ? amp : end;
		if (pair_end > p) {
			const char *eq = memchr(p, '=', (size_t)(pair_end - p));
			const char *name_end = eq ? eq : pair_end;
			const char *value = eq ? eq + 1 : pair_end;
			size_t name_len = (size_t)(name_end - p), value_len = (size_t)(pair_end - value);
			char *name = arena_alloc(a, name_len + 1);
			char *val = arena_alloc(a, value_len + 1);
			long vn;
			if (percent_decode(p, name_len, true, name) < 0 ||
			    (vn = percent_decode(value, value_len, true, val)) < 0)
				return -1;
			http_kv_add(a, tail, name, val, (size_t)vn);
			tail = &(*tail)->next;
		}
		p = pair_end + 1;
	}
	while (*list)
		list = &(*list)->next;
	*list = found;
	return 0;
}

/* Walks from *list to its end, so a caller that keeps a pointer to the last
 * link (&last->next) appends in constant time. */
void http_kv_add(arena *a, http_kv **list, const char *name, const char *value, size_t value_len)
{
	http_kv *kv = arena_alloc(a, sizeof(*kv));
	char *v = arena_alloc(a, value_len + 1);
	if (value_len > 0)
		memcpy(v, value, value_len);
	kv->name = arena_strdup(a, name);
	kv->value = v;
	kv->value_len = value_len;
	while (*list)
		list = &(*list)->next;
	*list = kv;
}

const char *http_kv_get(const http_kv *list, const char *name)
{
	for (const http_kv *kv = list; kv; kv = kv->next)
		if (strcmp(kv->name, name) == 0)
			return kv->value;
	return NULL;
}
