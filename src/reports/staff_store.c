/*
 * staff_store.c — the tables of the staff side of Felanmälan
 * (migrations/0008_reports_staff.sql) and the inbox's search.
 *
 * The search is one statement per sort order (a table indexed by enum
 * staff_sort, the filters written as "(flag = 0 OR condition)" as in
 * store.c), so that no SQL is ever built from pieces. No personal data of a
 * reporter is read here: that stays with report_contact() in store.c.
 */
#include "reports/staff_internal.h"
#include "core/util.h"
#include "web/web.h"

#include <assert.h>
#include <string.h>

const char *const staff_sort_keys[STAFF_SORT__MAX] = { "aldst", "nyast", "uppdaterad", "kategori", "omrade" };
const char *const staff_sort_labels[STAFF_SORT__MAX] = { N_("Äldst först"), N_("Nyast först"),
							  N_("Senast uppdaterad"), N_("Kategori"), N_("Område") };

#define STAFF_COLUMNS                                                                                            \
	"SELECT r.id, c.code, c.name_sv, r.status, COALESCE(r.area_id, 0), COALESCE(a.name, ''), r.requested_at, " \
	"r.updated_at, COALESCE(r.assigned_to, 0), COALESCE(u.name, ''), COALESCE(r.unit_id, 0), "              \
	"COALESCE(n.name, ''), r.address, r.has_point, COALESCE(r.lat, 0), COALESCE(r.lon, 0), r.description, "  \
	"r.supporters, COALESCE(r.duplicate_of, 0), COALESCE(p.forwarded_at, 0), COALESCE(p.received_at, 0) "    \
	"FROM reports r JOIN report_categories c ON c.id = r.category_id LEFT JOIN areas a ON a.id = r.area_id " \
	"LEFT JOIN users u ON u.id = r.assigned_to LEFT JOIN report_units n ON n.id = r.unit_id "                \
	"LEFT JOIN report_police p ON p.report_id = r.id "

#define STAFF_WHERE                                                                                     \
	"WHERE (? < 0 OR r.is_open = ?) AND (? = '' OR r.status = ?) AND (? = '' OR c.code = ?) "       \
	"AND (? = 0 OR r.area_id = ?) AND r.requested_at >= ? AND r.requested_at < ? "                  \
	"AND (? = 0 OR r.assigned_to = ?) AND (? = 0 OR r.unit_id = ?) "                                \
	"AND (? = 0 OR (r.assigned_to IS NULL AND r.unit_id IS NULL)) AND (? = 0 OR p.report_id IS NOT NULL) " \
	"AND (? = 0 OR (p.report_id IS NOT NULL AND p.received_at IS NULL)) "                          \
	"AND (? = '' OR LOWER(r.description || ' ' || r.address) LIKE ? ESCAPE '!') "

static const char *const SQL_SEARCH[STAFF_SORT__MAX] = {
	[STAFF_SORT_OLDEST] = STAFF_COLUMNS STAFF_WHERE "ORDER BY r.requested_at, r.id LIMIT ? OFFSET ?",
	[STAFF_SORT_NEWEST] = STAFF_COLUMNS STAFF_WHERE "ORDER BY r.requested_at DESC, r.id DESC LIMIT ? OFFSET ?",
	[STAFF_SORT_UPDATED] = STAFF_COLUMNS STAFF_WHERE "ORDER BY r.updated_at DESC, r.id DESC LIMIT ? OFFSET ?",
	[STAFF_SORT_CATEGORY] = STAFF_COLUMNS STAFF_WHERE "ORDER BY c.name_sv, r.requested_at, r.id LIMIT ? OFFSET ?",
	[STAFF_SORT_AREA] = STAFF_COLUMNS STAFF_WHERE "ORDER BY COALESCE(a.name, ''), r.requested_at, r.id LIMIT ? OFFSET ?",
};
static const char SQL_ROW[] = STAFF_COLUMNS "WHERE r.id = ?";

static const char *dup(arena *a, db_stmt *s, int col)
{
	const char *t = db_column_text(s, col);
	return arena_strdup(a, t ? t : "");
}

static void row_read(db_stmt *s, arena *a, staff_row *r)
{
	r->id = db_column_int(s, 0);
	r->category_code = dup(a, s, 1);
	r->category_name = dup(a, s, 2);
	r->status = report_status_find(db_column_text(s, 3));
	if (r->status < 0)
		r->status = REPORT_RECEIVED;
	r->area_id = db_column_int(s, 4);
	r->area_name = dup(a, s, 5);
	r->requested_at = db_column_int(s, 6);
	r->updated_at = db_column_int(s, 7);
	r->assigned_to = db_column_int(s, 8);
	r->assignee_name = dup(a, s, 9);
	r->unit_id = db_column_int(s, 10);
	r->unit_name = dup(a, s, 11);
	r->address = dup(a, s, 12);
	r->has_point = db_column_int(s, 13) != 0;
	r->lat = db_column_double(s, 14);
	r->lon = db_column_double(s, 15);
	r->description = dup(a, s, 16);
	r->supporters = db_column_int(s, 17);
	r->duplicate_of = db_column_int(s, 18);
	r->police_forwarded_at = db_column_int(s, 19);
	r->police_received_at = db_column_int(s, 20);
}

/* The LIKE pattern of words, lower-cased (ASCII), its own % _ ! escaped with '!'. */
static const char *like_pattern(arena *a, const char *words)
{
	buf pattern = BUF_INIT;
	buf_putc(&pattern, '%');
	for (const char *p = words; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			buf_putc(&pattern, '!');
		buf_putc(&pattern, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
	}
	buf_putc(&pattern, '%');
	const char *out = arena_strdup(a, pattern.data);
	buf_free(&pattern);
	return out;
}

int staff_search(db_conn *c, arena *a, const staff_filter *f, int (*fn)(void *ud, const staff_row *row), void *ud)
{
	assert(f->sort >= 0 && f->sort < STAFF_SORT__MAX);
	db_stmt *s = db_prepare(c, SQL_SEARCH[f->sort]);
	if (s == NULL)
		return -1;
	const char *status = f->status ? f->status : "", *code = f->category ? f->category : "";
	const char *text = f->text ? f->text : "";
	int i = 1;
	db_bind_int(s, i++, f->open);
	db_bind_int(s, i++, f->open);
	db_bind_text(s, i++, status);
	db_bind_text(s, i++, status);
	db_bind_text(s, i++, code);
	db_bind_text(s, i++, code);
	db_bind_int(s, i++, f->area_id);
	db_bind_int(s, i++, f->area_id);
	db_bind_int(s, i++, f->from);
	db_bind_int(s, i++, f->to);
	db_bind_int(s, i++, f->assigned_to);
	db_bind_int(s, i++, f->assigned_to);
	db_bind_int(s, i++, f->unit_id);
	db_bind_int(s, i++, f->unit_id);
	db_bind_int(s, i++, f->unassigned);
	db_bind_int(s, i++, f->police);
	db_bind_int(s, i++, f->police_pending);
	db_bind_text(s, i++, text);
	db_bind_text(s, i++, like_pattern(a, text));
	db_bind_int(s, i++, f->limit);
	db_bind_int(s, i++, f->offset);
	int rc;
	bool stop = false;
	while ((rc = db_step(s)) == DB_ROW) {
		if (stop)
			continue;
		staff_row row;
		row_read(s, a, &row);
		stop = fn(ud, &row) != 0;
	}
	return rc == DB_ERROR ? -1 : 0;
}

int staff_row_get(db_conn *c, arena *a, int64_t id, staff_row *out)
{
	db_stmt *s = db_prepare(c, SQL_ROW);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	row_read(s, a, out);
	db_step(s);
	return 1;
}

/* ---- units and people ---- */

static const char SQL_UNITS[] = "SELECT id, name, 0 FROM report_units ORDER BY name, id";
static const char SQL_PEOPLE[] =
	"SELECT u.id, CASE WHEN u.name = '' THEN u.email ELSE u.name END, COALESCE(m.unit_id, 0) FROM users u "
	"LEFT JOIN report_unit_members m ON m.user_id = u.id WHERE u.disabled = 0 AND (u.roles & ?) <> 0 "
	"ORDER BY 2, u.id";
static const char SQL_UNIT_ADD[] = "INSERT INTO report_units (name, created_at) VALUES (?, ?)";
static const char SQL_UNIT_RENAME[] = "UPDATE report_units SET name = ? WHERE id = ?";
static const char SQL_UNIT_EXISTS[] = "SELECT 1 FROM report_units WHERE id = ?";
static const char SQL_PERSON_EXISTS[] = "SELECT 1 FROM users WHERE id = ? AND disabled = 0 AND (roles & ?) <> 0";
static const char SQL_MEMBER_DELETE[] = "DELETE FROM report_unit_members WHERE user_id = ?";
static const char SQL_MEMBER_ADD[] = "INSERT INTO report_unit_members (user_id, unit_id) VALUES (?, ?)";
static const char SQL_UNIT_OF[] = "SELECT unit_id FROM report_unit_members WHERE user_id = ?";
static const char SQL_ASSIGN[] = "UPDATE reports SET assigned_to = ?, unit_id = ? WHERE id = ?";

/* list (n elements of size bytes used, *cap allocated in a) with room for one more. */
static void *room_for_one(arena *a, void *list, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return list;
	void *bigger = arena_alloc(a, 2 * *cap * size);
	memcpy(bigger, list, n * size);
	*cap *= 2;
	return bigger;
}

/* Reads the rows of s (id, name, unit) into *out. Returns the count, or -1. */
static int choices_read(db_stmt *s, arena *a, staff_choice **out)
{
	size_t n = 0, cap = 16;
	staff_choice *list = arena_alloc(a, cap * sizeof(*list));
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		list = room_for_one(a, list, n, &cap, sizeof(*list));
		list[n++] = (staff_choice){ db_column_int(s, 0), dup(a, s, 1), db_column_int(s, 2) };
	}
	*out = list;
	return rc == DB_ERROR ? -1 : (int)n;
}

int staff_units(db_conn *c, arena *a, staff_choice **out)
{
	db_stmt *s = db_prepare(c, SQL_UNITS);
	return s ? choices_read(s, a, out) : -1;
}

int staff_people(db_conn *c, arena *a, staff_choice **out)
{
	db_stmt *s = db_prepare(c, SQL_PEOPLE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, STAFF_ROLES);
	return choices_read(s, a, out);
}

int staff_unit_add(db_conn *c, const char *name, int64_t now)
{
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_UNIT_ADD)) == NULL)
		goto fail;
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, now);
	if (db_step(s) != DB_DONE) {
		bool conflict = db_error_is_conflict(c);
		db_rollback(c);
		return conflict ? 0 : -1;
	}
	return db_commit(c) == 0 ? 1 : -1;
fail:
	db_rollback(c);
	return -1;
}

int staff_unit_rename(db_conn *c, int64_t id, const char *name)
{
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_UNIT_RENAME)) == NULL) {
		db_rollback(c);
		return -1;
	}
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, id);
	if (db_step(s) != DB_DONE) {
		bool conflict = db_error_is_conflict(c);
		db_rollback(c);
		return conflict ? 2 : -1;
	}
	if (db_changes(s) == 0) {
		db_rollback(c);
		return 0;
	}
	return db_commit(c) == 0 ? 1 : -1;
}

/* 1 when the statement sql with id (and roles, when not 0) finds a row, 0 not, -1 error. */
static int exists(db_conn *c, const char *sql, int64_t id, unsigned roles)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	if (roles)
		db_bind_int(s, 2, roles);
	int rc = db_step(s);
	if (rc == DB_ROW)
		db_step(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int staff_unit_member_set(db_conn *c, int64_t user, int64_t unit)
{
	int found = exists(c, SQL_PERSON_EXISTS, user, STAFF_ROLES);
	if (found == 1 && unit != 0)
		found = exists(c, SQL_UNIT_EXISTS, unit, 0);
	if (found != 1)
		return found;
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_MEMBER_DELETE)) == NULL)
		goto fail;
	db_bind_int(s, 1, user);
	if (db_step(s) != DB_DONE)
		goto fail;
	if (unit != 0) {
		if ((s = db_prepare(c, SQL_MEMBER_ADD)) == NULL)
			goto fail;
		db_bind_int(s, 1, user);
		db_bind_int(s, 2, unit);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	return db_commit(c) == 0 ? 1 : -1;
fail:
	db_rollback(c);
	return -1;
}

int64_t staff_unit_of(db_conn *c, int64_t user)
{
	db_stmt *s = db_prepare(c, SQL_UNIT_OF);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	int64_t unit = db_column_int(s, 0);
	db_step(s);
	return unit;
}

int staff_assign(db_conn *c, int64_t id, int64_t user, int64_t unit)
{
	db_stmt *s = db_prepare(c, SQL_ASSIGN);
	if (s == NULL)
		return -1;
	if (user > 0)
		db_bind_int(s, 1, user);
	else
		db_bind_null(s, 1);
	if (unit > 0)
		db_bind_int(s, 2, unit);
	else
		db_bind_null(s, 2);
	db_bind_int(s, 3, id);
	return db_step(s) == DB_DONE && db_changes(s) == 1 ? 0 : -1;
}

static const char SQL_DUPLICATE_MOVE[] =
	"UPDATE reports SET supporters = supporters + (SELECT d.supporters FROM reports d WHERE d.id = ?) WHERE id = ?";
static const char SQL_DUPLICATE_SET[] = "UPDATE reports SET duplicate_of = ?, supporters = 0 WHERE id = ?";

int staff_duplicate_set(db_conn *c, int64_t id, int64_t original)
{
	db_stmt *s = db_prepare(c, SQL_DUPLICATE_MOVE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, original);
	if (db_step(s) != DB_DONE || db_changes(s) != 1 || (s = db_prepare(c, SQL_DUPLICATE_SET)) == NULL)
		return -1;
	db_bind_int(s, 1, original);
	db_bind_int(s, 2, id);
	return db_step(s) == DB_DONE && db_changes(s) == 1 ? 0 : -1;
}

/* ---- response templates ---- */

static const char SQL_TEMPLATES[] = "SELECT id, title, body FROM report_templates ORDER BY title, id";
static const char SQL_TEMPLATE[] = "SELECT id, title, body FROM report_templates WHERE id = ?";
static const char SQL_TEMPLATE_ADD[] =
	"INSERT INTO report_templates (title, body, created_at, updated_at) VALUES (?, ?, ?, ?)";
static const char SQL_TEMPLATE_UPDATE[] = "UPDATE report_templates SET title = ?, body = ?, updated_at = ? WHERE id = ?";
static const char SQL_TEMPLATE_DELETE[] = "DELETE FROM report_templates WHERE id = ?";

int staff_templates(db_conn *c, arena *a, staff_template **out)
{
	db_stmt *s = db_prepare(c, SQL_TEMPLATES);
	if (s == NULL)
		return -1;
	size_t n = 0, cap = 16;
	staff_template *list = arena_alloc(a, cap * sizeof(*list));
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		list = room_for_one(a, list, n, &cap, sizeof(*list));
		list[n++] = (staff_template){ db_column_int(s, 0), dup(a, s, 1), dup(a, s, 2) };
	}
	*out = list;
	return rc == DB_ERROR ? -1 : (int)n;
}

int staff_template_get(db_conn *c, arena *a, int64_t id, staff_template *out)
{
	db_stmt *s = db_prepare(c, SQL_TEMPLATE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	*out = (staff_template){ db_column_int(s, 0), dup(a, s, 1), dup(a, s, 2) };
	db_step(s);
	return 1;
}

/* Runs the write s (prepared inside a write transaction) and commits. 1 a row changed, 0 none, -1 error. */
static int write_one(db_conn *c, db_stmt *s)
{
	if (s == NULL || db_step(s) != DB_DONE) {
		db_rollback(c);
		return -1;
	}
	int changed = db_changes(s) > 0;
	if (!changed) {
		db_rollback(c);
		return 0;
	}
	return db_commit(c) == 0 ? 1 : -1;
}

int staff_template_save(db_conn *c, int64_t id, const char *title, const char *body, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, id ? SQL_TEMPLATE_UPDATE : SQL_TEMPLATE_ADD);
	if (s) {
		db_bind_text(s, 1, title);
		db_bind_text(s, 2, body);
		db_bind_int(s, 3, now);
		db_bind_int(s, 4, id ? id : now); /* the id to change, or updated_at of a new one */
	}
	return write_one(c, s);
}

int staff_template_delete(db_conn *c, int64_t id)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_TEMPLATE_DELETE);
	if (s)
		db_bind_int(s, 1, id);
	return write_one(c, s);
}

/* ---- the police's part ---- */

static const char SQL_POLICE[] =
	"SELECT p.forwarded_at, COALESCE(p.received_at, 0), p.with_contact, p.note, p.received_note, "
	"COALESCE(f.name, ''), COALESCE(g.name, '') FROM report_police p LEFT JOIN users f ON f.id = p.forwarded_by "
	"LEFT JOIN users g ON g.id = p.received_by WHERE p.report_id = ?";
static const char SQL_POLICE_FORWARD[] =
	"INSERT INTO report_police (report_id, forwarded_at, forwarded_by, note, with_contact) VALUES (?, ?, ?, ?, ?)";
static const char SQL_POLICE_RECEIVE[] =
	"UPDATE report_police SET received_at = ?, received_by = ?, received_note = ? WHERE report_id = ?";

int staff_police_get(db_conn *c, arena *a, int64_t id, staff_police *out)
{
	db_stmt *s = db_prepare(c, SQL_POLICE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	*out = (staff_police){ db_column_int(s, 0), db_column_int(s, 1), db_column_int(s, 2) != 0, dup(a, s, 3),
			       dup(a, s, 4), dup(a, s, 5), dup(a, s, 6) };
	db_step(s);
	return 1;
}

int staff_police_forward(db_conn *c, int64_t id, int64_t now, int64_t user, const char *note, bool with_contact)
{
	arena *a = arena_new();
	staff_police p;
	int rc = staff_police_get(c, a, id, &p);
	arena_free(a);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	db_stmt *s = db_prepare(c, SQL_POLICE_FORWARD);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, now);
	db_bind_int(s, 3, user);
	db_bind_text(s, 4, note);
	db_bind_int(s, 5, with_contact);
	return db_step(s) == DB_DONE ? 1 : -1;
}

int staff_police_receive(db_conn *c, int64_t id, int64_t now, int64_t user, const char *note)
{
	db_stmt *s = db_prepare(c, SQL_POLICE_RECEIVE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, user);
	db_bind_text(s, 3, note);
	db_bind_int(s, 4, id);
	if (db_step(s) != DB_DONE)
		return -1;
	return db_changes(s) > 0 ? 1 : 0;
}
