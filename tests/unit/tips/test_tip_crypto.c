/*
 * test_tip_crypto.c — the cryptography of the tip service (src/tips/tip_crypto.c)
 * and its keyring (src/tips/keyring.c, store.c): sealing and opening, wrapping
 * with a password or a token, encrypted files, receipts and passphrases; then,
 * on a database migrated from migrations/, the unit key for a first officer,
 * a second officer pending, approved and removed, login sessions, password
 * changes, rotation re-encrypting every tip, message and photo, and a stolen
 * database: every value in it tried as a key, a password and a token, none of
 * which opens anything.
 *
 * The database tests run on SQLite and, when TRYGG_TEST_PG_URL names a
 * PostgreSQL database, once more there in a schema of their own (the stolen
 * database test reads the SQLite file directly and runs on SQLite only).
 * Run from the top of the tree, or set TRYGG_MIGRATIONS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "core/util.h"
#include "tips/tip_crypto.h"
#include "tips/tip_store.h"
#include "web/web.h"

#include <ftw.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW ((int64_t)1800000000)
#define PASSWORD_A "first-officer-password"
#define PASSWORD_B "second-officer-password"
#define TIP_TEXT "{\"what\":\"a secret tip about a blue van\"}"

/* ---- pure cryptography ---- */

static void test_seal_and_open(void **state)
{
	(void)state;
	unsigned char pk[TIP_PUBLIC_BYTES], other_pk[TIP_PUBLIC_BYTES];
	unsigned char *sk = tip_secret_new(), *other_sk = tip_secret_new();
	unsigned char sealed[sizeof(TIP_TEXT) + TIP_SEAL_BYTES], plain[sizeof(TIP_TEXT)];
	tip_keypair(pk, sk);
	tip_keypair(other_pk, other_sk);
	tip_seal(pk, TIP_TEXT, sizeof(TIP_TEXT), sealed);
	assert_null(memmem(sealed, sizeof(sealed), "secret", 6));
	assert_int_equal(tip_open(pk, sk, sealed, sizeof(sealed), plain), 0);
	assert_memory_equal(plain, TIP_TEXT, sizeof(TIP_TEXT));
	/* Another key does not open it; a changed byte is noticed. */
	assert_int_equal(tip_open(other_pk, other_sk, sealed, sizeof(sealed), plain), -1);
	sealed[sizeof(sealed) - 1] ^= 1;
	assert_int_equal(tip_open(pk, sk, sealed, sizeof(sealed), plain), -1);
	assert_int_equal(tip_open(pk, sk, sealed, TIP_SEAL_BYTES - 1, plain), -1);
	/* Into a buffer. */
	buf b = BUF_INIT;
	sealed[sizeof(sealed) - 1] ^= 1;
	assert_int_equal(tip_open_buf(pk, sk, sealed, sizeof(sealed), &b), 0);
	assert_string_equal(b.data, TIP_TEXT);
	tip_buf_wipe(&b);
	unsigned char derived[TIP_PUBLIC_BYTES];
	tip_public_of(sk, derived);
	assert_memory_equal(derived, pk, sizeof(pk));
	tip_secret_free(sk);
	tip_secret_free(other_sk);
}

static void test_wrap_with_password(void **state)
{
	(void)state;
	unsigned char *secret = tip_secret_new(), *back = tip_secret_new();
	tip_wrap w;
	randombytes_buf(secret, TIP_SECRET_BYTES);
	assert_int_equal(tip_wrap_password("correct horse", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, secret, &w), 0);
	assert_null(memmem(w.box, sizeof(w.box), secret, TIP_SECRET_BYTES));
	assert_int_equal(tip_unwrap_password("correct horse", &w, back), 0);
	assert_memory_equal(back, secret, TIP_SECRET_BYTES);
	/* A wrong password, or another salt, fails. */
	assert_int_equal(tip_unwrap_password("correct horsE", &w, back), -1);
	w.salt[0] ^= 1;
	assert_int_equal(tip_unwrap_password("correct horse", &w, back), -1);
	/* Two wraps of one secret with one password differ (salt and nonce). */
	tip_wrap w2;
	w.salt[0] ^= 1;
	assert_int_equal(tip_wrap_password("correct horse", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, secret, &w2), 0);
	assert_memory_not_equal(w.box, w2.box, sizeof(w.box));
	tip_secret_free(secret);
	tip_secret_free(back);
}

static void test_wrap_with_token(void **state)
{
	(void)state;
	unsigned char *secret = tip_secret_new(), *back = tip_secret_new(), *key = tip_secret_new();
	unsigned char *other = tip_secret_new();
	unsigned char box[TIP_WRAP_BYTES];
	randombytes_buf(secret, TIP_SECRET_BYTES);
	tip_token_key("officer-session", "token-in-the-cookie", key);
	tip_wrap_key(key, secret, box);
	assert_int_equal(tip_unwrap_key(key, box, back), 0);
	assert_memory_equal(back, secret, TIP_SECRET_BYTES);
	/* Another token, or the same token for another purpose, gives another key. */
	tip_token_key("officer-session", "token-in-the-cookiE", other);
	assert_int_equal(tip_unwrap_key(other, box, back), -1);
	tip_token_key("tipster-visit", "token-in-the-cookie", other);
	assert_int_equal(tip_unwrap_key(other, box, back), -1);
	/* The key is not the hash that names the session in the database. */
	char id[SESSION_DB_ID_CHARS + 1], key_hex[65];
	session_db_id("token-in-the-cookie", id);
	sodium_bin2hex(key_hex, sizeof(key_hex), key, 32);
	assert_string_not_equal(id, key_hex);
	tip_secret_free(secret);
	tip_secret_free(back);
	tip_secret_free(key);
	tip_secret_free(other);
}

/* A temporary folder for files, made in dir (64 bytes). */
static void temp_dir(char dir[64], const char *name)
{
	snprintf(dir, 64, "/tmp/trygg-test-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_files(void **state)
{
	(void)state;
	char dir[64], a[128], b[128];
	unsigned char *key = tip_secret_new(), *key2 = tip_secret_new();
	buf plain = BUF_INIT, back = BUF_INIT;
	temp_dir(dir, "tipfiles");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	for (size_t i = 0; i < 200000; i++) /* several chunks */
		buf_putc(&plain, (char)('a' + i % 23));
	crypto_secretstream_xchacha20poly1305_keygen(key);
	crypto_secretstream_xchacha20poly1305_keygen(key2);
	assert_int_equal(tip_file_write(a, key, plain.data, plain.len), 0);
	/* Never replaces a file. */
	assert_int_equal(tip_file_write(a, key, "x", 1), -1);
	assert_int_equal(access(a, F_OK), 0);
	assert_int_equal(tip_file_read(a, key, &back), 0);
	assert_int_equal(back.len, plain.len);
	assert_memory_equal(back.data, plain.data, plain.len);
	buf_reset(&back);
	assert_int_equal(tip_file_read(a, key2, &back), -1);
	/* Re-keyed: the new key opens the new file, the old key does not. */
	assert_int_equal(tip_file_rekey(a, key, b, key2), 0);
	buf_reset(&back);
	assert_int_equal(tip_file_read(b, key2, &back), 0);
	assert_memory_equal(back.data, plain.data, plain.len);
	buf_reset(&back);
	assert_int_equal(tip_file_read(b, key, &back), -1);
	/* A file cut short is noticed (the final chunk is missing). */
	assert_int_equal(truncate(b, 8 + 24 + 65536 + 17), 0);
	buf_reset(&back);
	assert_int_equal(tip_file_read(b, key2, &back), -1);
	/* An empty file works too. */
	unlink(b);
	assert_int_equal(tip_file_write(b, key, "", 0), 0);
	buf_reset(&back);
	assert_int_equal(tip_file_read(b, key, &back), 0);
	assert_int_equal(back.len, 0);
	tip_buf_wipe(&plain);
	tip_buf_wipe(&back);
	tip_secret_free(key);
	tip_secret_free(key2);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_receipts_and_passphrases(void **state)
{
	(void)state;
	char receipt[TIP_RECEIPT_CHARS + 1], digits[TIP_RECEIPT_DIGITS + 1];
	tip_receipt_new(receipt);
	assert_int_equal(strlen(receipt), 19);
	assert_int_equal(receipt[4], ' ');
	assert_int_equal(tip_receipt_digits(receipt, digits), 0);
	assert_int_equal(strlen(digits), 16);
	assert_int_equal(tip_receipt_digits("1234-5678-9012-3456", digits), 0);
	assert_string_equal(digits, "1234567890123456");
	assert_int_equal(tip_receipt_digits("1234 5678 9012 345", digits), -1);
	assert_int_equal(tip_receipt_digits("1234 5678 9012 34567", digits), -1);
	assert_int_equal(tip_receipt_digits("1234 5678 9012 345a", digits), -1);
	/* The word list: enough words, all a-z, no two alike. */
	assert_true(tip_word_count >= 1024);
	for (size_t i = 0; i < tip_word_count; i++) {
		assert_int_equal(strspn(tip_words[i], "abcdefghijklmnopqrstuvwxyz"), strlen(tip_words[i]));
		for (size_t k = i + 1; k < tip_word_count; k++)
			assert_string_not_equal(tip_words[i], tip_words[k]);
	}
	buf phrase = BUF_INIT, typed = BUF_INIT;
	tip_passphrase_new(&phrase);
	int spaces = 0;
	for (const char *p = phrase.data; *p; p++)
		spaces += *p == ' ';
	assert_int_equal(spaces, TIP_PASSPHRASE_WORDS - 1);
	tip_passphrase_normalise("  Apa-BANAN,\tcykel  ", &typed);
	assert_string_equal(typed.data, "apa banan cykel");
	buf_free(&phrase);
	buf_free(&typed);
	char fingerprint[TIP_FINGERPRINT_CHARS + 1];
	unsigned char pk[TIP_PUBLIC_BYTES] = { 1, 2, 3 };
	tip_fingerprint(pk, fingerprint);
	assert_int_equal(strlen(fingerprint), 19);
	assert_int_equal(fingerprint[4], '-');
}

/* ---- on a database ---- */

typedef struct backend {
	db_kind kind;
	const char *url;
} backend;

typedef struct fixture {
	char dir[64];       /* the temporary folder: SQLite file and data_dir */
	char schema[64];
	const char *pg_url;
	char *db_path;      /* SQLite: the file */
	db *db;
	db_conn *c;
	config cfg;
	arena *a;
	int64_t officer_a, officer_b;
} fixture;

static backend sqlite_backend = { DB_SQLITE, NULL };
static backend pg_backend = { DB_POSTGRES, NULL };

static void pg_admin(const char *url, const char *sql)
{
	char *err = NULL;
	db *d = db_open(url, 1, &err);
	if (d == NULL)
		fail_msg("cannot open %s: %s", url, err);
	db_conn *c = db_acquire(d);
	if (db_exec_script(c, sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(c));
	db_release(d, c);
	db_close(d);
}

static int fixture_setup(void **state)
{
	static int serial;
	const backend *b = *state;
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*state = f;
	config_defaults(&f->cfg);
	f->cfg.password_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	f->cfg.password_memlimit = crypto_pwhash_MEMLIMIT_MIN;
	f->a = arena_new();
	if (b->kind == DB_POSTGRES && b->url == NULL)
		return 0;
	temp_dir(f->dir, "tips");
	free(f->cfg.data_dir);
	f->cfg.data_dir = xstrdup(f->dir);
	buf url = BUF_INIT;
	if (b->kind == DB_SQLITE) {
		f->db_path = arena_printf(f->a, "%s/test.db", f->dir);
		buf_printf(&url, "sqlite:%s", f->db_path);
	} else {
		snprintf(f->schema, sizeof(f->schema), "trygg_test_tips_%ld_%d", (long)getpid(), ++serial);
		f->pg_url = b->url;
		pg_admin(b->url, arena_printf(f->a, "CREATE SCHEMA %s", f->schema));
		buf_printf(&url, "%s%soptions=-c%%20search_path%%3D%s", b->url, strchr(b->url, '?') ? "&" : "?", f->schema);
	}
	char *err = NULL;
	const char *migrations = getenv("TRYGG_MIGRATIONS");
	f->db = db_open(url.data, 2, &err);
	if (f->db == NULL)
		fail_msg("db_open: %s", err);
	if (db_migrate(f->db, migrations ? migrations : "migrations", &err) != 0)
		fail_msg("db_migrate: %s", err);
	buf_free(&url);
	f->c = db_acquire(f->db);
	char *generated = NULL;
	f->officer_a = account_create(f->c, &f->cfg, "a@polis.example", "Officer A", ROLE_POLIS, PASSWORD_A, &generated, &err);
	f->officer_b = account_create(f->c, &f->cfg, "b@polis.example", "Officer B", ROLE_POLIS, PASSWORD_B, &generated, &err);
	assert_true(f->officer_a > 0 && f->officer_b > 0);
	return 0;
}

static int fixture_teardown(void **state)
{
	fixture *f = *state;
	if (f->db) {
		db_release(f->db, f->c);
		db_close(f->db);
	}
	if (f->schema[0])
		pg_admin(f->pg_url, arena_printf(f->a, "DROP SCHEMA %s CASCADE", f->schema));
	if (f->dir[0])
		nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	arena_free(f->a);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static fixture *fixture_of(void **state)
{
	fixture *f = *state;
	if (f->db == NULL)
		skip();
	return f;
}

/* Stores a tip with one message each way and one photo; returns its id. */
static int64_t store_tip(fixture *f, const char *passphrase)
{
	tip_tipster t;
	tip_photo photo = { "photo bytes that stand for a JPEG", 33 };
	int64_t id = 0;
	char lookup[32];
	snprintf(lookup, sizeof(lookup), "lookup-%s", passphrase);
	assert_int_equal(tip_tipster_prepare(&f->cfg, passphrase, &t), 0);
	assert_int_equal(tip_create(f->c, &f->cfg, lookup, &t, TIP_TEXT, strlen(TIP_TEXT), &photo, 1, NOW, &id), 0);
	assert_int_equal(tip_message_add(f->c, id, f->officer_a, "question from the police", NOW), 0);
	assert_int_equal(tip_message_add(f->c, id, 0, "answer from the tipster", NOW), 0);
	return id;
}

/* The tip's content as the unit key u opens it, compared with TIP_TEXT: 0, or -1 when it does not open. */
static int read_tip(fixture *f, const tip_unit *u, int64_t id)
{
	buf b = BUF_INIT;
	int rc = tip_read_content(f->c, u, id, &b);
	if (rc == 0)
		assert_string_equal(b.data, TIP_TEXT);
	tip_buf_wipe(&b);
	return rc;
}

static int count_message(void *ud, const tip_message *m)
{
	int *n = ud;
	(*n)++;
	assert_true(strstr(m->text, m->from_police ? "question" : "answer") != NULL);
	return 0;
}

static void test_first_officer(void **state)
{
	fixture *f = fixture_of(state);
	tip_unit u = { 0 };
	/* Nothing can be stored before the key exists. */
	tip_tipster t;
	int64_t id;
	assert_int_equal(tip_tipster_prepare(&f->cfg, "phrase", &t), 0);
	assert_int_equal(tip_create(f->c, &f->cfg, "x", &t, "{}", 2, NULL, 0, NOW, &id), 1);
	assert_int_equal(tip_unlock_password(f->c, f->officer_a, PASSWORD_A, &u), TIP_LOCK_NO_UNIT_KEY);
	/* init-key: the first officer's password opens the key; a wrong one does not. */
	assert_int_equal(tip_keyring_init(f->c, &f->cfg, f->officer_a, PASSWORD_A, NOW), 0);
	assert_int_equal(tip_keyring_init(f->c, &f->cfg, f->officer_a, PASSWORD_A, NOW), 1);
	assert_int_equal(tip_unlock_password(f->c, f->officer_a, "wrong password", &u), TIP_LOCK_NO_SESSION);
	assert_null(u.sk);
	assert_int_equal(tip_unlock_password(f->c, f->officer_a, PASSWORD_A, &u), TIP_UNLOCKED);
	assert_non_null(u.sk);
	id = store_tip(f, "first");
	assert_int_equal(read_tip(f, &u, id), 0);
	int n = 0;
	assert_int_equal(tip_messages_each(f->c, id, true, u.pk, u.sk, count_message, &n), 2);
	assert_int_equal(n, 2);
	buf photo = BUF_INIT;
	int64_t photo_id;
	assert_int_equal(tip_photo_ids(f->c, id, &photo_id, 1), 1);
	assert_int_equal(tip_photo_read(f->c, &f->cfg, &u, id, photo_id, &photo), 1);
	assert_int_equal(photo.len, 33);
	tip_buf_wipe(&photo);
	/* The other officer has no key at all yet. */
	tip_unit v = { 0 };
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, PASSWORD_B, &v), TIP_LOCK_NO_SESSION);
	tip_unit_release(&u);
}

static void test_officers_and_sessions(void **state)
{
	fixture *f = fixture_of(state);
	tip_unit u = { 0 }, v = { 0 };
	bool replaced;
	assert_int_equal(tip_keyring_init(f->c, &f->cfg, f->officer_a, PASSWORD_A, NOW), 0);
	/* B logs in: a key is made, pending. */
	const char *token_b = session_create(f->c, &f->cfg, f->a, f->officer_b, NOW);
	assert_non_null(token_b);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_b, true, PASSWORD_B, token_b, &replaced), 0);
	assert_false(replaced);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b, &v), TIP_LOCK_PENDING);
	/* A approves in a session of her own; B reads in the same session, without logging in again. */
	const char *token_a = session_create(f->c, &f->cfg, f->a, f->officer_a, NOW);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_a, true, PASSWORD_A, token_a, &replaced), 0);
	assert_int_equal(tip_unlock_session(f->c, f->officer_a, token_a, &u), TIP_UNLOCKED);
	assert_int_equal(tip_officer_grant(f->c, &u, f->officer_b, f->officer_a, NOW), 0);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b, &v), TIP_UNLOCKED);
	int64_t id = store_tip(f, "second");
	assert_int_equal(read_tip(f, &v, id), 0);
	tip_unit_release(&v);
	/* Another token (someone else's cookie) opens nothing; the session's end ends the key. */
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_a, &v), TIP_LOCK_NO_SESSION);
	assert_int_equal(session_destroy(f->c, token_b), 0);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b, &v), TIP_LOCK_NO_SESSION);
	/* A password change re-wraps: the new password opens, the old does not. */
	assert_int_equal(tip_officer_rewrap(f->c, &f->cfg, f->officer_b, PASSWORD_B, "b-new-password"), 0);
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, PASSWORD_B, &v), TIP_LOCK_NO_SESSION);
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, "b-new-password", &v), TIP_UNLOCKED);
	tip_unit_release(&v);
	/* A password set by an administrator does not open the key: a new, pending one is made. */
	const char *token_b2 = session_create(f->c, &f->cfg, f->a, f->officer_b, NOW);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_b, true, "set-by-admin-pw", token_b2, &replaced), 0);
	assert_true(replaced);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b2, &v), TIP_LOCK_PENDING);
	/* Removal: B's key goes; A, the last with access, cannot be removed. */
	assert_int_equal(tip_officer_grant(f->c, &u, f->officer_b, f->officer_a, NOW), 0);
	assert_int_equal(tip_officer_remove(f->c, f->officer_b), 0);
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, "set-by-admin-pw", &v), TIP_LOCK_NO_SESSION);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b2, &v), TIP_LOCK_NO_SESSION);
	assert_int_equal(tip_officer_remove(f->c, f->officer_a), 2);
	/* Someone without the role logging in loses a key they had. */
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_b, true, "set-by-admin-pw", token_b2, &replaced), 0);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_b, false, "set-by-admin-pw", token_b2, &replaced), 0);
	char fingerprint[TIP_FINGERPRINT_CHARS + 1];
	assert_int_equal(tip_officer_fingerprint(f->c, f->officer_b, fingerprint), 0);
	tip_unit_release(&u);
}

/* Reads the sealed bytes of tip id into out (up to max); returns the length. */
static size_t sealed_of(fixture *f, int64_t id, unsigned char *out, size_t max)
{
	db_stmt *s = db_prepare(f->c, "SELECT sealed FROM tips WHERE id = ?");
	size_t len = 0;
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	const void *p = db_column_blob(s, 0, &len);
	assert_true(len <= max);
	memcpy(out, p, len);
	assert_int_equal(db_step(s), DB_DONE);
	return len;
}

static void test_rotation(void **state)
{
	fixture *f = fixture_of(state);
	tip_unit u = { 0 }, old = { 0 }, v = { 0 };
	bool replaced;
	unsigned char before[512], after[512], *b_sk = tip_secret_new();
	assert_int_equal(tip_keyring_init(f->c, &f->cfg, f->officer_a, PASSWORD_A, NOW), 0);
	const char *token_b = session_create(f->c, &f->cfg, f->a, f->officer_b, NOW);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_b, true, PASSWORD_B, token_b, &replaced), 0);
	assert_int_equal(tip_unlock_password(f->c, f->officer_a, PASSWORD_A, &u), TIP_UNLOCKED);
	assert_int_equal(tip_officer_grant(f->c, &u, f->officer_b, f->officer_a, NOW), 0);
	int64_t id = store_tip(f, "rotate");
	size_t len = sealed_of(f, id, before, sizeof(before));
	/* Keep a copy of the old key, as someone who copied it before would have. */
	old.id = u.id;
	memcpy(old.pk, u.pk, sizeof(u.pk));
	old.sk = tip_secret_new();
	memcpy(old.sk, u.sk, TIP_SECRET_BYTES);
	int64_t photo_id;
	assert_int_equal(tip_photo_ids(f->c, id, &photo_id, 1), 1);

	assert_int_equal(tip_keyring_rotate(f->c, &f->cfg, &u, NOW), 0);
	assert_int_not_equal(u.id, old.id);
	/* Re-encrypted: other bytes, the new key opens them, the old does not. */
	assert_int_equal(sealed_of(f, id, after, sizeof(after)), len);
	assert_memory_not_equal(before, after, len);
	buf plain = BUF_INIT;
	assert_int_not_equal(tip_open_buf(old.pk, old.sk, after, len, &plain), 0);
	assert_int_equal(read_tip(f, &u, id), 0);
	int n = 0;
	assert_int_equal(tip_messages_each(f->c, id, true, u.pk, u.sk, count_message, &n), 2);
	assert_int_equal(tip_messages_each(f->c, id, true, old.pk, old.sk, count_message, &n), -1);
	buf photo = BUF_INIT;
	assert_int_equal(tip_photo_read(f->c, &f->cfg, &u, id, photo_id, &photo), 1);
	assert_int_equal(tip_photo_read(f->c, &f->cfg, &old, id, photo_id, &photo), -1);
	tip_buf_wipe(&photo);
	/* Both officers have the new key, B without having logged in again. */
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, PASSWORD_B, &v), TIP_UNLOCKED);
	assert_int_equal(v.id, u.id);
	assert_int_equal(read_tip(f, &v, id), 0);
	tip_unit_release(&v);
	assert_int_equal(tip_unlock_session(f->c, f->officer_b, token_b, &v), TIP_UNLOCKED);
	tip_unit_release(&v);
	/* An old key is no longer current: a second rotation with it is refused. */
	assert_int_equal(tip_keyring_rotate(f->c, &f->cfg, &old, NOW), 1);
	/* A removed officer who kept a copy of their key: it opens nothing sealed after a rotation. */
	unsigned char b_pk[TIP_PUBLIC_BYTES];
	tip_wrap w;
	size_t n_blob;
	db_stmt *s = db_prepare(f->c, "SELECT public_key, pw_salt, pw_opslimit, pw_memlimit, wrapped_secret FROM tip_officer_keys WHERE user_id = ?");
	db_bind_int(s, 1, f->officer_b);
	assert_int_equal(db_step(s), DB_ROW);
	memcpy(b_pk, db_column_blob(s, 0, &n_blob), sizeof(b_pk));
	memcpy(w.salt, db_column_blob(s, 1, &n_blob), sizeof(w.salt));
	w.opslimit = (unsigned long long)db_column_int(s, 2);
	w.memlimit = (size_t)db_column_int(s, 3);
	memcpy(w.box, db_column_blob(s, 4, &n_blob), sizeof(w.box));
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(tip_unwrap_password(PASSWORD_B, &w, b_sk), 0);
	assert_int_equal(tip_officer_remove(f->c, f->officer_b), 0);
	assert_int_equal(tip_unlock_password(f->c, f->officer_b, PASSWORD_B, &v), TIP_LOCK_NO_SESSION);
	assert_int_equal(tip_keyring_rotate(f->c, &f->cfg, &u, NOW), 0);
	s = db_prepare(f->c, "SELECT sealed_secret FROM tip_unit_access");
	int rows = 0;
	while (db_step(s) == DB_ROW) {
		unsigned char opened[TIP_SECRET_BYTES];
		const void *sealed_secret = db_column_blob(s, 0, &n_blob);
		assert_int_equal(tip_open(b_pk, b_sk, sealed_secret, n_blob, opened), -1);
		rows++;
	}
	assert_int_equal(rows, 1);
	len = sealed_of(f, id, after, sizeof(after));
	buf_reset(&plain);
	assert_int_not_equal(tip_open_buf(old.pk, old.sk, after, len, &plain), 0);
	assert_int_equal(read_tip(f, &u, id), 0);
	tip_buf_wipe(&plain);
	tip_secret_free(b_sk);
	tip_unit_release(&old);
	tip_unit_release(&u);
}

/* ---- a stolen database ---- */

typedef struct values {
	unsigned char **data;
	size_t *len;
	size_t count;
} values;

static void values_add(values *v, const void *p, size_t len)
{
	v->data = xrealloc(v->data, (v->count + 1) * sizeof(*v->data));
	v->len = xrealloc(v->len, (v->count + 1) * sizeof(*v->len));
	v->data[v->count] = xmalloc(len + 1);
	memcpy(v->data[v->count], p, len);
	v->data[v->count][len] = 0;
	v->len[v->count++] = len;
}

/* Every value of every row of every table of the SQLite file at path. */
static void every_value(const char *path, values *out)
{
	sqlite3 *file;
	sqlite3_stmt *tables, *rows;
	assert_int_equal(sqlite3_open_v2(path, &file, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(file, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &tables, NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		buf sql = BUF_INIT;
		buf_printf(&sql, "SELECT * FROM \"%s\"", (const char *)sqlite3_column_text(tables, 0));
		assert_int_equal(sqlite3_prepare_v2(file, sql.data, -1, &rows, NULL), SQLITE_OK);
		while (sqlite3_step(rows) == SQLITE_ROW)
			for (int i = 0; i < sqlite3_column_count(rows); i++)
				if (sqlite3_column_type(rows, i) != SQLITE_NULL)
					values_add(out, sqlite3_column_blob(rows, i), (size_t)sqlite3_column_bytes(rows, i));
		sqlite3_finalize(rows);
		buf_free(&sql);
	}
	sqlite3_finalize(tables);
	sqlite3_close(file);
}

static void test_stolen_database(void **state)
{
	fixture *f = fixture_of(state);
	if (f->db_path == NULL)
		skip();
	tip_unit u = { 0 };
	bool replaced;
	assert_int_equal(tip_keyring_init(f->c, &f->cfg, f->officer_a, PASSWORD_A, NOW), 0);
	const char *token = session_create(f->c, &f->cfg, f->a, f->officer_a, NOW);
	assert_int_equal(tip_officer_login(f->c, &f->cfg, f->officer_a, true, PASSWORD_A, token, &replaced), 0);
	int64_t id = store_tip(f, "stolen");
	unsigned char sealed[512];
	size_t sealed_len = sealed_of(f, id, sealed, sizeof(sealed));
	assert_int_equal(tip_unit_current(f->c, &u), 1);

	/* Everything the file holds (the server key in settings, hashes, salts, keys, boxes). */
	values v = { 0 };
	every_value(f->db_path, &v);
	assert_true(v.count > 50);
	unsigned char *key = tip_secret_new(), *secret = tip_secret_new();
	unsigned char plain[512];
	for (size_t i = 0; i < v.count; i++) {
		assert_null(memmem(v.data[i], v.len[i], "blue van", 8));
		/* As the unit's secret key. */
		if (v.len[i] == TIP_SECRET_BYTES)
			assert_int_equal(tip_open(u.pk, v.data[i], sealed, sealed_len, plain), -1);
		/* As a token or password, for every wrap the database holds. */
		const char *text = (const char *)v.data[i];
		if (strlen(text) != v.len[i])
			continue;
		tip_token_key("officer-session", text, key);
		for (size_t k = 0; k < v.count; k++) {
			if (v.len[k] == TIP_WRAP_BYTES)
				assert_int_equal(tip_unwrap_key(key, v.data[k], secret), -1);
		}
	}
	/* As the first officer's password (the one thing the database never holds). */
	{
		db_stmt *s = db_prepare(f->c, "SELECT pw_salt, pw_opslimit, pw_memlimit, wrapped_secret FROM tip_officer_keys");
		assert_int_equal(db_step(s), DB_ROW);
		tip_wrap w;
		size_t n;
		memcpy(w.salt, db_column_blob(s, 0, &n), sizeof(w.salt));
		w.opslimit = (unsigned long long)db_column_int(s, 1);
		w.memlimit = (size_t)db_column_int(s, 2);
		memcpy(w.box, db_column_blob(s, 3, &n), sizeof(w.box));
		assert_int_equal(db_step(s), DB_DONE);
		for (size_t i = 0; i < v.count; i++)
			if (strlen((const char *)v.data[i]) == v.len[i] && v.len[i] < 200)
				assert_int_equal(tip_unwrap_password((const char *)v.data[i], &w, secret), -1);
		assert_int_equal(tip_unwrap_password(PASSWORD_A, &w, secret), 0);
	}
	for (size_t i = 0; i < v.count; i++)
		free(v.data[i]);
	free(v.data);
	free(v.len);
	tip_secret_free(key);
	tip_secret_free(secret);
}

#define TIP_TEST(fn, backend) cmocka_unit_test_prestate_setup_teardown(fn, fixture_setup, fixture_teardown, backend)
#define TIP_TESTS(backend)                                                                                 \
	TIP_TEST(test_first_officer, backend), TIP_TEST(test_officers_and_sessions, backend),             \
		TIP_TEST(test_rotation, backend), TIP_TEST(test_stolen_database, backend)

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	pg_backend.url = getenv("TRYGG_TEST_PG_URL");
	if (pg_backend.url && pg_backend.url[0] == '\0')
		pg_backend.url = NULL;
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_seal_and_open),
		cmocka_unit_test(test_wrap_with_password),
		cmocka_unit_test(test_wrap_with_token),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_receipts_and_passphrases),
	};
	const struct CMUnitTest sqlite_tests[] = { TIP_TESTS(&sqlite_backend) };
	const struct CMUnitTest pg_tests[] = { TIP_TESTS(&pg_backend) };
	int failed = cmocka_run_group_tests_name("tip cryptography", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("tip keyring on SQLite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("tip keyring on PostgreSQL", pg_tests, NULL, NULL);
	return failed != 0;
}
