/*
 * cli.c — `trygg survey import ROUND FILE.csv [--valid-only]`: the import of
 * answers from the command line, for files too large for a browser upload.
 * The same checks as the staff page (import.h): every row is checked, and
 * when any row has a problem nothing is imported unless --valid-only says to
 * import the valid rows; every problem is printed (line, column, value,
 * reason), in English. ROUND is a round's id or slug. Recorded in
 * survey_imports and the audit log like an import from the page.
 * Exit status: 0 imported, 1 nothing imported (or a database error), 2 usage.
 */
#include "survey/survey.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/util.h"
#include "survey/import.h"

/* English texts of the import problems and answer errors, for the terminal. */
static const char *const problem_en[SURVEY_IMP__MAX] = {
	[SURVEY_IMP_ANSWER] = "",
	[SURVEY_IMP_QUOTING] = "the quotes on the row are wrong",
	[SURVEY_IMP_UNTERMINATED] = "a quote on the row is never closed",
	[SURVEY_IMP_ENCODING] = "the row is not UTF-8",
	[SURVEY_IMP_FIELD_TOO_LONG] = "a field on the row is too long",
	[SURVEY_IMP_FIELD_COUNT] = "the row has another number of fields than the header",
	[SURVEY_IMP_MODE] = "mode must be phone or paper",
	[SURVEY_IMP_WEIGHT] = "weight must be a positive number",
	[SURVEY_IMP_REF] = "ref is too long or holds control characters",
};
static const char *const aerror_en[SURVEY_A__MAX] = {
	[SURVEY_A_OK] = "",
	[SURVEY_A_REQUIRED] = "the question must be answered",
	[SURVEY_A_NOT_OPTION] = "not one of the options",
	[SURVEY_A_NOT_NUMBER] = "not a whole number",
	[SURVEY_A_RANGE] = "outside the allowed range",
	[SURVEY_A_TOO_LONG] = "the text is too long",
	[SURVEY_A_BAD_TEXT] = "the text holds characters that are not allowed",
	[SURVEY_A_BAD_PLACE] = "a place must be latitude,longitude",
	[SURVEY_A_NOT_AREA] = "no such area",
	[SURVEY_A_NOT_ASKED] = "the question is not asked given the earlier answers",
	[SURVEY_A_UNKNOWN_ITEM] = "no such question",
};
static const char *const csv_error_en[SURVEY_CSV__MAX] = {
	[SURVEY_CSV_OK] = "",
	[SURVEY_CSV_EMPTY] = "the file is empty: it has no header row",
	[SURVEY_CSV_UTF16] = "the file is UTF-16; save it as CSV UTF-8",
	[SURVEY_CSV_BINARY] = "the file is not a text (CSV) file",
	[SURVEY_CSV_TOO_MANY_ROWS] = "the file has too many rows",
	[SURVEY_CSV_TOO_MANY_COLUMNS] = "the file has too many columns",
	[SURVEY_CSV_BAD_HEADER] = "the header row cannot be read (quotes or encoding)",
};

int survey_cli_parse(survey_command *cmd, config *cfg, int argc, char **argv, const char *usage)
{
	cli_db_options given = { 0 };
	memset(cmd, 0, sizeof *cmd);
	if (argc < 1)
		return cli_usage_error(usage, "missing 'import'", NULL);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		cmd->help = true;
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[0], "import") != 0)
		return cli_usage_error(usage, "unknown survey command", argv[0]);
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cmd->help = true;
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--valid-only") == 0) {
			cmd->valid_only = true;
		} else if (cli_db_option(&given, argc, argv, &i, &missing)) {
			continue;
		} else if (missing) {
			return cli_usage_error(usage, "option needs a value:", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(usage, "unknown option", argv[i]);
		} else if (cmd->round == NULL) {
			cmd->round = argv[i];
		} else if (cmd->file == NULL) {
			cmd->file = argv[i];
		} else {
			return cli_usage_error(usage, "unexpected argument", argv[i]);
		}
	}
	if (cmd->round == NULL || cmd->file == NULL)
		return cli_usage_error(usage, "'survey import' needs a round (id or slug) and a CSV file", NULL);
	return cli_db_apply(&given, cfg, usage);
}

/* Prints every issue of chk to out. */
static void print_issues(FILE *out, const survey_import_check *chk)
{
	for (size_t i = 0; i < chk->issue_count; i++) {
		const survey_import_issue *is = &chk->issues[i];
		fprintf(out, "  line %zu", is->line);
		if (*is->column)
			fprintf(out, ", column %s", is->column);
		if (*is->value)
			fprintf(out, ", value \"%.60s%s\"", is->value, strlen(is->value) > 60 ? "…" : "");
		fprintf(out, ": %s\n", is->problem == SURVEY_IMP_ANSWER ? aerror_en[is->aerror] : problem_en[is->problem]);
	}
}

static int run_import(const survey_command *cmd, db_conn *c, arena *a)
{
	survey_round round;
	int64_t id = 0;
	int found = str_to_int64(cmd->round, &id) == 0 ? survey_round_get(c, a, id, NULL, &round)
	                                               : survey_round_get(c, a, 0, cmd->round, &round);
	if (found < 0) {
		fprintf(stderr, "trygg: database error: %s\n", db_errmsg(c));
		return 1;
	}
	if (found == 0) {
		fprintf(stderr, "trygg: no survey round %s\n", cmd->round);
		return 1;
	}
	if (round.status == SURVEY_ROUND_PUBLISHED) {
		fprintf(stderr, "trygg: the round %s is published: unpublish it before importing answers\n", round.slug);
		return 1;
	}
	const survey_questionnaire *q = survey_round_questionnaire(a, &round);
	if (q == NULL) {
		fprintf(stderr, "trygg: the questionnaire of round %s cannot be read\n", round.slug);
		return 1;
	}
	buf data = BUF_INIT;
	if (buf_read_file(&data, cmd->file) != 0) {
		fprintf(stderr, "trygg: cannot read %s\n", cmd->file);
		buf_free(&data);
		return 1;
	}
	survey_csv csv;
	enum survey_csv_error ce = survey_csv_read(a, data.data ? data.data : "", data.len, 0, 0, &csv);
	buf_free(&data);
	if (ce != SURVEY_CSV_OK) {
		fprintf(stderr, "trygg: %s: %s; nothing imported\n", cmd->file, csv_error_en[ce]);
		return 1;
	}
	survey_area_list areas;
	if (survey_area_list_load(c, a, &areas) != 0) {
		fprintf(stderr, "trygg: database error: %s\n", db_errmsg(c));
		return 1;
	}
	survey_import_check chk;
	if (survey_import_check_rows(a, q, &csv, survey_area_list_lookup, &areas, &chk) != 0) {
		for (size_t i = 0; i < chk.unknown_count; i++)
			fprintf(stderr, "trygg: column %s is not in the questionnaire\n", chk.unknown[i]);
		for (size_t i = 0; i < chk.duplicate_count; i++)
			fprintf(stderr, "trygg: column %s appears twice\n", chk.duplicate[i]);
		fprintf(stderr, "trygg: nothing imported\n");
		return 1;
	}
	if (chk.invalid_rows > 0) {
		FILE *out = cmd->valid_only ? stdout : stderr;
		fprintf(out, "%zu of %zu rows have errors:\n", chk.invalid_rows, chk.rows_total);
		print_issues(out, &chk);
		if (!cmd->valid_only || chk.valid_count == 0) {
			fprintf(stderr, "trygg: nothing imported%s\n",
			        chk.valid_count ? " (--valid-only imports the valid rows and skips these)" : "");
			return 1;
		}
	}
	if (chk.rows_total == 0) {
		fprintf(stderr, "trygg: the file has no rows of answers; nothing imported\n");
		return 1;
	}
	const char *slash = strrchr(cmd->file, '/');
	const char *filename = slash ? slash + 1 : cmd->file;
	if (!str_valid_utf8(filename, strlen(filename)))
		filename = "import.csv";
	int64_t now = (int64_t)time(NULL);
	int64_t import_id = -1;
	if (db_begin_write(c) == 0) {
		import_id = survey_import_save(c, a, round.id, q, &csv, &chk, filename, 0, now);
		if (import_id < 0 || db_commit(c) != 0) {
			db_rollback(c);
			import_id = -1;
		}
	}
	if (import_id < 0) {
		fprintf(stderr, "trygg: database error: %s\n", db_errmsg(c));
		return 1;
	}
	audit_write(c, 0, chk.invalid_rows ? "survey.import.valid_only" : "survey.import",
	            arena_printf(a, "survey_round:%lld", (long long)round.id),
	            arena_printf(a, "import=%lld file=%s rows=%zu imported=%zu rejected=%zu (command line)",
	                         (long long)import_id, filename, chk.rows_total, chk.valid_count, chk.invalid_rows));
	printf("Imported %zu of %zu rows into %s (import %lld).\n", chk.valid_count, chk.rows_total, round.slug,
	       (long long)import_id);
	return 0;
}

int survey_cli_run(const survey_command *cmd, db *d)
{
	db_conn *c = db_acquire(d);
	if (c == NULL) {
		fprintf(stderr, "trygg: cannot reach the database\n");
		return 1;
	}
	arena *a = arena_new();
	int rc = run_import(cmd, c, a);
	arena_free(a);
	db_release(d, c);
	return rc;
}
