/*
 * cli.c — `trygg settings list` and `trygg settings set KEY VALUE`, through
 * the same table of keys and validators as the admin page (see settings.h).
 * Changes are written to the audit log as done by the system.
 */
#include "settings/settings.h"
#include "auth/auth.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

const char settings_usage[] =
	"Usage: trygg settings list [--database URL] [--config FILE]\n"
	"       trygg settings set KEY VALUE [--database URL] [--config FILE]\n"
	"\n"
	"Shows or changes the municipality's settings (also on /personal/installningar).\n"
	"An empty VALUE removes a setting. Passwords are never shown, only whether they\n"
	"are set. For 'logo', VALUE is the path of a PNG or JPEG file.\n"
	"\n"
	"Keys:\n"
	"  site_name, municipality_name, police_area, brand_colour (#rrggbb, white text\n"
	"  on it must reach 4.5:1), logo, contact_phone, contact_email, contact_address,\n"
	"  contact_hours, smtp_url (smtp://host:port or smtps://host:port), smtp_username,\n"
	"  smtp_password, mail_from, coordinator_email, contact_retention_months (1-120),\n"
	"  report_retention_months (1-120), open311_jurisdiction,\n"
	"  mail_retry_seconds (1-3600: the first wait before sending failed mail again).\n";

/* Opens and migrates the database of cfg. NULL after a message. */
static db *open_database(const config *cfg)
{
	char *err = NULL;
	buf dir = BUF_INIT;
	db *d = db_open(cfg->database, 1, &err);
	buf_printf(&dir, "%s/migrations", cfg->share_dir);
	if (d && db_migrate(d, dir.data, &err) != 0) {
		db_close(d);
		d = NULL;
	}
	if (d == NULL)
		fprintf(stderr, "trygg: %s\n", err ? err : "cannot open the database");
	free(err);
	buf_free(&dir);
	return d;
}

static int list_settings(db_conn *c, arena *a)
{
	for (int k = 0; k < SETTING__MAX; k++) {
		const setting_def *def = &settings_defs[k];
		const char *v = settings_get(c, a, (enum setting_key)k);
		if (v == NULL) {
			fprintf(stderr, "trygg: %s\n", db_errmsg(c));
			return 1;
		}
		bool set = settings_is_set(c, (enum setting_key)k);
		if (def->flags & SETTING_SECRET) {
			printf("%s = %s\n", def->name, set ? "(set)" : "(not set)");
			continue;
		}
		/* Multi-line values on one line, as the command line takes them. */
		printf("%s = ", def->name);
		for (const char *p = v; *p; p++) {
			if (*p == '\n')
				fputs("\\n", stdout);
			else
				putchar(*p);
		}
		printf("%s\n", set ? "" : " (default)");
	}
	return 0;
}

/* The value as the setting takes it: "\n" typed on the command line is a line break. */
static const char *command_line_value(arena *a, const setting_def *def, const char *value)
{
	if (!(def->flags & SETTING_MULTILINE))
		return value;
	buf b = BUF_INIT;
	for (const char *p = value; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			buf_putc(&b, '\n');
			p++;
		} else {
			buf_putc(&b, *p);
		}
	}
	const char *out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

static int set_setting(const config *cfg, db_conn *c, arena *a, const char *name, const char *value)
{
	enum setting_key k = settings_find(name);
	if (k == SETTING__MAX) {
		fprintf(stderr, "trygg: unknown setting '%s'\n\n%s", name, settings_usage);
		return EXIT_USAGE;
	}
	const setting_def *def = &settings_defs[k];
	enum setting_problem p = SETTING_OK;
	if ((def->flags & SETTING_FILE) && *value)
		p = settings_logo_import(cfg, a, value, &value);
	if (p == SETTING_OK)
		p = settings_set(c, a, k, command_line_value(a, def, value));
	if (p != SETTING_OK) {
		fprintf(stderr, "trygg: %s: %s\n", name, setting_problem_english[p]);
		return p == SETTING_STORAGE_ERROR ? 1 : EXIT_USAGE;
	}
	const char *detail = def->flags & SETTING_SECRET ? (*value ? "changed" : "removed") : value;
	if (audit_write(c, 0, "settings.set", arena_printf(a, "setting:%s", name), detail) != 0)
		fprintf(stderr, "trygg: audit log write failed: %s\n", db_errmsg(c));
	printf("%s %s.\n", name, *value ? "set" : "removed");
	return 0;
}

int settings_command(const config *cfg, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "trygg: missing 'list' or 'set'\n\n%s", settings_usage);
		return EXIT_USAGE;
	}
	bool list = strcmp(argv[0], "list") == 0, set = strcmp(argv[0], "set") == 0;
	if ((!list && !set) || (list && argc != 1) || (set && argc != 3)) {
		fprintf(stderr, "trygg: %s\n\n%s", !list && !set ? "unknown settings command" :
			list ? "'settings list' takes no arguments" : "'settings set' takes KEY and VALUE", settings_usage);
		return EXIT_USAGE;
	}
	db *d = open_database(cfg);
	if (d == NULL)
		return 1;
	db_conn *c = db_acquire(d);
	arena *a = arena_new();
	int rc = 1;
	if (c != NULL)
		rc = list ? list_settings(c, a) : set_setting(cfg, c, a, argv[1], argv[2]);
	arena_free(a);
	db_release(d, c);
	db_close(d);
	return rc;
}
