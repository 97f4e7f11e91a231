/*
 * web.h — the application as request handlers see it: the shared, read-only
 * app (configuration, database pool, templates, translations, static files,
 * server key) and the per-request state (database connection, language,
 * logged-in user, CSRF token), plus the helpers every page uses.
 *
 * Features (src/reports/, src/tips/, …) build on this header and src/auth/;
 * this layer never includes a feature.
 */
#ifndef TRYGG_WEB_WEB_H
#define TRYGG_WEB_WEB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "db/db.h"
#include "http/http.h"
#include "web/asset.h"
#include "web/i18n.h"
#include "web/template.h"

#define WEB_SECRET_BYTES 32

typedef struct app {
	const config *cfg;
	db *db;
	tpl_set *templates;
	i18n *i18n;
	asset_set *assets;
	/* The server key, shared by every process through the database (settings
	 * table); it keys CSRF tokens and the hashes that stand in for addresses. */
	unsigned char secret[WEB_SECRET_BYTES];
	const http_route *routes;
	size_t route_count;
	struct answer_cache *answer_cache; /* owned; NULL when answer_cache_bytes is 0 */
	/* Error bodies of their own for paths under a prefix (an API's error
	 * format), used by app_error_page() instead of the HTML page. */
	const struct web_error_format *error_formats;
	size_t error_format_count;
} app;

typedef struct web_error_format {
	const char *prefix; /* "/open311/" */
	void (*write)(http_req *r, int status);
} web_error_format;

/* Roles a staff member may hold (several at once). */
enum role {
	ROLE_HANDLAGGARE = 1u << 0, /* municipal case handler */
	ROLE_SAMORDNARE = 1u << 1,  /* safety / public-health coordinator */
	ROLE_POLIS = 1u << 2,       /* community police officer */
	ROLE_ADMIN = 1u << 3,       /* administrator */
	ROLE__MAX = 4
};
/* Role names as stored and typed on the command line, indexed by bit number. */
extern const char *const role_names[ROLE__MAX];
/* What the roles are called on pages (Swedish source texts; translate with T()). */
extern const char *const role_labels[ROLE__MAX];
/* Parses "polis,admin" into a role mask. Returns 0, or -1 on an unknown name. */
int role_parse(const char *text, unsigned *mask);

typedef struct web_user {
	int64_t id;
	const char *email;
	const char *name;
	unsigned roles;
	bool must_change_password;
} web_user;

typedef struct web_state {
	db_conn *db;
	const char *lang;        /* "sv" or "en" */
	web_user *user;          /* NULL when nobody is logged in */
	const char *session_token; /* raw token of the login session, when logged in */
	const char *csrf_key;    /* what the CSRF token is bound to (session or csrf cookie) */
	const char *csrf_token;  /* the token to embed in forms */
	const char *flash;       /* one-time notice shown on the next page */
} web_state;

static inline app *web_app(http_req *r) { return (app *)r->app; }
static inline web_state *web(http_req *r) { return (web_state *)r->state; }
static inline db_conn *web_db(http_req *r) { return web(r)->db; }

/* The text translated into the request's language. Mark texts for extraction with T(). */
const char *web_t(http_req *r, const char *msgid);
#define T(r, msgid) web_t((r), (msgid))
/* Marks a text in a table for translation; it is translated where it is shown. */
#define N_(msgid) (msgid)

/* Cookie names: "__Host-" prefixed (which needs Secure) when served over https. */
const char *web_cookie_name(http_req *r, const char *base);

/* Renders template with data inside the layout and sets it as the response.
 * Takes ownership of data. Adds to it: lang, user, csrf, site, nav, flash.
 * Returns status (for "return web_render(r, 200, …)"), or 500 on error. */
int web_render(http_req *r, int status, const char *template, json_t *data);
/* Sets a one-time notice for the next page and redirects to url (303). */
int web_redirect_flash(http_req *r, const char *url, const char *notice);
/* Returns a 4xx page with message (translated by the caller) in the layout. */
int web_error(http_req *r, int status, const char *message);

/* Returns next when it is a path on this site ("/…", not "//…", no backslash or
 * control characters), which is safe to redirect to; NULL otherwise. */
const char *web_local_path(const char *next);

/* True when the logged-in user has any of the roles in mask. */
bool web_has_role(http_req *r, unsigned mask);

/* Writes one audit-log entry for the logged-in user (or the system when
 * nobody is logged in): what was done, to which object, and a detail. */
void web_audit(http_req *r, const char *action, const char *object, const char *detail);

/* Keyed hash (hex) of text with the server key, with a purpose label, for
 * values that must be compared but not stored (addresses, tokens). */
const char *web_keyed_hash(http_req *r, const char *purpose, const char *text);

/* Counts one use of purpose (e.g. "contact") by the request's client and says
 * whether it is over max_hits within the current window of window_seconds.
 * Returns 0 when allowed, 1 when limited (Retry-After is set; answer 429),
 * -1 on a database error. No address is stored: see ratelimit.c. */
int web_rate_limit(http_req *r, const char *purpose, int max_hits, int window_seconds);

/* A value from the settings table (municipality name and the like, set by an
 * administrator), or fallback when unset. Arena-owned. */
const char *web_setting(http_req *r, const char *name, const char *fallback);

/* The start time of the request, seconds since the epoch (UTC). */
int64_t web_now(void);
/* Formats a UTC time for people (Europe/Stockholm local time) into the arena. */
const char *web_format_time(http_req *r, int64_t t);

/* The application's hooks and pages for the HTTP layer (app.c). */
int app_before(http_req *r);
void app_after(http_req *r);
void app_error_page(http_req *r, int status);

/* Opens everything the server needs. Returns 0, or -1 with *err. */
int app_open(app *a, const config *cfg, char **err);
void app_close(app *a);

/* Platform routes (health, static files, language, staff start page). */
extern const http_route web_routes[];
extern const size_t web_route_count;

#endif
