/*
 * util.h — the few things every module needs: allocation that cannot fail
 * (out-of-memory ends the process through fatal()), and small string helpers.
 * It does not hold any state.
 */
#ifndef TRYGG_CORE_UTIL_H
#define TRYGG_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Prints "trygg: fatal: MESSAGE" to stderr and aborts. Never returns. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocators that abort through fatal() instead of returning NULL. Caller owns the result. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copies at most size-1 bytes of src into dst and NUL-terminates it (size > 0).
 * Returns the length of src, so a result >= size means it was truncated. */
size_t str_copy(char *dst, const char *src, size_t size);

/* True when s starts with prefix. */
bool str_starts_with(const char *s, const char *prefix);

/* True when s is valid UTF-8 (no overlongs, no surrogates, no code points past U+10FFFF). */
bool str_valid_utf8(const char *s, size_t len);

/* Parses a decimal integer that must span the whole string. Returns 0 on success, -1 otherwise. */
int str_to_int64(const char *s, int64_t *out);

/* Compares two byte strings in time that does not depend on where they differ. */
bool str_equal_const_time(const char *a, const char *b);

#endif
