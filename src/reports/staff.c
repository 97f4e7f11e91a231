/*
 * staff.c — the staff inbox of Felanmälan (handläggare, with samordnare
 * overseeing): a list with filters, sort orders and pages, all as GET
 * parameters so that a view can be bookmarked; one report with the
 * reporter's contact details (each view written to the audit log); changing
 * the status with a public update text (from a response template or typed)
 * and an internal note; assigning to a person and/or a unit; marking a
 * duplicate; bulk changes of several reports at once; and the CSV export of
 * the filtered list, without any reporter's personal data.
 *
 * The reporter gets a mail on every status change when an address was given,
 * whether the change was made on one report or in bulk (change_status()).
 * Units and templates are edited in staff_admin.c; forwarding to the police
 * and the police's own list are in staff_police.c.
 */
#include "reports/staff_internal.h"
#include "areas/area.h"
#include "core/util.h"
#include "mail/mail.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define INBOX_PATH STAFF_INBOX_PATH
#define INBOX_PAGE_SIZE 50
#define EXPORT_MAX 100000

/* ---- the filters ---- */

/* What the inbox's GET parameters say, read once for the list, the export and the bulk form. */
typedef struct inbox_view {
	staff_filter f;
	const char *status, *assignee, *from, *to; /* as given, for the form */
	int64_t page;
	const char *query; /* the filters as a query string without "sida", in the arena */
} inbox_view;

/* The query string of the filters, each value URL-escaped. */
static const char *view_query(http_req *r)
{
	const char *names[] = { "status", "kategori", "omrade", "fran", "till", "tilldelad", "q", "sortering" };
	buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *value = http_query(r, names[i]);
		if (value == NULL || *value == '\0')
			continue;
		buf_printf(&b, "%s%s=", b.len ? "&" : "", names[i]);
		buf_url_escape(&b, value);
	}
	const char *out = arena_strdup(r->arena, b.len ? b.data : "");
	buf_free(&b);
	return out;
}

/* Reads the inbox's parameters into v. Returns NULL, the problem (translated)
 * for a 400, or "" on a database error. */
static const char *view_read(http_req *r, inbox_view *v)
{
	const char *p;
	*v = (inbox_view){ .f = { .open = 1, .status = "", .category = "", .to = INT64_MAX, .text = "",
				  .sort = STAFF_SORT_OLDEST, .limit = INBOX_PAGE_SIZE + 1 },
			   .status = "open", .assignee = "", .from = "", .to = "", .page = 1 };
	if ((p = http_query(r, "status")) && *p) {
		v->status = p;
		if (strcmp(p, "closed") == 0)
			v->f.open = 0;
		else if (strcmp(p, "all") == 0)
			v->f.open = -1;
		else if (strcmp(p, "open") != 0) {
			if (report_status_find(p) < 0)
				return T(r, "Okänd status i filtret.");
			v->f.open = -1;
			v->f.status = p;
		}
	}
	if ((p = http_query(r, "kategori")) && *p) {
		if (!report_code_valid(p))
			return T(r, "Okänd kategori i filtret.");
		v->f.category = p;
	}
	if ((p = http_query(r, "omrade")) && *p && (str_to_int64(p, &v->f.area_id) != 0 || v->f.area_id <= 0))
		return T(r, "Okänt område i filtret.");
	if ((p = http_query(r, "fran")) && *p) {
		v->from = p;
		if (report_parse_day(p, 0, &v->f.from) != 0)
			return T(r, "Skriv datum som ÅÅÅÅ-MM-DD.");
	}
	if ((p = http_query(r, "till")) && *p) {
		v->to = p;
		if (report_parse_day(p, 1, &v->f.to) != 0) /* to the end of that day */
			return T(r, "Skriv datum som ÅÅÅÅ-MM-DD.");
	}
	if ((p = http_query(r, "tilldelad")) && *p) {
		int64_t id = 0;
		v->assignee = p;
		if (strcmp(p, "mina") == 0) {
			v->f.assigned_to = web(r)->user->id;
		} else if (strcmp(p, "min-enhet") == 0) {
			int64_t unit = staff_unit_of(web_db(r), web(r)->user->id);
			if (unit < 0)
				return ""; /* a database error */
			v->f.unit_id = unit ? unit : -1;
		} else if (strcmp(p, "ingen") == 0) {
			v->f.unassigned = true;
		} else if (str_starts_with(p, "person-") && str_to_int64(p + 7, &id) == 0 && id > 0) {
			v->f.assigned_to = id;
		} else if (str_starts_with(p, "enhet-") && str_to_int64(p + 6, &id) == 0 && id > 0) {
			v->f.unit_id = id;
		} else {
			return T(r, "Okänt val av handläggare i filtret.");
		}
	}
	if ((p = http_query(r, "q")) && *p) {
		if (webform_has_control(p, false) || webform_chars(p) > REPORT_LINE_MAX_CHARS)
			return T(r, "Söktexten får vara högst 200 tecken.");
		v->f.text = p;
	}
	if ((p = http_query(r, "sortering")) && *p) {
		int found = -1;
		for (int i = 0; i < STAFF_SORT__MAX; i++)
			if (strcmp(p, staff_sort_keys[i]) == 0)
				found = i;
		if (found < 0)
			return T(r, "Okänd sortering.");
		v->f.sort = (enum staff_sort)found;
	}
	if ((p = http_query(r, "sida")) && *p && (str_to_int64(p, &v->page) != 0 || v->page < 1 || v->page > 100000))
		return T(r, "Okänt sidnummer.");
	v->f.offset = (v->page - 1) * INBOX_PAGE_SIZE;
	v->query = view_query(r);
	return NULL;
}

/* ---- choices for the forms ---- */

/* Appends {value, label, selected} to list. */
static void choice_add(json_t *list, const char *value, const char *label, bool selected)
{
	json_t *o = json_object();
	json_object_set_new(o, "value", json_string(value));
	json_object_set_new(o, "label", json_string(label));
	json_object_set_new(o, "selected", json_boolean(selected));
	json_array_append_new(list, o);
}

/* The people and units as two lists of choices into d ("people", "units"),
 * with person and unit selected. 0, or -1 on a database error. */
static int assign_choices(http_req *r, json_t *d, int64_t person, int64_t unit)
{
	staff_choice *people, *units;
	int np = staff_people(web_db(r), r->arena, &people), nu = np < 0 ? -1 : staff_units(web_db(r), r->arena, &units);
	if (nu < 0)
		return -1;
	json_t *pl = json_array(), *ul = json_array();
	for (int i = 0; i < np; i++)
		choice_add(pl, arena_printf(r->arena, "%lld", (long long)people[i].id), people[i].name, people[i].id == person);
	for (int i = 0; i < nu; i++)
		choice_add(ul, arena_printf(r->arena, "%lld", (long long)units[i].id), units[i].name, units[i].id == unit);
	json_object_set_new(d, "people", pl);
	json_object_set_new(d, "units", ul);
	return 0;
}

/* The statuses a handler may set, with current selected. */
static json_t *status_choices(http_req *r, int current)
{
	json_t *list = json_array();
	for (int i = 0; i < REPORT_STATUS__MAX; i++)
		if (i != REPORT_WITHDRAWN)
			choice_add(list, report_statuses[i].name, T(r, report_statuses[i].label), i == current);
	return list;
}

typedef struct area_list {
	json_t *list;
	int64_t selected;
} area_list;

static int add_area(void *ud, const area *a)
{
	area_list *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "selected", json_boolean(a->id == st->selected));
	json_array_append_new(st->list, o);
	return 0;
}

int staff_area_choices(http_req *r, json_t *d, int64_t selected)
{
	area_list areas = { json_array(), selected };
	json_object_set_new(d, "areas", areas.list);
	return area_each(web_db(r), 0, add_area, &areas);
}

/* The inbox's filter form choices into d. 0 or -1. */
static int filter_choices(http_req *r, json_t *d, const inbox_view *v)
{
	report_category *cats;
	staff_choice *people, *units;
	int nc = report_category_list(web_db(r), r->arena, &cats);
	int np = nc < 0 ? -1 : staff_people(web_db(r), r->arena, &people);
	int nu = np < 0 ? -1 : staff_units(web_db(r), r->arena, &units);
	if (nu < 0 || staff_area_choices(r, d, v->f.area_id) != 0)
		return -1;
	json_t *statuses = json_array(), *categories = json_array(), *assignees = json_array(), *sorts = json_array();
	choice_add(statuses, "open", T(r, "Öppna"), strcmp(v->status, "open") == 0);
	choice_add(statuses, "closed", T(r, "Avslutade"), strcmp(v->status, "closed") == 0);
	choice_add(statuses, "all", T(r, "Alla"), strcmp(v->status, "all") == 0);
	for (int i = 0; i < REPORT_STATUS__MAX; i++)
		choice_add(statuses, report_statuses[i].name, T(r, report_statuses[i].label), strcmp(v->status, report_statuses[i].name) == 0);
	for (int i = 0; i < nc; i++)
		choice_add(categories, cats[i].code, cats[i].name_sv, strcmp(v->f.category, cats[i].code) == 0);
	choice_add(assignees, "mina", T(r, "Mina"), strcmp(v->assignee, "mina") == 0);
	choice_add(assignees, "min-enhet", T(r, "Min enhet"), strcmp(v->assignee, "min-enhet") == 0);
	choice_add(assignees, "ingen", T(r, "Inte tilldelade"), strcmp(v->assignee, "ingen") == 0);
	for (int i = 0; i < np; i++) {
		const char *value = arena_printf(r->arena, "person-%lld", (long long)people[i].id);
		choice_add(assignees, value, people[i].name, strcmp(v->assignee, value) == 0);
	}
	for (int i = 0; i < nu; i++) {
		const char *value = arena_printf(r->arena, "enhet-%lld", (long long)units[i].id);
		choice_add(assignees, value, units[i].name, strcmp(v->assignee, value) == 0);
	}
	for (int i = 0; i < STAFF_SORT__MAX; i++)
		choice_add(sorts, staff_sort_keys[i], T(r, staff_sort_labels[i]), (int)v->f.sort == i);
	json_object_set_new(d, "statuses", statuses);
	json_object_set_new(d, "categories", categories);
	json_object_set_new(d, "assignees", assignees);
	json_object_set_new(d, "sorts", sorts);
	return 0;
}

/* ---- the inbox ---- */

typedef struct inbox_state {
	http_req *r;
	json_t *list;
	int64_t now;
	size_t count, max;
} inbox_state;

static int add_row(void *ud, const staff_row *rep)
{
	inbox_state *st = ud;
	if (++st->count > st->max)
		return 1;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "category", json_string(rep->category_name));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[rep->status].label)));
	json_object_set_new(o, "area", json_string(rep->area_name));
	json_object_set_new(o, "description", json_string(rep->description));
	json_object_set_new(o, "requested", json_string(web_format_time(st->r, rep->requested_at)));
	json_object_set_new(o, "updated", json_string(web_format_time(st->r, rep->updated_at)));
	json_object_set_new(o, "age_days", json_integer((st->now - rep->requested_at) / 86400));
	json_object_set_new(o, "supporters", json_integer(rep->supporters));
	json_object_set_new(o, "assignee", json_string(rep->assignee_name));
	json_object_set_new(o, "unit", json_string(rep->unit_name));
	json_object_set_new(o, "police", json_boolean(rep->police_forwarded_at != 0));
	json_array_append_new(st->list, o);
	return 0;
}

/* GET /personal/felanmalan — see view_read() for the parameters. */
static int inbox(http_req *r)
{
	inbox_view v;
	const char *problem = view_read(r, &v);
	if (problem)
		return *problem ? web_error(r, 400, problem) : webform_failed(r, NULL);
	inbox_state st = { r, json_array(), web_now(), 0, INBOX_PAGE_SIZE };
	json_t *d = json_object();
	json_object_set_new(d, "reports", st.list);
	if (staff_search(web_db(r), r->arena, &v.f, add_row, &st) != 0 || filter_choices(r, d, &v) != 0 ||
	    assign_choices(r, d, 0, 0) != 0)
		return webform_failed(r, d);
	const char *sep = *v.query ? "&" : "";
	json_object_set_new(d, "title", json_string(T(r, "Felanmälningar")));
	json_object_set_new(d, "q", json_string(v.f.text));
	json_object_set_new(d, "from", json_string(v.from));
	json_object_set_new(d, "to", json_string(v.to));
	json_object_set_new(d, "bulk_statuses", status_choices(r, -1));
	json_object_set_new(d, "page", json_integer(v.page));
	json_object_set_new(d, "has_reports", json_boolean(json_array_size(st.list) > 0));
	if (v.page > 1)
		json_object_set_new(d, "previous", json_string(arena_printf(r->arena, INBOX_PATH "?%s%ssida=%lld", v.query, sep,
									    (long long)(v.page - 1))));
	if (st.count > INBOX_PAGE_SIZE)
		json_object_set_new(d, "next", json_string(arena_printf(r->arena, INBOX_PATH "?%s%ssida=%lld", v.query, sep,
									(long long)(v.page + 1))));
	json_object_set_new(d, "export", json_string(arena_printf(r->arena, INBOX_PATH "/export.csv%s%s", *v.query ? "?" : "",
								  v.query)));
	json_object_set_new(d, "back", json_string(arena_printf(r->arena, INBOX_PATH "?%s%ssida=%lld", v.query, sep, (long long)v.page)));
	json_object_set_new(d, "can_edit_units", json_boolean(web_has_role(r, ROLE_SAMORDNARE | ROLE_ADMIN)));
	return web_render(r, 200, "reports/inbox", d);
}

/* ---- one report ---- */

/* What the internal kinds of history entry are called (the others show their status). */
static const struct {
	const char *kind, *label;
} entry_kinds[] = {
	{ "assign", N_("Tilldelning") },
	{ "duplicate", N_("Dubblett kopplad hit") },
	{ "police", N_("Vidarebefordrad till polisen") },
	{ "police_received", N_("Mottagen av polisen") },
	{ "internal", N_("Intern anteckning") },
	{ "resident", N_("Komplettering från anmälaren") },
	{ "support", N_("Fler har sett felet") },
};

typedef struct history_state {
	http_req *r;
	json_t *list;
} history_state;

static int add_entry(void *ud, const report_history_entry *e)
{
	history_state *st = ud;
	json_t *o = json_object();
	const char *what = T(st->r, report_statuses[e->status].label);
	for (size_t i = 0; i < ARRAY_LEN(entry_kinds); i++)
		if (strcmp(e->kind, entry_kinds[i].kind) == 0)
			what = T(st->r, entry_kinds[i].label);
	json_object_set_new(o, "at", json_string(web_format_time(st->r, e->at)));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "status", json_string(what));
	json_object_set_new(o, "text", json_string(e->text));
	json_object_set_new(o, "internal", json_boolean(!e->public_));
	json_object_set_new(o, "user", json_string(e->user_name));
	json_array_append_new(st->list, o);
	return 0;
}

int staff_path_report(http_req *r, staff_row *out)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return 0;
	return staff_row_get(web_db(r), r->arena, id, out);
}

bool staff_text_ok(const char *text, size_t max)
{
	return !webform_has_control(text, true) && webform_chars(text) <= max;
}

void staff_report_facts(http_req *r, json_t *d, const staff_row *rep)
{
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %lld", T(r, "Felanmälan"), (long long)rep->id)));
	json_object_set_new(d, "id", json_integer(rep->id));
	json_object_set_new(d, "category", json_string(rep->category_name));
	json_object_set_new(d, "status", json_string(T(r, report_statuses[rep->status].label)));
	json_object_set_new(d, "description", json_string(rep->description));
	json_object_set_new(d, "address", json_string(rep->address));
	json_object_set_new(d, "area", json_string(rep->area_name));
	json_object_set_new(d, "point", rep->has_point ? json_string(arena_printf(r->arena, "%.6f, %.6f", rep->lat, rep->lon))
						      : json_string(""));
	json_object_set_new(d, "requested", json_string(web_format_time(r, rep->requested_at)));
}

/* The templates as choices, with chosen selected, into d. 0 or -1. */
static int template_choices(http_req *r, json_t *d, int64_t chosen)
{
	staff_template *list;
	int n = staff_templates(web_db(r), r->arena, &list);
	if (n < 0)
		return -1;
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		choice_add(items, arena_printf(r->arena, "%lld", (long long)list[i].id), list[i].title, list[i].id == chosen);
		/* The text too, for site.js to fill it in at once (the button does it without JavaScript). */
		json_object_set_new(json_array_get(items, (size_t)i), "text", json_string(list[i].body));
	}
	json_object_set_new(d, "templates", items);
	return 0;
}

/* The police's part of rep into d. 0 or -1. */
static int police_data(http_req *r, json_t *d, const staff_row *rep)
{
	staff_police p;
	int rc = staff_police_get(web_db(r), r->arena, rep->id, &p);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	json_t *o = json_object();
	json_object_set_new(o, "at", json_string(web_format_time(r, p.forwarded_at)));
	json_object_set_new(o, "by", json_string(p.forwarded_by));
	json_object_set_new(o, "note", json_string(p.note));
	json_object_set_new(o, "with_contact", json_boolean(p.with_contact));
	json_object_set_new(o, "received", json_boolean(p.received_at != 0));
	json_object_set_new(o, "received_at", json_string(p.received_at ? web_format_time(r, p.received_at) : ""));
	json_object_set_new(o, "received_by", json_string(p.received_by));
	json_object_set_new(o, "received_note", json_string(p.received_note));
	json_object_set_new(d, "police", o);
	return 0;
}

/* GET /personal/felanmalan/{id}[?mall=ID]: the report, contact details (audited),
 * history and the forms; with mall, the public text is filled from that template. */
static int detail(http_req *r)
{
	staff_row rep;
	report_contact_details who;
	staff_template chosen = { 0, "", "" };
	const char *mall = http_query(r, "mall");
	int rc = staff_path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	if (mall && *mall) {
		int64_t tid;
		int found = str_to_int64(mall, &tid) == 0 ? staff_template_get(web_db(r), r->arena, tid, &chosen) : 0;
		if (found < 0)
			return webform_failed(r, NULL);
		if (found == 0)
			return web_error(r, 404, T(r, "Svarsmallen finns inte."));
	}
	json_t *d = json_object();
	history_state st = { r, json_array() };
	json_object_set_new(d, "history", st.list);
	if (report_contact(web_db(r), r->arena, rep.id, &who) != 1 ||
	    report_history(web_db(r), r->arena, rep.id, add_entry, &st) != 0 ||
	    assign_choices(r, d, rep.assigned_to, rep.unit_id) != 0 || template_choices(r, d, chosen.id) != 0 ||
	    police_data(r, d, &rep) != 0)
		return webform_failed(r, d);
	if (*who.name || *who.email || *who.phone)
		web_audit(r, "report.view_contact", arena_printf(r->arena, "report:%lld", (long long)rep.id), "");
	staff_report_facts(r, d, &rep);
	json_object_set_new(d, "supporters", json_integer(rep.supporters));
	json_object_set_new(d, "assignee", json_string(rep.assignee_name));
	json_object_set_new(d, "unit", json_string(rep.unit_name));
	json_object_set_new(d, "duplicate_of", json_integer(rep.duplicate_of));
	json_object_set_new(d, "reporter_name", json_string(who.name));
	json_object_set_new(d, "reporter_email", json_string(who.email));
	json_object_set_new(d, "reporter_phone", json_string(who.phone));
	json_object_set_new(d, "anonymous", json_boolean(!*who.name && !*who.email && !*who.phone));
	json_object_set_new(d, "statuses", status_choices(r, rep.status));
	json_object_set_new(d, "public_text", json_string(chosen.body));
	return web_render(r, 200, "reports/detail", d);
}

/* ---- the changes, each within the caller's write transaction ---- */

/* Queues the status mail to the reporter (no link: it is private to them). 0 or -1. */
static int queue_status_mail(http_req *r, int64_t id, const char *email, int status, const char *text)
{
	buf body = BUF_INIT;
	buf_printf(&body, "%s %lld: %s\n\n%s\n", T(r, "Felanmälan"), (long long)id, T(r, report_statuses[status].label), text);
	int rc = mail_enqueue(web_db(r), email,
			      arena_printf(r->arena, "%s %lld: %s", T(r, "Felanmälan"), (long long)id,
					   T(r, report_statuses[status].label)),
			      body.data);
	buf_free(&body);
	return rc;
}

/* Sets rep's status with a public text and/or adds an internal note; on a
 * change of status the reporter gets the mail. 0 or -1. */
static int change_status(http_req *r, const staff_row *rep, int status, const char *text, const char *note)
{
	db_conn *c = web_db(r);
	int64_t now = web_now(), user = web(r)->user->id;
	report_contact_details who;
	bool new_status = status != rep->status;
	if (report_contact(c, r->arena, rep->id, &who) != 1)
		return -1;
	if ((new_status || *text) &&
	    report_add_update(c, rep->id, now, new_status ? "status" : "note", status, text, true, user) != 0)
		return -1;
	if (*note && report_add_update(c, rep->id, now, "internal", -1, note, false, user) != 0)
		return -1;
	if (new_status && *who.email && queue_status_mail(r, rep->id, who.email, status, text) != 0)
		return -1;
	return 0;
}

/* Assigns rep to person and unit (0: none), named for the history (internal). 0 or -1. */
static int change_assignment(http_req *r, const staff_row *rep, int64_t person, const char *person_name, int64_t unit,
			     const char *unit_name)
{
	db_conn *c = web_db(r);
	if (person == rep->assigned_to && unit == rep->unit_id)
		return 0;
	const char *text = arena_printf(r->arena, "%s / %s", *person_name ? person_name : "–", *unit_name ? unit_name : "–");
	if (staff_assign(c, rep->id, person, unit) != 0 ||
	    report_add_update(c, rep->id, web_now(), "assign", -1, text, false, web(r)->user->id) != 0)
		return -1;
	return 0;
}

/* The audit entries of a change of reports ids[0..n) (written after the commit:
 * the audit log has its own transaction). */
static void audit_reports(http_req *r, const char *action, const staff_row *reps, size_t n, const char *detail)
{
	for (size_t i = 0; i < n; i++)
		web_audit(r, action, arena_printf(r->arena, "report:%lld", (long long)reps[i].id), detail);
}

int staff_forward(http_req *r, const staff_row *rep, const char *note, bool with_contact)
{
	db_conn *c = web_db(r);
	int rc = staff_police_forward(c, rep->id, web_now(), web(r)->user->id, note, with_contact);
	if (rc != 1)
		return rc;
	return report_add_update(c, rep->id, web_now(), "police", -1, note, false, web(r)->user->id) != 0 ? -1 : 1;
}

/* Reads the form's "person" and "enhet" (empty: none) with their names. NULL, or the problem. */
static const char *read_assignment(http_req *r, int64_t *person, const char **person_name, int64_t *unit,
				   const char **unit_name)
{
	const char *p = webform_trimmed(r, "person"), *u = webform_trimmed(r, "enhet");
	staff_choice *list;
	*person = *unit = 0;
	*person_name = *unit_name = "";
	if ((*p && (str_to_int64(p, person) != 0 || *person <= 0)) || (*u && (str_to_int64(u, unit) != 0 || *unit <= 0)))
		return T(r, "Välj en handläggare och/eller en enhet i listan.");
	int n = staff_people(web_db(r), r->arena, &list);
	for (int i = 0; i < n && *person; i++)
		if (list[i].id == *person)
			*person_name = list[i].name;
	n = n < 0 ? -1 : staff_units(web_db(r), r->arena, &list);
	for (int i = 0; i < n && *unit; i++)
		if (list[i].id == *unit)
			*unit_name = list[i].name;
	if (n < 0)
		return "";
	if ((*person && !**person_name) || (*unit && !**unit_name))
		return T(r, "Handläggaren eller enheten finns inte.");
	return NULL;
}

/* Runs the handler's transaction: fn on rep within a write transaction. Returns 0, or -1 (rolled back). */
static int in_transaction(db_conn *c, int (*fn)(http_req *, const staff_row *, void *), http_req *r, const staff_row *rep,
			  void *ud)
{
	if (db_begin_write(c) != 0 || fn(r, rep, ud) != 0 || db_commit(c) != 0) {
		db_rollback(c);
		return -1;
	}
	return 0;
}

typedef struct status_change {
	int status;
	const char *text, *note;
} status_change;

static int run_status(http_req *r, const staff_row *rep, void *ud)
{
	status_change *s = ud;
	return change_status(r, rep, s->status, s->text, s->note);
}

/* Reads the status form into *s. NULL, or the problem. */
static const char *read_status(http_req *r, status_change *s)
{
	s->status = report_status_find(webform_trimmed(r, "status"));
	s->text = webform_trimmed(r, "public_text");
	s->note = webform_trimmed(r, "internal_note");
	if (s->status < 0 || s->status == REPORT_WITHDRAWN)
		return T(r, "Välj en status.");
	if (!staff_text_ok(s->text, REPORT_DESCRIPTION_MAX_CHARS) || !staff_text_ok(s->note, REPORT_DESCRIPTION_MAX_CHARS))
		return T(r, "Texterna får vara högst 4 000 tecken.");
	return NULL;
}

/* POST /personal/felanmalan/{id}: new status with a public text, and/or an internal note. */
static int update(http_req *r)
{
	staff_row rep;
	status_change s;
	int rc = staff_path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	const char *problem = read_status(r, &s);
	if (problem)
		return web_error(r, s.status < 0 || s.status == REPORT_WITHDRAWN ? 400 : 422, problem);
	if (in_transaction(web_db(r), run_status, r, &rep, &s) != 0)
		return webform_failed(r, NULL);
	web_audit(r, "report.update", arena_printf(r->arena, "report:%lld", (long long)rep.id), report_statuses[s.status].name);
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)rep.id), T(r, "Ärendet är uppdaterat."));
}

typedef struct assignment {
	int64_t person, unit;
	const char *person_name, *unit_name;
} assignment;

static int run_assign(http_req *r, const staff_row *rep, void *ud)
{
	assignment *a = ud;
	return change_assignment(r, rep, a->person, a->person_name, a->unit, a->unit_name);
}

/* POST /personal/felanmalan/{id}/tilldela: person and/or unit ("" for none). */
static int assign(http_req *r)
{
	staff_row rep;
	assignment a;
	int rc = staff_path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	const char *problem = read_assignment(r, &a.person, &a.person_name, &a.unit, &a.unit_name);
	if (problem)
		return *problem ? web_error(r, 422, problem) : webform_failed(r, NULL);
	if (in_transaction(web_db(r), run_assign, r, &rep, &a) != 0)
		return webform_failed(r, NULL);
	audit_reports(r, "report.assign", &rep, 1, arena_printf(r->arena, "user=%lld unit=%lld", (long long)a.person, (long long)a.unit));
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)rep.id), T(r, "Tilldelningen är sparad."));
}

typedef struct duplicate {
	const staff_row *original;
	const char *text;
} duplicate;

static int run_duplicate(http_req *r, const staff_row *rep, void *ud)
{
	duplicate *dup = ud;
	const char *text = *dup->text ? dup->text
				      : arena_printf(r->arena, "%s %lld.", T(r, "Samma fel har redan anmälts i felanmälan"),
						     (long long)dup->original->id);
	if (staff_duplicate_set(web_db(r), rep->id, dup->original->id) != 0 ||
	    change_status(r, rep, REPORT_DUPLICATE, text, "") != 0 ||
	    report_add_update(web_db(r), dup->original->id, web_now(), "duplicate", -1,
			      arena_printf(r->arena, "%lld", (long long)rep->id), false, web(r)->user->id) != 0)
		return -1;
	return 0;
}

/* POST /personal/felanmalan/{id}/dubblett: original (a reference number), public_text (optional). */
static int mark_duplicate(http_req *r)
{
	staff_row rep, original;
	int64_t original_id;
	int rc = staff_path_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	duplicate dup = { &original, webform_trimmed(r, "public_text") };
	if (str_to_int64(webform_trimmed(r, "original"), &original_id) != 0 || original_id <= 0)
		return web_error(r, 422, T(r, "Skriv referensnumret på den felanmälan som detta är en dubblett av."));
	if (!staff_text_ok(dup.text, REPORT_DESCRIPTION_MAX_CHARS))
		return web_error(r, 422, T(r, "Texterna får vara högst 4 000 tecken."));
	if (original_id == rep.id)
		return web_error(r, 422, T(r, "En felanmälan kan inte vara en dubblett av sig själv."));
	if (rep.duplicate_of)
		return web_error(r, 409, T(r, "Felanmälan är redan markerad som dubblett."));
	rc = staff_row_get(web_db(r), r->arena, original_id, &original);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Det finns ingen felanmälan med det referensnumret."));
	/* A duplicate points at a report that is not one itself, so no chain (and no cycle) can form. */
	if (original.duplicate_of == rep.id)
		return web_error(r, 409, T(r, "Den andra felanmälan är redan markerad som dubblett av den här. Två felanmälningar kan inte vara dubbletter av varandra."));
	if (original.duplicate_of)
		return web_error(r, 409, arena_printf(r->arena, "%s %lld.", T(r, "Den felanmälan är själv en dubblett. Välj den ursprungliga i stället, som har referensnummer"),
						   (long long)original.duplicate_of));
	if (in_transaction(web_db(r), run_duplicate, r, &rep, &dup) != 0)
		return webform_failed(r, NULL);
	web_audit(r, "report.duplicate", arena_printf(r->arena, "report:%lld", (long long)rep.id),
		  arena_printf(r->arena, "of=%lld", (long long)original.id));
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)rep.id),
				  T(r, "Felanmälan är markerad som dubblett."));
}

/* ---- bulk changes ---- */

enum bulk_action { BULK_STATUS, BULK_ASSIGN, BULK_POLICE, BULK__MAX };
static const char *const bulk_action_names[BULK__MAX] = { "status", "tilldela", "polisen" };

typedef struct bulk {
	enum bulk_action action;
	status_change status;
	assignment assign;
	const char *note;
} bulk;

static int run_bulk(http_req *r, const staff_row *rep, void *ud)
{
	bulk *b = ud;
	switch (b->action) {
	case BULK_STATUS:
		return run_status(r, rep, &b->status);
	case BULK_ASSIGN:
		return run_assign(r, rep, &b->assign);
	case BULK_POLICE:
		return staff_forward(r, rep, b->note, false) < 0 ? -1 : 0;
	case BULK__MAX:
		break;
	}
	return -1;
}

/* POST /personal/felanmalan/massandring: id (repeated), atgard (status, tilldela or
 * polisen) and that action's fields, tillbaka (the inbox view to return to).
 * All the reports change in one transaction, or none. */
static int bulk_change(http_req *r)
{
	bulk b = { .action = BULK__MAX };
	const char *action = webform_trimmed(r, "atgard"), *back = web_local_path(webform_trimmed(r, "tillbaka"));
	for (int i = 0; i < BULK__MAX; i++)
		if (strcmp(action, bulk_action_names[i]) == 0)
			b.action = (enum bulk_action)i;
	if (b.action == BULK__MAX)
		return web_error(r, 400, T(r, "Välj vad som ska göras med de markerade felanmälningarna."));
	const char *problem = NULL;
	if (b.action == BULK_STATUS) {
		problem = read_status(r, &b.status);
	} else if (b.action == BULK_ASSIGN) {
		problem = read_assignment(r, &b.assign.person, &b.assign.person_name, &b.assign.unit, &b.assign.unit_name);
		if (problem && !*problem)
			return webform_failed(r, NULL);
	} else {
		b.note = webform_trimmed(r, "polis_note");
		if (!staff_text_ok(b.note, REPORT_DESCRIPTION_MAX_CHARS))
			problem = T(r, "Texterna får vara högst 4 000 tecken.");
	}
	if (problem)
		return web_error(r, 422, problem);
	/* The chosen reports, each read before anything changes. */
	staff_row *reps = arena_alloc(r->arena, REPORT_IDS_MAX * sizeof(*reps));
	size_t n = 0;
	for (const http_kv *kv = r->form; kv; kv = kv->next) {
		if (strcmp(kv->name, "id") != 0)
			continue;
		int64_t id;
		if (n == REPORT_IDS_MAX)
			return web_error(r, 422, T(r, "Markera högst 100 felanmälningar åt gången."));
		if (str_to_int64(kv->value, &id) != 0 || id <= 0)
			return web_error(r, 404, T(r, "Felanmälan finns inte."));
		int rc = staff_row_get(web_db(r), r->arena, id, &reps[n]);
		if (rc < 0)
			return webform_failed(r, NULL);
		if (rc == 0)
			return web_error(r, 404, arena_printf(r->arena, "%s %lld.", T(r, "Det finns ingen felanmälan med referensnummer"), (long long)id));
		n++;
	}
	if (n == 0)
		return web_error(r, 422, T(r, "Markera minst en felanmälan."));
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0)
		goto failed;
	for (size_t i = 0; i < n; i++)
		if (run_bulk(r, &reps[i], &b) != 0)
			goto failed;
	if (db_commit(c) != 0)
		goto failed;
	if (b.action == BULK_STATUS)
		audit_reports(r, "report.update", reps, n, report_statuses[b.status.status].name);
	else if (b.action == BULK_ASSIGN)
		audit_reports(r, "report.assign", reps, n,
			      arena_printf(r->arena, "user=%lld unit=%lld", (long long)b.assign.person, (long long)b.assign.unit));
	else
		audit_reports(r, "report.forward_police", reps, n, "without_contact");
	if (back == NULL || !str_starts_with(back, INBOX_PATH))
		back = INBOX_PATH;
	return web_redirect_flash(r, back, arena_printf(r->arena, "%s: %zu.", T(r, "Ändrade felanmälningar"), n));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

/* ---- CSV export ---- */

/* Appends one RFC 4180 field: quoted when it holds a comma, quote or line
 * break; a text that a spreadsheet would take for a formula (= + - @, tab,
 * CR) gets a leading apostrophe. Numbers we format ourselves pass as they are. */
static void csv_field(buf *out, const char *s, bool text, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL, guard = text && strchr("=+-@\t\r", *s) != NULL && *s;
	if (quote)
		buf_putc(out, '"');
	if (guard)
		buf_putc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	if (quote)
		buf_putc(out, '"');
	buf_puts(out, last ? "\r\n" : ",");
}

typedef struct export_state {
	http_req *r;
	buf *out;
	size_t count;
} export_state;

static int export_row(void *ud, const staff_row *rep)
{
	export_state *st = ud;
	http_req *r = st->r;
	const char *num = arena_printf(r->arena, "%lld", (long long)rep->id);
	csv_field(st->out, num, false, false);
	csv_field(st->out, rep->category_name, true, false);
	csv_field(st->out, T(r, report_statuses[rep->status].label), true, false);
	csv_field(st->out, rep->area_name, true, false);
	csv_field(st->out, web_format_time(r, rep->requested_at), false, false);
	csv_field(st->out, web_format_time(r, rep->updated_at), false, false);
	csv_field(st->out, rep->assignee_name, true, false);
	csv_field(st->out, rep->unit_name, true, false);
	csv_field(st->out, rep->address, true, false);
	csv_field(st->out, rep->has_point ? arena_printf(r->arena, "%.6f", rep->lat) : "", false, false);
	csv_field(st->out, rep->has_point ? arena_printf(r->arena, "%.6f", rep->lon) : "", false, false);
	csv_field(st->out, rep->description, true, false);
	csv_field(st->out, arena_printf(r->arena, "%lld", (long long)rep->supporters), false, false);
	csv_field(st->out, rep->duplicate_of ? arena_printf(r->arena, "%lld", (long long)rep->duplicate_of) : "", false, true);
	st->count++;
	return 0;
}

static const char *const export_columns[] = {
	N_("Referensnummer"), N_("Kategori"), N_("Status"), N_("Område"), N_("Inkommen"), N_("Uppdaterad"),
	N_("Handläggare"), N_("Enhet"), N_("Adress"), N_("Latitud"), N_("Longitud"), N_("Beskrivning"),
	N_("Fler som sett felet"), N_("Dubblett av"),
};

/* GET /personal/felanmalan/export.csv — the inbox's filters, every page; no reporter's personal data. */
static int export_csv(http_req *r)
{
	inbox_view v;
	const char *problem = view_read(r, &v);
	if (problem)
		return *problem ? web_error(r, 400, problem) : webform_failed(r, NULL);
	v.f.offset = 0;
	v.f.limit = EXPORT_MAX;
	buf_reset(&r->body);
	buf_puts(&r->body, "\xEF\xBB\xBF"); /* the BOM: Excel then reads UTF-8 */
	for (size_t i = 0; i < ARRAY_LEN(export_columns); i++)
		csv_field(&r->body, T(r, export_columns[i]), true, i + 1 == ARRAY_LEN(export_columns));
	export_state st = { r, &r->body, 0 };
	if (staff_search(web_db(r), r->arena, &v.f, export_row, &st) != 0) {
		buf_reset(&r->body);
		return webform_failed(r, NULL);
	}
	web_audit(r, "report.export", "", arena_printf(r->arena, "rows=%zu %s", st.count, v.query));
	r->content_type = "text/csv; charset=utf-8";
	http_set_header(r, "Content-Disposition",
			arena_printf(r->arena, "attachment; filename=\"felanmalningar-%.10s.csv\"",
				     report_iso_time(r->arena, web_now())));
	http_set_header(r, "Cache-Control", "no-store");
	return 200;
}

const http_route report_staff_routes[] = {
	{ "GET", INBOX_PATH, inbox, ROUTE_STAFF, STAFF_ROLES },
	{ "GET", INBOX_PATH "/export.csv", export_csv, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/massandring", bulk_change, ROUTE_STAFF, STAFF_ROLES },
	{ "GET", INBOX_PATH "/enheter", staff_units_page, ROUTE_STAFF, ROLE_SAMORDNARE | ROLE_ADMIN },
	{ "POST", INBOX_PATH "/enheter", staff_unit_add_submit, ROUTE_STAFF, ROLE_SAMORDNARE | ROLE_ADMIN },
	{ "POST", INBOX_PATH "/enheter/medlem", staff_unit_member_submit, ROUTE_STAFF, ROLE_SAMORDNARE | ROLE_ADMIN },
	{ "POST", INBOX_PATH "/enheter/{id}", staff_unit_rename_submit, ROUTE_STAFF, ROLE_SAMORDNARE | ROLE_ADMIN },
	{ "GET", INBOX_PATH "/mallar", staff_templates_page, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/mallar", staff_template_add_submit, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/mallar/{id}", staff_template_update_submit, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/mallar/{id}/ta-bort", staff_template_delete_submit, ROUTE_STAFF, STAFF_ROLES },
	{ "GET", INBOX_PATH "/{id}", detail, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/{id}", update, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/{id}/tilldela", assign, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/{id}/dubblett", mark_duplicate, ROUTE_STAFF, STAFF_ROLES },
	{ "POST", INBOX_PATH "/{id}/polisen", staff_forward_submit, ROUTE_STAFF, STAFF_ROLES },
	{ "GET", STAFF_POLICE_PATH, staff_police_list_page, ROUTE_STAFF, ROLE_POLIS },
	{ "GET", STAFF_POLICE_PATH "/{id}", staff_police_report_page, ROUTE_STAFF, ROLE_POLIS },
	{ "POST", STAFF_POLICE_PATH "/{id}", staff_police_receive_submit, ROUTE_STAFF, ROLE_POLIS },
};
const size_t report_staff_route_count = ARRAY_LEN(report_staff_routes);
