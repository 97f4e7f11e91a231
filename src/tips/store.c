/*
 * store.c — tips, their conversation and photos, tipsters' visits, the
 * service's settings, the retention job and the lägesbild counts (see
 * tip_store.h and tips.h).
 *
 * What a tipster wrote exists in the database only sealed to the unit key
 * (and, for the conversation, to the tipster's key); photos only as
 * secretstream files under DATA_DIR/tips/ whose keys are sealed. The rest of
 * a row is the police's own metadata. Times are whole UTC days.
 */
#include "tips/tip_store.h"
#include "tips/tips.h"
#include "core/util.h"
#include "web/web.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VISIT_ID_PURPOSE "visit-id"
#define VISIT_KEY_PURPOSE "tipster-visit"
#define VISIT_TOKEN_BYTES 32
#define ORPHAN_FILE_SECONDS 3600
#define INBOX_LIMIT 500

const char *const tip_status_names[TIP_STATUS__MAX] = { "new", "read", "handling", "closed" };
const char *const tip_status_labels[TIP_STATUS__MAX] = { N_("Nytt"), N_("Läst"), N_("Under handläggning"),
							 N_("Avslutat") };

const tip_crime_type tip_crime_types[] = {
	{ "narkotika", N_("Narkotika") },
	{ "vald", N_("Våld eller hot") },
	{ "stold", N_("Stöld eller inbrott") },
	{ "skadegorelse", N_("Skadegörelse eller klotter") },
	{ "bedrageri", N_("Bedrägeri") },
	{ "vapen", N_("Vapen") },
	{ "trafik", N_("Trafik") },
	{ "ungdom", N_("Ungdomar i riskmiljö") },
	{ "organiserad", N_("Organiserad brottslighet") },
	{ "annat", N_("Annat") },
};
const size_t tip_crime_type_count = ARRAY_LEN(tip_crime_types);

static const char SQL_TIP_INSERT[] =
	"INSERT INTO tips (received_day, receipt_lookup, unit_key_id, sealed, tipster_public_key, tipster_salt,"
	" tipster_opslimit, tipster_memlimit, tipster_wrapped_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_ATTACHMENT_INSERT[] =
	"INSERT INTO tip_attachments (tip_id, file, unit_key_id, sealed_key) VALUES (?, ?, ?, ?)";
static const char SQL_TIP_FIND[] =
	"SELECT t.id, t.received_day, t.status, t.area_id, t.assigned_to, u.name, u.email, t.closed_day,"
	" t.police_unread, (SELECT COUNT(*) FROM tip_attachments a WHERE a.tip_id = t.id),"
	" (SELECT COUNT(*) FROM tip_messages m WHERE m.tip_id = t.id)"
	" FROM tips t LEFT JOIN users u ON u.id = t.assigned_to WHERE t.id = ?";
static const char SQL_TIP_IDS_ALL[] = "SELECT id FROM tips ORDER BY id DESC LIMIT ?";
static const char SQL_TIP_IDS_STATUS[] = "SELECT id FROM tips WHERE status = ? ORDER BY id DESC LIMIT ?";
static const char SQL_TAGS[] = "SELECT crime_type FROM tip_tags WHERE tip_id = ? ORDER BY crime_type";
static const char SQL_TIP_SEALED[] = "SELECT unit_key_id, sealed FROM tips WHERE id = ?";
static const char SQL_MESSAGES_POLICE[] =
	"SELECT m.id, m.day, m.from_police, u.name, u.email, m.sealed_unit FROM tip_messages m"
	" LEFT JOIN users u ON u.id = m.author_id WHERE m.tip_id = ? ORDER BY m.id";
static const char SQL_MESSAGES_TIPSTER[] =
	"SELECT m.id, m.day, m.from_police, '', '', m.sealed_tipster FROM tip_messages m WHERE m.tip_id = ? ORDER BY m.id";
static const char SQL_TIPSTER_KEY[] = "SELECT tipster_public_key FROM tips WHERE id = ?";
static const char SQL_MESSAGE_INSERT[] =
	"INSERT INTO tip_messages (tip_id, day, from_police, author_id, unit_key_id, sealed_unit, sealed_tipster)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_MARK_ANSWERED[] = "UPDATE tips SET police_unread = 1 WHERE id = ?";
static const char SQL_MARK_OPENED[] =
	"UPDATE tips SET police_unread = 0, status = CASE WHEN status = 'new' THEN 'read' ELSE status END WHERE id = ?";
static const char SQL_PHOTO_IDS[] = "SELECT id FROM tip_attachments WHERE tip_id = ? ORDER BY id";
static const char SQL_PHOTO_FIND[] = "SELECT file, sealed_key FROM tip_attachments WHERE id = ? AND tip_id = ?";
static const char SQL_TIP_STATE[] = "SELECT status, closed_day FROM tips WHERE id = ?";
static const char SQL_TIP_UPDATE[] =
	"UPDATE tips SET status = ?, area_id = ?, assigned_to = ?, closed_day = ? WHERE id = ?";
static const char SQL_TAGS_DELETE[] = "DELETE FROM tip_tags WHERE tip_id = ?";
static const char SQL_TAG_INSERT[] = "INSERT INTO tip_tags (tip_id, crime_type) VALUES (?, ?)";
static const char SQL_TIP_FILES[] = "SELECT file FROM tip_attachments WHERE tip_id = ?";
static const char SQL_TIP_DELETE[] = "DELETE FROM tips WHERE id = ?";
static const char SQL_TIPSTER_FIND[] =
	"SELECT id, tipster_public_key, tipster_salt, tipster_opslimit, tipster_memlimit, tipster_wrapped_secret"
	" FROM tips WHERE receipt_lookup = ?";
static const char SQL_VISIT_INSERT[] = "INSERT INTO tip_visits (id, tip_id, wrapped_secret, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_VISIT_FIND[] =
	"SELECT v.tip_id, v.wrapped_secret, v.expires_at, t.tipster_public_key FROM tip_visits v"
	" JOIN tips t ON t.id = v.tip_id WHERE v.id = ?";
static const char SQL_VISIT_DELETE[] = "DELETE FROM tip_visits WHERE id = ?";
static const char SQL_VISITS_EXPIRED[] = "DELETE FROM tip_visits WHERE expires_at <= ?";
static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE name = ?";
static const char SQL_SETTING_PUT[] =
	"INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
static const char SQL_CLOSED_BEFORE[] = "SELECT id FROM tips WHERE status = 'closed' AND closed_day <= ?";
static const char SQL_LOST_OFFICERS[] =
	"SELECT o.user_id FROM tip_officer_keys o JOIN users u ON u.id = o.user_id"
	" WHERE (u.roles & ?) = 0 OR u.disabled <> 0";
static const char SQL_FILE_KNOWN[] = "SELECT COUNT(*) FROM tip_attachments WHERE file = ?";
static const char SQL_LAGESBILD[] =
	"SELECT g.crime_type, COALESCE(t.area_id, 0), t.received_day FROM tip_tags g JOIN tips t ON t.id = g.tip_id"
	" ORDER BY g.crime_type, COALESCE(t.area_id, 0), t.received_day";

enum tip_status tip_status_parse(const char *name)
{
	for (int i = 0; i < TIP_STATUS__MAX; i++)
		if (name && strcmp(name, tip_status_names[i]) == 0)
			return (enum tip_status)i;
	return TIP_STATUS__MAX;
}

bool tip_tags_have(const char *tags, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = tags; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

const tip_crime_type *tip_crime_type_find(const char *name)
{
	for (size_t i = 0; i < tip_crime_type_count; i++)
		if (name && strcmp(name, tip_crime_types[i].name) == 0)
			return &tip_crime_types[i];
	return NULL;
}

int tip_db_failed(db_conn *c, const char *what)
{
	fprintf(stderr, "trygg: tips: %s: %s\n", what, db_errmsg(c));
	db_rollback(c);
	return -1;
}

int tip_blob_copy(db_stmt *s, int col, void *out, size_t len)
{
	size_t n = 0;
	const void *p = db_column_blob(s, col, &n);
	if (p == NULL || n != len)
		return -1;
	memcpy(out, p, len);
	return 0;
}

/* The path of attachment file name, in b. */
static void attachment_path(buf *b, const config *cfg, const char *name)
{
	buf_printf(b, "%s/tips/%s", cfg->data_dir, name);
}

int tip_tipster_prepare(const config *cfg, const char *passphrase, tip_tipster *t)
{
	unsigned char *sk = tip_secret_new();
	tip_keypair(t->pk, sk);
	int rc = tip_wrap_password(passphrase, cfg->password_opslimit, cfg->password_memlimit, sk, &t->wrap);
	tip_secret_free(sk);
	return rc;
}

/* ---- creating ---- */

/* A photo written to its encrypted file, before the row exists. */
typedef struct stored_photo {
	char name[33];
	unsigned char *key;
} stored_photo;

/* Encrypts photo p into a new file under DATA_DIR/tips/. 0 or -1. */
static int photo_store(const config *cfg, const tip_photo *p, stored_photo *out)
{
	buf path = BUF_INIT;
	unsigned char raw[16];
	buf_printf(&path, "%s/tips", cfg->data_dir);
	if (mkdir(path.data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "trygg: tips: cannot make the attachment folder\n");
		buf_free(&path);
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out->name, sizeof(out->name), raw, sizeof(raw));
	out->key = tip_secret_new();
	crypto_secretstream_xchacha20poly1305_keygen(out->key);
	buf_reset(&path);
	attachment_path(&path, cfg, out->name);
	int rc = tip_file_write(path.data, out->key, p->data, p->len);
	buf_free(&path);
	return rc;
}

int tip_create(db_conn *c, const config *cfg, const char *receipt_lookup, const tip_tipster *t,
	       const char *content, size_t content_len, const tip_photo *photos, size_t photo_count, int64_t now,
	       int64_t *id)
{
	stored_photo stored[TIP_MAX_PHOTOS] = { 0 };
	size_t made = 0;
	unsigned char *sealed = xmalloc(content_len + TIP_SEAL_BYTES);
	tip_unit u = { 0 };
	int rc = -1;
	assert(photo_count <= TIP_MAX_PHOTOS);
	for (; made < photo_count; made++)
		if (photo_store(cfg, &photos[made], &stored[made]) != 0)
			goto out;
	if (db_begin_write(c) != 0) {
		tip_db_failed(c, "begin");
		goto out;
	}
	/* The key is read inside the transaction that uses it (see the migration on rotation). */
	int current = tip_unit_current(c, &u);
	if (current <= 0) {
		if (current < 0)
			tip_db_failed(c, "unit key");
		db_rollback(c);
		rc = current < 0 ? -1 : 1;
		goto out;
	}
	tip_seal(u.pk, content, content_len, sealed);
	db_stmt *s = db_prepare(c, SQL_TIP_INSERT);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, TIP_DAY(now));
	db_bind_text(s, 2, receipt_lookup);
	db_bind_int(s, 3, u.id);
	db_bind_blob(s, 4, sealed, content_len + TIP_SEAL_BYTES);
	db_bind_blob(s, 5, t->pk, sizeof(t->pk));
	db_bind_blob(s, 6, t->wrap.salt, sizeof(t->wrap.salt));
	db_bind_int(s, 7, (int64_t)t->wrap.opslimit);
	db_bind_int(s, 8, (int64_t)t->wrap.memlimit);
	db_bind_blob(s, 9, t->wrap.box, sizeof(t->wrap.box));
	if (db_step(s) != DB_ROW)
		goto fail;
	*id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE)
		goto fail;
	for (size_t i = 0; i < photo_count; i++) {
		unsigned char key_sealed[TIP_FILE_KEY_BYTES + TIP_SEAL_BYTES];
		tip_seal(u.pk, stored[i].key, TIP_FILE_KEY_BYTES, key_sealed);
		if ((s = db_prepare(c, SQL_ATTACHMENT_INSERT)) == NULL)
			goto fail;
		db_bind_int(s, 1, *id);
		db_bind_text(s, 2, stored[i].name);
		db_bind_int(s, 3, u.id);
		db_bind_blob(s, 4, key_sealed, sizeof(key_sealed));
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	tip_db_failed(c, "store tip");
out:
	for (size_t i = 0; i < ARRAY_LEN(stored); i++) {
		if (rc != 0 && stored[i].key) {
			buf path = BUF_INIT;
			attachment_path(&path, cfg, stored[i].name);
			unlink(path.data);
			buf_free(&path);
		}
		tip_secret_free(stored[i].key);
	}
	free(sealed);
	return rc;
}

/* ---- reading ---- */

/* The tags of tip id, comma-separated, in a. NULL on error. */
static const char *tags_of(db_conn *c, arena *a, int64_t id)
{
	db_stmt *s = db_prepare(c, SQL_TAGS);
	buf b = BUF_INIT;
	if (s == NULL)
		return NULL;
	db_bind_int(s, 1, id);
	int step;
	while ((step = db_step(s)) == DB_ROW)
		buf_printf(&b, "%s%s", b.len ? "," : "", db_column_text(s, 0) ? db_column_text(s, 0) : "");
	const char *out = step == DB_DONE ? arena_strdup(a, buf_cstr(&b)) : NULL;
	buf_free(&b);
	return out;
}

int tip_find(db_conn *c, arena *a, int64_t id, tip_meta *m)
{
	db_stmt *s = db_prepare(c, SQL_TIP_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	memset(m, 0, sizeof(*m));
	m->id = db_column_int(s, 0);
	m->received_day = db_column_int(s, 1);
	m->status = tip_status_parse(db_column_text(s, 2));
	if (m->status == TIP_STATUS__MAX)
		m->status = TIP_NEW;
	m->area_id = db_column_is_null(s, 3) ? 0 : db_column_int(s, 3);
	m->assigned_to = db_column_is_null(s, 4) ? 0 : db_column_int(s, 4);
	const char *name = db_column_text(s, 5), *email = db_column_text(s, 6);
	m->assigned_name = arena_strdup(a, name && *name ? name : email ? email : "");
	m->closed_day = db_column_is_null(s, 7) ? 0 : db_column_int(s, 7);
	m->police_unread = db_column_int(s, 8) != 0;
	m->photos = db_column_int(s, 9);
	m->messages = db_column_int(s, 10);
	if (db_step(s) != DB_DONE)
		return -1;
	m->tags = tags_of(c, a, id);
	return m->tags ? 1 : -1;
}

int tip_each(db_conn *c, enum tip_status status, int (*fn)(void *ud, const tip_meta *m), void *ud)
{
	db_stmt *s = db_prepare(c, status == TIP_STATUS__MAX ? SQL_TIP_IDS_ALL : SQL_TIP_IDS_STATUS);
	int64_t ids[INBOX_LIMIT];
	int count = 0, step;
	if (s == NULL)
		return -1;
	if (status == TIP_STATUS__MAX) {
		db_bind_int(s, 1, INBOX_LIMIT);
	} else {
		db_bind_text(s, 1, tip_status_names[status]);
		db_bind_int(s, 2, INBOX_LIMIT);
	}
	while ((step = db_step(s)) == DB_ROW && count < INBOX_LIMIT)
		ids[count++] = db_column_int(s, 0);
	if (step != DB_DONE && step != DB_ROW)
		return -1;
	arena *a = arena_new();
	int rc = count;
	for (int i = 0; i < count; i++) {
		tip_meta m;
		int found = tip_find(c, a, ids[i], &m);
		if (found < 0) {
			rc = -1;
			break;
		}
		if (found == 1 && fn(ud, &m) != 0)
			break;
	}
	arena_free(a);
	return rc;
}

int tip_read_content(db_conn *c, const tip_unit *u, int64_t id, buf *out)
{
	db_stmt *s = db_prepare(c, SQL_TIP_SEALED);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_ROW)
		return -1;
	size_t len = 0;
	const void *sealed = db_column_blob(s, 1, &len);
	int rc = db_column_int(s, 0) == u->id ? tip_open_buf(u->pk, u->sk, sealed, len, out) : -1;
	if (db_step(s) != DB_DONE)
		rc = -1;
	return rc;
}

int tip_messages_each(db_conn *c, int64_t tip_id, bool as_police, const unsigned char *pk, const unsigned char *sk,
		      int (*fn)(void *ud, const tip_message *m), void *ud)
{
	db_stmt *s = db_prepare(c, as_police ? SQL_MESSAGES_POLICE : SQL_MESSAGES_TIPSTER);
	int count = 0, step;
	bool stopped = false, broken = false;
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, tip_id);
	while ((step = db_step(s)) == DB_ROW) {
		if (stopped || broken)
			continue;
		buf text = BUF_INIT;
		size_t len = 0;
		const void *sealed = db_column_blob(s, 5, &len);
		if (tip_open_buf(pk, sk, sealed, len, &text) != 0) {
			broken = true;
			continue;
		}
		const char *name = db_column_text(s, 3), *email = db_column_text(s, 4);
		tip_message m = {
			.id = db_column_int(s, 0),
			.day = db_column_int(s, 1),
			.from_police = db_column_int(s, 2) != 0,
			.author = name && *name ? name : email ? email : "",
			.text = buf_cstr(&text),
		};
		count++;
		stopped = fn(ud, &m) != 0;
		tip_buf_wipe(&text);
	}
	return step == DB_DONE && !broken ? count : -1;
}

int tip_message_add(db_conn *c, int64_t tip_id, int64_t author_id, const char *text, int64_t now)
{
	size_t len = strlen(text);
	unsigned char tipster_pk[TIP_PUBLIC_BYTES];
	unsigned char *for_unit = xmalloc(len + TIP_SEAL_BYTES), *for_tipster = xmalloc(len + TIP_SEAL_BYTES);
	tip_unit u = { 0 };
	int rc = -1;
	if (db_begin_write(c) != 0) {
		tip_db_failed(c, "begin");
		goto out;
	}
	db_stmt *s = db_prepare(c, SQL_TIPSTER_KEY);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, tip_id);
	if (db_step(s) != DB_ROW || tip_blob_copy(s, 0, tipster_pk, sizeof(tipster_pk)) != 0 || db_step(s) != DB_DONE ||
	    tip_unit_current(c, &u) != 1)
		goto fail;
	tip_seal(u.pk, text, len, for_unit);
	tip_seal(tipster_pk, text, len, for_tipster);
	if ((s = db_prepare(c, SQL_MESSAGE_INSERT)) == NULL)
		goto fail;
	db_bind_int(s, 1, tip_id);
	db_bind_int(s, 2, TIP_DAY(now));
	db_bind_int(s, 3, author_id > 0 ? 1 : 0);
	if (author_id > 0)
		db_bind_int(s, 4, author_id);
	else
		db_bind_null(s, 4);
	db_bind_int(s, 5, u.id);
	db_bind_blob(s, 6, for_unit, len + TIP_SEAL_BYTES);
	db_bind_blob(s, 7, for_tipster, len + TIP_SEAL_BYTES);
	if (db_step(s) != DB_DONE)
		goto fail;
	if (author_id == 0) {
		if ((s = db_prepare(c, SQL_MARK_ANSWERED)) == NULL)
			goto fail;
		db_bind_int(s, 1, tip_id);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	tip_db_failed(c, "store message");
out:
	free(for_unit);
	free(for_tipster);
	return rc;
}

int tip_photo_ids(db_conn *c, int64_t tip_id, int64_t *ids, int max)
{
	db_stmt *s = db_prepare(c, SQL_PHOTO_IDS);
	int count = 0, step;
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, tip_id);
	while ((step = db_step(s)) == DB_ROW)
		if (count < max)
			ids[count++] = db_column_int(s, 0);
	return step == DB_DONE ? count : -1;
}

int tip_photo_read(db_conn *c, const config *cfg, const tip_unit *u, int64_t tip_id, int64_t photo_id, buf *out)
{
	unsigned char sealed[TIP_FILE_KEY_BYTES + TIP_SEAL_BYTES];
	db_stmt *s = db_prepare(c, SQL_PHOTO_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, photo_id);
	db_bind_int(s, 2, tip_id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	buf path = BUF_INIT;
	attachment_path(&path, cfg, db_column_text(s, 0) ? db_column_text(s, 0) : "-");
	int ok = tip_blob_copy(s, 1, sealed, sizeof(sealed));
	if (db_step(s) != DB_DONE)
		ok = -1;
	unsigned char *key = tip_secret_new();
	int rc = -1;
	if (ok == 0 && tip_open(u->pk, u->sk, sealed, sizeof(sealed), key) == 0 && tip_file_read(path.data, key, out) == 0)
		rc = 1;
	tip_secret_free(key);
	buf_free(&path);
	return rc;
}

/* ---- the police's changes ---- */

/* Runs sql with one integer bound, in its own write transaction. 0 or -1. */
static int write_one(db_conn *c, const char *sql, int64_t value)
{
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, sql)) == NULL)
		return tip_db_failed(c, "update");
	db_bind_int(s, 1, value);
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		return tip_db_failed(c, "update");
	return 0;
}

int tip_mark_opened(db_conn *c, int64_t id)
{
	return write_one(c, SQL_MARK_OPENED, id);
}

int tip_update(db_conn *c, int64_t id, const tip_update_fields *f, int64_t now)
{
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	db_stmt *s = db_prepare(c, SQL_TIP_STATE);
	if (s == NULL)
		return tip_db_failed(c, "update tip");
	db_bind_int(s, 1, id);
	int step = db_step(s);
	if (step != DB_ROW) {
		db_rollback(c);
		return step == DB_DONE ? 0 : -1;
	}
	bool was_closed = tip_status_parse(db_column_text(s, 0)) == TIP_CLOSED;
	int64_t closed_day = db_column_is_null(s, 1) ? 0 : db_column_int(s, 1);
	if (db_step(s) != DB_DONE)
		return tip_db_failed(c, "update tip");
	/* The retention time runs from the day it was closed, not from later edits. */
	if (f->status != TIP_CLOSED)
		closed_day = 0;
	else if (!was_closed || closed_day == 0)
		closed_day = TIP_DAY(now);
	if ((s = db_prepare(c, SQL_TIP_UPDATE)) == NULL)
		return tip_db_failed(c, "update tip");
	db_bind_text(s, 1, tip_status_names[f->status]);
	if (f->area_id > 0)
		db_bind_int(s, 2, f->area_id);
	else
		db_bind_null(s, 2);
	if (f->assigned_to > 0)
		db_bind_int(s, 3, f->assigned_to);
	else
		db_bind_null(s, 3);
	if (closed_day > 0)
		db_bind_int(s, 4, closed_day);
	else
		db_bind_null(s, 4);
	db_bind_int(s, 5, id);
	if (db_step(s) != DB_DONE || (s = db_prepare(c, SQL_TAGS_DELETE)) == NULL)
		return tip_db_failed(c, "update tip");
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_DONE)
		return tip_db_failed(c, "update tip");
	for (size_t i = 0; i < f->tag_count; i++) {
		if ((s = db_prepare(c, SQL_TAG_INSERT)) == NULL)
			return tip_db_failed(c, "update tip");
		db_bind_int(s, 1, id);
		db_bind_text(s, 2, f->tags[i]);
		if (db_step(s) != DB_DONE)
			return tip_db_failed(c, "update tip");
	}
	return db_commit(c) == 0 ? 1 : tip_db_failed(c, "update tip");
}

int tip_erase(db_conn *c, const config *cfg, int64_t id)
{
	buf files = BUF_INIT;
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	db_stmt *s = db_prepare(c, SQL_TIP_FILES);
	int step;
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, id);
	while ((step = db_step(s)) == DB_ROW) {
		attachment_path(&files, cfg, db_column_text(s, 0) ? db_column_text(s, 0) : "-");
		buf_putc(&files, '\0');
	}
	if (step != DB_DONE || (s = db_prepare(c, SQL_TIP_DELETE)) == NULL)
		goto fail;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_DONE)
		goto fail;
	int64_t erased = db_changes(s);
	if (db_commit(c) != 0)
		goto fail;
	/* The files' keys are gone with the rows; now the files themselves. */
	for (size_t off = 0; off < files.len; off += strlen(files.data + off) + 1)
		unlink(files.data + off);
	buf_free(&files);
	return erased > 0 ? 1 : 0;
fail:
	buf_free(&files);
	return tip_db_failed(c, "erase tip");
}

/* ---- tipsters' visits ---- */

int tip_tipster_open(db_conn *c, const config *cfg, const char *receipt_lookup, const char *passphrase,
		     int64_t *tip_id, unsigned char pk[TIP_PUBLIC_BYTES], unsigned char *sk)
{
	tip_wrap w;
	db_stmt *s = db_prepare(c, SQL_TIPSTER_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, receipt_lookup);
	int step = db_step(s);
	if (step == DB_ERROR)
		return -1;
	bool found = step == DB_ROW;
	if (found) {
		*tip_id = db_column_int(s, 0);
		w.opslimit = (unsigned long long)db_column_int(s, 3);
		w.memlimit = (size_t)db_column_int(s, 4);
		if (tip_blob_copy(s, 1, pk, TIP_PUBLIC_BYTES) != 0 || tip_blob_copy(s, 2, w.salt, sizeof(w.salt)) != 0 ||
		    tip_blob_copy(s, 5, w.box, sizeof(w.box)) != 0)
			found = false;
		if (db_step(s) != DB_DONE)
			return -1;
	}
	if (!found) {
		/* The same work as a real check, so that time does not tell whether the receipt exists. */
		randombytes_buf(&w, sizeof(w));
		w.opslimit = cfg->password_opslimit;
		w.memlimit = cfg->password_memlimit;
	}
	int ok = tip_unwrap_password(passphrase, &w, sk);
	return found && ok == 0 ? 1 : 0;
}

/* The database id (hex) of a visit token, into id. */
static void visit_id(const char *token, char id[65])
{
	unsigned char *h = tip_secret_new();
	tip_token_key(VISIT_ID_PURPOSE, token, h);
	sodium_bin2hex(id, 65, h, 32);
	tip_secret_free(h);
}

const char *tip_visit_start(db_conn *c, arena *a, int64_t tip_id, const unsigned char *sk, int64_t now,
			    int minutes)
{
	unsigned char raw[VISIT_TOKEN_BYTES], box[TIP_WRAP_BYTES];
	char token[sodium_base64_ENCODED_LEN(VISIT_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char id[65];
	unsigned char *key = tip_secret_new();
	const char *result = NULL;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	visit_id(token, id);
	tip_token_key(VISIT_KEY_PURPOSE, token, key);
	tip_wrap_key(key, sk, box);
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_VISITS_EXPIRED)) == NULL) {
		tip_db_failed(c, "visit");
		goto out;
	}
	db_bind_int(s, 1, now);
	if (db_step(s) != DB_DONE || (s = db_prepare(c, SQL_VISIT_INSERT)) == NULL) {
		tip_db_failed(c, "visit");
		goto out;
	}
	db_bind_text(s, 1, id);
	db_bind_int(s, 2, tip_id);
	db_bind_blob(s, 3, box, sizeof(box));
	db_bind_int(s, 4, now + (int64_t)minutes * 60);
	if (db_step(s) != DB_DONE || db_commit(c) != 0) {
		tip_db_failed(c, "visit");
		goto out;
	}
	result = arena_strdup(a, token);
out:
	tip_secret_free(key);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(token, sizeof(token));
	return result;
}

int tip_visit_find(db_conn *c, const char *token, int64_t now, int64_t *tip_id, unsigned char pk[TIP_PUBLIC_BYTES],
		   unsigned char *sk)
{
	char id[65];
	unsigned char box[TIP_WRAP_BYTES];
	if (token == NULL || strlen(token) != sodium_base64_ENCODED_LEN(VISIT_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
		return 0;
	visit_id(token, id);
	db_stmt *s = db_prepare(c, SQL_VISIT_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	*tip_id = db_column_int(s, 0);
	int ok = tip_blob_copy(s, 1, box, sizeof(box)) == 0 && tip_blob_copy(s, 3, pk, TIP_PUBLIC_BYTES) == 0;
	int64_t expires = db_column_int(s, 2);
	if (db_step(s) != DB_DONE)
		return -1;
	if (now >= expires) {
		tip_visit_end(c, token);
		return 0;
	}
	unsigned char *key = tip_secret_new();
	tip_token_key(VISIT_KEY_PURPOSE, token, key);
	int rc = ok && tip_unwrap_key(key, box, sk) == 0 ? 1 : 0;
	tip_secret_free(key);
	return rc;
}

int tip_visit_end(db_conn *c, const char *token)
{
	char id[65];
	visit_id(token, id);
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_VISIT_DELETE)) == NULL)
		return tip_db_failed(c, "end visit");
	db_bind_text(s, 1, id);
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		return tip_db_failed(c, "end visit");
	return 0;
}

/* ---- settings ---- */

/* The whole-number setting name, or fallback when unset or not a number. */
static int64_t setting_int(db_conn *c, const char *name, int64_t fallback)
{
	db_stmt *s = db_prepare(c, SQL_SETTING_GET);
	int64_t v = fallback;
	if (s == NULL)
		return fallback;
	db_bind_text(s, 1, name);
	if (db_step(s) == DB_ROW) {
		int64_t n;
		if (str_to_int64(db_column_text(s, 0), &n) == 0 && n > 0)
			v = n;
		db_step(s);
	}
	return v;
}

int64_t tip_setting_retention_days(db_conn *c)
{
	return setting_int(c, "tips_retention_days", TIP_RETENTION_DAYS_DEFAULT);
}

int64_t tip_setting_threshold(db_conn *c)
{
	return setting_int(c, "tips_lagesbild_threshold", TIP_THRESHOLD_DEFAULT);
}

int tip_settings_save(db_conn *c, int64_t retention_days, int64_t threshold)
{
	const struct {
		const char *name;
		int64_t value;
	} values[] = { { "tips_retention_days", retention_days }, { "tips_lagesbild_threshold", threshold } };
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	for (size_t i = 0; i < ARRAY_LEN(values); i++) {
		char text[32];
		snprintf(text, sizeof(text), "%lld", (long long)values[i].value);
		db_stmt *s = db_prepare(c, SQL_SETTING_PUT);
		if (s == NULL)
			return tip_db_failed(c, "settings");
		db_bind_text(s, 1, values[i].name);
		db_bind_text(s, 2, text);
		if (db_step(s) != DB_DONE)
			return tip_db_failed(c, "settings");
	}
	return db_commit(c) == 0 ? 0 : tip_db_failed(c, "settings");
}

/* ---- the hourly job ---- */

/* Reads the first column (an id) of every row of sql with value bound, up to max. Returns the count or -1. */
static int ids_of(db_conn *c, const char *sql, int64_t value, int64_t *ids, int max)
{
	db_stmt *s = db_prepare(c, sql);
	int count = 0, step;
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, value);
	while ((step = db_step(s)) == DB_ROW)
		if (count < max)
			ids[count++] = db_column_int(s, 0);
	return step == DB_DONE ? count : -1;
}

/* Removes files under DATA_DIR/tips/ that no attachment row names and that are
 * older than an hour (left by a crash between writing a file and its row). */
static int sweep_orphan_files(db_conn *c, const config *cfg, int64_t now)
{
	buf dir = BUF_INIT, path = BUF_INIT;
	buf_printf(&dir, "%s/tips", cfg->data_dir);
	DIR *d = opendir(dir.data);
	int rc = 0;
	if (d == NULL) {
		buf_free(&dir);
		return 0;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		struct stat st;
		if (strlen(e->d_name) != 32 || strspn(e->d_name, "0123456789abcdef") != 32)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir.data, e->d_name);
		if (stat(path.data, &st) != 0 || now - (int64_t)st.st_mtime < ORPHAN_FILE_SECONDS)
			continue;
		db_stmt *s = db_prepare(c, SQL_FILE_KNOWN);
		if (s == NULL) {
			rc = -1;
			break;
		}
		db_bind_text(s, 1, e->d_name);
		if (db_step(s) != DB_ROW) {
			rc = -1;
			break;
		}
		int64_t known = db_column_int(s, 0);
		db_step(s);
		if (known == 0)
			unlink(path.data);
	}
	closedir(d);
	buf_free(&dir);
	buf_free(&path);
	return rc;
}

int tips_retention_run(db_conn *c, const config *cfg, int64_t now)
{
	enum { BATCH = 200 };
	int64_t ids[BATCH];
	int64_t days = tip_setting_retention_days(c);
	int n;
	/* Closed on day D, kept `days` days: erased once D + days has passed. */
	do {
		n = ids_of(c, SQL_CLOSED_BEFORE, TIP_DAY(now) - days * TIP_DAY_SECONDS, ids, BATCH);
		for (int i = 0; i < n; i++)
			if (tip_erase(c, cfg, ids[i]) < 0)
				return -1;
	} while (n == BATCH);
	if (n < 0 || write_one(c, SQL_VISITS_EXPIRED, now) != 0)
		return -1;
	n = ids_of(c, SQL_LOST_OFFICERS, ROLE_POLIS, ids, BATCH);
	for (int i = 0; i < n; i++)
		if (tip_officer_remove(c, ids[i]) < 0) /* the last officer with access is kept (2) */
			return -1;
	if (n < 0)
		return -1;
	return sweep_orphan_files(c, cfg, now);
}

/* ---- the lägesbild ---- */

/* The UTC year and month of a day. */
static void day_month(int64_t day, int *year, int *month)
{
	time_t t = (time_t)day;
	struct tm tm;
	gmtime_r(&t, &tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
}

int tips_lagesbild_each(db_conn *c, int (*fn)(void *ud, const tips_count *cell), void *ud)
{
	int64_t threshold = tip_setting_threshold(c);
	db_stmt *s = db_prepare(c, SQL_LAGESBILD);
	tips_count cell = { 0 };
	char type[64] = "";
	bool stopped = false;
	int step;
	if (s == NULL)
		return -1;
	/* Rows come sorted by type, area and day, so a cell is a run of rows. */
	while ((step = db_step(s)) == DB_ROW) {
		const char *t = db_column_text(s, 0) ? db_column_text(s, 0) : "";
		int64_t area = db_column_int(s, 1);
		int year, month;
		day_month(db_column_int(s, 2), &year, &month);
		if (cell.count > 0 && strcmp(type, t) == 0 && cell.area_id == area && cell.year == year && cell.month == month) {
			cell.count++;
			continue;
		}
		if (!stopped && cell.count >= threshold)
			stopped = fn(ud, &cell) != 0;
		str_copy(type, t, sizeof(type));
		cell = (tips_count){ type, area, year, month, 1 };
	}
	if (step != DB_DONE)
		return -1;
	if (!stopped && cell.count >= threshold)
		fn(ud, &cell);
	return 0;
}
