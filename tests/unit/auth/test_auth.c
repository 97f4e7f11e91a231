/*
 * test_auth.c — staff accounts, passwords, login sessions, login throttling
 * and the audit log (src/auth/), on a database migrated from migrations/.
 *
 * Every test runs on SQLite (a file in a temporary folder) and, when
 * TRYGG_TEST_PG_URL names a PostgreSQL database, once more on PostgreSQL in a
 * schema of its own that is dropped at the end. The pages themselves are
 * tested over HTTP; here is what can be tested without a server.
 * Run from the top of the tree (migrations/ is read from there), or set
 * TRYGG_MIGRATIONS to the folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOW ((int64_t)1800000000) /* a fixed "now" for sessions and the throttle */

typedef struct backend {
	db_kind kind;
	const char *url; /* PostgreSQL: the database to make schemas in; NULL skips */
} backend;

typedef struct fixture {
	char dir[64];       /* SQLite: the temporary folder */
	char schema[64];    /* PostgreSQL: the schema this test runs in */
	const char *pg_url; /* PostgreSQL: the database URL without the schema */
	db *db;             /* NULL when the backend is not available */
	db_conn *c;
	config cfg;
	arena *a;
} fixture;

static backend sqlite_backend = { DB_SQLITE, NULL };
static backend pg_backend = { DB_POSTGRES, NULL };

/* Runs one statement of SQL on a pool of its own (schemas on PostgreSQL). */
static void pg_admin(const char *url, const char *sql_prefix, const char *schema)
{
	char *err = NULL;
	db *d = db_open(url, 1, &err);
	if (d == NULL)
		fail_msg("cannot open %s: %s", url, err);
	db_conn *c = db_acquire(d);
	assert_non_null(c);
	buf sql = BUF_INIT;
	buf_printf(&sql, "%s %s", sql_prefix, schema);
	if (db_exec_script(c, sql.data) != 0)
		fail_msg("%s: %s", sql.data, db_errmsg(c));
	buf_free(&sql);
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
	/* The cheapest argon2id: these tests are about logic, not cost. */
	f->cfg.password_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	f->cfg.password_memlimit = crypto_pwhash_MEMLIMIT_MIN;
	f->cfg.login_max_failures = 3;
	f->cfg.login_window_minutes = 15;
	f->cfg.session_idle_minutes = 60;
	f->cfg.session_absolute_hours = 12;
	f->a = arena_new();
	if (b->kind == DB_POSTGRES && b->url == NULL)
		return 0;

	buf url = BUF_INIT;
	if (b->kind == DB_SQLITE) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/trygg-test-auth-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		buf_printf(&url, "sqlite:%s/test.db", f->dir);
	} else {
		snprintf(f->schema, sizeof(f->schema), "trygg_test_auth_%ld_%d", (long)getpid(), ++serial);
		f->pg_url = b->url;
		pg_admin(b->url, "CREATE SCHEMA", f->schema);
		buf_printf(&url, "%s%soptions=-c%%20search_path%%3D%s", b->url, strchr(b->url, '?') ? "&" : "?",
			   f->schema);
	}
	char *err = NULL;
	const char *migrations = getenv("TRYGG_MIGRATIONS");
	f->db = db_open(url.data, 2, &err);
	if (f->db == NULL)
		fail_msg("db_open %s: %s", url.data, err);
	if (db_migrate(f->db, migrations ? migrations : "migrations", &err) != 0)
		fail_msg("db_migrate: %s", err);
	buf_free(&url);
	f->c = db_acquire(f->db);
	assert_non_null(f->c);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fixture_teardown(void **state)
{
	fixture *f = *state;
	if (f->db) {
		db_release(f->db, f->c);
		db_close(f->db);
	}
	if (f->schema[0] != '\0')
		pg_admin(f->pg_url, "DROP SCHEMA", arena_printf(f->a, "%s CASCADE", f->schema));
	if (f->dir[0] != '\0')
		nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	arena_free(f->a);
	config_free(&f->cfg);
	free(f);
	return 0;
}

/* The fixture of a test; skips the test when its backend is not available. */
static fixture *fixture_of(void **state)
{
	fixture *f = *state;
	if (f->db == NULL)
		skip();
	return f;
}

static int64_t query_int(db_conn *c, const char *sql, int64_t arg)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		fail_msg("prepare %s: %s", sql, db_errmsg(c));
	db_bind_int(s, 1, arg);
	if (db_step(s) != DB_ROW)
		fail_msg("%s: %s", sql, db_errmsg(c));
	int64_t v = db_column_int(s, 0);
	assert_int_equal(db_step(s), DB_DONE);
	return v;
}

/* Creates an account with a known password; returns its id. */
static int64_t make_account(fixture *f, const char *email, unsigned roles, const char *password)
{
	char *err = NULL;
	int64_t id = account_create(f->c, &f->cfg, email, "Test Person", roles, password, NULL, &err);
	if (id <= 0)
		fail_msg("account_create %s: %s", email, err ? err : "?");
	return id;
}

/* ---- checks that need no database ---- */

static void test_email_checks(void **state)
{
	(void)state;
	arena *a = arena_new();
	assert_string_equal(account_normalise_email(a, "  Anna.Berg@Partille.SE \n"), "anna.berg@partille.se");
	assert_string_equal(account_normalise_email(a, NULL), "");
	static const char *const good[] = { "a@b.se", "anna.berg+trygg@partille.se", "x_y@sub-domain.example.org" };
	static const char *const bad[] = {
		"no-at.se", "@partille.se", "anna@", "anna@se", "anna@@partille.se", "an na@partille.se",
		"anna@partille..se", ".anna@partille.se", "anna.@partille.se", "anna@-partille.se",
		"anna@partille-.se", "anna@partille.se.", "anna@part_ille.se", "anna@partille.se\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		if (account_check_email(good[i]) != ACCOUNT_OK)
			fail_msg("rejected %s", good[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (account_check_email(bad[i]) != ACCOUNT_EMAIL_INVALID)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(account_check_email(""), ACCOUNT_EMAIL_MISSING);
	buf long_mail = BUF_INIT;
	for (int i = 0; i < 250; i++)
		buf_putc(&long_mail, 'a');
	buf_puts(&long_mail, "@partille.se");
	assert_int_equal(account_check_email(long_mail.data), ACCOUNT_EMAIL_INVALID);
	buf_free(&long_mail);
	arena_free(a);
}

static void test_password_and_name_checks(void **state)
{
	(void)state;
	assert_int_equal(account_check_password("kort", "a@b.se"), ACCOUNT_PASSWORD_SHORT);
	assert_int_equal(account_check_password("elva tecken", "a@b.se"), ACCOUNT_PASSWORD_SHORT);
	assert_int_equal(account_check_password("tolv tecken!", "a@b.se"), ACCOUNT_OK);
	/* Characters, not bytes: "åäöåäöåäöåä" is 11 characters in 22 bytes. */
	assert_int_equal(account_check_password("åäöåäöåäöåä", "a@b.se"), ACCOUNT_PASSWORD_SHORT);
	assert_int_equal(account_check_password("åäöåäöåäöåäö", "a@b.se"), ACCOUNT_OK);
	assert_int_equal(account_check_password("Anna.Berg@Partille.se", "anna.berg@partille.se"),
			 ACCOUNT_PASSWORD_IS_EMAIL);
	assert_int_equal(account_check_password(NULL, "a@b.se"), ACCOUNT_PASSWORD_SHORT);
	buf huge = BUF_INIT;
	for (int i = 0; i <= ACCOUNT_PASSWORD_MAX_CHARS; i++)
		buf_putc(&huge, 'x');
	assert_int_equal(account_check_password(huge.data, "a@b.se"), ACCOUNT_PASSWORD_LONG);
	buf_free(&huge);

	assert_int_equal(account_check_name(""), ACCOUNT_OK);
	assert_int_equal(account_check_name("Åsa Öberg"), ACCOUNT_OK);
	assert_int_equal(account_check_name("Två\nrader"), ACCOUNT_NAME_INVALID);
	assert_int_equal(account_check_name("\xff\xfe"), ACCOUNT_NAME_INVALID);

	for (int round = 0; round < 20; round++) {
		char *p = account_generate_password();
		assert_int_equal(strlen(p), ACCOUNT_GENERATED_PASSWORD_CHARS);
		assert_null(strpbrk(p, "0O1lI"));
		assert_int_equal(account_check_password(p, "a@b.se"), ACCOUNT_OK);
		free(p);
	}
	for (int i = 0; i < ACCOUNT__MAX; i++)
		assert_non_null(account_problem_text[i]);
}

static void test_roles(void **state)
{
	(void)state;
	unsigned mask = 99;
	assert_int_equal(role_parse("polis,admin", &mask), 0);
	assert_int_equal(mask, ROLE_POLIS | ROLE_ADMIN);
	assert_int_equal(role_parse("handlaggare", &mask), 0);
	assert_int_equal(mask, ROLE_HANDLAGGARE);
	assert_int_equal(role_parse("", &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(role_parse("polis,chef", &mask), -1);
	assert_int_equal(role_parse("Polis", &mask), -1);

	buf b = BUF_INIT;
	account_roles_text(&b, ROLE_SAMORDNARE | ROLE_POLIS | ROLE_ADMIN);
	assert_string_equal(b.data, "samordnare,polis,admin");
	assert_int_equal(role_parse(b.data, &mask), 0);
	assert_int_equal(mask, ROLE_SAMORDNARE | ROLE_POLIS | ROLE_ADMIN);
	buf_reset(&b);
	account_roles_text(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

/* ---- accounts ---- */

static void test_account_create(void **state)
{
	fixture *f = fixture_of(state);
	char *generated = NULL, *err = NULL;
	account acc;

	int64_t id = account_create(f->c, &f->cfg, " Anna.Berg@Partille.se ", "Anna Berg", ROLE_POLIS, NULL,
				    &generated, &err);
	assert_true(id > 0);
	assert_null(err);
	assert_non_null(generated);
	assert_int_equal(strlen(generated), ACCOUNT_GENERATED_PASSWORD_CHARS);

	assert_int_equal(account_find_by_email(f->c, f->a, "anna.berg@partille.se", &acc), 1);
	assert_int_equal(acc.id, id);
	assert_string_equal(acc.email, "anna.berg@partille.se");
	assert_string_equal(acc.name, "Anna Berg");
	assert_int_equal(acc.roles, ROLE_POLIS);
	assert_false(acc.disabled);
	assert_true(acc.must_change_password); /* a generated password is someone else's */
	assert_int_equal(account_find_by_email(f->c, f->a, "Anna.Berg@Partille.se", &acc), 0);
	assert_int_equal(account_find_by_id(f->c, f->a, id, &acc), 1);
	assert_int_equal(account_find_by_id(f->c, f->a, id + 100, &acc), 0);
	/* Stored as argon2id, never as the password. */
	db_stmt *s = db_prepare(f->c, "SELECT password_hash FROM users WHERE id = ?");
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(strncmp(db_column_text(s, 0), "$argon2id$", 10) == 0);
	assert_null(strstr(db_column_text(s, 0), generated));
	assert_int_equal(db_step(s), DB_DONE);

	/* The same address in other letters is the same person. */
	char *other = NULL;
	assert_int_equal(account_create(f->c, &f->cfg, "ANNA.BERG@partille.se", "", ROLE_ADMIN, NULL, &other, &err), -1);
	assert_null(other);
	assert_string_equal(err, account_problem_text[ACCOUNT_EMAIL_TAKEN]);
	free(err);

	enum account_problem problem;
	assert_int_equal(account_insert(f->c, &f->cfg, "not an address", "", 0, NULL, NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_EMAIL_INVALID);
	assert_int_equal(account_insert(f->c, &f->cfg, "b@partille.se", "", 0, "short", NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_PASSWORD_SHORT);
	assert_int_equal(account_insert(f->c, &f->cfg, "b@partille.se", "", 0, "B@Partille.se", NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_PASSWORD_IS_EMAIL);
	assert_int_equal(account_insert(f->c, &f->cfg, "b@partille.se", "Två\nrader", 0, NULL, NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_NAME_INVALID);
	assert_int_equal(account_insert(f->c, &f->cfg, "", "", 0, NULL, NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_EMAIL_MISSING);

	/* A chosen password need not be changed; none is handed back. */
	int64_t id2 = account_insert(f->c, &f->cfg, "b@partille.se", "", ROLE_HANDLAGGARE, "ett långt lösenord", NULL, &problem);
	assert_true(id2 > id);
	assert_int_equal(problem, ACCOUNT_OK);
	assert_int_equal(account_find_by_id(f->c, f->a, id2, &acc), 1);
	assert_false(acc.must_change_password);

	/* Listing: a header and one line per account, ordered by address. */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(account_list_print(f->c, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "anna.berg@partille.se\tAnna Berg\tpolis\tactive\n"));
	assert_true(strstr(text, "anna.berg@") < strstr(text, "b@partille.se"));
	free(text);
	free(generated);
}

static void test_password_verify(void **state)
{
	fixture *f = fixture_of(state);
	account acc;
	int64_t id = make_account(f, "polis@example.se", ROLE_POLIS, "rätt häst batteri");

	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "polis@example.se", "rätt häst batteri", &acc), 1);
	assert_int_equal(acc.id, id);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "polis@example.se", "fel häst batteri", &acc), 0);
	assert_int_equal(acc.id, id); /* the caller may audit which account was tried */
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "ingen@example.se", "rätt häst batteri", &acc), 0);
	assert_int_equal(acc.id, 0);

	/* A disabled account cannot log in, even with the right password. */
	enum account_problem problem;
	assert_int_equal(account_set_disabled(f->c, id, true, &problem), 0);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "polis@example.se", "rätt häst batteri", &acc), 0);
	assert_true(acc.disabled);
	assert_int_equal(account_set_disabled(f->c, id, false, &problem), 0);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "polis@example.se", "rätt häst batteri", &acc), 1);
	assert_int_equal(account_set_disabled(f->c, id + 100, true, &problem), -1);
	assert_int_equal(problem, ACCOUNT_NOT_FOUND);

	/* A higher configured cost upgrades the stored hash at the next login. */
	config stronger = f->cfg;
	stronger.password_opslimit = f->cfg.password_opslimit + 1;
	db_stmt *s = db_prepare(f->c, "SELECT password_hash FROM users WHERE id = ?");
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	char *before = xstrdup(db_column_text(s, 0));
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(account_verify_password(f->c, &stronger, f->a, "polis@example.se", "rätt häst batteri", &acc), 1);
	s = db_prepare(f->c, "SELECT password_hash FROM users WHERE id = ?");
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_not_equal(db_column_text(s, 0), before);
	assert_int_equal(crypto_pwhash_str_needs_rehash(db_column_text(s, 0), stronger.password_opslimit,
							(size_t)stronger.password_memlimit), 0);
	assert_int_equal(db_step(s), DB_DONE);
	free(before);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "polis@example.se", "rätt häst batteri", &acc), 1);
}

static void test_password_change(void **state)
{
	fixture *f = fixture_of(state);
	account acc;
	web_user *u;
	enum account_problem problem;
	int64_t id = make_account(f, "samordnare@example.se", ROLE_SAMORDNARE, "första lösenordet");
	int64_t other = make_account(f, "annan@example.se", ROLE_POLIS, "annans lösenord!");

	const char *here = session_create(f->c, &f->cfg, f->a, id, NOW);
	const char *elsewhere = session_create(f->c, &f->cfg, f->a, id, NOW);
	const char *not_mine = session_create(f->c, &f->cfg, f->a, other, NOW);
	assert_non_null(here);
	assert_non_null(elsewhere);
	assert_string_not_equal(here, elsewhere);

	assert_int_equal(account_set_password(f->c, &f->cfg, id, "kort", false, here, &problem), -1);
	assert_int_equal(problem, ACCOUNT_PASSWORD_SHORT);
	assert_int_equal(account_set_password(f->c, &f->cfg, id, "Samordnare@Example.se", false, here, &problem), -1);
	assert_int_equal(problem, ACCOUNT_PASSWORD_IS_EMAIL);
	assert_int_equal(account_set_password(f->c, &f->cfg, id + 100, "ett giltigt lösenord", false, NULL, &problem), -1);
	assert_int_equal(problem, ACCOUNT_NOT_FOUND);

	assert_int_equal(account_set_password(f->c, &f->cfg, id, "andra lösenordet", false, here, &problem), 0);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "samordnare@example.se", "första lösenordet", &acc), 0);
	assert_int_equal(account_verify_password(f->c, &f->cfg, f->a, "samordnare@example.se", "andra lösenordet", &acc), 1);
	/* The session that changed it stays; the user's others end; other users' stay. */
	assert_int_equal(session_find(f->c, &f->cfg, f->a, here, NOW, &u), 0);
	assert_non_null(u);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, elsewhere, NOW, &u), 0);
	assert_null(u);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, not_mine, NOW, &u), 0);
	assert_non_null(u);

	/* A reset by an administrator: must change, and every session ends. */
	assert_int_equal(account_set_password(f->c, &f->cfg, id, "tillfälligt lösen", true, NULL, &problem), 0);
	assert_int_equal(account_find_by_id(f->c, f->a, id, &acc), 1);
	assert_true(acc.must_change_password);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, here, NOW, &u), 0);
	assert_null(u);

	/* Name and roles. */
	assert_int_equal(account_update(f->c, id, "Sam Ordnare", ROLE_SAMORDNARE | ROLE_ADMIN, &problem), 0);
	assert_int_equal(account_find_by_id(f->c, f->a, id, &acc), 1);
	assert_string_equal(acc.name, "Sam Ordnare");
	assert_int_equal(acc.roles, ROLE_SAMORDNARE | ROLE_ADMIN);
	assert_int_equal(account_update(f->c, id, "Två\nrader", 0, &problem), -1);
	assert_int_equal(problem, ACCOUNT_NAME_INVALID);
	assert_int_equal(account_update(f->c, id + 100, "Ingen", 0, &problem), -1);
	assert_int_equal(problem, ACCOUNT_NOT_FOUND);
}

/* ---- sessions ---- */

static void test_sessions(void **state)
{
	fixture *f = fixture_of(state);
	web_user *u;
	enum account_problem problem;
	int64_t id = make_account(f, "handlaggare@example.se", ROLE_HANDLAGGARE | ROLE_ADMIN, "handläggarens lösen");
	int64_t idle = (int64_t)f->cfg.session_idle_minutes * 60;

	const char *token = session_create(f->c, &f->cfg, f->a, id, NOW);
	assert_non_null(token);
	assert_int_equal(strlen(token), 43); /* 32 bytes, base64url without padding */
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW, &u), 0);
	assert_non_null(u);
	assert_int_equal(u->id, id);
	assert_string_equal(u->email, "handlaggare@example.se");
	assert_int_equal(u->roles, ROLE_HANDLAGGARE | ROLE_ADMIN);
	assert_false(u->must_change_password);

	/* Only the hash is stored. */
	db_stmt *s = db_prepare(f->c, "SELECT id FROM sessions WHERE user_id = ?");
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_not_equal(db_column_text(s, 0), token);
	assert_int_equal(strlen(db_column_text(s, 0)), 64);
	assert_int_equal(db_step(s), DB_DONE);

	/* Tokens that are not ours are not looked up at all. */
	assert_int_equal(session_find(f->c, &f->cfg, f->a, "", NOW, &u), 0);
	assert_null(u);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, "x'; DROP TABLE users; --", NOW, &u), 0);
	assert_null(u);
	char forged[44];
	memset(forged, 'A', 43);
	forged[43] = '\0';
	assert_int_equal(session_find(f->c, &f->cfg, f->a, forged, NOW, &u), 0);
	assert_null(u);

	/* last_seen_at moves at most once a minute. */
	const char *seen = "SELECT last_seen_at FROM sessions WHERE user_id = ?";
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW + 59, &u), 0);
	assert_int_equal(query_int(f->c, seen, id), NOW);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW + 60, &u), 0);
	assert_int_equal(query_int(f->c, seen, id), NOW + 60);

	/* Used within the idle limit it lives on, up to the absolute limit. */
	int64_t t = NOW + 60;
	int64_t absolute = NOW + (int64_t)f->cfg.session_absolute_hours * 3600;
	while (t + idle - 1 < absolute) {
		t += idle - 1;
		assert_int_equal(session_find(f->c, &f->cfg, f->a, token, t, &u), 0);
		assert_non_null(u);
	}
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, absolute, &u), 0);
	assert_null(u);
	assert_int_equal(query_int(f->c, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", id), 0);

	/* Idle too long: gone, and deleted. */
	token = session_create(f->c, &f->cfg, f->a, id, NOW);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW + idle, &u), 0);
	assert_null(u);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW, &u), 0);
	assert_null(u);

	/* Logout. */
	token = session_create(f->c, &f->cfg, f->a, id, NOW);
	assert_int_equal(session_destroy(f->c, token), 0);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, token, NOW, &u), 0);
	assert_null(u);

	/* Disabling ends every session of the account. */
	token = session_create(f->c, &f->cfg, f->a, id, NOW);
	const char *second = session_create(f->c, &f->cfg, f->a, id, NOW);
	assert_int_equal(account_set_disabled(f->c, id, true, &problem), 0);
	assert_int_equal(query_int(f->c, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", id), 0);
	assert_int_equal(session_find(f->c, &f->cfg, f->a, second, NOW, &u), 0);
	assert_null(u);

	/* Logging in cleans out expired sessions of anyone. */
	assert_int_equal(account_set_disabled(f->c, id, false, &problem), 0);
	assert_non_null(session_create(f->c, &f->cfg, f->a, id, NOW));
	assert_non_null(session_create(f->c, &f->cfg, f->a, id, NOW + idle + 1));
	assert_int_equal(query_int(f->c, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", id), 1);
}

/* ---- throttling ---- */

static void test_throttle(void **state)
{
	fixture *f = fixture_of(state);
	const char *key = throttle_account_key(f->a, "anna@example.se");
	const char *address = "address:0123456789abcdef";
	int64_t window = (int64_t)f->cfg.login_window_minutes * 60, until = 0;
	assert_string_equal(key, "account:anna@example.se");

	assert_int_equal(throttle_locked(f->c, key, NOW, &until), 0);
	/* Up to the limit: counted, not locked. */
	for (int i = 0; i < f->cfg.login_max_failures; i++) {
		assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + i), 0);
		assert_int_equal(throttle_locked(f->c, key, NOW + i, &until), 0);
	}
	/* One more within the window locks for the rest of the window. */
	assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + 100), 1);
	assert_int_equal(throttle_locked(f->c, key, NOW + 100, &until), 1);
	assert_int_equal(until, NOW + window);
	assert_int_equal(throttle_locked(f->c, key, NOW + window - 1, NULL), 1);
	assert_int_equal(throttle_locked(f->c, key, NOW + window, NULL), 0);
	/* Keys are independent. */
	assert_int_equal(throttle_locked(f->c, address, NOW + 100, NULL), 0);

	/* After the window a failure starts counting afresh. */
	assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + window), 0);
	assert_int_equal(throttle_locked(f->c, key, NOW + window, NULL), 0);

	/* Failures spread over more than a window never lock. */
	for (int i = 0; i < 3 * f->cfg.login_max_failures; i++)
		assert_int_equal(throttle_register_failure(f->c, &f->cfg, address, NOW + i * window / 2), 0);

	/* A success clears the count. */
	for (int i = 0; i < f->cfg.login_max_failures; i++)
		assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + window + 1), 0);
	assert_int_equal(throttle_clear(f->c, key), 0);
	for (int i = 0; i < f->cfg.login_max_failures; i++)
		assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + window + 2), 0);
	assert_int_equal(throttle_locked(f->c, key, NOW + window + 2, NULL), 0);
	assert_int_equal(throttle_register_failure(f->c, &f->cfg, key, NOW + window + 3), 1);
}

/* ---- audit log ---- */

typedef struct collected {
	int count;
	char actions[64][32];
	int64_t user_ids[64];
	int stop_after; /* 0: never */
} collected;

static int collect(void *ud, const audit_entry *e)
{
	collected *c = ud;
	str_copy(c->actions[c->count], e->action, sizeof(c->actions[0]));
	c->user_ids[c->count] = e->user_id;
	c->count++;
	return c->stop_after && c->count >= c->stop_after;
}

static void test_audit(void **state)
{
	fixture *f = fixture_of(state);
	int64_t admin = make_account(f, "admin@example.se", ROLE_ADMIN, "administratörens lösen");
	assert_int_equal(audit_write(f->c, 0, "system.start", "", ""), 0);
	assert_int_equal(audit_write(f->c, admin, "login.success", "user:1", ""), 0);
	assert_int_equal(audit_write(f->c, admin, "user.create", "user:2", "roles=polis"), 0);
	assert_int_equal(audit_write(f->c, 0, "login.failure", "", "unknown account"), 0);
	assert_int_equal(audit_write(f->c, admin, "user.disable", "user:2", ""), 0);

	collected all = { 0 };
	audit_query q = { NULL, 0, 0, 10 };
	assert_int_equal(audit_read(f->c, &q, collect, &all), 5);
	/* Newest first (same second: the later entry first). */
	assert_string_equal(all.actions[0], "user.disable");
	assert_string_equal(all.actions[4], "system.start");
	assert_int_equal(all.user_ids[4], 0);
	assert_int_equal(all.user_ids[0], admin);

	collected users = { 0 };
	q.action_prefix = "user.";
	assert_int_equal(audit_read(f->c, &q, collect, &users), 2);
	assert_string_equal(users.actions[0], "user.disable");
	assert_string_equal(users.actions[1], "user.create");

	collected logins = { 0 };
	q.action_prefix = "login.";
	q.user_id = admin;
	assert_int_equal(audit_read(f->c, &q, collect, &logins), 1);
	assert_string_equal(logins.actions[0], "login.success");

	/* Pages. */
	collected page = { 0 };
	audit_query second = { "", 0, 2, 2 };
	assert_int_equal(audit_read(f->c, &second, collect, &page), 2);
	assert_string_equal(page.actions[0], "user.create");
	assert_string_equal(page.actions[1], "login.success");

	/* A callback may stop early; the reader still finishes cleanly. */
	collected first = { .stop_after = 1 };
	q = (audit_query){ "", 0, 0, 10 };
	assert_int_equal(audit_read(f->c, &q, collect, &first), 1);
	assert_int_equal(audit_write(f->c, 0, "system.stop", "", ""), 0);
}

#define AUTH_TEST(fn, backend) cmocka_unit_test_prestate_setup_teardown(fn, fixture_setup, fixture_teardown, backend)
#define AUTH_TESTS(backend)                                                                       \
	AUTH_TEST(test_account_create, backend), AUTH_TEST(test_password_verify, backend),        \
		AUTH_TEST(test_password_change, backend), AUTH_TEST(test_sessions, backend),       \
		AUTH_TEST(test_throttle, backend), AUTH_TEST(test_audit, backend)

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	pg_backend.url = getenv("TRYGG_TEST_PG_URL");
	if (pg_backend.url != NULL && pg_backend.url[0] == '\0')
		pg_backend.url = NULL;
	const struct CMUnitTest pure_tests[] = {
		cmocka_unit_test(test_email_checks),
		cmocka_unit_test(test_password_and_name_checks),
		cmocka_unit_test(test_roles),
	};
	const struct CMUnitTest sqlite_tests[] = { AUTH_TESTS(&sqlite_backend) };
	const struct CMUnitTest pg_tests[] = { AUTH_TESTS(&pg_backend) };
	int failed = cmocka_run_group_tests_name("auth checks", pure_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("auth on SQLite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("auth on PostgreSQL", pg_tests, NULL, NULL);
	return failed != 0;
}
