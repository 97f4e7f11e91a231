/*
 * apikeys.c — keys of third-party Open311 clients: created and revoked by an
 * administrator on /personal/apinycklar or with `trygg apikey`. A key is
 * shown once, when it is made; only its hash is stored (report_token_hash()).
 */
#include "reports/report_internal.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define KEYS_PATH "/personal/apinycklar"

static const char SQL_CREATE[] =
	"INSERT INTO report_api_keys (name, key_hash, created_at) VALUES (?, ?, ?) RETURNING id";
static const char SQL_LIST[] = "SELECT id, name, created_at, COALESCE(revoked_at, 0) FROM report_api_keys ORDER BY id";
static const char SQL_REVOKE[] = "UPDATE report_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";

const char report_apikey_usage[] =
	"usage: trygg apikey create NAME     make a key for an Open311 client (printed once)\n"
	"       trygg apikey list            the keys (never the keys themselves)\n"
	"       trygg apikey revoke ID       the key stops working at once\n"
	"options: --database URL --config FILE\n";

/* Makes a key named name. Returns the key (in a) or NULL on a database error. */
static const char *key_create(db_conn *c, arena *a, const char *name, int64_t now, int64_t *id)
{
	const char *key = arena_printf(a, "%s%s", report_new_token(a), report_new_token(a));
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_CREATE)) == NULL)
		goto fail;
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, report_token_hash(a, key));
	db_bind_int(s, 3, now);
	if (db_step(s) != DB_ROW)
		goto fail;
	*id = db_column_int(s, 0);
	db_step(s);
	if (db_commit(c) != 0)
		goto fail;
	return key;
fail:
	db_rollback(c);
	return NULL;
}

/* Revokes key id. Returns 1 when revoked, 0 when there was no such live key, -1 on error. */
static int key_revoke(db_conn *c, int64_t id, int64_t now)
{
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_REVOKE)) == NULL)
		goto fail;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, id);
	if (db_step(s) != DB_DONE)
		goto fail;
	int changed = db_changes(s) > 0;
	if (db_commit(c) != 0)
		goto fail;
	return changed;
fail:
	db_rollback(c);
	return -1;
}

static bool name_ok(const char *name)
{
	return *name && !webform_has_control(name, false) && webform_chars(name) <= REPORT_LINE_MAX_CHARS;
}

int report_apikey_cli(db *d, int argc, char **argv)
{
	int rc = 1;
	arena *a = arena_new();
	db_conn *c = NULL;
	if (argc < 1 || (strcmp(argv[0], "create") == 0 && (argc != 2 || !name_ok(argv[1]))) ||
	    (strcmp(argv[0], "revoke") == 0 && argc != 2) || (strcmp(argv[0], "list") == 0 && argc != 1) ||
	    (strcmp(argv[0], "create") != 0 && strcmp(argv[0], "revoke") != 0 && strcmp(argv[0], "list") != 0)) {
		fputs(report_apikey_usage, stderr);
		rc = 2;
		goto out;
	}
	c = db_acquire(d);
	if (c == NULL)
		goto out;
	if (strcmp(argv[0], "create") == 0) {
		int64_t id;
		const char *key = key_create(c, a, argv[1], (int64_t)time(NULL), &id);
		if (key == NULL)
			goto out;
		printf("%s\n", key);
		fprintf(stderr, "trygg: API key %lld '%s' created; it is shown only now\n", (long long)id, argv[1]);
		rc = 0;
	} else if (strcmp(argv[0], "revoke") == 0) {
		int64_t id;
		if (str_to_int64(argv[1], &id) != 0) {
			fputs(report_apikey_usage, stderr);
			rc = 2;
			goto out;
		}
		int done = key_revoke(c, id, (int64_t)time(NULL));
		if (done == 1)
			rc = 0;
		else if (done == 0)
			fprintf(stderr, "trygg: no key %lld in use\n", (long long)id);
	} else {
		db_stmt *s = db_prepare(c, SQL_LIST);
		if (s == NULL)
			goto out;
		int step;
		while ((step = db_step(s)) == DB_ROW)
			printf("%lld\t%s\t%s\n", (long long)db_column_int(s, 0), db_column_text(s, 1),
			       db_column_int(s, 3) ? "revoked" : "in use");
		rc = step == DB_DONE ? 0 : 1;
	}
out:
	if (c)
		db_release(d, c);
	arena_free(a);
	return rc;
}

/* GET /personal/apinycklar */
static int keys_page(http_req *r)
{
	json_t *d = json_object(), *keys = json_array();
	db_stmt *s = db_prepare(web_db(r), SQL_LIST);
	if (s == NULL)
		return webform_failed(r, d);
	while (db_step(s) == DB_ROW) {
		json_t *k = json_object();
		json_object_set_new(k, "id", json_integer(db_column_int(s, 0)));
		json_object_set_new(k, "name", json_string(db_column_text(s, 1)));
		json_object_set_new(k, "created", json_string(web_format_time(r, db_column_int(s, 2))));
		json_object_set_new(k, "revoked", json_boolean(db_column_int(s, 3) != 0));
		json_array_append_new(keys, k);
	}
	json_object_set_new(d, "title", json_string(T(r, "API-nycklar för Open311")));
	json_object_set_new(d, "keys", keys);
	const char *shown = http_cookie(r, web_cookie_name(r, "ny-api-nyckel"));
	if (shown && *shown) {
		json_object_set_new(d, "new_key", json_string(shown));
		http_set_cookie(r, web_cookie_name(r, "ny-api-nyckel"), "", 0);
	}
	return web_render(r, 200, "reports/apikeys", d);
}

/* POST /personal/apinycklar: a new key, shown once on the next page. */
static int keys_create(http_req *r)
{
	const char *name = webform_trimmed(r, "name");
	int64_t id;
	if (!name_ok(name))
		return web_error(r, 400, T(r, "Skriv ett namn på högst 200 tecken för nyckeln."));
	const char *key = key_create(web_db(r), r->arena, name, web_now(), &id);
	if (key == NULL)
		return webform_failed(r, NULL);
	web_audit(r, "apikey.create", arena_printf(r->arena, "apikey:%lld", (long long)id), name);
	/* Shown once: the cookie lives a minute, is HttpOnly, and is deleted when shown. */
	http_set_cookie(r, web_cookie_name(r, "ny-api-nyckel"), key, 60);
	return http_redirect(r, KEYS_PATH);
}

/* POST /personal/apinycklar/{id}/aterkalla */
static int keys_revoke(http_req *r)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0)
		return web_error(r, 404, T(r, "Nyckeln finns inte."));
	int done = key_revoke(web_db(r), id, web_now());
	if (done < 0)
		return webform_failed(r, NULL);
	if (done == 0)
		return web_error(r, 404, T(r, "Nyckeln finns inte."));
	web_audit(r, "apikey.revoke", arena_printf(r->arena, "apikey:%lld", (long long)id), "");
	return web_redirect_flash(r, KEYS_PATH, T(r, "Nyckeln är återkallad."));
}

const http_route report_apikey_routes[] = {
	{ "GET", KEYS_PATH, keys_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", KEYS_PATH, keys_create, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", KEYS_PATH "/{id}/aterkalla", keys_revoke, ROUTE_STAFF, ROLE_ADMIN },
};
const size_t report_apikey_route_count = ARRAY_LEN(report_apikey_routes);
