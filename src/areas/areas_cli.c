/*
 * areas_cli.c — `trygg areas import FILE [--replace] [--approximate]` and
 * `trygg areas list`, and the demo step that loads Partille's approximate
 * areas (see area.h).
 *
 * The command line speaks English: the reasons for rejecting a feature are
 * the Swedish texts of area.c looked up in the English catalogue (locale_dir),
 * so that the page and the command line give the same reasons. Without the
 * catalogue they are printed in Swedish.
 *
 * main.c's option parser stops at the first word that is not an option, so
 * this file also reads --database and --config when they follow the words.
 */
#include "areas/area.h"
#include "auth/auth.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/util.h"
#include "web/i18n.h"

#include <stdlib.h>
#include <string.h>

#define DEMO_AREAS_FILE "data/demo/partille_areas.geojson"

int areas_cli_parse(areas_command *cmd, config *cfg, int argc, char **argv, const char *usage)
{
	cli_db_options given = { 0 };
	memset(cmd, 0, sizeof(*cmd));
	if (argc < 1)
		return cli_usage_error(usage, "missing 'import' or 'list'", NULL);
	cmd->action = argv[0];
	bool import = strcmp(cmd->action, "import") == 0;
	if (!import && strcmp(cmd->action, "list") != 0)
		return cli_usage_error(usage, "unknown areas command", cmd->action);
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cmd->help = true;
			fputs(usage, stdout);
			return 0;
		} else if (import && strcmp(argv[i], "--replace") == 0) {
			cmd->replace = true;
		} else if (import && strcmp(argv[i], "--approximate") == 0) {
			cmd->approximate = true;
		} else if (cli_db_option(&given, argc, argv, &i, &missing)) {
			continue;
		} else if (missing) {
			return cli_usage_error(usage, "option needs a value:", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(usage, "unknown option", argv[i]);
		} else if (import && cmd->file == NULL) {
			cmd->file = argv[i];
		} else {
			return cli_usage_error(usage, "unexpected argument", argv[i]);
		}
	}
	if (import && cmd->file == NULL)
		return cli_usage_error(usage, "'areas import' needs a GeoJSON file", NULL);
	return cli_db_apply(&given, cfg, usage);
}

/* The English text of a Swedish message (itself without a catalogue). */
static const char *english(const i18n *t, const char *swedish)
{
	return t ? i18n_translate(t, "en", swedish) : swedish;
}

static void print_report(FILE *out, const i18n *t, const char *file, const area_import_report *rep)
{
	if (rep->file_problem != AREA_OK && rep->file_problem != AREA_FILE_NOTHING_USABLE) {
		fprintf(out, "%s: %s", file, english(t, area_problem_text[rep->file_problem]));
		if (rep->file_problem == AREA_FILE_NOT_JSON)
			fprintf(out, " (line %d, column %d: %s)", rep->line, rep->column, rep->json_error);
		fputc('\n', out);
		return;
	}
	fprintf(out, "%s: read %zu features: %zu added, %zu updated, %zu rejected", file, rep->read, rep->added,
		rep->updated, rep->rejected);
	if (rep->replace)
		fprintf(out, ", %zu retired (not in the file)", rep->retired);
	fprintf(out, ".%s\n", rep->boundary ? " The municipality boundary was set." : "");
	for (size_t i = 0; i < rep->read; i++) {
		const area_import_item *item = &rep->items[i];
		if (item->outcome != AREA_REJECTED)
			continue;
		fprintf(out, "  feature %zu", item->index);
		if (*item->name)
			fprintf(out, " \"%s\"", item->name);
		if (*item->code && strcmp(item->code, item->name) != 0)
			fprintf(out, " (code %s)", item->code);
		fprintf(out, ": rejected: %s", english(t, area_problem_text[item->problem]));
		if (item->problem == AREA_GEOMETRY) {
			const geo_where *w = &item->where;
			fprintf(out, " %s", english(t, area_geo_problem_text[item->geo]));
			if (w->polygon)
				fprintf(out, " (polygon %zu)", w->polygon);
			if (w->ring)
				fprintf(out, " (ring %zu)", w->ring);
			if (w->position)
				fprintf(out, " (position %zu)", w->position);
		}
		fputc('\n', out);
	}
	if (rep->file_problem == AREA_FILE_NOTHING_USABLE)
		fprintf(out, "%s\n", english(t, area_problem_text[rep->file_problem]));
}

static int import_command(const areas_command *cmd, db_conn *c, const config *cfg)
{
	char *err = NULL;
	i18n *t = i18n_load(cfg->locale_dir, &err);
	if (t == NULL) {
		fprintf(stderr, "trygg: %s; reasons are given in Swedish\n", err);
		free(err);
	}
	arena *a = arena_new();
	area_import_options opt = { .replace = cmd->replace, .approximate = cmd->approximate };
	area_import_report rep;
	int rc = area_import_file(c, a, cmd->file, &opt, &rep);
	if (rc < 0) {
		fprintf(stderr, "trygg: %s: database error, nothing imported: %s\n", cmd->file, db_errmsg(c));
	} else {
		print_report(rc == 0 ? stdout : stderr, t, cmd->file, &rep);
		if (rc == 0)
			audit_write(c, 0, "area.import", "areas", area_import_summary(a, &rep));
	}
	arena_free(a);
	i18n_free(t);
	return rc == 0 ? 0 : 1;
}

static int print_area(void *ud, const area *a)
{
	FILE *out = ud;
	char population[24] = "-";
	if (a->population >= 0)
		snprintf(population, sizeof(population), "%lld", (long long)a->population);
	fprintf(out, "%6lld  %-20s %10s  %-11s  %s%s\n", (long long)a->id, a->code, population,
		a->approximate ? "approximate" : "", a->name, a->boundary ? "  (municipality boundary)" : "");
	return 0;
}

int areas_cli_run(const areas_command *cmd, db *d, const config *cfg)
{
	db_conn *c = db_acquire(d);
	int rc = 1;
	if (c == NULL) {
		fprintf(stderr, "trygg: cannot connect to the database\n");
		return 1;
	}
	if (strcmp(cmd->action, "import") == 0) {
		rc = import_command(cmd, c, cfg);
	} else {
		printf("%6s  %-20s %10s  %-11s  %s\n", "ID", "CODE", "POPULATION", "BORDERS", "NAME");
		rc = area_each(c, AREA_EACH_BOUNDARY, print_area, stdout) == 0 ? 0 : 1;
		if (rc != 0)
			fprintf(stderr, "trygg: database error: %s\n", db_errmsg(c));
	}
	db_release(d, c);
	return rc;
}

/* ---- demo data ---- */

static int count_one(void *ud, const area *a)
{
	(*(int *)ud)++;
	return 1;
}

int area_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	int existing = 0, rc = -1;
	if (area_each(c, AREA_EACH_BOUNDARY, count_one, &existing) != 0)
		return -1;
	if (existing) {
		fprintf(out, "Areas: already present, left as they are.\n");
		return 0;
	}
	arena *a = arena_new();
	const char *path = arena_printf(a, "%s/%s", cfg->share_dir, DEMO_AREAS_FILE);
	area_import_options opt = { .approximate = true };
	area_import_report rep;
	int imported = area_import_file(c, a, path, &opt, &rep);
	if (imported == 0 && rep.rejected == 0) {
		audit_write(c, 0, "area.import", "areas", area_import_summary(a, &rep));
		fprintf(out, "Areas: %zu areas of Partille with approximate borders, and the municipality boundary.\n",
			rep.added + rep.updated - (rep.boundary ? 1 : 0));
		rc = 0;
	} else if (imported >= 0) {
		print_report(stderr, NULL, path, &rep);
	}
	arena_free(a);
	return rc;
}
