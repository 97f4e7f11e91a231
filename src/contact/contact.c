/*
 * contact.c — the topics and statuses of contact messages, storing and
 * reading messages and their history, and the retention job (see contact.h).
 */
#include "contact/contact.h"
#include "auth/auth.h"
#include "core/util.h"
#include "settings/settings.h"
#include "web/web.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SECONDS_PER_MONTH (365LL * 24 * 3600 / 12)

const contact_topic contact_topics[] = {
	{ "trygghet", N_("Trygghet i mitt område") },
	{ "forslag", N_("Förslag") },
	{ "fraga", N_("Fråga") },
	{ "annat", N_("Annat") },
};
const size_t contact_topic_count = ARRAY_LEN(contact_topics);

const char *const contact_status_names[CONTACT_STATUS__MAX] = { "new", "answered", "handled" };
const char *const contact_status_labels[CONTACT_STATUS__MAX] = { N_("Ny"), N_("Besvarad"), N_("Hanterad") };

const contact_topic *contact_topic_find(const char *name)
{
	for (size_t i = 0; name && i < contact_topic_count; i++)
		if (strcmp(contact_topics[i].name, name) == 0)
			return &contact_topics[i];
	return NULL;
}

enum contact_status contact_status_parse(const char *name)
{
	for (int i = 0; name && i < CONTACT_STATUS__MAX; i++)
		if (strcmp(contact_status_names[i], name) == 0)
			return (enum contact_status)i;
	return CONTACT_STATUS__MAX;
}

static const char SQL_INSERT[] =
	"INSERT INTO contact_messages (reference, created_at, updated_at, topic, area, name, email, message, lang)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EVENT[] =
	"INSERT INTO contact_events (message_id, at, user_id, kind, text) VALUES (?, ?, ?, ?, ?)";
static const char SQL_FIND[] =
	"SELECT id, reference, created_at, topic, area, name, email, message, lang, status, handled_at, erased_at"
	" FROM contact_messages WHERE id = ?";
static const char SQL_LIST[] =
	"SELECT id, reference, created_at, topic, area, name, email, message, lang, status, handled_at, erased_at"
	" FROM contact_messages WHERE status = ? OR ? = '' ORDER BY created_at DESC, id DESC LIMIT ?";
static const char SQL_HISTORY[] =
	"SELECT e.at, e.kind, COALESCE(u.name, u.email, ''), e.text FROM contact_events e"
	" LEFT JOIN users u ON u.id = e.user_id WHERE e.message_id = ? ORDER BY e.at, e.id";
static const char SQL_STATUS[] =
	"UPDATE contact_messages SET status = ?, updated_at = ?, handled_at = ? WHERE id = ?";
static const char SQL_DUE_FOR_ERASURE[] =
	"SELECT id FROM contact_messages WHERE status = 'handled' AND erased_at IS NULL AND handled_at < ?";
static const char SQL_ERASE[] =
	"UPDATE contact_messages SET name = '', email = '', message = '', erased_at = ? WHERE id = ?";
static const char SQL_ERASE_EVENTS[] = "UPDATE contact_events SET text = '' WHERE message_id = ?";

const char *contact_new_reference(arena *a)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char ref[] = "K-XXXX-XXXX";
	for (size_t i = 2; i < sizeof(ref) - 1; i++)
		if (ref[i] != '-')
			ref[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	return arena_strdup(a, ref);
}

static int add_event(db_conn *c, int64_t id, int64_t now, int64_t user_id, const char *kind, const char *text)
{
	db_stmt *s = db_prepare(c, SQL_EVENT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, now);
	if (user_id > 0)
		db_bind_int(s, 3, user_id);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, kind);
	db_bind_text(s, 5, text ? text : "");
	return db_step(s) == DB_DONE ? 0 : -1;
}

int contact_insert(db_conn *c, arena *a, contact_message *m, int64_t now)
{
	/* About 40 bits: a clash is so unlikely that it is simply an error. */
	m->reference = contact_new_reference(a);
	db_stmt *s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		return -1;
	const char *values[] = { m->topic, m->area, m->name, m->email, m->message, m->lang };
	db_bind_text(s, 1, m->reference);
	db_bind_int(s, 2, now);
	db_bind_int(s, 3, now);
	for (size_t i = 0; i < ARRAY_LEN(values); i++)
		db_bind_text(s, 4 + (int)i, values[i]);
	if (db_step(s) != DB_ROW)
		return -1;
	m->id = db_column_int(s, 0);
	m->created_at = now;
	m->status = CONTACT_NEW;
	db_step(s);
	return add_event(c, m->id, now, 0, "received", "");
}

/* Reads the current row of a SQL_FIND/SQL_LIST statement into *m (strings in a). */
static void read_message(db_stmt *s, arena *a, contact_message *m)
{
	m->id = db_column_int(s, 0);
	m->reference = arena_strdup(a, db_column_text(s, 1));
	m->created_at = db_column_int(s, 2);
	m->topic = arena_strdup(a, db_column_text(s, 3));
	m->area = arena_strdup(a, db_column_text(s, 4));
	m->name = arena_strdup(a, db_column_text(s, 5));
	m->email = arena_strdup(a, db_column_text(s, 6));
	m->message = arena_strdup(a, db_column_text(s, 7));
	m->lang = arena_strdup(a, db_column_text(s, 8));
	m->status = contact_status_parse(db_column_text(s, 9));
	if (m->status == CONTACT_STATUS__MAX)
		m->status = CONTACT_NEW;
	m->handled_at = db_column_is_null(s, 10) ? 0 : db_column_int(s, 10);
	m->erased = !db_column_is_null(s, 11);
}

int contact_find(db_conn *c, arena *a, int64_t id, contact_message *m)
{
	db_stmt *s = db_prepare(c, SQL_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	read_message(s, a, m);
	db_step(s);
	return 1;
}

int contact_each(db_conn *c, enum contact_status status, int limit,
		 int (*fn)(void *ud, const contact_message *m), void *ud)
{
	const char *name = status < CONTACT_STATUS__MAX ? contact_status_names[status] : "";
	db_stmt *s = db_prepare(c, SQL_LIST);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, name);
	db_bind_int(s, 3, limit);
	arena *a = arena_new();
	int rc, count = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		contact_message m;
		read_message(s, a, &m);
		count++;
		if (fn(ud, &m) != 0)
			break;
	}
	arena_free(a);
	return rc == DB_ERROR ? -1 : count;
}

int contact_history(db_conn *c, int64_t id, int (*fn)(void *ud, const contact_event *e), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_HISTORY);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		contact_event e = { db_column_int(s, 0), db_column_text(s, 1), db_column_text(s, 2), db_column_text(s, 3) };
		if (fn(ud, &e) != 0)
			break;
	}
	return rc == DB_ERROR ? -1 : 0;
}

int contact_record(db_conn *c, int64_t id, enum contact_status status, const char *kind, int64_t user_id,
		   const char *text, int64_t now)
{
	db_stmt *s = db_prepare(c, SQL_STATUS);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, contact_status_names[status]);
	db_bind_int(s, 2, now);
	if (status == CONTACT_HANDLED)
		db_bind_int(s, 3, now);
	else
		db_bind_null(s, 3);
	db_bind_int(s, 4, id);
	if (db_step(s) != DB_DONE)
		return -1;
	return add_event(c, id, now, user_id, kind, text);
}

/* Erases one message's personal data in a transaction of its own. 0 or -1. */
static int erase_message(db_conn *c, int64_t id, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_ERASE);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, id);
	if (db_step(s) != DB_DONE)
		goto fail;
	s = db_prepare(c, SQL_ERASE_EVENTS);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_DONE || add_event(c, id, now, 0, "erased", "") != 0 || db_commit(c) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(c);
	return -1;
}

int contact_retention_run(db_conn *c, const config *cfg, int64_t now)
{
	arena *a = arena_new();
	int64_t months = settings_get_int(c, a, SETTING_CONTACT_RETENTION_MONTHS);
	int64_t ids[100];
	int n = 0, rc = 0;
	db_stmt *s = db_prepare(c, SQL_DUE_FOR_ERASURE);
	arena_free(a);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, now - months * SECONDS_PER_MONTH);
	/* Collected first: the erasing writes must not run while the query is open. */
	while (n < (int)ARRAY_LEN(ids) && (rc = db_step(s)) == DB_ROW)
		ids[n++] = db_column_int(s, 0);
	if (rc == DB_ERROR)
		return -1;
	if (rc == DB_ROW)
		db_prepare(c, SQL_DUE_FOR_ERASURE); /* resets the statement; the rest go on the next run */
	for (int i = 0; i < n; i++) {
		if (erase_message(c, ids[i], now) != 0)
			return -1;
		char object[48];
		snprintf(object, sizeof(object), "contact:%lld", (long long)ids[i]);
		if (audit_write(c, 0, "contact.erase", object, "retention") != 0)
			return -1;
	}
	return 0;
}
