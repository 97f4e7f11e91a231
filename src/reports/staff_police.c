/*
 * staff_police.c — fault reports that concern a crime, forwarded by a
 * handläggare to the police with a note (audit-logged), and the police's own
 * list of them, "Felanmälningar till polisen" (/personal/polisen/
 * felanmalningar, role polis), filtered by area within the police area named
 * in the settings. An officer marks a report "received by the police" with a
 * note, which the handläggare sees on the report.
 *
 * The police never see the reporter's contact details unless the handläggare
 * chose to include them when forwarding (the default is not); when shown,
 * each view is audit-logged as for staff.
 */
#include "reports/staff_internal.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <string.h>

/* POST /personal/felanmalan/{id}/polisen: polis_note, with_contact ("1" to include contact details) */
int staff_forward_submit(http_req *r)
{
	staff_row rep;
	int rc = staff_path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	const char *note = webform_trimmed(r, "polis_note");
	if (!*note || !staff_text_ok(note, REPORT_DESCRIPTION_MAX_CHARS))
		return web_error(r, 422, T(r, "Skriv en anteckning till polisen, högst 4 000 tecken."));
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || (rc = staff_forward(r, &rep, note, strcmp(webform_trimmed(r, "with_contact"), "1") == 0)) < 0)
		goto failed;
	if (rc == 0) {
		db_rollback(c);
		return web_error(r, 409, T(r, "Felanmälan är redan vidarebefordrad till polisen."));
	}
	if (db_commit(c) != 0)
		goto failed;
	web_audit(r, "report.forward_police", arena_printf(r->arena, "report:%lld", (long long)rep.id),
		  strcmp(webform_trimmed(r, "with_contact"), "1") == 0 ? "with_contact" : "without_contact");
	return web_redirect_flash(r, arena_printf(r->arena, STAFF_INBOX_PATH "/%lld", (long long)rep.id),
				  T(r, "Felanmälan är vidarebefordrad till polisen."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

typedef struct police_state {
	http_req *r;
	json_t *list;
} police_state;

static int add_police_row(void *ud, const staff_row *rep)
{
	police_state *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "category", json_string(rep->category_name));
	json_object_set_new(o, "area", json_string(rep->area_name));
	json_object_set_new(o, "address", json_string(rep->address));
	json_object_set_new(o, "forwarded", json_string(web_format_time(st->r, rep->police_forwarded_at)));
	json_object_set_new(o, "received", json_boolean(rep->police_received_at != 0));
	json_array_append_new(st->list, o);
	return 0;
}

/* GET /personal/polisen/felanmalningar?omrade=ID&visa=nya|alla — newest first. */
int staff_police_list_page(http_req *r)
{
	staff_filter f = { .open = -1, .status = "", .category = "", .to = INT64_MAX, .text = "", .police = true,
			   .sort = STAFF_SORT_NEWEST, .limit = REPORT_PAGE_SIZE_MAX };
	const char *p = http_query(r, "omrade"), *show = http_query(r, "visa");
	if (p && *p && (str_to_int64(p, &f.area_id) != 0 || f.area_id <= 0))
		return web_error(r, 400, T(r, "Okänt område i filtret."));
	if (show && *show && strcmp(show, "nya") != 0 && strcmp(show, "alla") != 0)
		return web_error(r, 400, T(r, "Okänt val i filtret."));
	f.police_pending = show && strcmp(show, "nya") == 0;
	json_t *d = json_object();
	police_state st = { r, json_array() };
	json_object_set_new(d, "reports", st.list);
	if (staff_search(web_db(r), r->arena, &f, add_police_row, &st) != 0 || staff_area_choices(r, d, f.area_id) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(T(r, "Felanmälningar till polisen")));
	json_object_set_new(d, "police_area", json_string(web_setting(r, "police_area", "")));
	json_object_set_new(d, "only_new", json_boolean(f.police_pending));
	return web_render(r, 200, "reports/staff_police_list", d);
}

/* The forwarded report of the path. 1, 0 (answered 404 by the caller), -1. */
static int police_report(http_req *r, staff_row *rep, staff_police *p)
{
	int rc = staff_path_report(r, rep);
	if (rc == 1)
		rc = staff_police_get(web_db(r), r->arena, rep->id, p);
	return rc;
}

/* GET /personal/polisen/felanmalningar/{id} */
int staff_police_report_page(http_req *r)
{
	staff_row rep;
	staff_police p;
	report_contact_details who = { "", "", "", "" };
	int rc = police_report(r, &rep, &p);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte eller är inte vidarebefordrad till polisen."));
	if (p.with_contact) {
		if (report_contact(web_db(r), r->arena, rep.id, &who) != 1)
			return webform_failed(r, NULL);
		if (*who.name || *who.email || *who.phone)
			web_audit(r, "report.view_contact", arena_printf(r->arena, "report:%lld", (long long)rep.id), "police");
	}
	json_t *d = json_object();
	staff_report_facts(r, d, &rep);
	json_object_set_new(d, "forwarded", json_string(web_format_time(r, p.forwarded_at)));
	json_object_set_new(d, "forwarded_by", json_string(p.forwarded_by));
	json_object_set_new(d, "note", json_string(p.note));
	json_object_set_new(d, "with_contact", json_boolean(p.with_contact));
	json_object_set_new(d, "reporter_name", json_string(who.name));
	json_object_set_new(d, "reporter_email", json_string(who.email));
	json_object_set_new(d, "reporter_phone", json_string(who.phone));
	json_object_set_new(d, "received", json_boolean(p.received_at != 0));
	json_object_set_new(d, "received_at", json_string(p.received_at ? web_format_time(r, p.received_at) : ""));
	json_object_set_new(d, "received_by", json_string(p.received_by));
	json_object_set_new(d, "received_note", json_string(p.received_note));
	return web_render(r, 200, "reports/staff_police_report", d);
}

/* POST /personal/polisen/felanmalningar/{id}: received_note — "received by the police". */
int staff_police_receive_submit(http_req *r)
{
	staff_row rep;
	staff_police p;
	int rc = police_report(r, &rep, &p);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte eller är inte vidarebefordrad till polisen."));
	const char *note = webform_trimmed(r, "received_note");
	if (!staff_text_ok(note, REPORT_DESCRIPTION_MAX_CHARS))
		return web_error(r, 422, T(r, "Texterna får vara högst 4 000 tecken."));
	db_conn *c = web_db(r);
	int64_t now = web_now(), user = web(r)->user->id;
	if (db_begin_write(c) != 0 || staff_police_receive(c, rep.id, now, user, note) != 1 ||
	    report_add_update(c, rep.id, now, "police_received", -1, note, false, user) != 0 || db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	web_audit(r, "report.police_received", arena_printf(r->arena, "report:%lld", (long long)rep.id), "");
	return web_redirect_flash(r, arena_printf(r->arena, STAFF_POLICE_PATH "/%lld", (long long)rep.id),
				  T(r, "Felanmälan är markerad som mottagen av polisen."));
}
