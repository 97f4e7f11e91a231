/*
 * answer_cache.c — the answer cache (see answer_cache.h): an LRU of answer
 * bytes with a byte budget, and the request wrapper that uses it.
 *
 * Staleness. A stored answer is used only when the database's
 * answer_generation is the one it was built at, and the request comes in the
 * same minute (UTC, web_now() / 60). So:
 *   - after a write commits, in any process on the database, the next request
 *     reads the new generation and builds a new answer: no stale data;
 *   - an answer that depends on "now" (the default 90-day window of Open311
 *     GET requests, the feed's <updated>) is at most 60 s old. Handlers that
 *     filter by "now" round it down to the minute (web_now() / 60 * 60), so an
 *     answer built in a minute is exactly what any request of that minute
 *     would build.
 * The generation is read before the handler runs: a write that commits while
 * the handler reads can only make the stored answer newer than its stamp, and
 * the next request, which reads the newer generation, does not use it.
 *
 * Admission. An answer is stored only when its request was seen before
 * (answer_cache_asked_before(): a table of the hashes of recent requests,
 * the "doorkeeper" of TinyLFU). A client that asks for a new bounding box on
 * every request — a map being panned — would otherwise fill the budget with
 * answers nobody asks for again, pushing out those that are, and cost a copy
 * of each; with it, one-off answers are built and sent, never kept.
 *
 * What it does not do: share answers that depend on a login session or an
 * API key (such requests bypass it), or keep answers other than 200.
 */
#include "web/answer_cache.h"
#include "web/web.h"
#include "core/util.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024 /* power of two; chains stay short for a few thousand answers */
#define ASKED 4096   /* power of two: hashes of recent requests remembered (32 KiB) */

struct answer_cache_entry {
	struct answer_cache_entry *hash_next;
	struct answer_cache_entry *newer, *older; /* the LRU list */
	uint64_t hash;
	int64_t generation;
	answer_cache *owner;
	unsigned refs;  /* 1 while in the store, plus one per reader (a response being sent) */
	size_t size;    /* what it counts in the budget */
	size_t key_len;
	answer_cache_view view; /* points into the bytes after the struct */
	char *key;
};

struct answer_cache {
	pthread_mutex_t lock;
	size_t budget, entry_max, used, count;
	struct answer_cache_entry *buckets[BUCKETS];
	struct answer_cache_entry *newest, *oldest;
	uint64_t asked[ASKED]; /* hashes of requests seen, by hash & (ASKED - 1); 0: none */
};

static uint64_t key_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

answer_cache *answer_cache_new(size_t budget, size_t entry_max)
{
	if (budget == 0)
		return NULL;
	answer_cache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->budget = budget;
	c->entry_max = entry_max < budget ? entry_max : budget;
	return c;
}

void answer_cache_free(answer_cache *c)
{
	/* Every response sent from an entry is done by now (the server has stopped). */
	if (c == NULL)
		return;
	struct answer_cache_entry *e = c->newest;
	while (e) {
		struct answer_cache_entry *next = e->older;
		assert(e->refs == 1); /* no reader may outlive the store */
		free(e);
		e = next;
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool answer_cache_asked_before(answer_cache *c, const char *key, size_t key_len)
{
	if (c == NULL)
		return false;
	uint64_t h = key_hash(key, key_len) | 1; /* never 0, the empty slot */
	pthread_mutex_lock(&c->lock);
	uint64_t *slot = &c->asked[h & (ASKED - 1)];
	bool seen = *slot == h;
	*slot = h;
	pthread_mutex_unlock(&c->lock);
	return seen;
}

/* Under the lock: the entry of key, or NULL. */
static struct answer_cache_entry **find(answer_cache *c, uint64_t hash, const char *key, size_t key_len)
{
	struct answer_cache_entry **p = &c->buckets[hash & (BUCKETS - 1)];
	for (; *p; p = &(*p)->hash_next)
		if ((*p)->hash == hash && (*p)->key_len == key_len && memcmp((*p)->key, key, key_len) == 0)
			return p;
	return p;
}

static void lru_unlink(answer_cache *c, struct answer_cache_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(answer_cache *c, struct answer_cache_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

/* Under the lock: takes *slot's entry out of the store. Returns it when nobody
 * holds it any more (the caller frees it after unlocking), otherwise NULL (the
 * last reader frees it). */
static struct answer_cache_entry *unstore(answer_cache *c, struct answer_cache_entry **slot)
{
	struct answer_cache_entry *e = *slot;
	*slot = e->hash_next;
	e->hash_next = NULL;
	lru_unlink(c, e);
	c->used -= e->size;
	c->count--;
	return --e->refs == 0 ? e : NULL;
}

answer_cache_entry *answer_cache_get(answer_cache *c, const char *key, size_t key_len, int64_t generation,
				     answer_cache_view *out)
{
	if (c == NULL)
		return NULL;
	uint64_t hash = key_hash(key, key_len);
	struct answer_cache_entry *found = NULL, *dead = NULL;
	pthread_mutex_lock(&c->lock);
	struct answer_cache_entry **slot = find(c, hash, key, key_len);
	if (*slot && (*slot)->generation == generation) {
		found = *slot;
		found->refs++;
		lru_unlink(c, found);
		lru_push(c, found);
	} else if (*slot) {
		dead = unstore(c, slot); /* built at another generation: never valid again */
	}
	pthread_mutex_unlock(&c->lock);
	free(dead);
	if (found)
		*out = found->view;
	return found;
}

void answer_cache_release(answer_cache *c, answer_cache_entry *e)
{
	if (c == NULL || e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	bool last = --e->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		free(e);
}

bool answer_cache_put(answer_cache *c, const char *key, size_t key_len, int64_t generation,
		      const answer_cache_view *a)
{
	if (c == NULL)
		return false;
	size_t type_len = strlen(a->content_type);
	size_t size = sizeof(struct answer_cache_entry) + key_len + type_len + 1 + a->headers_len + a->body_len;
	if (size > c->entry_max)
		return false;
	/* Built outside the lock: one allocation holding the key and the answer. */
	struct answer_cache_entry *e = xmalloc(size);
	memset(e, 0, sizeof(*e));
	char *p = (char *)(e + 1);
	e->key = p;
	memcpy(p, key, key_len);
	p += key_len;
	e->view.content_type = p;
	memcpy(p, a->content_type, type_len + 1);
	p += type_len + 1;
	e->view.headers = p;
	if (a->headers_len)
		memcpy(p, a->headers, a->headers_len);
	p += a->headers_len;
	e->view.body = p;
	if (a->body_len)
		memcpy(p, a->body, a->body_len);
	e->view.headers_len = a->headers_len;
	e->view.body_len = a->body_len;
	e->key_len = key_len;
	e->hash = key_hash(key, key_len);
	e->generation = generation;
	e->size = size;
	e->refs = 1;
	e->owner = c;

	struct answer_cache_entry *dead[8];
	size_t ndead = 0;
	pthread_mutex_lock(&c->lock);
	struct answer_cache_entry **slot = find(c, e->hash, key, key_len);
	struct answer_cache_entry *old = *slot ? unstore(c, slot) : NULL;
	/* Evict the least recently used, at most a few per put so that the lock
	 * is held briefly; the rest is evicted by the next puts. */
	while (c->used + size > c->budget && c->oldest && ndead < ARRAY_LEN(dead)) {
		struct answer_cache_entry *victim = c->oldest;
		struct answer_cache_entry **vslot = find(c, victim->hash, victim->key, victim->key_len);
		struct answer_cache_entry *freed = unstore(c, vslot);
		if (freed)
			dead[ndead++] = freed;
	}
	bool stored = c->used + size <= c->budget;
	if (stored) {
		slot = find(c, e->hash, key, key_len);
		*slot = e;
		lru_push(c, e);
		c->used += size;
		c->count++;
	}
	pthread_mutex_unlock(&c->lock);
	free(old);
	for (size_t i = 0; i < ndead; i++)
		free(dead[i]);
	if (!stored)
		free(e);
	return stored;
}

size_t answer_cache_bytes(answer_cache *c)
{
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	size_t n = c->used;
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t answer_cache_count(answer_cache *c)
{
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	size_t n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* ---- the request wrapper ---- */

static const char SQL_GENERATION[] = "SELECT generation FROM answer_generation WHERE id = 1";

/* Reads the database's answer generation. Returns 0, or -1 on error. */
static int generation_read(db_conn *conn, int64_t *out)
{
	db_stmt *s = db_prepare(conn, SQL_GENERATION);
	if (s == NULL || db_step(s) != DB_ROW)
		return -1;
	*out = db_column_int(s, 0);
	db_step(s);
	return 0;
}

/* Whether the answer may be shared with anyone who sends the same key. */
static bool shareable(http_req *r)
{
	const web_state *w = web(r);
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return false;
	if (w->user != NULL || w->session_token != NULL)
		return false;
	if (r->form != NULL || r->files != NULL || r->raw_body != NULL)
		return false;
	return http_query(r, "api_key") == NULL;
}

/* Whether If-None-Match names etag (a list, or "*"). */
static bool etag_matches(http_req *r, const char *etag)
{
	const char *inm = http_header(r, "If-None-Match");
	if (inm == NULL)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	size_t len = strlen(etag);
	for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag)) {
		char after = p[len];
		if ((p == inm || p[-1] == ' ' || p[-1] == ',') && (after == '\0' || after == ',' || after == ' '))
			return true;
	}
	return false;
}

/* libmicrohttpd's callback when a response sent from an entry is done. */
static void entry_sent(void *cls)
{
	answer_cache_entry *e = cls;
	answer_cache_release(e->owner, e);
}

static void add_stored_headers(http_req *r, const answer_cache_view *v)
{
	const char *p = v->headers, *end = v->headers + v->headers_len;
	while (p < end) {
		const char *value = p + strlen(p) + 1;
		http_set_header(r, p, value);
		p = value + strlen(value) + 1;
	}
}

int web_answer_cached(http_req *r, http_handler handler)
{
	answer_cache *c = web_app(r)->answer_cache;
	int64_t generation;
	if (c == NULL || !shareable(r) || generation_read(web_db(r), &generation) != 0)
		return handler(r);
	/* Everything the answer may depend on besides the database. */
	const char *host = http_header(r, "Host");
	int64_t minute = web_now() / 60;
	buf key = BUF_INIT;
	buf_printf(&key, "%lld\n%s\n%s\n%s\n%s?%s", (long long)minute, web(r)->lang, r->https ? "https" : "http",
		   host ? host : "", r->path, r->raw_query);
	const char *etag = arena_printf(r->arena, "W/\"%llx-%llx-%016llx\"", (unsigned long long)generation,
					(unsigned long long)minute, (unsigned long long)key_hash(key.data, key.len));
	answer_cache_view v;
	answer_cache_entry *e = answer_cache_get(c, key.data, key.len, generation, &v);
	int status;
	if (e) {
		add_stored_headers(r, &v);
		if (etag_matches(r, etag)) {
			status = 304;
			answer_cache_release(c, e);
		} else {
			/* Sent from the entry itself, which is held until the last byte is out. */
			r->content_type = arena_strdup(r->arena, v.content_type);
			http_set_shared_body(r, v.body, v.body_len, entry_sent, e);
			status = 200;
		}
		http_set_header(r, "X-Answer-Cache", "hit");
		http_set_header(r, "ETag", etag);
		goto out;
	}
	/* The headers the handler adds follow those set before it. */
	http_kv *before = r->resp_headers;
	while (before && before->next)
		before = before->next;
	status = handler(r);
	if (status != 200 || r->body_fd >= 0)
		goto out;
	buf headers = BUF_INIT;
	for (const http_kv *h = before ? before->next : r->resp_headers; h; h = h->next) {
		buf_append(&headers, h->name, strlen(h->name) + 1);
		buf_append(&headers, h->value, strlen(h->value) + 1);
	}
	answer_cache_view answer = { r->body.data, r->body.len,
				     r->content_type ? r->content_type : "text/html; charset=utf-8", headers.data,
				     headers.len };
	/* Asked before: the key without its minute, so that an answer asked for
	 * in one minute is kept when asked for again in the next. */
	const char *timeless = memchr(key.data, '\n', key.len);
	const char *what = "first";
	if (answer_cache_asked_before(c, timeless, key.len - (size_t)(timeless - key.data)))
		what = answer_cache_put(c, key.data, key.len, generation, &answer) ? "miss" : "too-large";
	buf_free(&headers);
	http_set_header(r, "X-Answer-Cache", what);
	http_set_header(r, "ETag", etag);
	if (etag_matches(r, etag)) {
		buf_reset(&r->body);
		status = 304;
	}
out:
	buf_free(&key);
	return status;
}
