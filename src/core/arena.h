/*
 * arena.h — a region allocator for everything that lives exactly as long as
 * one request (or one command). Allocations are never freed one by one; the
 * whole arena is released by arena_free(). Allocation failure aborts.
 */
#ifndef TRYGG_CORE_ARENA_H
#define TRYGG_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* Returns a new, empty arena. The caller owns it and must arena_free() it. */
arena *arena_new(void);
/* Releases the arena and everything allocated from it. NULL is allowed. */
void arena_free(arena *a);
/* Runs the deferred actions and releases everything allocated from a, which
 * stays usable (one block is kept for reuse): for loops that need room for
 * one item at a time. */
void arena_reset(arena *a);
/* Returns size bytes aligned for any type, zero-filled, owned by the arena. */
void *arena_alloc(arena *a, size_t size);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(data) to run when the arena is freed (temp files, database results). */
void arena_defer(arena *a, void (*fn)(void *), void *data);

#endif
