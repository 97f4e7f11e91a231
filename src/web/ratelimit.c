/*
 * ratelimit.c — rate limits for public forms, per client address, without
 * storing addresses (see web_rate_limit() in web.h).
 *
 * Time is cut into fixed windows. The counter's key is a keyed hash (server
 * key) of the purpose, the address and the window's number: it is different
 * in every window, cannot be reversed without the server key and a guess of
 * the address, and is deleted when the window is over.
 */
#include "web/web.h"
#include "core/util.h"

#include <stdio.h>

static const char SQL_PURGE[] = "DELETE FROM rate_limits WHERE window_end <= ?";
static const char SQL_HIT[] =
	"INSERT INTO rate_limits (key, hits, window_end) VALUES (?, 1, ?) "
	"ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";

int web_rate_limit(http_req *r, const char *purpose, int max_hits, int window_seconds)
{
	web_state *w = web(r);
	int64_t now = web_now();
	int64_t window = now / window_seconds;
	int64_t window_end = (window + 1) * window_seconds;
	const char *text = arena_printf(r->arena, "%s|%lld|%s", purpose, (long long)window,
					r->client_addr ? r->client_addr : "");
	const char *key = web_keyed_hash(r, "rate-limit", text);
	int64_t hits = 0;

	if (db_begin_write(w->db) != 0)
		goto fail;
	db_stmt *s = db_prepare(w->db, SQL_PURGE);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now);
	if (db_step(s) != DB_DONE)
		goto fail;
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
	if (hits > max_hits) {
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
