/*
 * pages.c — the platform's own routes: health check, static files, favicon,
 * robots.txt, language switch and the staff start page (one section per role
 * held, with each feature's links). The front page is src/pages/'s.
 */
#include "web/web.h"
#include "core/util.h"

#include <string.h>

/* GET /healthz — 200 "ok" when the database answers, 503 otherwise. */
static int page_healthz(http_req *r)
{
	r->content_type = "application/json";
	http_set_header(r, "Cache-Control", "no-store");
	if (web_db(r) == NULL || !db_ping(web_db(r))) {
		buf_puts(&r->body, "{\"status\":\"unavailable\",\"database\":false}\n");
		return 503;
	}
	buf_puts(&r->body, "{\"status\":\"ok\",\"database\":true}\n");
	return 200;
}

static int page_asset(http_req *r)
{
	return asset_serve(web_app(r)->assets, r, http_param(r, "path"), http_param(r, "fingerprint"));
}

static int page_static(http_req *r)
{
	return asset_serve(web_app(r)->assets, r, http_param(r, "path"), NULL);
}

/* GET /sprak?lang=en&next=/path — remembers the chosen language for a year.
 * Only a preference cookie is set; nothing on the server changes. */
static int page_language(http_req *r)
{
	const char *lang = i18n_language(http_query(r, "lang"));
	if (lang == NULL)
		return web_error(r, 400, T(r, "Okänt språk."));
	http_set_cookie(r, "lang", lang, 365L * 24 * 3600);
	const char *next = web_local_path(http_query(r, "next"));
	return http_redirect(r, next ? next : "/");
}

/* What each role does, and where its work starts. Features add links here as they arrive. */
static const struct role_section {
	unsigned role;
	const char *description;
} role_sections[] = {
	{ ROLE_HANDLAGGARE, N_("Tar emot och handlägger felanmälningar från invånare.") },
	{ ROLE_SAMORDNARE, N_("Samordnar trygghetsarbetet, lägesbilden och medborgarlöftet.") },
	{ ROLE_POLIS, N_("Läser tips från allmänheten och deltar i lägesbild och medborgarlöfte.") },
	{ ROLE_ADMIN, N_("Hanterar användare och inställningar och läser granskningsloggen.") },
};

static const struct role_link {
	unsigned roles;
	const char *href;
	const char *label;
} role_links[] = {
	{ ROLE_ADMIN, "/personal/anvandare", N_("Användare och roller") },
	{ ROLE_ADMIN, "/personal/logg", N_("Granskningslogg") },
	{ ROLE_ADMIN | ROLE_SAMORDNARE, "/personal/omraden", N_("Områden och karta") },
	{ ROLE_ADMIN, "/personal/installningar", N_("Inställningar för kommunen") },
	{ ROLE_ADMIN, "/personal/utkorg", N_("Utkorg för e-post") },
	{ ROLE_SAMORDNARE, "/personal/kontakt", N_("Inkorg för Hör av dig") },
	{ ROLE_SAMORDNARE | ROLE_ADMIN, "/personal/sidor", N_("Informationssidor") },
	{ ROLE_POLIS, "/personal/tips", N_("Tips från allmänheten") },
	{ ROLE_POLIS, "/personal/tips/nycklar", N_("Nycklar och åtkomst till tipsen") },
	{ ROLE_HANDLAGGARE | ROLE_SAMORDNARE, "/personal/felanmalan", N_("Felanmälningar") },
	{ ROLE_HANDLAGGARE | ROLE_SAMORDNARE, "/personal/felanmalan/mallar", N_("Svarsmallar för felanmälan") },
	{ ROLE_SAMORDNARE | ROLE_ADMIN, "/personal/felanmalan/enheter", N_("Enheter för felanmälan") },
	{ ROLE_POLIS, "/personal/polisen/felanmalningar", N_("Felanmälningar till polisen") },
	{ ROLE_SAMORDNARE | ROLE_ADMIN, "/personal/felanmalan-kategorier", N_("Kategorier för felanmälan") },
	{ ROLE_ADMIN, "/personal/apinycklar", N_("API-nycklar för Open311") },
	{ ROLE_SAMORDNARE | ROLE_ADMIN, "/personal/trygghetsundersokning", N_("Trygghetsundersökningar") },
	{ ROLE_HANDLAGGARE | ROLE_SAMORDNARE, "/personal/registrera-enkatsvar", N_("Registrera svar på trygghetsundersökningen") },
};

/* GET /personal/ — the start page, with what each of the user's roles may do. */
static int page_staff_start(http_req *r)
{
	web_state *w = web(r);
	json_t *d = json_object(), *roles = json_array(), *sections = json_array();
	for (size_t i = 0; i < ARRAY_LEN(role_sections); i++) {
		if (!(w->user->roles & role_sections[i].role))
			continue;
		json_t *item = json_object();
		json_object_set_new(item, "label", json_string(T(r, role_labels[__builtin_ctz(role_sections[i].role)])));
		json_object_set_new(item, "description", json_string(T(r, role_sections[i].description)));
		json_array_append_new(roles, item);
		json_t *links = json_array();
		for (size_t k = 0; k < ARRAY_LEN(role_links); k++) {
			if (!(role_links[k].roles & role_sections[i].role))
				continue;
			json_t *l = json_object();
			json_object_set_new(l, "href", json_string(role_links[k].href));
			json_object_set_new(l, "label", json_string(T(r, role_links[k].label)));
			json_array_append_new(links, l);
		}
		if (json_array_size(links) > 0) {
			json_t *s = json_object();
			json_object_set_new(s, "title", json_string(T(r, role_labels[__builtin_ctz(role_sections[i].role)])));
			json_object_set_new(s, "links", links);
			json_array_append_new(sections, s);
		} else {
			json_decref(links);
		}
	}
	json_object_set_new(d, "title", json_string(T(r, "Personalsidor")));
	json_object_set_new(d, "roles", roles);
	json_object_set_new(d, "sections", sections);
	return web_render(r, 200, "personal/start", d);
}

/* GET /favicon.ico — browsers ask for it whatever the page says; the SVG icon serves. */
static int page_favicon(http_req *r)
{
	return asset_serve(web_app(r)->assets, r, "favicon.svg", NULL);
}

static int page_robots(http_req *r)
{
	r->content_type = "text/plain; charset=utf-8";
	buf_puts(&r->body, "User-agent: *\nDisallow: /personal/\n");
	return 200;
}

const http_route web_routes[] = {
	{ "GET", "/healthz", page_healthz, 0, 0 },
	{ "GET", "/robots.txt", page_robots, 0, 0 },
	{ "GET", "/favicon.ico", page_favicon, ROUTE_NO_LOG, 0 },
	/* Static files are never logged: the lines say nothing useful, and a lone line for a
	 * stylesheet would tell that someone just loaded a page that is never logged (tips). */
	{ "GET", "/assets/{fingerprint}/{path...}", page_asset, ROUTE_NO_LOG, 0 },
	{ "GET", "/static/{path...}", page_static, ROUTE_NO_LOG, 0 },
	{ "GET", "/sprak", page_language, 0, 0 },
	{ "GET", "/personal/", page_staff_start, ROUTE_STAFF, 0 },
};
const size_t web_route_count = ARRAY_LEN(web_routes);
