/*
 * staff.c — the staff inbox of Felanmälan (handläggare, with samordnare
 * overseeing): a filtered list with age, one report with the reporter's
 * contact details (each view written to the audit log), and changing the
 * status with a public update text and an internal note. The reporter gets
 * a mail on every status change when an address was given.
 *
 * Not here yet: assigning, response templates, duplicates, forwarding to the
 * police, bulk actions, CSV export, retention of personal data.
 */
#include "reports/report_internal.h"
#include "core/util.h"
#include "mail/mail.h"
#include "web/web.h"
#include "web/webform.h"

#include <string.h>

#define INBOX_PATH "/personal/felanmalan"
#define INBOX_LIMIT 200
#define STAFF_ROLES (ROLE_HANDLAGGARE | ROLE_SAMORDNARE)

typedef struct inbox_state {
	http_req *r;
	json_t *list;
	int64_t now;
} inbox_state;

static int add_row(void *ud, const report *rep)
{
	inbox_state *st = ud;
	json_t *o = json_object();
	int64_t days = (st->now - rep->requested_at) / 86400;
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "category", json_string(rep->category_name_sv));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[rep->status].label)));
	json_object_set_new(o, "area", json_string(rep->area_name));
	json_object_set_new(o, "description", json_string(rep->description));
	json_object_set_new(o, "requested", json_string(web_format_time(st->r, rep->requested_at)));
	json_object_set_new(o, "age_days", json_integer(days));
	json_object_set_new(o, "supporters", json_integer(rep->supporters));
	json_array_append_new(st->list, o);
	return 0;
}

/* GET /personal/felanmalan?status=open|closed|all&kategori=CODE&q=TEXT */
static int inbox(http_req *r)
{
	const char *status = http_query(r, "status"), *code = http_query(r, "kategori"), *text = http_query(r, "q");
	report_query q = { .start = 0, .end = INT64_MAX, .updated_after = INT64_MIN, .updated_before = INT64_MAX,
			   .codes = "", .open = 1, .limit = INBOX_LIMIT };
	if (status && strcmp(status, "closed") == 0)
		q.open = 0;
	else if (status && strcmp(status, "all") == 0)
		q.open = -1;
	if (code && *code)
		q.codes = report_code_valid(code) ? arena_printf(r->arena, ",%s,", code) : ",-,";
	q.text = text && *text ? text : "";
	inbox_state st = { r, json_array(), web_now() };
	json_t *d = json_object();
	if (report_search(web_db(r), r->arena, &q, add_row, &st) != 0) {
		json_decref(st.list);
		return webform_failed(r, d);
	}
	report_category *cats;
	int n = report_category_list(web_db(r), r->arena, &cats);
	if (n < 0) {
		json_decref(st.list);
		return webform_failed(r, d);
	}
	json_t *categories = json_array();
	for (int i = 0; i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "code", json_string(cats[i].code));
		json_object_set_new(c, "name", json_string(cats[i].name_sv));
		json_object_set_new(c, "selected", json_boolean(code && strcmp(code, cats[i].code) == 0));
		json_array_append_new(categories, c);
	}
	json_object_set_new(d, "title", json_string(T(r, "Felanmälningar")));
	json_object_set_new(d, "reports", st.list);
	json_object_set_new(d, "categories", categories);
	json_object_set_new(d, "q", json_string(q.text));
	json_object_set_new(d, "show_closed", json_boolean(q.open == 0));
	json_object_set_new(d, "show_all", json_boolean(q.open == -1));
	return web_render(r, 200, "reports/inbox", d);
}

static int add_entry(void *ud, const report_history_entry *e)
{
	inbox_state *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "at", json_string(web_format_time(st->r, e->at)));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[e->status].label)));
	json_object_set_new(o, "text", json_string(e->text));
	json_object_set_new(o, "internal", json_boolean(!e->public_));
	json_object_set_new(o, "user", json_string(e->user_name));
	json_array_append_new(st->list, o);
	return 0;
}

/* Reads the report of the path's id. 1, 0 or -1. */
static int path_report(http_req *r, report *rep)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return 0;
	return report_get(web_db(r), r->arena, id, rep);
}

/* GET /personal/felanmalan/{id}: the report, contact details (audited), history, status form. */
static int detail(http_req *r)
{
	report rep;
	report_contact_details who;
	int rc = path_report(r, &rep);
	json_t *d = json_object();
	if (rc < 0)
		return webform_failed(r, d);
	if (rc == 0) {
		json_decref(d);
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	}
	inbox_state st = { r, json_array(), web_now() };
	if (report_contact(web_db(r), r->arena, rep.id, &who) != 1 ||
	    report_history(web_db(r), r->arena, rep.id, add_entry, &st) != 0) {
		json_decref(st.list);
		return webform_failed(r, d);
	}
	if (*who.name || *who.email || *who.phone)
		web_audit(r, "report.view_contact", arena_printf(r->arena, "report:%lld", (long long)rep.id), "");
	json_t *statuses = json_array();
	for (int i = 0; i < REPORT_STATUS__MAX; i++) {
		if (i == REPORT_WITHDRAWN)
			continue;
		json_t *s = json_object();
		json_object_set_new(s, "value", json_string(report_statuses[i].name));
		json_object_set_new(s, "label", json_string(T(r, report_statuses[i].label)));
		json_object_set_new(s, "selected", json_boolean(i == rep.status));
		json_array_append_new(statuses, s);
	}
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %lld", T(r, "Felanmälan"), (long long)rep.id)));
	json_object_set_new(d, "id", json_integer(rep.id));
	json_object_set_new(d, "category", json_string(rep.category_name_sv));
	json_object_set_new(d, "status", json_string(T(r, report_statuses[rep.status].label)));
	json_object_set_new(d, "description", json_string(rep.description));
	json_object_set_new(d, "address", json_string(rep.address));
	json_object_set_new(d, "area", json_string(rep.area_name));
	json_object_set_new(d, "point", rep.has_point ? json_string(arena_printf(r->arena, "%.6f, %.6f", rep.lat, rep.lon))
						     : json_string(""));
	json_object_set_new(d, "requested", json_string(web_format_time(r, rep.requested_at)));
	json_object_set_new(d, "supporters", json_integer(rep.supporters));
	json_object_set_new(d, "reporter_name", json_string(who.name));
	json_object_set_new(d, "reporter_email", json_string(who.email));
	json_object_set_new(d, "reporter_phone", json_string(who.phone));
	json_object_set_new(d, "anonymous", json_boolean(!*who.name && !*who.email && !*who.phone));
	json_object_set_new(d, "history", st.list);
	json_object_set_new(d, "statuses", statuses);
	return web_render(r, 200, "reports/detail", d);
}

/* Queues the status mail to the reporter, in the reporter's language (no link: it is private to them). */
static int queue_status_mail(http_req *r, const report *rep, const report_contact_details *who, int status,
			     const char *text)
{
	buf body = BUF_INIT;
	buf_printf(&body, "%s %lld: %s\n\n%s\n", T(r, "Felanmälan"), (long long)rep->id, T(r, report_statuses[status].label),
		   text);
	int rc = mail_enqueue(web_db(r), who->email,
			      arena_printf(r->arena, "%s %lld: %s", T(r, "Felanmälan"), (long long)rep->id,
					   T(r, report_statuses[status].label)),
			      body.data);
	buf_free(&body);
	return rc;
}

/* POST /personal/felanmalan/{id}: new status with a public text, and/or an internal note. */
static int update(http_req *r)
{
	report rep;
	report_contact_details who;
	int rc = path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	int status = report_status_find(webform_trimmed(r, "status"));
	const char *text = webform_trimmed(r, "public_text"), *note = webform_trimmed(r, "internal_note");
	if (status < 0 || status == REPORT_WITHDRAWN)
		return web_error(r, 400, T(r, "Välj en status."));
	if (webform_has_control(text, true) || webform_has_control(note, true) ||
	    webform_chars(text) > REPORT_DESCRIPTION_MAX_CHARS || webform_chars(note) > REPORT_DESCRIPTION_MAX_CHARS)
		return web_error(r, 422, T(r, "Texterna får vara högst 4 000 tecken."));
	db_conn *c = web_db(r);
	int64_t now = web_now(), user = web(r)->user->id;
	bool changed = status != rep.status || *text;
	if (report_contact(c, r->arena, rep.id, &who) != 1 || db_begin_write(c) != 0)
		goto failed;
	if (changed && report_add_update(c, rep.id, now, status != rep.status ? "status" : "note", status, text, true, user) != 0)
		goto failed;
	if (*note && report_add_update(c, rep.id, now, "internal", -1, note, false, user) != 0)
		goto failed;
	if (changed && status != rep.status && *who.email && queue_status_mail(r, &rep, &who, status, text) != 0)
		goto failed;
	if (db_commit(c) != 0)
		goto failed;
	web_audit(r, "report.update", arena_printf(r->arena, "report:%lld", (long long)rep.id), report_statuses[status].name);
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)rep.id), T(r, "Ärendet är uppdaterat."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

const http_route report_staff_routes[] = {
	{ "GET", INBOX_PATH, inbox, ROUTE_STAFF, STAFF_ROLES },
	{ "GET", INBOX_PATH "/{id}", detail, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/{id}", update, ROUTE_STAFF, STAFF_ROLES },
};
const size_t report_staff_route_count = ARRAY_LEN(report_staff_routes);
