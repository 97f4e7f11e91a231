/*
 * demo.c — the demo's municipality: Partille's name, police area and the
 * public contact details of Partille kommun's kundcenter. An administrator's
 * own values are never overwritten, and loading twice changes nothing.
 */
#include "settings/settings.h"
#include "core/util.h"

static const struct {
	enum setting_key key;
	const char *value;
} demo_settings[] = {
	{ SETTING_SITE_NAME, "Trygg i Partille" },
	{ SETTING_MUNICIPALITY_NAME, "Partille kommun" },
	{ SETTING_POLICE_AREA, "Lokalpolisområde Partille" },
	{ SETTING_CONTACT_PHONE, "031-792 10 00" },
	{ SETTING_CONTACT_EMAIL, "kundcenter@partille.se" },
	{ SETTING_CONTACT_ADDRESS, "Partille kommun kundcenter\nGamla Kronvägen 32\n433 82 Partille" },
};

int settings_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	if (db_begin_write(c) != 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_LEN(demo_settings); i++) {
		db_stmt *s = db_prepare(c, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING");
		if (s == NULL)
			goto fail;
		db_bind_text(s, 1, settings_defs[demo_settings[i].key].name);
		db_bind_text(s, 2, demo_settings[i].value);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "trygg: demo settings: %s\n", db_errmsg(c));
	db_rollback(c);
	return -1;
}
