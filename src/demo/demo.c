/*
 * demo.c — loads demo data (see demo.h). The demo logins are public knowledge
 * (they are printed by `make run`): never load demo data into a real
 * installation.
 */
#include "demo/demo.h"
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

const demo_login demo_logins[] = {
	{ "handlaggare@trygg.example", "Hanna Handläggare", "handlaggare", "demo-handlaggare-2026" },
	{ "samordnare@trygg.example", "Sam Samordnare", "samordnare", "demo-samordnare-2026" },
	{ "polis@trygg.example", "Per Polis", "polis", "demo-polis-2026" },
	{ "admin@trygg.example", "Ada Administratör", "admin", "demo-admin-2026" },
};
const size_t demo_login_count = ARRAY_LEN(demo_logins);

/* Adds the demo staff accounts that do not exist yet. */
static int demo_load_logins(db_conn *c, const config *cfg, FILE *out)
{
	fprintf(out, "Demo staff logins (one per role):\n");
	for (size_t i = 0; i < demo_login_count; i++) {
		const demo_login *l = &demo_logins[i];
		unsigned roles = 0;
		char *err = NULL, *generated = NULL;
		if (role_parse(l->roles, &roles) != 0)
			return -1;
		int64_t id = account_create(c, cfg, l->email, l->name, roles, l->password, &generated, &err);
		if (id < 0 && !db_error_is_conflict(c)) {
			fprintf(stderr, "trygg: demo user %s: %s\n", l->email, err ? err : "?");
			free(err);
			return -1;
		}
		free(err);
		free(generated);
		fprintf(out, "  %-12s %-28s %s\n", l->roles, l->email, l->password);
	}
	return 0;
}

/* The municipality's name and contact details, unless an administrator set them. */
static int demo_load_settings(db_conn *c, const config *cfg, FILE *out)
{
	static const struct {
		const char *name, *value;
	} settings[] = {
		{ "site_name", "Trygg i Partille" },
		{ "municipality_name", "Partille kommun" },
		{ "police_area", "Lokalpolisområde Partille" },
	};
	if (db_begin_write(c) != 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
		db_stmt *s = db_prepare(c, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING");
		if (s == NULL)
			goto fail;
		db_bind_text(s, 1, settings[i].name);
		db_bind_text(s, 2, settings[i].value);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	return db_commit(c);
fail:
	fprintf(stderr, "trygg: demo settings: %s\n", db_errmsg(c));
	db_rollback(c);
	return -1;
}

/* Every demo data set, in the order they are loaded. A feature adds its loader here. */
static const struct demo_step {
	const char *name;
	int (*load)(db_conn *c, const config *cfg, FILE *out);
} demo_steps[] = {
	{ "settings", demo_load_settings },
	{ "staff logins", demo_load_logins },
};

int demo_load(db *d, const config *cfg, FILE *out)
{
	int rc = 0;
	db_conn *c = db_acquire(d);
	if (c == NULL)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(demo_steps) && rc == 0; i++) {
		rc = demo_steps[i].load(c, cfg, out);
		if (rc != 0)
			fprintf(stderr, "trygg: demo data '%s' failed\n", demo_steps[i].name);
	}
	db_release(d, c);
	return rc;
}
