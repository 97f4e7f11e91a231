/*
 * demo.c — loads demo data (see demo.h). The demo logins are public knowledge
 * (they are printed by `make run`): never load demo data into a real
 * installation.
 */
#include "demo/demo.h"
#include "areas/area.h"
#include "auth/auth.h"
#include "core/util.h"
#include "settings/settings.h"
#include "tips/tips.h"
#include "pages/pages.h"
#include "reports/reports.h"
#include "survey/survey.h"
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

/* Every demo data set, in the order they are loaded. A feature adds its loader here. */
static const struct demo_step {
	const char *name;
	int (*load)(db_conn *c, const config *cfg, FILE *out);
} demo_steps[] = {
	{ "settings", settings_demo_load },
	{ "staff logins", demo_load_logins },
	{ "areas", area_demo_load },
	{ "information pages", page_demo_load },
	{ "tips", tips_demo_load },
	{ "fault report categories", report_demo_load },
	{ "survey rounds", survey_demo_load },
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
