/*
 * staff_admin.c — what the staff of Felanmälan keep as data: the units that
 * reports are assigned to and who works in each (edited by a samordnare or
 * admin, /personal/felanmalan/enheter), and the reusable response texts
 * (edited by handläggare and samordnare, /personal/felanmalan/mallar).
 * Every change goes to the audit log.
 */
#include "reports/staff_internal.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <string.h>

#define UNITS_PATH STAFF_INBOX_PATH "/enheter"
#define TEMPLATES_PATH STAFF_INBOX_PATH "/mallar"

/* ---- units ---- */

/* GET /personal/felanmalan/enheter */
int staff_units_page(http_req *r)
{
	staff_choice *units, *people;
	int nu = staff_units(web_db(r), r->arena, &units);
	int np = nu < 0 ? -1 : staff_people(web_db(r), r->arena, &people);
	if (np < 0)
		return webform_failed(r, NULL);
	json_t *d = json_object(), *ul = json_array(), *pl = json_array();
	for (int i = 0; i < nu; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(units[i].id));
		json_object_set_new(o, "name", json_string(units[i].name));
		json_array_append_new(ul, o);
	}
	for (int i = 0; i < np; i++) {
		json_t *o = json_object(), *choices = json_array();
		for (int k = 0; k < nu; k++) {
			json_t *c = json_object();
			json_object_set_new(c, "id", json_integer(units[k].id));
			json_object_set_new(c, "name", json_string(units[k].name));
			json_object_set_new(c, "selected", json_boolean(units[k].id == people[i].unit_id));
			json_array_append_new(choices, c);
		}
		json_object_set_new(o, "id", json_integer(people[i].id));
		json_object_set_new(o, "name", json_string(people[i].name));
		json_object_set_new(o, "units", choices);
		json_array_append_new(pl, o);
	}
	json_object_set_new(d, "title", json_string(T(r, "Enheter för felanmälan")));
	json_object_set_new(d, "units", ul);
	json_object_set_new(d, "people", pl);
	return web_render(r, 200, "reports/staff_units", d);
}

/* The form's unit name: NULL when it is not acceptable. */
static const char *read_unit_name(http_req *r)
{
	const char *name = webform_trimmed(r, "name");
	return !*name || webform_has_control(name, false) || webform_chars(name) > STAFF_NAME_MAX_CHARS ? NULL : name;
}

/* POST /personal/felanmalan/enheter: name */
int staff_unit_add_submit(http_req *r)
{
	const char *name = read_unit_name(r);
	if (name == NULL)
		return web_error(r, 422, T(r, "Skriv enhetens namn, högst 100 tecken."));
	int rc = staff_unit_add(web_db(r), name, web_now());
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 409, T(r, "Det finns redan en enhet med det namnet."));
	web_audit(r, "report.unit_add", "", name);
	return web_redirect_flash(r, UNITS_PATH, T(r, "Enheten är sparad."));
}

/* POST /personal/felanmalan/enheter/{id}: name — a new name for the unit. */
int staff_unit_rename_submit(http_req *r)
{
	int64_t id;
	const char *name = read_unit_name(r);
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return web_error(r, 404, T(r, "Handläggaren eller enheten finns inte."));
	if (name == NULL)
		return web_error(r, 422, T(r, "Skriv enhetens namn, högst 100 tecken."));
	int rc = staff_unit_rename(web_db(r), id, name);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Handläggaren eller enheten finns inte."));
	if (rc == 2)
		return web_error(r, 409, T(r, "Det finns redan en enhet med det namnet."));
	web_audit(r, "report.unit_rename", arena_printf(r->arena, "unit:%lld", (long long)id), name);
	return web_redirect_flash(r, UNITS_PATH, T(r, "Enheten är sparad."));
}

/* POST /personal/felanmalan/enheter/medlem: person, enhet ("" for none) */
int staff_unit_member_submit(http_req *r)
{
	int64_t person, unit = 0;
	const char *u = webform_trimmed(r, "enhet");
	if (str_to_int64(webform_trimmed(r, "person"), &person) != 0 || person <= 0 ||
	    (*u && (str_to_int64(u, &unit) != 0 || unit <= 0)))
		return web_error(r, 422, T(r, "Välj en handläggare och/eller en enhet i listan."));
	int rc = staff_unit_member_set(web_db(r), person, unit);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Handläggaren eller enheten finns inte."));
	web_audit(r, "report.unit_member", arena_printf(r->arena, "user:%lld", (long long)person),
		  arena_printf(r->arena, "unit=%lld", (long long)unit));
	return web_redirect_flash(r, UNITS_PATH, T(r, "Enheten är sparad."));
}

/* ---- response templates ---- */

/* GET /personal/felanmalan/mallar */
int staff_templates_page(http_req *r)
{
	staff_template *list;
	int n = staff_templates(web_db(r), r->arena, &list);
	if (n < 0)
		return webform_failed(r, NULL);
	json_t *d = json_object(), *items = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(list[i].id));
		json_object_set_new(o, "title", json_string(list[i].title));
		json_object_set_new(o, "body", json_string(list[i].body));
		json_array_append_new(items, o);
	}
	json_object_set_new(d, "title", json_string(T(r, "Svarsmallar för felanmälan")));
	json_object_set_new(d, "templates", items);
	return web_render(r, 200, "reports/staff_templates", d);
}

/* Reads title and body. NULL, or the problem. */
static const char *read_template(http_req *r, const char **title, const char **body)
{
	*title = webform_trimmed(r, "title");
	*body = webform_trimmed(r, "body");
	if (!**title || !**body || webform_has_control(*title, false) ||
	    webform_chars(*title) > STAFF_TEMPLATE_TITLE_MAX_CHARS || !staff_text_ok(*body, REPORT_DESCRIPTION_MAX_CHARS))
		return T(r, "Skriv en rubrik (högst 200 tecken) och en text (högst 4 000 tecken).");
	return NULL;
}

/* The template id of the path: > 0, or 0 when it is not a number. */
static int64_t path_template(http_req *r)
{
	int64_t id;
	return str_to_int64(http_param(r, "id"), &id) == 0 && id > 0 ? id : 0;
}

/* Saves the template id (0: a new one) from the form. */
static int template_save(http_req *r, int64_t id)
{
	const char *title, *body, *problem = read_template(r, &title, &body);
	if (problem)
		return web_error(r, 422, problem);
	int rc = staff_template_save(web_db(r), id, title, body, web_now());
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Svarsmallen finns inte."));
	web_audit(r, id ? "report.template_update" : "report.template_add",
		  id ? arena_printf(r->arena, "template:%lld", (long long)id) : "", title);
	return web_redirect_flash(r, TEMPLATES_PATH, T(r, "Svarsmallen är sparad."));
}

/* POST /personal/felanmalan/mallar: title, body */
int staff_template_add_submit(http_req *r)
{
	return template_save(r, 0);
}

/* POST /personal/felanmalan/mallar/{id}: title, body */
int staff_template_update_submit(http_req *r)
{
	int64_t id = path_template(r);
	return id ? template_save(r, id) : web_error(r, 404, T(r, "Svarsmallen finns inte."));
}

/* POST /personal/felanmalan/mallar/{id}/ta-bort */
int staff_template_delete_submit(http_req *r)
{
	int64_t id = path_template(r);
	int rc = id ? staff_template_delete(web_db(r), id) : 0;
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Svarsmallen finns inte."));
	web_audit(r, "report.template_delete", arena_printf(r->arena, "template:%lld", (long long)id), "");
	return web_redirect_flash(r, TEMPLATES_PATH, T(r, "Svarsmallen är borttagen."));
}
