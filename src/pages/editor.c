/*
 * editor.c — the coordinator's editor of information pages under
 * /personal/sidor (see pages.h): the list of pages, a new page, the editor of
 * each language version with a preview, saving a draft and publishing, the
 * history of versions, viewing an old version and restoring it as a draft,
 * and the page's place in the menu.
 *
 * The preview is a POST that renders the submitted Markdown into the editor
 * page and saves nothing, so it works without JavaScript. Every save,
 * publication, restoration and menu change is written to the audit log. A
 * form that fails is shown again with what was typed, an error summary at the
 * top and each message beside its field; the status says what went wrong
 * (400 missing, 409 someone saved meanwhile or the address is taken, 422 not
 * acceptable).
 *
 * What this file does not do: decide who may edit (the route table does:
 * samordnare and admin), or check CSRF tokens (app_before() does).
 */
#include "pages/handlers.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDITOR_PATH "/personal/sidor"

/* The languages a page is written in, with their names for the staff. */
static const struct editor_language {
	const char *code;
	const char *label;
} editor_languages[] = {
	{ "sv", N_("Svenska") },
	{ "en", N_("Engelska") },
};

/* What the buttons of the editor do. */
enum editor_action { EDITOR_PREVIEW, EDITOR_DRAFT, EDITOR_PUBLISH, EDITOR_ACTION__MAX };
static const struct {
	const char *name;        /* value of the pressed button ("action") */
	enum page_state state;   /* of the version saved */
	const char *audit;       /* audit-log action */
	const char *done;        /* notice after saving */
} editor_actions[EDITOR_ACTION__MAX] = {
	[EDITOR_PREVIEW] = { "preview", PAGE_DRAFT, "", "" },
	[EDITOR_DRAFT] = { "draft", PAGE_DRAFT, "page.save_draft", N_("Utkastet är sparat. Besökarna ser fortfarande den publicerade versionen.") },
	[EDITOR_PUBLISH] = { "publish", PAGE_PUBLISHED, "page.publish", N_("Sidan är publicerad.") },
};

/* The page and language an editor request is about. */
typedef struct editor {
	http_req *r;
	page page;
	const char *lang;  /* "sv" or "en"; NULL on the pages that concern the whole page */
	const char *href;  /* this language's editor: /personal/sidor/SLUG/LANG */
} editor;

/* ---- helpers ---- */

/* The Markdown text as sent, with the browser's CRLF line ends made LF. */
static const char *editor_text(http_req *r, const char *name)
{
	const char *v = http_form(r, name);
	buf b = BUF_INIT;
	for (const char *p = v ? v : ""; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_putc(&b, *p);
	const char *out = arena_strdup(r->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* Reads the menu fields (menu_order, in_menu) into d and *order, *in_menu;
 * adds an error to d when the order is not a whole number in range. */
static void editor_menu_fields(http_req *r, json_t *d, int64_t *order, bool *in_menu)
{
	const char *text = webform_trimmed(r, "menu_order");
	*in_menu = http_form(r, "in_menu") != NULL;
	json_object_set_new(d, "menu_order", json_string(text));
	json_object_set_new(d, "in_menu", json_boolean(*in_menu));
	if (*text == '\0')
		webform_error(r, d, "menu_order", T(r, "Fyll i ett tal för ordningen i menyn."));
	else if (str_to_int64(text, order) != 0 || *order < 0 || *order > PAGE_MENU_ORDER_MAX)
		webform_error(r, d, "menu_order", T(r, "Ordningen i menyn ska vara ett heltal från 0 till 999."));
}

/* Logs a database failure and answers with the error page. Takes d. */
static int editor_failed(http_req *r, json_t *d)
{
	fprintf(stderr, "trygg: %s %s: database error: %s\n", r->method, r->path, db_errmsg(web_db(r)));
	json_decref(d);
	return 500;
}

static const char *editor_label(const char *code)
{
	for (size_t i = 0; i < ARRAY_LEN(editor_languages); i++)
		if (strcmp(editor_languages[i].code, code) == 0)
			return editor_languages[i].label;
	return NULL;
}

static const char *editor_author(http_req *r, const char *author)
{
	return *author ? author : T(r, "Systemet");
}

static const char *editor_state_label(http_req *r, enum page_state state)
{
	return state == PAGE_PUBLISHED ? T(r, "Publicerad") : T(r, "Utkast");
}

/* How the audit log names a page: "page:SLUG". */
static const char *editor_object(http_req *r, const char *slug)
{
	return arena_printf(r->arena, "page:%s", slug);
}

/* The editor of the page slug in lang: /personal/sidor/SLUG/LANG. */
static const char *editor_href(http_req *r, const char *slug, const char *lang)
{
	return arena_printf(r->arena, EDITOR_PATH "/%s/%s", slug, lang);
}

/* Finds the page of slug and, when lang is not NULL, checks the language.
 * Returns 0, or the status to answer with (404, 500). */
static int editor_open(http_req *r, editor *e, const char *slug, const char *lang)
{
	memset(e, 0, sizeof(*e));
	e->r = r;
	if (slug == NULL || !page_slug_valid(slug) || (lang && editor_label(lang) == NULL))
		return 404;
	int found = page_find(web_db(r), r->arena, slug, &e->page);
	if (found < 0)
		return editor_failed(r, NULL);
	if (found == 0)
		return 404;
	e->lang = lang;
	if (lang)
		e->href = editor_href(r, slug, lang);
	return 0;
}

/* ---- the list of pages, and a new page ---- */

typedef struct editor_rows {
	http_req *r;
	json_t *rows;
	int64_t next_order; /* a menu order after every page's */
	bool failed;
} editor_rows;

/* What a language version's state is, in words: none, draft, published,
 * published with a newer draft. Sets *failed on a database error. */
static const char *editor_status(http_req *r, int64_t page_id, const char *lang, bool *failed)
{
	page_version latest, live;
	int has = page_version_latest(web_db(r), r->arena, page_id, lang, false, &latest);
	int has_live = has > 0 ? page_version_latest(web_db(r), r->arena, page_id, lang, true, &live) : 0;
	if (has < 0 || has_live < 0) {
		*failed = true;
		return "";
	}
	if (has == 0)
		return T(r, "Ingen text än");
	if (has_live == 0)
		return T(r, "Utkast, inte publicerad");
	if (live.number != latest.number)
		return T(r, "Publicerad, med ett nyare utkast");
	return T(r, "Publicerad");
}

static int editor_list_row(void *ud, const page *p)
{
	editor_rows *er = ud;
	http_req *r = er->r;
	json_t *row = json_object(), *langs = json_array();
	json_object_set_new(row, "slug", json_string(p->slug));
	json_object_set_new(row, "href", json_string(editor_href(r, p->slug, "sv")));
	for (size_t i = 0; i < ARRAY_LEN(editor_languages); i++) {
		json_t *l = json_object();
		json_object_set_new(l, "href", json_string(editor_href(r, p->slug, editor_languages[i].code)));
		json_object_set_new(l, "status", json_string(editor_status(r, p->id, editor_languages[i].code, &er->failed)));
		json_array_append_new(langs, l);
	}
	json_object_set_new(row, "languages", langs);
	json_object_set_new(row, "menu", p->in_menu ? json_integer(p->menu_order) : json_string(T(r, "Inte i menyn")));
	json_array_append_new(er->rows, row);
	if (p->menu_order >= er->next_order)
		er->next_order = p->menu_order + 1;
	return er->failed ? 1 : 0;
}

/* Renders the list of pages with the form for a new one (values and errors in d). */
static int editor_list_render(http_req *r, int status, json_t *d)
{
	editor_rows er = { r, json_array(), 1, false };
	json_t *headings = json_array();
	json_object_set_new(d, "pages", er.rows);
	int count = page_each(web_db(r), r->arena, editor_list_row, &er);
	if (count < 0 || er.failed)
		return editor_failed(r, d);
	for (size_t i = 0; i < ARRAY_LEN(editor_languages); i++)
		json_array_append_new(headings, json_string(T(r, editor_languages[i].label)));
	json_object_set_new(d, "language_headings", headings);
	json_object_set_new(d, "has_pages", json_boolean(count > 0));
	if (json_object_get(d, "menu_order") == NULL) {
		json_object_set_new(d, "menu_order", json_string(arena_printf(r->arena, "%lld",
			(long long)(er.next_order > PAGE_MENU_ORDER_MAX ? PAGE_MENU_ORDER_MAX : er.next_order))));
		json_object_set_new(d, "in_menu", json_true());
	}
	json_object_set_new(d, "title", json_string(T(r, "Informationssidor")));
	return web_render(r, status, "pages/list", d);
}

int page_editor_list(http_req *r)
{
	json_t *d = json_object();
	json_object_set_new(d, "slug", json_string(""));
	return editor_list_render(r, 200, d);
}

int page_editor_create(http_req *r)
{
	json_t *d = json_object();
	const char *slug = webform_trimmed(r, "slug");
	int64_t order = 0;
	bool in_menu;
	int status = 422;
	json_object_set_new(d, "slug", json_string(slug));
	editor_menu_fields(r, d, &order, &in_menu);
	if (*slug == '\0') {
		webform_error(r, d, "slug", T(r, "Fyll i sidans adress."));
		status = 400;
	} else if (!page_slug_valid(slug)) {
		webform_error(r, d, "slug", T(r, "Adressen får bara innehålla små bokstäver a–z, siffror och enstaka bindestreck mellan dem, högst 60 tecken."));
	}
	if (webform_has_errors(d))
		return editor_list_render(r, status, d);
	int64_t id = page_create(web_db(r), slug, order, in_menu, web(r)->user->id, web_now());
	if (id < 0)
		return editor_failed(r, d);
	if (id == 0) {
		webform_error(r, d, "slug", T(r, "Det finns redan en sida med den adressen. Välj en annan."));
		return editor_list_render(r, 409, d);
	}
	web_audit(r, "page.create", editor_object(r, slug),
		  arena_printf(r->arena, "menu %lld%s", (long long)order, in_menu ? "" : " (hidden)"));
	json_decref(d);
	return web_redirect_flash(r, editor_href(r, slug, "sv"),
				  T(r, "Sidan är skapad. Skriv den svenska texten och publicera den."));
}

int page_editor_page(http_req *r)
{
	editor e;
	int status = editor_open(r, &e, http_param(r, "slug"), NULL);
	if (status != 0)
		return status;
	return http_redirect(r, editor_href(r, e.page.slug, "sv"));
}

/* ---- the editor of one language version ---- */

typedef struct editor_history {
	editor *e;
	json_t *rows;
	int64_t live; /* number of the published version visitors see, 0 if none */
} editor_history;

static int editor_history_row(void *ud, const page_version *v)
{
	editor_history *h = ud;
	http_req *r = h->e->r;
	json_t *row = json_object();
	json_object_set_new(row, "number", json_integer(v->number));
	json_object_set_new(row, "href", json_string(arena_printf(r->arena, "%s/versioner/%lld", h->e->href,
								 (long long)v->number)));
	json_object_set_new(row, "state_label", json_string(editor_state_label(r, v->state)));
	json_object_set_new(row, "is_live", json_boolean(v->number == h->live));
	json_object_set_new(row, "restored_from", json_integer(v->restored_from));
	json_object_set_new(row, "version_title", json_string(v->title));
	json_object_set_new(row, "author", json_string(editor_author(r, v->author)));
	json_object_set_new(row, "at", json_string(web_format_time(r, v->created_at)));
	json_array_append_new(h->rows, row);
	return 0;
}

/* The data of the editor page around the form: the page, the language
 * switch, the published version, the menu settings and the history. The
 * form's values are set by the caller. Returns NULL on a database error. */
static json_t *editor_data(editor *e)
{
	http_req *r = e->r;
	json_t *d = json_object(), *langs;
	page_version live;
	editor_history h = { e, json_array(), 0 };
	json_object_set_new(d, "versions", h.rows);
	int has_live = page_version_latest(web_db(r), r->arena, e->page.id, e->lang, true, &live);
	if (has_live < 0)
		goto fail;
	if (has_live > 0) {
		json_t *p = json_object();
		h.live = live.number;
		json_object_set_new(p, "number", json_integer(live.number));
		json_object_set_new(p, "at", json_string(web_format_time(r, live.created_at)));
		json_object_set_new(p, "author", json_string(editor_author(r, live.author)));
		json_object_set_new(d, "published", p);
	}
	int count = page_version_each(web_db(r), r->arena, e->page.id, e->lang, editor_history_row, &h);
	if (count < 0)
		goto fail;
	langs = json_array();
	for (size_t i = 0; i < ARRAY_LEN(editor_languages); i++) {
		json_t *l = json_object();
		json_object_set_new(l, "href", json_string(editor_href(r, e->page.slug, editor_languages[i].code)));
		json_object_set_new(l, "label", json_string(T(r, editor_languages[i].label)));
		json_object_set_new(l, "current", json_boolean(strcmp(editor_languages[i].code, e->lang) == 0));
		json_array_append_new(langs, l);
	}
	json_object_set_new(d, "languages", langs);
	json_object_set_new(d, "has_versions", json_boolean(count > 0));
	json_object_set_new(d, "slug", json_string(e->page.slug));
	json_object_set_new(d, "edit_lang", json_string(e->lang));
	json_object_set_new(d, "lang_label", json_string(T(r, editor_label(e->lang))));
	json_object_set_new(d, "action", json_string(e->href));
	json_object_set_new(d, "menu_action", json_string(arena_printf(r->arena, EDITOR_PATH "/%s", e->page.slug)));
	json_object_set_new(d, "public_href", json_string(arena_printf(r->arena, "/sida/%s", e->page.slug)));
	json_object_set_new(d, "is_front", json_boolean(strcmp(e->page.slug, PAGE_FRONT_SLUG) == 0));
	json_object_set_new(d, "menu_order", json_string(arena_printf(r->arena, "%lld", (long long)e->page.menu_order)));
	json_object_set_new(d, "in_menu", json_boolean(e->page.in_menu));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s (%s)", T(r, "Redigera sidan"),
								e->page.slug, T(r, editor_label(e->lang)))));
	return d;
fail:
	json_decref(d);
	return NULL;
}

/* Sets the form's values: title, text and the newest version number seen. */
static void editor_form_values(json_t *d, const char *title, const char *body, int64_t base)
{
	json_object_set_new(d, "form_title", json_string(title));
	json_object_set_new(d, "form_body", json_string(body));
	json_object_set_new(d, "base", json_integer(base));
}

int page_editor_form(http_req *r)
{
	editor e;
	page_version latest;
	int status = editor_open(r, &e, http_param(r, "slug"), http_param(r, "lang"));
	if (status != 0)
		return status;
	json_t *d = editor_data(&e);
	if (d == NULL)
		return editor_failed(r, NULL);
	/* The form starts from the newest version, draft or not. */
	int has = page_version_latest(web_db(r), r->arena, e.page.id, e.lang, false, &latest);
	if (has < 0)
		return editor_failed(r, d);
	if (has > 0) {
		editor_form_values(d, latest.title, latest.body, latest.number);
		json_object_set_new(d, "draft_newer", json_boolean(latest.state == PAGE_DRAFT &&
								 json_object_get(d, "published") != NULL));
		json_object_set_new(d, "draft_only", json_boolean(latest.state == PAGE_DRAFT &&
								json_object_get(d, "published") == NULL));
	} else {
		editor_form_values(d, "", "", 0);
	}
	return web_render(r, 200, "pages/edit", d);
}

/* Checks the title and text of the editor form, adding errors to d.
 * Returns the status for a failed form: 400 when something is missing, else 422. */
static int editor_check(http_req *r, json_t *d, const char *title, const char *body)
{
	int status = 422;
	if (*title == '\0') {
		webform_error(r, d, "form_title", T(r, "Fyll i en rubrik."));
		status = 400;
	} else if (webform_chars(title) > PAGE_TITLE_MAX_CHARS) {
		webform_error(r, d, "form_title", T(r, "Rubriken får vara högst 200 tecken."));
	} else if (webform_has_control(title, false)) {
		webform_error(r, d, "form_title", T(r, "Rubriken innehåller osynliga styrtecken. Skriv om den utan dem."));
	}
	if (body[strspn(body, " \t\r\n")] == '\0') {
		webform_error(r, d, "form_body", T(r, "Skriv sidans text."));
		status = 400;
	} else if (strlen(body) > PAGE_BODY_MAX_BYTES) {
		webform_error(r, d, "form_body", T(r, "Texten är för lång. Dela upp den på flera sidor."));
	} else if (webform_has_control(body, true)) {
		webform_error(r, d, "form_body", T(r, "Texten innehåller osynliga styrtecken. Skriv om den utan dem."));
	}
	return status;
}

int page_editor_submit(http_req *r)
{
	editor e;
	int64_t base = 0;
	int status = editor_open(r, &e, http_param(r, "slug"), http_param(r, "lang"));
	if (status != 0)
		return status;
	const char *name = http_form(r, "action");
	enum editor_action action = EDITOR_ACTION__MAX;
	/* Enter in the title field sends no button: that previews. */
	for (size_t i = 0; i < EDITOR_ACTION__MAX; i++)
		if (strcmp(name ? name : "preview", editor_actions[i].name) == 0)
			action = (enum editor_action)i;
	if (action == EDITOR_ACTION__MAX || str_to_int64(webform_trimmed(r, "base"), &base) != 0 || base < 0)
		return 400;
	const char *title = webform_trimmed(r, "form_title");
	const char *body = editor_text(r, "form_body");
	json_t *d = editor_data(&e);
	if (d == NULL)
		return editor_failed(r, NULL);
	editor_form_values(d, title, body, base);
	status = editor_check(r, d, title, body);
	if (webform_has_errors(d))
		return web_render(r, status, "pages/edit", d);

	if (action == EDITOR_PREVIEW) {
		json_t *html = page_html(body);
		if (html == NULL)
			return editor_failed(r, d);
		json_object_set_new(d, "preview_html", html);
		json_object_set_new(d, "preview_title", json_string(title));
		return web_render(r, 200, "pages/edit", d);
	}

	page_version_new v = {
		.page_id = e.page.id, .lang = e.lang, .state = editor_actions[action].state,
		.author_id = web(r)->user->id, .restored_from = 0, .base = base, .now = web_now(),
	};
	int64_t number = page_version_add(web_db(r), &v, title, body);
	if (number < 0)
		return editor_failed(r, d);
	if (number == 0) {
		/* Someone saved after this form was opened. Keep what was typed, and let
		 * a second press save over theirs, now that the writer knows. */
		page_version latest;
		if (page_version_latest(web_db(r), r->arena, e.page.id, e.lang, false, &latest) <= 0)
			return editor_failed(r, d);
		json_object_set_new(d, "base", json_integer(latest.number));
		webform_error(r, d, "form_body", T(r, "Någon annan har sparat en ny version av sidan medan du skrev. Din text finns kvar här. Jämför med den senaste versionen i historiken och spara igen om din text ska gälla."));
		return web_render(r, 409, "pages/edit", d);
	}
	web_audit(r, editor_actions[action].audit, editor_object(r, e.page.slug),
		  arena_printf(r->arena, "%s version %lld", e.lang, (long long)number));
	json_decref(d);
	return web_redirect_flash(r, e.href, T(r, editor_actions[action].done));
}

/* ---- the page's place in the menu ---- */

int page_editor_menu(http_req *r)
{
	editor e;
	int64_t order = 0;
	bool in_menu;
	const char *lang = http_form(r, "lang");
	int status = editor_open(r, &e, http_param(r, "slug"), lang && editor_label(lang) ? lang : "sv");
	if (status != 0)
		return status;
	json_t *d = editor_data(&e);
	if (d == NULL)
		return editor_failed(r, NULL);
	editor_menu_fields(r, d, &order, &in_menu);
	if (webform_has_errors(d)) {
		page_version latest;
		int has = page_version_latest(web_db(r), r->arena, e.page.id, e.lang, false, &latest);
		if (has < 0)
			return editor_failed(r, d);
		editor_form_values(d, has ? latest.title : "", has ? latest.body : "", has ? latest.number : 0);
		return web_render(r, 422, "pages/edit", d);
	}
	if (page_set_menu(web_db(r), e.page.id, order, in_menu) != 0)
		return editor_failed(r, d);
	web_audit(r, "page.menu", editor_object(r, e.page.slug),
		  arena_printf(r->arena, "menu %lld%s", (long long)order, in_menu ? "" : " (hidden)"));
	json_decref(d);
	return web_redirect_flash(r, e.href, T(r, "Placeringen i menyn är sparad."));
}

/* ---- old versions ---- */

/* Finds the version named by the route. Returns 0, or the status to answer with. */
static int editor_open_version(http_req *r, editor *e, page_version *v)
{
	int64_t number = 0;
	int status = editor_open(r, e, http_param(r, "slug"), http_param(r, "lang"));
	if (status != 0)
		return status;
	if (str_to_int64(http_param(r, "number"), &number) != 0 || number <= 0)
		return 404;
	int found = page_version_get(web_db(r), r->arena, e->page.id, e->lang, number, v);
	if (found < 0)
		return editor_failed(r, NULL);
	return found ? 0 : 404;
}

int page_editor_version(http_req *r)
{
	editor e;
	page_version v;
	int status = editor_open_version(r, &e, &v);
	if (status != 0)
		return status;
	json_t *d = json_object(), *html = page_html(v.body);
	if (html == NULL)
		return editor_failed(r, d);
	json_object_set_new(d, "content_html", html);
	json_object_set_new(d, "slug", json_string(e.page.slug));
	json_object_set_new(d, "edit_lang", json_string(e.lang));
	json_object_set_new(d, "lang_label", json_string(T(r, editor_label(e.lang))));
	json_object_set_new(d, "number", json_integer(v.number));
	json_object_set_new(d, "state_label", json_string(editor_state_label(r, v.state)));
	json_object_set_new(d, "restored_from", json_integer(v.restored_from));
	json_object_set_new(d, "version_title", json_string(v.title));
	json_object_set_new(d, "version_body", json_string(v.body));
	json_object_set_new(d, "author", json_string(editor_author(r, v.author)));
	json_object_set_new(d, "at", json_string(web_format_time(r, v.created_at)));
	json_object_set_new(d, "editor_href", json_string(e.href));
	json_object_set_new(d, "action", json_string(r->path));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %lld: %s (%s)", T(r, "Version"),
								(long long)v.number, e.page.slug, T(r, editor_label(e.lang)))));
	return web_render(r, 200, "pages/version", d);
}

int page_editor_restore(http_req *r)
{
	editor e;
	page_version v;
	int status = editor_open_version(r, &e, &v);
	if (status != 0)
		return status;
	page_version_new nv = {
		.page_id = e.page.id, .lang = e.lang, .state = PAGE_DRAFT, .author_id = web(r)->user->id,
		.restored_from = v.number, .base = -1, .now = web_now(),
	};
	int64_t number = page_version_add(web_db(r), &nv, v.title, v.body);
	if (number <= 0)
		return editor_failed(r, NULL);
	web_audit(r, "page.restore", editor_object(r, e.page.slug),
		  arena_printf(r->arena, "%s version %lld from version %lld", e.lang, (long long)number, (long long)v.number));
	return web_redirect_flash(r, e.href, T(r, "Den gamla versionen är återställd som ett nytt utkast. Publicera den när den ska gälla."));
}
