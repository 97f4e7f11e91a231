/*
 * staff_internal.h — what the staff files of Felanmälan share: the inbox's
 * search with its filters and sort orders, units and who works in them,
 * response templates, the police's part of a report, and the actions that a
 * single change and a bulk change both run.
 *
 * Files: staff_store.c (the tables of migrations/0008_reports_staff.sql and
 * the inbox search), staff.c (inbox, one report, bulk changes, CSV export),
 * staff_admin.c (the pages for units and response templates),
 * staff_police.c (forwarding to the police, and the police's own list).
 */
#ifndef TRYGG_REPORTS_STAFF_INTERNAL_H
#define TRYGG_REPORTS_STAFF_INTERNAL_H

#include "reports/report_internal.h"

#define STAFF_ROLES (ROLE_HANDLAGGARE | ROLE_SAMORDNARE)
#define STAFF_INBOX_PATH "/personal/felanmalan"
#define STAFF_POLICE_PATH "/personal/polisen/felanmalningar"
#define STAFF_NAME_MAX_CHARS 100
#define STAFF_TEMPLATE_TITLE_MAX_CHARS 200

/* ---- the inbox search (staff_store.c) ---- */

enum staff_sort { STAFF_SORT_OLDEST, STAFF_SORT_NEWEST, STAFF_SORT_UPDATED, STAFF_SORT_CATEGORY, STAFF_SORT_AREA, STAFF_SORT__MAX };
/* The sort orders as the inbox's "sortering" values and their Swedish labels. */
extern const char *const staff_sort_keys[STAFF_SORT__MAX];
extern const char *const staff_sort_labels[STAFF_SORT__MAX];

/* What the inbox, the export and the police's list ask for. */
typedef struct staff_filter {
	int open;             /* -1 any, 0 closed, 1 open */
	const char *status;   /* one status name, or "" for any */
	const char *category; /* a category code, or "" for any */
	int64_t area_id;      /* 0 any */
	int64_t from, to;     /* requested_at in [from, to) */
	int64_t assigned_to;  /* 0 any, else only this account's */
	int64_t unit_id;      /* 0 any, else only this unit's (-1 matches none) */
	bool unassigned;      /* only those with neither an account nor a unit */
	bool police;          /* only those forwarded to the police */
	bool police_pending;  /* only those forwarded and not yet received by the police */
	const char *text;     /* words in the description or address; "" for any */
	enum staff_sort sort;
	int64_t limit, offset;
} staff_filter;

/* One report as staff lists show it. Strings in the arena given. */
typedef struct staff_row {
	int64_t id, area_id, requested_at, updated_at, assigned_to, unit_id, supporters, duplicate_of;
	int64_t police_forwarded_at, police_received_at; /* 0: not forwarded / not received */
	int status;
	bool has_point;
	double lat, lon;
	const char *category_code, *category_name, *area_name, *assignee_name, *unit_name, *address, *description;
} staff_row;

/* Calls fn for each report that matches f, in f's order. 0, or -1 on a database error. */
int staff_search(db_conn *c, arena *a, const staff_filter *f, int (*fn)(void *ud, const staff_row *row), void *ud);
/* The report with id. 1 found, 0 none, -1 error. */
int staff_row_get(db_conn *c, arena *a, int64_t id, staff_row *out);

/* ---- units and people (staff_store.c) ---- */

/* One choice for a select: a unit, or a staff account with the unit it works in. */
typedef struct staff_choice {
	int64_t id;
	const char *name;
	int64_t unit_id; /* accounts: their unit, 0 none; units: 0 */
} staff_choice;

/* Every unit by name, into *out (in a). Returns the count, or -1. */
int staff_units(db_conn *c, arena *a, staff_choice **out);
/* Every account that handles reports (handläggare or samordnare, not
 * disabled) by name, with its unit, into *out (in a). Returns the count, or -1. */
int staff_people(db_conn *c, arena *a, staff_choice **out);
/* Adds a unit. 1 added, 0 the name is taken, -1 error. */
int staff_unit_add(db_conn *c, const char *name, int64_t now);
/* Renames unit id. 1 done, 0 no such unit, 2 the name is taken, -1 error. */
int staff_unit_rename(db_conn *c, int64_t id, const char *name);
/* Puts account user in unit (0: in none). 1 done, 0 no such account or unit, -1 error. */
int staff_unit_member_set(db_conn *c, int64_t user, int64_t unit);
/* The unit account user works in: 0 none, or -1 on error. */
int64_t staff_unit_of(db_conn *c, int64_t user);
/* Sets who and which unit report id is assigned to (0: nobody / no unit)
 * within the caller's write transaction. 0 or -1. */
int staff_assign(db_conn *c, int64_t id, int64_t user, int64_t unit);
/* Marks report id a duplicate of original and moves its supporters there,
 * within the caller's write transaction. 0 or -1. */
int staff_duplicate_set(db_conn *c, int64_t id, int64_t original);

/* ---- response templates (staff_store.c) ---- */

typedef struct staff_template {
	int64_t id;
	const char *title, *body;
} staff_template;
/* Every template by title, into *out (in a). Returns the count, or -1. */
int staff_templates(db_conn *c, arena *a, staff_template **out);
/* The template with id. 1, 0 none, -1 error. */
int staff_template_get(db_conn *c, arena *a, int64_t id, staff_template *out);
/* Adds (id 0) or changes a template. 1 done, 0 no such template, -1 error. */
int staff_template_save(db_conn *c, int64_t id, const char *title, const char *body, int64_t now);
/* Deletes a template. 1 done, 0 none, -1 error. */
int staff_template_delete(db_conn *c, int64_t id);

/* ---- the police's part (staff_store.c) ---- */

typedef struct staff_police {
	int64_t forwarded_at, received_at; /* received_at 0: not yet */
	bool with_contact;
	const char *note, *received_note, *forwarded_by, *received_by; /* names, "" unknown */
} staff_police;
/* The police's part of report id. 1, 0 not forwarded, -1 error. */
int staff_police_get(db_conn *c, arena *a, int64_t id, staff_police *out);
/* Forwards report id within the caller's write transaction. 1 done, 0 it
 * already was, -1 error. */
int staff_police_forward(db_conn *c, int64_t id, int64_t now, int64_t user, const char *note, bool with_contact);
/* Marks a forwarded report received by the police, within the caller's
 * write transaction. 1 done, 0 not forwarded, -1 error. */
int staff_police_receive(db_conn *c, int64_t id, int64_t now, int64_t user, const char *note);

/* ---- shared by the pages (staff.c) ---- */

/* Reads the report id of the path's "id". 1 found, 0 none (404 for the caller), -1 error. */
int staff_path_report(http_req *r, staff_row *out);
/* True when text is acceptable as a free text of at most max characters (line breaks allowed). */
bool staff_text_ok(const char *text, size_t max);
/* What every page of one report shows into d: title, id, category, status,
 * description, address, area, point, requested (no personal data). */
void staff_report_facts(http_req *r, json_t *d, const staff_row *rep);
/* The areas in use as choices {id, name, selected} into d ("areas"). 0 or -1. */
int staff_area_choices(http_req *r, json_t *d, int64_t selected);
/* Forwards rep to the police within the caller's write transaction, with its
 * internal history entry (the caller writes the audit entry after the
 * commit). 1 done, 0 it already was, -1 error. */
int staff_forward(http_req *r, const staff_row *rep, const char *note, bool with_contact);

/* The pages of staff_admin.c and staff_police.c, routed by staff.c. */
int staff_units_page(http_req *r);
int staff_unit_add_submit(http_req *r);
int staff_unit_member_submit(http_req *r);
int staff_unit_rename_submit(http_req *r);
int staff_templates_page(http_req *r);
int staff_template_add_submit(http_req *r);
int staff_template_update_submit(http_req *r);
int staff_template_delete_submit(http_req *r);
int staff_forward_submit(http_req *r);
int staff_police_list_page(http_req *r);
int staff_police_report_page(http_req *r);
int staff_police_receive_submit(http_req *r);

#endif
