/*
 * public.c — what residents see of the information pages: the front page "/"
 * and /sida/{slug} (see pages.h).
 *
 * A page is shown in the visitor's language when it has a published version
 * in it, else in Swedish with a note saying so; a page with no published
 * version does not exist for visitors (404). The front page shows the
 * published page "start" below the site's name, a link to each service Trygg
 * offers on this installation, and the menu of published pages.
 *
 * What this file does not do: decide whether a service exists. A service is
 * linked exactly when the application's route table has a GET route for its
 * path, so a link appears with its feature and never leads to a 404.
 */
#include "pages/handlers.h"
#include "core/util.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* Every service the front page may lead to, in the order shown. */
static const struct page_service {
	const char *path;
	const char *label;
	const char *description;
} page_services[] = {
	{ "/felanmalan", N_("Felanmälan"),
	  N_("Anmäl klotter, skadegörelse, nedskräpning, trasig belysning och annat som behöver åtgärdas på gator, i parker och på andra allmänna platser.") },
	{ "/tipsa", N_("Tipsa polisen"),
	  N_("Lämna ett tips till polisen om brott eller oro i ditt område, anonymt om du vill. Vid akut fara, ring 112.") },
	{ "/trygghetsundersokning", N_("Trygghetsundersökningen"),
	  N_("Berätta hur trygg du känner dig där du bor. Svaren är en del av underlaget för lägesbilden.") },
	{ "/lagesbild", N_("Lägesbild"),
	  N_("Se vilka problem som är vanligast, var de finns och hur de har utvecklats över tid.") },
	{ "/medborgarloften", N_("Medborgarlöfte"),
	  N_("Läs vad kommunen och polisen har lovat att göra tillsammans och hur det går.") },
	{ "/kontakt", N_("Hör av dig"),
	  N_("Skriv till kommunens trygghetssamordnare med frågor, idéer eller synpunkter.") },
	{ "/omraden", N_("Områden"),
	  N_("Se kommunens områden på en karta och vad som rör just ditt område.") },
};

json_t *page_html(const char *markdown)
{
	buf b = BUF_INIT;
	json_t *html = NULL;
	if (page_markdown_render(markdown, strlen(markdown), &b) == 0)
		html = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return html;
}

/* True when the application answers GET path (an exact, literal route). */
static bool page_service_exists(http_req *r, const char *path)
{
	const app *a = web_app(r);
	for (size_t i = 0; i < a->route_count; i++)
		if (strcmp(a->routes[i].method, "GET") == 0 && strcmp(a->routes[i].pattern, path) == 0)
			return true;
	return false;
}

static json_t *page_services_json(http_req *r)
{
	json_t *list = json_array();
	for (size_t i = 0; i < ARRAY_LEN(page_services); i++) {
		if (!page_service_exists(r, page_services[i].path))
			continue;
		json_t *s = json_object();
		json_object_set_new(s, "href", json_string(page_services[i].path));
		json_object_set_new(s, "label", json_string(T(r, page_services[i].label)));
		json_object_set_new(s, "description", json_string(T(r, page_services[i].description)));
		json_array_append_new(list, s);
	}
	return list;
}

/* The newest published version of page_id in the visitor's language, else in
 * Swedish. Returns 1 (v->lang says which), 0 when neither exists, -1 on error. */
static int page_published(http_req *r, int64_t page_id, page_version *v)
{
	web_state *w = web(r);
	int found = page_version_latest(w->db, r->arena, page_id, w->lang, true, v);
	if (found == 0 && strcmp(w->lang, "sv") != 0)
		found = page_version_latest(w->db, r->arena, page_id, "sv", true, v);
	return found;
}

typedef struct page_menu_rows {
	http_req *r;
	const char *current; /* slug of the page shown, or "" */
	json_t *rows;
} page_menu_rows;

static int page_menu_row(void *ud, const page_menu_item *m)
{
	page_menu_rows *pm = ud;
	json_t *row = json_object();
	json_object_set_new(row, "href", json_string(arena_printf(pm->r->arena, "/sida/%s", m->slug)));
	json_object_set_new(row, "title", json_string(m->title));
	/* A Swedish title on an English page is marked, for screen readers. */
	json_object_set_new(row, "title_lang", json_string(strcmp(m->lang, web(pm->r)->lang) ? m->lang : ""));
	json_object_set_new(row, "current", json_boolean(strcmp(m->slug, pm->current) == 0));
	json_array_append_new(pm->rows, row);
	return 0;
}

/* Adds the menu of published pages to d (menu, has_menu). Returns 0 or -1. */
static int page_menu_add(http_req *r, json_t *d, const char *current)
{
	page_menu_rows pm = { r, current, json_array() };
	json_object_set_new(d, "menu", pm.rows);
	int count = page_menu_each(web_db(r), r->arena, web(r)->lang, page_menu_row, &pm);
	json_object_set_new(d, "has_menu", json_boolean(count > 0));
	return count < 0 ? -1 : 0;
}

/* Adds a published version to d: its title, its text as HTML (content_html),
 * and, when it is not in the visitor's language, content_lang and fallback.
 * Returns 0, or -1 when rendering fails. */
static int page_content_add(http_req *r, json_t *d, const page_version *v)
{
	json_t *html = page_html(v->body);
	if (html == NULL)
		return -1;
	bool other = strcmp(v->lang, web(r)->lang) != 0;
	json_object_set_new(d, "page_title", json_string(v->title));
	json_object_set_new(d, "content_html", html);
	json_object_set_new(d, "content_lang", json_string(other ? v->lang : ""));
	json_object_set_new(d, "fallback", json_boolean(other));
	return 0;
}

/* Logs a database or rendering failure and answers with the error page. Takes d. */
static int page_public_failed(http_req *r, json_t *d)
{
	fprintf(stderr, "trygg: %s %s: %s\n", r->method, r->path, db_errmsg(web_db(r)));
	json_decref(d);
	return 500;
}

int page_front(http_req *r)
{
	json_t *d = json_object();
	page p;
	page_version v;
	json_t *services = page_services_json(r);
	json_object_set_new(d, "has_services", json_boolean(json_array_size(services) > 0));
	json_object_set_new(d, "services", services);
	int found = page_find(web_db(r), r->arena, PAGE_FRONT_SLUG, &p);
	if (found > 0)
		found = page_published(r, p.id, &v);
	if (found < 0 || (found > 0 && page_content_add(r, d, &v) != 0) || page_menu_add(r, d, PAGE_FRONT_SLUG) != 0)
		return page_public_failed(r, d);
	return web_render(r, 200, "home", d);
}

int page_show(http_req *r)
{
	const char *slug = http_param(r, "slug");
	json_t *d = json_object();
	page p;
	page_version v;
	if (!page_slug_valid(slug)) {
		json_decref(d);
		return 404;
	}
	int found = page_find(web_db(r), r->arena, slug, &p);
	if (found > 0)
		found = page_published(r, p.id, &v);
	if (found < 0)
		return page_public_failed(r, d);
	if (found == 0) {
		json_decref(d);
		return 404;
	}
	if (page_content_add(r, d, &v) != 0 || page_menu_add(r, d, slug) != 0)
		return page_public_failed(r, d);
	json_object_set_new(d, "title", json_string(v.title));
	return web_render(r, 200, "pages/show", d);
}
