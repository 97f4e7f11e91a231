/*
 * app.c — the application around the HTTP layer: opening what the server
 * needs, the before/after hooks that give every request its database
 * connection, language, login session and CSRF protection, and rendering
 * pages in the layout (see web.h).
 */
#include "web/web.h"
#include "web/answer_cache.h"
#include "auth/auth.h"
#include "core/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CSRF_FIELD "csrf"

const char *const role_names[ROLE__MAX] = { "handlaggare", "samordnare", "polis", "admin" };
const char *const role_labels[ROLE__MAX] = { N_("Handläggare"), N_("Samordnare"), N_("Polis"), N_("Administratör") };

const char *web_local_path(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/')
		return NULL;
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return NULL;
	return next;
}

int role_parse(const char *text, unsigned *mask)
{
	*mask = 0;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;
		for (int i = 0; i < ROLE__MAX; i++) {
			if (strlen(role_names[i]) == len && strncmp(p, role_names[i], len) == 0) {
				*mask |= 1u << i;
				found = true;
			}
		}
		if (!found && len > 0)
			return -1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int64_t web_now(void)
{
	return (int64_t)time(NULL);
}

const char *web_t(http_req *r, const char *msgid)
{
	web_state *w = web(r);
	return i18n_translate(web_app(r)->i18n, w ? w->lang : NULL, msgid);
}

const char *web_cookie_name(http_req *r, const char *base)
{
	return r->https ? arena_printf(r->arena, "__Host-%s", base) : base;
}

bool web_has_role(http_req *r, unsigned mask)
{
	web_state *w = web(r);
	return w && w->user && (w->user->roles & mask) != 0;
}

const char *web_keyed_hash(http_req *r, const char *purpose, const char *text)
{
	unsigned char out[16];
	char hex[sizeof(out) * 2 + 1];
	crypto_generichash_state st;
	crypto_generichash_init(&st, web_app(r)->secret, WEB_SECRET_BYTES, sizeof(out));
	crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose) + 1);
	crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
	crypto_generichash_final(&st, out, sizeof(out));
	sodium_bin2hex(hex, sizeof(hex), out, sizeof(out));
	return arena_strdup(r->arena, hex);
}

const char *web_format_time(http_req *r, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char text[64];
	localtime_r(&tt, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &tm);
	return arena_strdup(r->arena, text);
}

void web_audit(http_req *r, const char *action, const char *object, const char *detail)
{
	web_state *w = web(r);
	if (audit_write(w->db, w->user ? w->user->id : 0, action, object ? object : "", detail ? detail : "") != 0)
		fprintf(stderr, "trygg: audit log write failed: %s\n", db_errmsg(w->db));
}

const char *web_setting(http_req *r, const char *name, const char *fallback)
{
	web_state *w = web(r);
	if (w == NULL || w->db == NULL)
		return fallback;
	db_stmt *s = db_prepare(w->db, "SELECT value FROM settings WHERE name = ?");
	if (s == NULL)
		return fallback;
	db_bind_text(s, 1, name);
	if (db_step(s) != DB_ROW || db_column_is_null(s, 0))
		return fallback;
	const char *value = arena_strdup(r->arena, db_column_text(s, 0));
	db_step(s); /* to the end, so that the statement holds no read lock */
	return value;
}

/* ---- CSRF ---- */

/* Finds what the request's CSRF token is bound to (the login session, or the
 * csrf cookie) and computes the token. With create, a visitor without either
 * gets a new csrf cookie; without it (API calls, JSON, files) no cookie is set
 * and w->csrf_token stays NULL. */
static void csrf_prepare(http_req *r, web_state *w, bool create)
{
	const char *cookie = web_cookie_name(r, "trygg-csrf");
	const char *key = w->session_token ? w->session_token : http_cookie(r, cookie);
	if (key == NULL || strlen(key) < 32) {
		if (!create)
			return;
		unsigned char raw[24];
		char text[sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(text, sizeof(text), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		key = arena_strdup(r->arena, text);
		/* A browser-session cookie: it never outlives the visit. */
		http_set_cookie(r, cookie, key, -1);
	}
	w->csrf_key = key;
	w->csrf_token = web_keyed_hash(r, "csrf", key);
}

/* The origin this server is reached at, from configuration or the Host header. */
static const char *own_origin(http_req *r)
{
	const char *pub = web_app(r)->cfg->public_url;
	if (pub && *pub) {
		const char *slash = strchr(strstr(pub, "://") ? strstr(pub, "://") + 3 : pub, '/');
		return slash ? arena_strndup(r->arena, pub, (size_t)(slash - pub)) : pub;
	}
	const char *host = http_header(r, "Host");
	if (host == NULL)
		return NULL;
	return arena_printf(r->arena, "%s://%s", r->https ? "https" : "http", host);
}

/* Returns true when a state-changing request comes from our own pages. */
static bool csrf_check(http_req *r, web_state *w)
{
	const char *origin = own_origin(r);
	const char *sent_origin = http_header(r, "Origin");
	if (sent_origin && strcmp(sent_origin, "null") != 0) {
		if (origin == NULL || strcasecmp(sent_origin, origin) != 0)
			return false;
	} else {
		const char *referer = http_header(r, "Referer");
		if (referer && origin) {
			size_t n = strlen(origin);
			if (strncasecmp(referer, origin, n) != 0 || (referer[n] != '/' && referer[n] != '\0'))
				return false;
		}
	}
	const char *sent = http_form(r, CSRF_FIELD);
	if (sent == NULL)
		sent = http_header(r, "X-CSRF-Token");
	return sent != NULL && w->csrf_token != NULL && str_equal_const_time(sent, w->csrf_token);
}

/* ---- hooks ---- */

int app_before(http_req *r)
{
	app *a = web_app(r);
	web_state *w = arena_alloc(r->arena, sizeof(*w));
	r->state = w;

	const char *lang = i18n_language(http_query(r, "lang"));
	if (lang == NULL)
		lang = i18n_language(http_cookie(r, "lang"));
	if (lang == NULL)
		lang = i18n_negotiate(http_header(r, "Accept-Language"));
	w->lang = lang ? lang : i18n_language(a->cfg->default_lang) ? i18n_language(a->cfg->default_lang) : "sv";

	/* Static files need neither the database nor a session. */
	if (str_starts_with(r->route->pattern, "/assets/") || str_starts_with(r->route->pattern, "/static/"))
		return 0;

	w->db = db_acquire(a->db);
	if (w->db == NULL)
		return 503;
	if (auth_load_session(r, w) != 0)
		return 503;
	const char *flash_cookie = http_cookie(r, "flash");
	if (flash_cookie && *flash_cookie) {
		w->flash = http_urldecode_path(r->arena, flash_cookie, strlen(flash_cookie));
		http_set_cookie(r, "flash", "", 0);
	}
	csrf_prepare(r, w, false);

	bool safe = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
	if (!safe && !(r->route->flags & ROUTE_NO_CSRF) && !csrf_check(r, w))
		return web_error(r, 403, T(r, "Formuläret kunde inte skickas eftersom sidan var för gammal eller kom från en annan webbplats. Ladda om sidan och försök igen."));

	if ((r->route->flags & ROUTE_STAFF) && w->user == NULL) {
		if (!safe)
			return 403;
		buf next = BUF_INIT;
		buf_puts(&next, "/personal/logga-in?next=");
		buf_url_escape(&next, r->path);
		http_redirect(r, arena_strdup(r->arena, next.data));
		buf_free(&next);
		return 303;
	}
	if (r->route->roles && !web_has_role(r, r->route->roles))
		return 403;
	if (w->user && w->user->must_change_password && (r->route->flags & ROUTE_STAFF) &&
	    strcmp(r->path, "/personal/losenord") != 0)
		return web_redirect_flash(r, "/personal/losenord", T(r, "Välj ett nytt lösenord innan du fortsätter."));
	return 0;
}

void app_after(http_req *r)
{
	web_state *w = web(r);
	if (w && w->db) {
		db_release(web_app(r)->db, w->db);
		w->db = NULL;
	}
}

/* ---- rendering ---- */

static const char *tpl_translate(void *ud, const char *msgid)
{
	return web_t(ud, msgid);
}

static const char *tpl_asset(void *ud, const char *path)
{
	http_req *r = ud;
	return asset_url(web_app(r)->assets, path);
}

/* The staff navigation: links shown to those who hold one of the roles. */
static const struct nav_item {
	const char *href;
	const char *label;
	unsigned roles; /* 0: every logged-in staff member */
} staff_nav[] = {
	{ "/personal/", N_("Start"), 0 },
	{ "/personal/anvandare", N_("Användare"), ROLE_ADMIN },
	{ "/personal/logg", N_("Granskningslogg"), ROLE_ADMIN },
	{ "/personal/losenord", N_("Byt lösenord"), 0 },
};

static json_t *common_data(http_req *r)
{
	web_state *w = web(r);
	json_t *d = json_object();
	const char *other = strcmp(w->lang, "sv") == 0 ? "en" : "sv";
	json_object_set_new(d, "lang", json_string(w->lang));
	json_object_set_new(d, "other_lang", json_string(other));
	json_object_set_new(d, "other_lang_name", json_string(strcmp(other, "sv") == 0 ? "Svenska" : "English"));
	buf here = BUF_INIT;
	buf_url_escape(&here, r->path);
	json_object_set_new(d, "here", json_string(here.data ? here.data : "%2F"));
	buf_free(&here);
	json_object_set_new(d, "path", json_string(r->path));
	/* A page may hold a form: make sure there is a token to put in it. */
	if (w->csrf_token == NULL && w->db != NULL)
		csrf_prepare(r, w, true);
	if (w->csrf_token)
		json_object_set_new(d, "csrf", json_string(w->csrf_token));
	if (w->flash)
		json_object_set_new(d, "flash", json_string(w->flash));
	/* The municipality's name and details for the header and footer, set by an
	 * administrator (settings); read in one query. */
	json_t *site = json_object();
	db_stmt *st = w->db ? db_prepare(w->db, "SELECT name, value FROM settings WHERE name IN ("
				    "'site_name', 'municipality_name', 'police_area', 'logo', 'contact_phone', "
				    "'contact_email', 'contact_address', 'contact_hours')") : NULL;
	while (st && db_step(st) == DB_ROW) {
		const char *v = db_column_text(st, 1);
		if (v && *v)
			json_object_set_new(site, db_column_text(st, 0), json_string(v));
	}
	json_t *name = json_object_get(site, "site_name");
	json_object_set_new(d, "site_name", name ? json_incref(name) : json_string("Trygg"));
	json_object_set_new(d, "site", site);
	if (w->user) {
		json_t *u = json_object();
		json_object_set_new(u, "name", json_string(*w->user->name ? w->user->name : w->user->email));
		json_object_set_new(u, "email", json_string(w->user->email));
		json_object_set_new(d, "user", u);
		json_t *nav = json_array();
		for (size_t i = 0; i < ARRAY_LEN(staff_nav); i++) {
			if (staff_nav[i].roles && !(w->user->roles & staff_nav[i].roles))
				continue;
			json_t *item = json_object();
			json_object_set_new(item, "href", json_string(staff_nav[i].href));
			json_object_set_new(item, "label", json_string(T(r, staff_nav[i].label)));
			if (strcmp(staff_nav[i].href, r->path) == 0)
				json_object_set_new(item, "current", json_true());
			json_array_append_new(nav, item);
		}
		json_object_set_new(d, "staff_nav", nav);
	}
	return d;
}

int web_render(http_req *r, int status, const char *template, json_t *data)
{
	app *a = web_app(r);
	tpl_env env = { tpl_translate, tpl_asset, r };
	buf body = BUF_INIT;
	json_t *common = common_data(r);
	int rc = status;
	if (data == NULL)
		data = json_object();
	/* The page's own data wins over the common data of the same name. */
	json_object_update_missing(data, common);
	if (tpl_render(a->templates, template, data, &env, &body) != 0) {
		fprintf(stderr, "trygg: template %s failed to render\n", template);
		rc = 500;
		goto out;
	}
	json_object_set_new(data, "body_html", json_stringn(body.data ? body.data : "", body.len));
	buf_reset(&r->body);
	if (tpl_render(a->templates, "layout", data, &env, &r->body) != 0) {
		buf_reset(&r->body);
		rc = 500;
		goto out;
	}
	r->content_type = "text/html; charset=utf-8";
	r->status = status;
out:
	buf_free(&body);
	json_decref(common);
	json_decref(data);
	return rc;
}

int web_redirect_flash(http_req *r, const char *url, const char *notice)
{
	/* The notice is our own text; the cookie carries it URL-safe. */
	buf b = BUF_INIT;
	buf_url_escape(&b, notice);
	http_set_cookie(r, "flash", b.data, 60);
	buf_free(&b);
	return http_redirect(r, url);
}

int web_error(http_req *r, int status, const char *message)
{
	json_t *d = json_object();
	json_object_set_new(d, "status", json_integer(status));
	json_object_set_new(d, "message", json_string(message));
	json_object_set_new(d, "title", json_string(T(r, "Något gick fel")));
	int rc = web_render(r, status, "error", d);
	return rc == 500 ? 500 : status;
}

static const struct {
	int status;
	const char *title;
	const char *message;
} error_texts[] = {
	{ 400, N_("Felaktig förfrågan"), N_("Förfrågan kunde inte förstås. Kontrollera adressen eller formuläret och försök igen.") },
	{ 403, N_("Åtkomst nekad"), N_("Du har inte behörighet till den här sidan.") },
	{ 404, N_("Sidan finns inte"), N_("Sidan du söker finns inte. Den kan ha flyttats eller tagits bort.") },
	{ 405, N_("Metoden stöds inte"), N_("Sidan kan inte användas på det sättet.") },
	{ 413, N_("För stor"), N_("Det du skickade är för stort. Förminska bilderna eller skicka färre filer och försök igen.") },
	{ 429, N_("För många försök"), N_("Du har gjort för många försök på kort tid. Vänta en stund och försök igen.") },
	{ 500, N_("Tekniskt fel"), N_("Ett tekniskt fel uppstod. Ingenting du skickade har gått förlorat om du fick ett kvitto; försök annars igen om en stund.") },
	{ 503, N_("Tillfälligt otillgänglig"), N_("Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.") },
};

void app_error_page(http_req *r, int status)
{
	const app *a = web_app(r);
	for (size_t i = 0; r->path && i < a->error_format_count; i++) {
		if (str_starts_with(r->path, a->error_formats[i].prefix)) {
			a->error_formats[i].write(r, status);
			r->status = status;
			return;
		}
	}
	const char *title = N_("Fel"), *message = N_("Något gick fel.");
	for (size_t i = 0; i < ARRAY_LEN(error_texts); i++) {
		if (error_texts[i].status == status) {
			title = error_texts[i].title;
			message = error_texts[i].message;
		}
	}
	if (r->state == NULL) {
		/* Refused before the application saw the request: no session, only the language. */
		web_state *w = arena_alloc(r->arena, sizeof(*w));
		const char *lang = i18n_negotiate(http_header(r, "Accept-Language"));
		const char *cookie = i18n_language(http_cookie(r, "lang"));
		w->lang = cookie ? cookie : lang ? lang : "sv";
		r->state = w;
	}
	json_t *d = json_object();
	json_object_set_new(d, "status", json_integer(status));
	json_object_set_new(d, "title", json_string(T(r, title)));
	json_object_set_new(d, "message", json_string(T(r, message)));
	if (web_render(r, status, "error", d) != status) {
		buf_reset(&r->body);
		buf_printf(&r->body, "<!doctype html><title>%d</title><p>%d</p>", status, status);
	}
	r->status = status;
}

/* ---- opening ---- */

/* Reads the server key from settings, creating it on first start. */
static int app_load_secret(app *a, char **err)
{
	int rc = -1;
	db_conn *c = db_acquire(a->db);
	if (c == NULL) {
		*err = xstrdup("cannot connect to the database");
		return -1;
	}
	for (int attempt = 0; attempt < 2 && rc != 0; attempt++) {
		db_stmt *s = db_prepare(c, "SELECT value FROM settings WHERE name = 'server_key'");
		if (s == NULL)
			break;
		if (db_step(s) == DB_ROW) {
			const char *hex = db_column_text(s, 0);
			size_t len = 0;
			if (hex && sodium_hex2bin(a->secret, sizeof(a->secret), hex, strlen(hex), NULL, &len, NULL) == 0 &&
			    len == sizeof(a->secret))
				rc = 0;
			break;
		}
		unsigned char key[WEB_SECRET_BYTES];
		char hex[WEB_SECRET_BYTES * 2 + 1];
		randombytes_buf(key, sizeof(key));
		sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
		/* Another process may win the race; then its key is read on the next round. */
		if (db_begin_write(c) != 0)
			break;
		s = db_prepare(c, "INSERT INTO settings (name, value) VALUES ('server_key', ?) ON CONFLICT (name) DO NOTHING");
		if (s == NULL)
			break;
		db_bind_text(s, 1, hex);
		if (db_step(s) != DB_DONE || db_commit(c) != 0)
			break;
	}
	if (rc != 0 && *err == NULL) {
		buf e = BUF_INIT;
		buf_printf(&e, "cannot read the server key: %s", db_errmsg(c));
		*err = buf_detach(&e);
	}
	db_release(a->db, c);
	return rc;
}

int app_open(app *a, const config *cfg, char **err)
{
	buf path = BUF_INIT;
	int rc = -1;
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	*err = NULL;
	if (sodium_init() < 0) {
		*err = xstrdup("libsodium cannot start");
		goto out;
	}
	a->db = db_open(cfg->database, cfg->threads + 2, err);
	if (a->db != NULL)
		db_set_memory_limit(a->db, (int64_t)cfg->db_cache_bytes);
	if (a->db == NULL)
		goto out;
	buf_printf(&path, "%s/migrations", cfg->share_dir);
	if (db_migrate(a->db, path.data, err) != 0)
		goto out;
	if (app_load_secret(a, err) != 0)
		goto out;
	buf_reset(&path);
	buf_printf(&path, "%s/templates", cfg->share_dir);
	a->templates = tpl_load_dir(path.data, err);
	if (a->templates == NULL)
		goto out;
	a->i18n = i18n_load(cfg->locale_dir, err);
	if (a->i18n == NULL)
		goto out;
	a->assets = asset_set_new();
	buf_reset(&path);
	buf_printf(&path, "%s/static", cfg->share_dir);
	if (asset_mount(a->assets, path.data, "", err) != 0)
		goto out;
	/* Leaflet from Debian's libjs-leaflet, for the maps; without it pages show no map. */
	char *leaflet_err = NULL;
	if (asset_mount(a->assets, "/usr/share/javascript/leaflet", "vendor/leaflet", &leaflet_err) != 0) {
		fprintf(stderr, "trygg: no maps: %s (install libjs-leaflet)\n", leaflet_err ? leaflet_err : "?");
		free(leaflet_err);
	}
	/* A quarter of the budget at most per answer, so that one large answer
	 * (a full Open311 page is about 0.5 MB) cannot push out all the others. */
	a->answer_cache = answer_cache_new(cfg->answer_cache_bytes, cfg->answer_cache_bytes / 4);
	rc = 0;
out:
	buf_free(&path);
	if (rc != 0)
		app_close(a);
	return rc;
}

void app_close(app *a)
{
	db_close(a->db);
	tpl_free(a->templates);
	i18n_free(a->i18n);
	asset_set_free(a->assets);
	answer_cache_free(a->answer_cache);
	memset(a, 0, sizeof(*a));
}
