/*
 * ratelimit.c — rate limits for public forms, per client address, without
 * storing addresses (see web_rate_limit() in web.h).
 *
 * Time is cut into fixed windows. The counter's key is a keyed hash (server
 * key) of the purpose, the address and the window's number: it is different
 * in every window, cannot be reversed without the server key and a guess of
 * the address, and is deleted one window after its own has ended.
 *
 * The limit applies to a sliding window: the hits of the current window plus
 * those of the previous one, weighted by how much of it still lies within the
 * last window_seconds. So a burst across a window boundary is still counted.
 */
#include "web/web.h"
#include "core/util.h"

#include <stdio.h>

static const char SQL_PURGE[] = "DELETE FROM rate_limits WHERE window_end <= ?";
static const char SQL_GET[] = "SELECT hits FROM rate_limits WHERE key = ?";
static const char SQL_HIT[] =
	"INSERT INTO rate_limits (key, hits, window_end) VALUES (?, 1, ?) "
	"ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";

int web_rate_limit(http_req *r, const char *purpose, int max_hits, int window_seconds)
{
	web_state *w = web(r);
	int64_t now = web_now();
	int64_t window = now / window_seconds;
	int64_t window_end = (window + 1) * window_seconds;
	const char *addr = r->client_addr ? r->client_addr : "";
	const char *key = web_keyed_hash(r, "rate-limit",
					 arena_printf(r->arena, "%s|%lld|%s", purpose, (long long)window, addr));
	const char *previous_key = web_keyed_hash(r, "rate-limit",
						  arena_printf(r->arena, "%s|%lld|%s", purpose, (long long)window - 1, addr));
	int64_t hits = 0, previous_hits = 0;

	if (db_begin_write(w->db) != 0)
		goto fail;
	db_stmt *s = db_prepare(w->db, SQL_PURGE);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now - window_seconds);
	if (db_step(s) != DB_DONE)
		goto fail;
	s = db_prepare(w->db, SQL_GET);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, previous_key);
	int rc = db_step(s);
	if (rc == DB_ERROR)
		goto fail;
	if (rc == DB_ROW) {
		previous_hits = db_column_int(s, 0);
		db_step(s);
	}
	s = db_prepare(w->db, SQL_HIT);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, key);
	db_bind_int(s, 2, window_end);
	if (db_step(s) != DB_ROW)
		goto fail;
	hits = db_column_int(s, 0);
	if (db_step(s) != DB_DONE || db_commit(w->db) != 0)
		goto fail;
	/* The part of the previous window that lies within the last window_seconds. */
	double overlap = (double)(window_end - now) / (double)window_seconds;
	if ((double)hits + (double)previous_hits * overlap > (double)max_hits) {
		char retry[32];
		snprintf(retry, sizeof(retry), "%lld", (long long)(window_end - now));
		http_set_header(r, "Retry-After", retry);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "trygg: rate limit: %s\n", db_errmsg(w->db));
	db_rollback(w->db);
	return -1;
}
