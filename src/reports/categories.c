/*
 * categories.c — the categories of Felanmälan and their extra questions as
 * data that a samordnare or admin edits (/personal/felanmalan-kategorier):
 * add a category, change its group, names, descriptions and keywords, retire
 * it (codes are never reused: reports keep them), and add or remove its
 * questions. Every change goes to the audit log. Open311 clients see the
 * result at once as services and service definitions.
 */
#include "reports/report_internal.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <string.h>

#define CATEGORIES_PATH "/personal/felanmalan-kategorier"
#define EDITOR_ROLES (ROLE_SAMORDNARE | ROLE_ADMIN)

static const char SQL_ALL[] =
	"SELECT id, code, group_code, name_sv, name_en, description_sv, description_en, keywords, active "
	"FROM report_categories ORDER BY active DESC, group_code, sort_order, id";
static const char SQL_ADD[] =
	"INSERT INTO report_categories (code, group_code, name_sv, name_en, description_sv, description_en, keywords, "
	"sort_order, active) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM report_categories), ?)";
static const char SQL_UPDATE[] =
	"UPDATE report_categories SET group_code = ?, name_sv = ?, name_en = ?, description_sv = ?, description_en = ?, "
	"keywords = ?, active = ? WHERE code = ?";
static const char SQL_ADD_ATTRIBUTE[] =
	"INSERT INTO report_attributes (category_id, code, datatype, required, name_sv, name_en, hint_sv, hint_en, choices, "
	"sort_order) VALUES ((SELECT id FROM report_categories WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, "
	"(SELECT COALESCE(MAX(sort_order), 0) + 1 FROM report_attributes))";
static const char SQL_DELETE_ATTRIBUTE[] =
	"DELETE FROM report_attributes WHERE code = ? AND category_id = (SELECT id FROM report_categories WHERE code = ?)";

static const char *const datatypes[] = { "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist" };

/* GET /personal/felanmalan-kategorier */
static int categories_page(http_req *r)
{
	db_conn *c = web_db(r);
	json_t *d = json_object(), *list = json_array();
	db_stmt *s = db_prepare(c, SQL_ALL);
	if (s == NULL) {
		json_decref(list);
		return webform_failed(r, d);
	}
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *o = json_object();
		const char *group = db_column_text(s, 2);
		json_object_set_new(o, "id", json_integer(db_column_int(s, 0)));
		json_object_set_new(o, "code", json_string(db_column_text(s, 1)));
		for (size_t g = 0; g < ARRAY_LEN(report_group_codes); g++)
			json_object_set_new(o, arena_printf(r->arena, "group_%s", report_group_codes[g]),
					    json_boolean(strcmp(group, report_group_codes[g]) == 0));
		json_object_set_new(o, "name_sv", json_string(db_column_text(s, 3)));
		json_object_set_new(o, "name_en", json_string(db_column_text(s, 4)));
		json_object_set_new(o, "description_sv", json_string(db_column_text(s, 5)));
		json_object_set_new(o, "description_en", json_string(db_column_text(s, 6)));
		json_object_set_new(o, "keywords", json_string(db_column_text(s, 7)));
		json_object_set_new(o, "active", json_boolean(db_column_int(s, 8) != 0));
		json_array_append_new(list, o);
	}
	if (rc == DB_ERROR) {
		json_decref(list);
		return webform_failed(r, d);
	}
	/* The questions of each category (a second pass: one statement at a time). */
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		report_category cat;
		json_t *questions = json_array();
		if (report_category_get(c, r->arena, json_integer_value(json_object_get(o, "id")), &cat) != 1) {
			json_decref(questions);
			json_decref(list);
			return webform_failed(r, d);
		}
		for (size_t k = 0; k < cat.attribute_count; k++) {
			json_t *q = json_object();
			json_object_set_new(q, "category", json_string(cat.code));
			json_object_set_new(q, "code", json_string(cat.attributes[k].code));
			json_object_set_new(q, "name", json_string(cat.attributes[k].name_sv));
			json_object_set_new(q, "datatype", json_string(cat.attributes[k].datatype));
			json_object_set_new(q, "required", json_boolean(cat.attributes[k].required));
			json_array_append_new(questions, q);
		}
		json_object_set_new(o, "questions", questions);
	}
	json_t *types = json_array();
	for (size_t k = 0; k < ARRAY_LEN(datatypes); k++)
		json_array_append_new(types, json_string(datatypes[k]));
	json_object_set_new(d, "title", json_string(T(r, "Kategorier för felanmälan")));
	json_object_set_new(d, "categories", list);
	json_object_set_new(d, "datatypes", types);
	return web_render(r, 200, "reports/categories", d);
}

/* Reads and checks the category fields. Returns NULL, or the problem (translated). */
static const char *read_category(http_req *r, const char **f)
{
	static const char *const names[] = { "group", "name_sv", "name_en", "description_sv", "description_en", "keywords" };
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		f[i] = webform_trimmed(r, names[i]);
		if (webform_has_control(f[i], false) || webform_chars(f[i]) > (i >= 3 ? 1000u : 200u))
			return T(r, "En av texterna är för lång eller innehåller tecken som inte är tillåtna.");
	}
	bool group_ok = false;
	for (size_t g = 0; g < ARRAY_LEN(report_group_codes); g++)
		group_ok |= strcmp(f[0], report_group_codes[g]) == 0;
	if (!group_ok || !*f[1] || !*f[2])
		return T(r, "Välj grupp och skriv namnet på svenska och engelska.");
	return NULL;
}

static int run_write(http_req *r, db_stmt *s)
{
	db_conn *c = web_db(r);
	if (s == NULL || db_step(s) != DB_DONE) {
		bool conflict = db_error_is_conflict(c);
		db_rollback(c);
		return conflict ? 0 : -1;
	}
	int changed = db_changes(s) > 0;
	return db_commit(c) == 0 ? changed : -1;
}

/* POST /personal/felanmalan-kategorier: a new category. */
static int category_add(http_req *r)
{
	const char *f[6], *code = webform_trimmed(r, "code");
	const char *problem = read_category(r, f);
	if (problem == NULL && !report_code_valid(code))
		problem = T(r, "Koden får bara innehålla a–z, 0–9, - och _.");
	if (problem)
		return web_error(r, 422, problem);
	db_conn *c = web_db(r);
	db_stmt *s = db_begin_write(c) == 0 ? db_prepare(c, SQL_ADD) : NULL;
	if (s) {
		db_bind_text(s, 1, code);
		for (int i = 0; i < 6; i++)
			db_bind_text(s, i + 2, f[i]);
		db_bind_int(s, 8, 1);
	}
	int rc = run_write(r, s);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 409, T(r, "Det finns redan en kategori med den koden."));
	web_audit(r, "report.category_add", arena_printf(r->arena, "category:%s", code), f[1]);
	return web_redirect_flash(r, CATEGORIES_PATH, T(r, "Kategorin är sparad."));
}

/* POST /personal/felanmalan-kategorier/{code} */
static int category_update(http_req *r)
{
	const char *f[6], *code = http_param(r, "code");
	const char *problem = read_category(r, f);
	if (problem)
		return web_error(r, 422, problem);
	db_conn *c = web_db(r);
	db_stmt *s = db_begin_write(c) == 0 ? db_prepare(c, SQL_UPDATE) : NULL;
	if (s) {
		for (int i = 0; i < 6; i++)
			db_bind_text(s, i + 1, f[i]);
		db_bind_int(s, 7, strcmp(webform_trimmed(r, "active"), "1") == 0);
		db_bind_text(s, 8, code);
	}
	int rc = run_write(r, s);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Kategorin finns inte."));
	web_audit(r, "report.category_update", arena_printf(r->arena, "category:%s", code), f[1]);
	return web_redirect_flash(r, CATEGORIES_PATH, T(r, "Kategorin är sparad."));
}

/* POST /personal/felanmalan-kategorier/{code}/fragor: a new question. */
static int question_add(http_req *r)
{
	const char *code = http_param(r, "code"), *qcode = webform_trimmed(r, "code");
	const char *type = webform_trimmed(r, "datatype"), *choices = webform_trimmed(r, "choices");
	const char *f[4] = { webform_trimmed(r, "name_sv"), webform_trimmed(r, "name_en"), webform_trimmed(r, "hint_sv"),
			     webform_trimmed(r, "hint_en") };
	bool type_ok = false;
	for (size_t i = 0; i < ARRAY_LEN(datatypes); i++)
		type_ok |= strcmp(type, datatypes[i]) == 0;
	bool bad = !report_code_valid(qcode) || !type_ok || !*f[0] || !*f[1] || webform_has_control(choices, true) ||
		   webform_chars(choices) > 4000;
	for (int i = 0; i < 4; i++)
		bad |= webform_has_control(f[i], false) || webform_chars(f[i]) > 200;
	if (bad)
		return web_error(r, 422, T(r, "Skriv en kod (a–z, 0–9, - och _), välj typ och skriv frågan på svenska och engelska."));
	db_conn *c = web_db(r);
	db_stmt *s = db_begin_write(c) == 0 ? db_prepare(c, SQL_ADD_ATTRIBUTE) : NULL;
	if (s) {
		db_bind_text(s, 1, code);
		db_bind_text(s, 2, qcode);
		db_bind_text(s, 3, type);
		db_bind_int(s, 4, strcmp(webform_trimmed(r, "required"), "1") == 0);
		for (int i = 0; i < 4; i++)
			db_bind_text(s, i + 5, f[i]);
		db_bind_text(s, 9, choices);
	}
	int rc = run_write(r, s);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 409, T(r, "Det finns redan en fråga med den koden."));
	web_audit(r, "report.question_add", arena_printf(r->arena, "category:%s", code), qcode);
	return web_redirect_flash(r, CATEGORIES_PATH, T(r, "Frågan är sparad."));
}

/* POST /personal/felanmalan-kategorier/{code}/fragor/{question}/ta-bort */
static int question_remove(http_req *r)
{
	const char *code = http_param(r, "code"), *qcode = http_param(r, "question");
	db_conn *c = web_db(r);
	db_stmt *s = db_begin_write(c) == 0 ? db_prepare(c, SQL_DELETE_ATTRIBUTE) : NULL;
	if (s) {
		db_bind_text(s, 1, qcode);
		db_bind_text(s, 2, code);
	}
	int rc = run_write(r, s);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Frågan finns inte."));
	web_audit(r, "report.question_remove", arena_printf(r->arena, "category:%s", code), qcode);
	return web_redirect_flash(r, CATEGORIES_PATH, T(r, "Frågan är borttagen."));
}

const http_route report_category_routes[] = {
	{ "GET", CATEGORIES_PATH, categories_page, ROUTE_STAFF, EDITOR_ROLES },
	{ "POST", CATEGORIES_PATH, category_add, ROUTE_STAFF, EDITOR_ROLES },
	{ "POST", CATEGORIES_PATH "/{code}", category_update, ROUTE_STAFF, EDITOR_ROLES },
	{ "POST", CATEGORIES_PATH "/{code}/fragor", question_add, ROUTE_STAFF, EDITOR_ROLES },
	{ "POST", CATEGORIES_PATH "/{code}/fragor/{question}/ta-bort", question_remove, ROUTE_STAFF, EDITOR_ROLES },
};
const size_t report_category_route_count = ARRAY_LEN(report_category_routes);
