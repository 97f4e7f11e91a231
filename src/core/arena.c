/*
 * arena.c — region allocator (see arena.h). Memory comes in blocks of at
 * least 8 KiB; large requests get a block of their own.
 */
#include "core/arena.h"
#include "core/util.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct arena_defer {
	struct arena_defer *next;
	void (*fn)(void *);
	void *data;
};

struct arena {
	struct arena_block *head;
	struct arena_defer *defers;
};

arena *arena_new(void)
{
	return xcalloc(1, sizeof(arena));
}

void arena_free(arena *a)
{
	if (a == NULL)
		return;
	/* Deferred actions run newest first, like a stack of cleanups. */
	for (struct arena_defer *d = a->defers; d; d = d->next)
		d->fn(d->data);
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void arena_reset(arena *a)
{
	for (struct arena_defer *d = a->defers; d; d = d->next)
		d->fn(d->data);
	a->defers = NULL;
	/* Keep one ordinary block for what comes next; free the others. */
	struct arena_block *keep = NULL, *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		if (keep == NULL && b->size == ARENA_BLOCK) {
			keep = b;
			keep->used = 0;
			keep->next = NULL;
		} else {
			free(b);
		}
		b = next;
	}
	a->head = keep;
}

void *arena_alloc(arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	size = (size + align - 1) & ~(align - 1);
	struct arena_block *b = a->head;
	if (b == NULL || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK / 2 ? size : ARENA_BLOCK;
		b = xmalloc(sizeof(*b) + bsize);
		b->used = 0;
		b->size = bsize;
		if (size > ARENA_BLOCK / 2 && a->head) {
			/* Keep the current block first so its free room is still used. */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("arena_printf: bad format");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void arena_defer(arena *a, void (*fn)(void *), void *data)
{
	struct arena_defer *d = arena_alloc(a, sizeof(*d));
	d->fn = fn;
	d->data = data;
	d->next = a->defers;
	a->defers = d;
}
