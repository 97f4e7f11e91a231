/*
 * pages.c — the administrators' settings page (/personal/installningar), the
 * logo upload, and what the public pages load from the settings: the theme
 * stylesheet /tema.css and the logo image (see settings.h).
 *
 * A form that fails is shown again with what was typed (never the SMTP
 * password) and a message beside each field; nothing is stored unless every
 * value is acceptable. Every change is written to the audit log, with the
 * new value except for the password.
 */
#include "settings/settings.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SETTINGS_PATH "/personal/installningar"
#define LOGO_FIELD "logo"
#define CLEAR_PASSWORD_FIELD "smtp_password_clear"

/* Rules of the parts that came with the settings, served with the colours:
 * the logo in the header, the contact details in the footer, and the form
 * trap for robots (hidden from sight; its wrapper hides it from assistive
 * technology too). */
static const char theme_rules[] =
	".site-logo { display: inline-block; height: 2.5rem; width: auto; max-width: 10rem;"
	" background: #fff; padding: 2px; border-radius: 3px; vertical-align: middle; margin-right: 0.5rem; }\n"
	".site-footer address { font-style: normal; }\n"
	".site-footer .contact-lines, .contact-text { white-space: pre-line; }\n"
	".trap { position: absolute !important; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }\n"
	".pager a[aria-current=\"page\"] { font-weight: 700; text-decoration-thickness: 3px; }\n"
	"blockquote.contact-text { margin: 0.5rem 0 1rem; padding: 0.5rem 1rem; border-left: 4px solid var(--border); background: var(--bg-soft); }\n"
	".reference { white-space: nowrap; }\n"
	".settings-logo { max-height: 4rem; width: auto; border: 1px solid var(--border); padding: 4px; background: #fff; }\n";

/* ---- the settings form ---- */

/* The page's data: every setting on the page, grouped, with the values in
 * values[] (as typed, or as stored) and the problems in problems[]. */
static json_t *settings_data(http_req *r, const char *const values[SETTING__MAX],
			     const enum setting_problem problems[SETTING__MAX])
{
	json_t *d = json_object(), *groups = json_array();
	for (int g = 0; g < GROUP__MAX; g++) {
		json_t *fields = json_array();
		for (int k = 0; k < SETTING__MAX; k++) {
			const setting_def *def = &settings_defs[k];
			if (def->group != (enum setting_group)g || (def->flags & (SETTING_CLI_ONLY | SETTING_FILE)))
				continue;
			json_t *f = json_object();
			json_object_set_new(f, "name", json_string(def->name));
			json_object_set_new(f, "label", json_string(T(r, def->label)));
			if (def->hint)
				json_object_set_new(f, "hint", json_string(T(r, def->hint)));
			json_object_set_new(f, "type", json_string(def->input_type));
			json_object_set_new(f, "max", json_integer((json_int_t)def->max_chars));
			json_object_set_new(f, "multiline", json_boolean(def->flags & SETTING_MULTILINE));
			if (def->flags & SETTING_SECRET) {
				json_object_set_new(f, "secret", json_true());
				json_object_set_new(f, "is_set", json_boolean(settings_is_set(web_db(r), (enum setting_key)k)));
			} else {
				json_object_set_new(f, "value", json_string(values[k] ? values[k] : ""));
			}
			if (problems && problems[k] != SETTING_OK) {
				const char *message = T(r, setting_problem_text[problems[k]]);
				json_object_set_new(f, "error", json_string(message));
				webform_summary_error(d, def->name, message);
			}
			json_array_append_new(fields, f);
		}
		if (json_array_size(fields) == 0) {
			json_decref(fields);
			continue;
		}
		json_t *group = json_object();
		json_object_set_new(group, "title", json_string(T(r, settings_group_titles[g])));
		json_object_set_new(group, "id", json_string(arena_printf(r->arena, "group-%d", g)));
		json_object_set_new(group, "fields", fields);
		json_array_append_new(groups, group);
	}
	json_object_set_new(d, "title", json_string(T(r, "Inställningar")));
	json_object_set_new(d, "groups", groups);
	const char *logo = settings_get(web_db(r), r->arena, SETTING_LOGO);
	if (logo && *logo)
		json_object_set_new(d, "logo_url", json_string(arena_printf(r->arena, "/logotyp/%s", logo)));
	return d;
}

/* Reads every stored value (NULL on a database error). */
static int stored_values(http_req *r, const char *values[SETTING__MAX])
{
	for (int k = 0; k < SETTING__MAX; k++) {
		values[k] = settings_get(web_db(r), r->arena, (enum setting_key)k);
		if (values[k] == NULL)
			return -1;
		/* Show an unset setting as empty rather than as its fallback. */
		if (!settings_is_set(web_db(r), (enum setting_key)k))
			values[k] = "";
	}
	return 0;
}


/* GET /personal/installningar */
static int settings_page(http_req *r)
{
	const char *values[SETTING__MAX];
	if (stored_values(r, values) != 0)
		return webform_failed(r, NULL);
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, 200, "settings/settings", settings_data(r, values, NULL));
}

/* POST /personal/installningar — checks every value on the page, then stores
 * the ones that changed in one transaction and audits each. */
static int settings_submit(http_req *r)
{
	db_conn *c = web_db(r);
	const char *stored[SETTING__MAX], *typed[SETTING__MAX], *normalised[SETTING__MAX];
	enum setting_problem problems[SETTING__MAX] = { 0 };
	bool changed[SETTING__MAX] = { 0 }, any_problem = false, any_change = false;
	if (stored_values(r, stored) != 0)
		return webform_failed(r, NULL);
	for (int k = 0; k < SETTING__MAX; k++) {
		const setting_def *def = &settings_defs[k];
		typed[k] = normalised[k] = stored[k];
		if (def->flags & (SETTING_CLI_ONLY | SETTING_FILE))
			continue;
		const char *v = http_form(r, def->name);
		if (def->flags & SETTING_SECRET) {
			/* An empty password field keeps the password; a ticked box removes it. */
			if (http_form(r, CLEAR_PASSWORD_FIELD))
				v = "";
			else if (v == NULL || *v == '\0')
				continue;
		}
		if (v == NULL)
			return web_error(r, 400, T(r, "Formuläret saknar fält. Ladda om sidan och försök igen."));
		typed[k] = v;
		problems[k] = settings_check(r->arena, (enum setting_key)k, v, &normalised[k]);
		if (problems[k] != SETTING_OK)
			any_problem = true;
		else if (strcmp(normalised[k], stored[k]) != 0)
			changed[k] = any_change = true;
	}
	if (any_problem)
		return web_render(r, 422, "settings/settings", settings_data(r, typed, problems));
	if (!any_change)
		return web_redirect_flash(r, SETTINGS_PATH, T(r, "Inga ändringar att spara."));

	if (db_begin_write(c) != 0)
		return webform_failed(r, NULL);
	for (int k = 0; k < SETTING__MAX; k++) {
		if (changed[k] && settings_put(c, (enum setting_key)k, normalised[k]) != 0) {
			db_rollback(c);
			return webform_failed(r, NULL);
		}
	}
	if (db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	for (int k = 0; k < SETTING__MAX; k++) {
		if (!changed[k])
			continue;
		const char *detail = settings_defs[k].flags & SETTING_SECRET ? (*normalised[k] ? "changed" : "removed")
									       : normalised[k];
		web_audit(r, "settings.set", arena_printf(r->arena, "setting:%s", settings_defs[k].name), detail);
	}
	return web_redirect_flash(r, SETTINGS_PATH, T(r, "Inställningarna är sparade."));
}

/* Shows the settings page with one problem about the logo. */
static int logo_refused(http_req *r, int status, enum setting_problem problem)
{
	const char *values[SETTING__MAX];
	if (stored_values(r, values) != 0)
		return webform_failed(r, NULL);
	json_t *d = settings_data(r, values, NULL);
	webform_error(r, d, LOGO_FIELD, T(r, setting_problem_text[problem]));
	return web_render(r, status, "settings/settings", d);
}

/* POST /personal/installningar/logotyp — a new logo, or action=remove. */
static int logo_submit(http_req *r)
{
	const char *action = http_form(r, "action");
	const char *name = "";
	const http_file *file = NULL;
	if (action && strcmp(action, "remove") == 0) {
		name = "";
	} else {
		for (const http_file *f = r->files; f; f = f->next)
			if (strcmp(f->field, LOGO_FIELD) == 0)
				file = f;
		if (file == NULL || file->size == 0)
			return logo_refused(r, 400, SETTING_LOGO_UNREADABLE);
		enum setting_problem p = settings_logo_import(web_app(r)->cfg, r->arena, file->path, &name);
		if (p == SETTING_STORAGE_ERROR)
			return webform_failed(r, NULL);
		if (p != SETTING_OK)
			return logo_refused(r, p == SETTING_LOGO_TOO_LARGE ? 413 : 415, p);
	}
	enum setting_problem p = settings_set(web_db(r), r->arena, SETTING_LOGO, name);
	if (p != SETTING_OK)
		return webform_failed(r, NULL);
	web_audit(r, "settings.set", "setting:logo", *name ? name : "removed");
	return web_redirect_flash(r, SETTINGS_PATH, *name ? T(r, "Logotypen är sparad.") : T(r, "Logotypen är borttagen."));
}

/* ---- for the public pages ---- */

/* Answers 304 when the client's copy (If-None-Match) is the one of etag. */
static bool not_modified(http_req *r, const char *etag)
{
	const char *sent = http_header(r, "If-None-Match");
	http_set_header(r, "ETag", etag);
	return sent && strcmp(sent, etag) == 0;
}

/* GET /tema.css — the municipality's colour as CSS variables, and the rules
 * above. Revalidated on every use (ETag), so a new colour shows at once. */
static int theme_css(http_req *r)
{
	const char *colour = settings_get(web_db(r), r->arena, SETTING_BRAND_COLOUR);
	buf css = BUF_INIT;
	buf_puts(&css, "/* The municipality's theme, from its settings. */\n");
	if (colour && settings_contrast_on_white(colour) > 0) {
		unsigned v = 0;
		for (int i = 1; i < 7; i++)
			v = v * 16 + (unsigned)(strchr("0123456789abcdef", colour[i]) - "0123456789abcdef");
		/* The darker shade (hover, staff menu) keeps 70 % of each channel. */
		unsigned dark = ((v >> 16 & 0xff) * 7 / 10) << 16 | ((v >> 8 & 0xff) * 7 / 10) << 8 | (v & 0xff) * 7 / 10;
		buf_printf(&css, ":root { --brand: %s; --brand-dark: #%06x; }\n", colour, dark);
	}
	buf_puts(&css, theme_rules);
	unsigned char hash[8];
	char hex[sizeof(hash) * 2 + 1];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)css.data, css.len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	http_set_header(r, "Cache-Control", "no-cache");
	r->content_type = "text/css; charset=utf-8";
	if (not_modified(r, arena_printf(r->arena, "\"%s\"", hex))) {
		buf_free(&css);
		return 304;
	}
	buf_append(&r->body, css.data, css.len);
	buf_free(&css);
	return 200;
}

/* GET /logotyp/{name} — the logo; its name changes with its content, so it is cached for a year. */
static int logo_image(http_req *r)
{
	const char *type, *name = http_param(r, "name");
	const char *path = settings_logo_path(web_app(r)->cfg, r->arena, name, &type);
	if (path == NULL)
		return 404;
	int status = http_send_file(r, path, type);
	if (status == 200)
		http_set_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	return status;
}

const http_route settings_routes[] = {
	{ "GET", SETTINGS_PATH, settings_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", SETTINGS_PATH, settings_submit, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", SETTINGS_PATH "/logotyp", logo_submit, ROUTE_STAFF | ROUTE_UPLOAD, ROLE_ADMIN },
	{ "GET", "/tema.css", theme_css, ROUTE_NO_LOG, 0 }, /* a stylesheet: never logged, like static files */
	{ "GET", "/logotyp/{name}", logo_image, 0, 0 },
};
const size_t settings_route_count = ARRAY_LEN(settings_routes);
