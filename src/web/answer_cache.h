/*
 * answer_cache.h — the bytes of public, anonymous GET answers, kept in memory
 * until the data they were built from changes.
 *
 * Two parts:
 *   - the store: an LRU of answers with a byte budget, keyed by bytes and
 *     stamped with the generation they were built at; thread-safe, one lock,
 *     nothing but the hash lookup and list moves under it;
 *   - web_answer_cached(): runs a handler through the store for the request.
 *
 * Correctness rests on the database, not on this process: migration 0016
 * keeps a one-row answer_generation that triggers bump on every write to a
 * table a cached answer reads, in every process, on SQLite and PostgreSQL.
 * Each cacheable request reads it first and uses a stored answer only when
 * it was built at the same generation (and in the same minute, see
 * answer_cache.c for the staleness this gives).
 */
#ifndef TRYGG_WEB_ANSWER_CACHE_H
#define TRYGG_WEB_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

typedef struct answer_cache answer_cache;

/* A stored answer, shared: valid until answer_cache_release(). */
typedef struct answer_cache_entry answer_cache_entry;

typedef struct answer_cache_view {
	const char *body;
	size_t body_len;
	const char *content_type;
	const char *headers; /* "name\0value\0" pairs, headers_len bytes */
	size_t headers_len;
} answer_cache_view;

/* A store of at most budget bytes (keys, answers and bookkeeping counted),
 * that keeps no answer larger than entry_max. Returns NULL when budget is 0
 * (no cache); every function below accepts NULL as "no cache". */
answer_cache *answer_cache_new(size_t budget, size_t entry_max);
void answer_cache_free(answer_cache *c);

/* Looks up key at generation. Returns the entry (caller releases it), or
 * NULL when there is none or it was built at another generation (it is then
 * dropped). Fills *out with views into the entry. */
answer_cache_entry *answer_cache_get(answer_cache *c, const char *key, size_t key_len, int64_t generation,
				     answer_cache_view *out);
/* Gives back an entry from answer_cache_get(). */
void answer_cache_release(answer_cache *c, answer_cache_entry *e);

/* Stores a copy of the answer under key and generation, replacing any
 * answer of that key and evicting the least recently used ones to stay in
 * the budget. Returns true when stored, false when it is too large. */
bool answer_cache_put(answer_cache *c, const char *key, size_t key_len, int64_t generation,
		      const answer_cache_view *answer);

/* Whether key was asked for before (recently: one remembered hash per slot
 * of a small table, so a key may be forgotten when another takes its slot);
 * either way, remembers it now. The wrapper stores only answers asked for
 * before, so that one-off requests do not push out answers that are asked
 * for again. False when c is NULL. */
bool answer_cache_asked_before(answer_cache *c, const char *key, size_t key_len);

/* The bytes and the number of answers held now (for tests and logs). */
size_t answer_cache_bytes(answer_cache *c);
size_t answer_cache_count(answer_cache *c);

/* Runs handler for r through the application's answer cache: serves a
 * stored answer when one was built at the current generation, otherwise
 * runs the handler and stores a 200 answer of a request asked for before
 * (X-Answer-Cache: hit, miss — built and stored —, first — built, kept
 * only when asked for again —, or too-large). Use only for GET handlers whose
 * answer depends on nothing but the path, the query, the language, the
 * site's origin (Host, https) and the database; requests with a login
 * session, an api_key or a body always run the handler, uncached.
 * Sets ETag and answers If-None-Match with 304. Returns the status. */
int web_answer_cached(http_req *r, http_handler handler);

#endif
