/*
 * import.c — importing a file of answers into a round (telephone and paper
 * rounds), with its codebook and CSV template (staff pages, see survey.h):
 *
 *   GET  /personal/trygghetsundersokning/ID/kodbok.csv      one row per item
 *   GET  /personal/trygghetsundersokning/ID/mall.csv        the header row to fill in
 *   GET  /personal/trygghetsundersokning/ID/import          the form and earlier imports
 *   POST /personal/trygghetsundersokning/ID/import          a file: checked, imported if clean
 *   POST /personal/trygghetsundersokning/ID/import/giltiga  the second step: the valid rows only
 *   GET  /personal/trygghetsundersokning/ID/import/IMPORT   an earlier import and its rejected rows
 *
 * A file is read with the CSV reader and checked row by row (import.h). When
 * every row is good, every row is imported in one transaction. When any row
 * has a problem nothing is imported: the page lists every problem (row,
 * column, value, message) and offers, as an explicit second step, to import
 * only the valid rows. For that second step the file is kept on the server
 * under a random token (data_dir/survey-import/ROUND-USER-TOKEN.csv) for at
 * most an hour, for the same user and round only; it is checked again when
 * used (the areas may have changed), and removed once imported. Stale files
 * are removed on the next upload.
 *
 * Every import is recorded in survey_imports with its report (the rejected
 * rows as JSON) and written to the audit log.
 */
#include "survey/survey.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "areas/area.h"
#include "core/util.h"
#include "survey/import.h"
#include "survey/survey_store.h"
#include "web/web.h"
#include "web/webform.h"

#define STAFF_BASE "/personal/trygghetsundersokning"
#define PENDING_DIR "survey-import"
#define PENDING_SECONDS 3600
#define REPORT_SHOWN_MAX 500      /* issues on the page; the stored report has them all */
#define VALUE_SHOWN_MAX 80
#define LINES_SHOWN_MAX 2000      /* rejected line numbers listed on the page */        /* characters of a value on the page and in the report */
#define FILENAME_MAX_CHARS 200

static const char SQL_IMPORT_LIST[] =
	"SELECT i.id, i.filename, i.rows_total, i.rows_imported, i.rows_rejected, i.imported_at, "
	"COALESCE(u.name, '') FROM survey_imports i LEFT JOIN users u ON u.id = i.imported_by "
	"WHERE i.round_id = ? ORDER BY i.id DESC LIMIT 50";

static const char SQL_IMPORT_GET[] =
	"SELECT filename, rows_total, rows_imported, rows_rejected, report, imported_at FROM survey_imports "
	"WHERE id = ? AND round_id = ?";

/* ---- shared by the survey's staff pages of this file and population.c ---- */

int survey_page_round(http_req *r, survey_round *round, const survey_questionnaire **q)
{
	int64_t id;
	const char *text = http_param(r, "id");
	if (text == NULL || str_to_int64(text, &id) != 0 || id <= 0)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	int found = survey_round_get(web_db(r), r->arena, id, NULL, round);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	*q = survey_round_questionnaire(r->arena, round);
	if (*q == NULL)
		return web_error(r, 409, T(r, "Undersökningens enkät kan inte läsas. Rätta den i enkätverktyget."));
	return 0;
}

int survey_page_round_unpublished(http_req *r, const survey_round *round)
{
	if (round->status != SURVEY_ROUND_PUBLISHED)
		return 0;
	return web_error(r, 409, T(r, "Undersökningens resultat är publicerade. Avpublicera den innan du ändrar svar eller befolkningsuppgifter."));
}

const char *survey_page_round_title(http_req *r, const survey_round *round)
{
	if (strcmp(web(r)->lang, "en") == 0 && round->title_en && *round->title_en)
		return round->title_en;
	return round->title_sv;
}

/* Shortens text to at most max characters (UTF-8), with "…" when cut. */
static const char *shorten(arena *a, const char *text, size_t max)
{
	size_t chars = 0;
	for (const char *p = text; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 && ++chars > max)
			return arena_printf(a, "%.*s…", (int)(p - text), text);
	}
	return text;
}

/* The file name as sent, reduced to its last part, printable and short. */
static const char *clean_filename(arena *a, const char *name)
{
	if (name == NULL)
		return "";
	const char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');
	if (slash)
		name = slash + 1;
	if (back && back + 1 > name)
		name = back + 1;
	if (!str_valid_utf8(name, strlen(name)))
		return "";
	char *copy = arena_strdup(a, name);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return shorten(a, copy, FILENAME_MAX_CHARS);
}

/* ---- the codebook and the template ---- */

/* Appends a CSV field (quoted when needed) and the separator or line end. */
static void csv_field(buf *b, const char *text, bool last)
{
	if (strpbrk(text, ";,\"\r\n") != NULL) {
		buf_putc(b, '"');
		for (const char *p = text; *p; p++) {
			if (*p == '"')
				buf_putc(b, '"');
			buf_putc(b, *p);
		}
		buf_putc(b, '"');
	} else {
		buf_puts(b, text);
	}
	buf_puts(b, last ? "\r\n" : ";");
}

static int send_csv(http_req *r, const char *filename, buf *b)
{
	r->content_type = "text/csv; charset=utf-8";
	http_set_header(r, "Content-Disposition", arena_printf(r->arena, "attachment; filename=\"%s\"", filename));
	http_set_header(r, "Cache-Control", "no-store");
	buf_append(&r->body, b->data ? b->data : "", b->len);
	buf_free(b);
	return 200;
}

/* GET …/ID/kodbok.csv — one row per item: column, question, type, allowed
 * answers, routing, required. Semicolons and a byte order mark, so that
 * Excel with Swedish settings opens it as it is. */
static int codebook(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	const char *lang = web(r)->lang;
	survey_area_list areas;
	if (survey_area_list_load(web_db(r), r->arena, &areas) != 0)
		return webform_failed(r, NULL);
	buf b = BUF_INIT;
	buf_puts(&b, "\xEF\xBB\xBF");
	csv_field(&b, T(r, "kolumn"), false);
	csv_field(&b, T(r, "fråga"), false);
	csv_field(&b, T(r, "typ"), false);
	csv_field(&b, T(r, "tillåtna svar"), false);
	csv_field(&b, T(r, "villkor"), false);
	csv_field(&b, T(r, "obligatorisk"), true);
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		buf allowed = BUF_INIT;
		switch (it->type) {
		case SURVEY_SINGLE:
			for (size_t k = 0; k < it->scale->option_count; k++) {
				const survey_option *o = &it->scale->options[k];
				buf_printf(&allowed, "%s%d=%s", k ? "; " : "", o->code, survey_text_get(&o->label, lang));
			}
			break;
		case SURVEY_NUMBER:
			buf_printf(&allowed, "%s %lld–%lld", T(r, "heltal"), (long long)it->min, (long long)it->max);
			break;
		case SURVEY_TEXT:
			buf_printf(&allowed, "%s %zu %s", T(r, "fritext, högst"), it->max_chars, T(r, "tecken"));
			break;
		case SURVEY_AREA:
			buf_puts(&allowed, T(r, "områdets id, kod eller namn:"));
			for (size_t k = 0; k < areas.count; k++)
				buf_printf(&allowed, "%s %lld=%s (%s)", k ? ";" : "", (long long)areas.items[k].id,
				           areas.items[k].name, areas.items[k].code);
			break;
		case SURVEY_PLACE:
			buf_puts(&allowed, T(r, "latitud,longitud (WGS84, decimalgrader)"));
			break;
		case SURVEY_ITEM_TYPE__MAX:
			break;
		}
		buf routing = BUF_INIT;
		if (it->show_if_item) {
			buf_printf(&routing, "%s %s =", T(r, "bara om"), it->show_if_item);
			for (size_t k = 0; k < it->show_if_count; k++)
				buf_printf(&routing, "%s%d", k ? ", " : " ", it->show_if_codes[k]);
		}
		csv_field(&b, it->code, false);
		csv_field(&b, survey_text_get(&it->text, lang), false);
		csv_field(&b, survey_item_type_names[it->type], false);
		csv_field(&b, allowed.data ? allowed.data : "", false);
		csv_field(&b, routing.data ? routing.data : "", false);
		csv_field(&b, it->required ? T(r, "ja") : T(r, "nej"), true);
		buf_free(&allowed);
		buf_free(&routing);
	}
	static const char *const extra[][2] = {
		{ "mode", N_("hur svaret samlades in: phone eller paper (tomt: import)") },
		{ "ref", N_("er egen referens, t.ex. blankettens nummer (högst 200 tecken)") },
		{ "weight", N_("designvikt, ett positivt tal (tomt: 1)") },
	};
	for (size_t i = 0; i < ARRAY_LEN(extra); i++) {
		csv_field(&b, extra[i][0], false);
		csv_field(&b, T(r, extra[i][1]), false);
		csv_field(&b, T(r, "frivillig kolumn"), false);
		csv_field(&b, "", false);
		csv_field(&b, "", false);
		csv_field(&b, T(r, "nej"), true);
	}
	return send_csv(r, arena_printf(r->arena, "kodbok-%s.csv", round.slug), &b);
}

/* GET …/ID/mall.csv — the header row: every item's code, then mode, ref, weight. */
static int csv_template(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	buf b = BUF_INIT;
	buf_puts(&b, "\xEF\xBB\xBF");
	for (size_t i = 0; i < q->item_count; i++)
		csv_field(&b, q->items[i].code, false);
	csv_field(&b, "mode", false);
	csv_field(&b, "ref", false);
	csv_field(&b, "weight", true);
	return send_csv(r, arena_printf(r->arena, "mall-%s.csv", round.slug), &b);
}

/* ---- the page ---- */

static json_t *earlier_imports(http_req *r, int64_t round_id)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(web_db(r), SQL_IMPORT_LIST);
	if (s == NULL)
		return list;
	db_bind_int(s, 1, round_id);
	while (db_step(s) == DB_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(db_column_int(s, 0)));
		json_object_set_new(o, "href", json_string(arena_printf(r->arena, STAFF_BASE "/%lld/import/%lld", (long long)round_id,
		                                                        (long long)db_column_int(s, 0))));
		json_object_set_new(o, "filename", json_string(db_column_text(s, 1)));
		json_object_set_new(o, "total", json_integer(db_column_int(s, 2)));
		json_object_set_new(o, "imported", json_integer(db_column_int(s, 3)));
		json_object_set_new(o, "rejected", json_integer(db_column_int(s, 4)));
		json_object_set_new(o, "when", json_string(web_format_time(r, db_column_int(s, 5))));
		json_object_set_new(o, "by", json_string(db_column_text(s, 6)));
		json_array_append_new(list, o);
	}
	return list;
}

/* The page's data without a report. */
static json_t *page_data(http_req *r, const survey_round *round)
{
	json_t *d = json_object();
	const char *base = arena_printf(r->arena, STAFF_BASE "/%lld", (long long)round->id);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s – %s", T(r, "Importera svar"),
	                                                         survey_page_round_title(r, round))));
	json_object_set_new(d, "round_title", json_string(survey_page_round_title(r, round)));
	json_object_set_new(d, "base", json_string(base));
	json_t *imports = earlier_imports(r, round->id);
	json_object_set_new(d, "has_imports", json_boolean(json_array_size(imports) > 0));
	json_object_set_new(d, "imports", imports);
	json_object_set_new(d, "max_rows", json_integer(SURVEY_CSV_MAX_ROWS));
	json_object_set_new(d, "published", json_boolean(round->status == SURVEY_ROUND_PUBLISHED));
	return d;
}

static int render(http_req *r, int status, json_t *d)
{
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, status, "survey/import", d);
}

/* The message for an issue, in the user's language. */
static const char *issue_message(http_req *r, const survey_import_issue *is)
{
	if (is->problem == SURVEY_IMP_ANSWER)
		return T(r, survey_aerror_message(is->aerror));
	return T(r, survey_import_problem_text[is->problem]);
}

/* Adds the report of a checked file to d: counts, the issues (at most
 * REPORT_SHOWN_MAX), and the rejected rows' numbers. */
static void report_data(http_req *r, json_t *d, const survey_import_check *chk)
{
	json_t *issues = json_array();
	for (size_t i = 0; i < chk->issue_count && i < REPORT_SHOWN_MAX; i++) {
		const survey_import_issue *is = &chk->issues[i];
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer((json_int_t)is->line));
		json_object_set_new(o, "column", json_string(is->column));
		json_object_set_new(o, "value", json_string(shorten(r->arena, is->value, VALUE_SHOWN_MAX)));
		json_object_set_new(o, "message", json_string(issue_message(r, is)));
		json_array_append_new(issues, o);
	}
	json_object_set_new(d, "issues", issues);
	size_t shown = chk->issue_count < REPORT_SHOWN_MAX ? chk->issue_count : REPORT_SHOWN_MAX;
	if (chk->issue_total > shown)
		json_object_set_new(d, "issues_more", json_integer((json_int_t)(chk->issue_total - shown)));
	json_object_set_new(d, "rows_total", json_integer((json_int_t)chk->rows_total));
	json_object_set_new(d, "rows_valid", json_integer((json_int_t)chk->valid_count));
	json_object_set_new(d, "rows_invalid", json_integer((json_int_t)chk->invalid_rows));
	buf lines = BUF_INIT;
	size_t last = 0, listed = 0;
	for (size_t i = 0; i < chk->issue_count; i++) {
		if (chk->issues[i].line == last)
			continue;
		last = chk->issues[i].line;
		if (listed++ == LINES_SHOWN_MAX) {
			buf_puts(&lines, ", …");
			break;
		}
		buf_printf(&lines, "%s%zu", lines.len ? ", " : "", last);
	}
	json_object_set_new(d, "rejected_lines", json_string(lines.data ? lines.data : ""));
	buf_free(&lines);
}

/* GET …/ID/import */
static int import_page(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	return render(r, 200, page_data(r, &round));
}

/* ---- keeping a file for the second step ---- */

static const char *pending_dir(http_req *r)
{
	return arena_printf(r->arena, "%s/" PENDING_DIR, web_app(r)->cfg->data_dir);
}

static const char *pending_path(http_req *r, int64_t round_id, const char *token)
{
	return arena_printf(r->arena, "%s/%lld-%lld-%s.csv", pending_dir(r), (long long)round_id,
	                    (long long)web(r)->user->id, token);
}

/* Removes kept files older than PENDING_SECONDS. */
static void pending_sweep(http_req *r)
{
	const char *dir = pending_dir(r);
	DIR *dh = opendir(dir);
	if (dh == NULL)
		return;
	struct dirent *e;
	time_t now = time(NULL);
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		const char *path = arena_printf(r->arena, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) == 0 && now - sb.st_mtime > PENDING_SECONDS)
			unlink(path);
	}
	closedir(dh);
}

/* Keeps data under a new token. Returns the token, or NULL (then no second step is offered). */
static const char *pending_keep(http_req *r, int64_t round_id, const buf *data)
{
	const char *dir = pending_dir(r);
	if (mkdir(web_app(r)->cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return NULL;
	pending_sweep(r);
	unsigned char raw[16];
	char *token = arena_alloc(r->arena, sizeof raw * 2 + 1);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, sizeof raw * 2 + 1, raw, sizeof raw);
	const char *path = pending_path(r, round_id, token);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return NULL;
	bool ok = fwrite(data->data ? data->data : "", 1, data->len, f) == data->len;
	if (fclose(f) != 0 || !ok) {
		unlink(path);
		return NULL;
	}
	return token;
}

/* The path of the kept file of token, or NULL when there is none (any more). */
static const char *pending_find(http_req *r, int64_t round_id, const char *token)
{
	if (token == NULL || strlen(token) != 32 || strspn(token, "0123456789abcdef") != 32)
		return NULL;
	const char *path = pending_path(r, round_id, token);
	struct stat sb;
	if (stat(path, &sb) != 0 || time(NULL) - sb.st_mtime > PENDING_SECONDS) {
		unlink(path);
		return NULL;
	}
	return path;
}

/* ---- checking and importing ---- */

typedef struct checked {
	survey_csv csv;
	survey_area_list areas;
	survey_import_check chk;
	enum survey_csv_error file_error; /* SURVEY_CSV_OK when read */
	bool header_bad;                  /* unknown or repeated columns */
} checked;

/* Reads and checks data against the round. Returns 0, or -1 on a database error. */
static int check_file(http_req *r, const survey_questionnaire *q, const buf *data, checked *out)
{
	memset(out, 0, sizeof *out);
	if (survey_area_list_load(web_db(r), r->arena, &out->areas) != 0)
		return -1;
	out->file_error = survey_csv_read(r->arena, data->data ? data->data : "", data->len, 0, 0, &out->csv);
	if (out->file_error != SURVEY_CSV_OK)
		return 0;
	if (survey_import_check_rows(r->arena, q, &out->csv, survey_area_list_lookup, &out->areas, &out->chk) != 0)
		out->header_bad = true;
	return 0;
}

/* Adds a file-level problem of a checked file to d (error summary and beside the field). */
static bool file_problem(http_req *r, json_t *d, const checked *ck)
{
	if (ck->file_error != SURVEY_CSV_OK) {
		const char *msg = T(r, survey_csv_error_text[ck->file_error]);
		if (ck->file_error == SURVEY_CSV_TOO_MANY_ROWS)
			msg = arena_printf(r->arena, "%s %s %d.", msg, T(r, "Högsta antalet rader är"), SURVEY_CSV_MAX_ROWS);
		if (ck->file_error == SURVEY_CSV_TOO_MANY_COLUMNS)
			msg = arena_printf(r->arena, "%s %s %d.", msg, T(r, "Högsta antalet kolumner är"), SURVEY_CSV_MAX_COLUMNS);
		webform_error(r, d, "file", msg);
		return true;
	}
	if (ck->header_bad) {
		buf names = BUF_INIT;
		for (size_t i = 0; i < ck->chk.unknown_count; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", ck->chk.unknown[i]);
		if (ck->chk.unknown_count)
			webform_error(r, d, "file", arena_printf(r->arena, "%s %s", T(r, "Kolumner som inte finns i enkäten:"),
			                                         names.data));
		buf_reset(&names);
		for (size_t i = 0; i < ck->chk.duplicate_count; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", ck->chk.duplicate[i]);
		if (ck->chk.duplicate_count)
			webform_error(r, d, "file", arena_printf(r->arena, "%s %s", T(r, "Kolumner som finns två gånger:"),
			                                         names.data));
		buf_free(&names);
		json_t *unknown = json_array();
		for (size_t i = 0; i < ck->chk.unknown_count; i++)
			json_array_append_new(unknown, json_string(ck->chk.unknown[i]));
		json_object_set_new(d, "unknown_columns", unknown);
		return true;
	}
	return false;
}

/* Stores the valid rows of ck and the import record in one transaction.
 * Returns the import's id, or -1. */
static int64_t store_rows(http_req *r, const survey_round *round, const survey_questionnaire *q, const checked *ck,
                          const char *filename)
{
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0)
		return -1;
	int64_t id = survey_import_save(c, r->arena, round->id, q, &ck->csv, &ck->chk, filename, web(r)->user->id, web_now());
	if (id < 0 || db_commit(c) != 0) {
		db_rollback(c);
		return -1;
	}
	return id;
}

/* Imports and shows the result (clean file, or the valid rows on request). */
static int do_import(http_req *r, const survey_round *round, const survey_questionnaire *q, const checked *ck,
                     const char *filename, bool valid_only)
{
	int64_t id = store_rows(r, round, q, ck, filename);
	if (id < 0)
		return webform_failed(r, NULL);
	web_audit(r, valid_only ? "survey.import.valid_only" : "survey.import",
	          arena_printf(r->arena, "survey_round:%lld", (long long)round->id),
	          arena_printf(r->arena, "import=%lld file=%s rows=%zu imported=%zu rejected=%zu", (long long)id,
	                       filename, ck->chk.rows_total, ck->chk.valid_count, ck->chk.invalid_rows));
	json_t *d = page_data(r, round);
	json_object_set_new(d, "done", json_true());
	json_object_set_new(d, "filename", json_string(filename));
	json_object_set_new(d, "rows_imported", json_integer((json_int_t)ck->chk.valid_count));
	report_data(r, d, &ck->chk);
	return render(r, 200, d);
}

/* POST …/ID/import — field "file". */
static int import_submit(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	if ((st = survey_page_round_unpublished(r, &round)) != 0)
		return st;
	const http_file *file = http_upload(r, "file");
	json_t *d = page_data(r, &round);
	if (file == NULL) {
		webform_error(r, d, "file", T(r, "Välj en CSV-fil att läsa in."));
		return render(r, 400, d);
	}
	const char *filename = clean_filename(r->arena, file->filename);
	buf data = BUF_INIT;
	if (buf_read_file(&data, file->path) != 0) {
		buf_free(&data);
		return webform_failed(r, d);
	}
	checked ck;
	int rc = check_file(r, q, &data, &ck);
	if (rc != 0) {
		buf_free(&data);
		return webform_failed(r, d);
	}
	if (file_problem(r, d, &ck)) {
		buf_free(&data);
		web_audit(r, "survey.import.refused", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		          arena_printf(r->arena, "file=%s", filename));
		return render(r, 422, d);
	}
	if (ck.chk.rows_total == 0) {
		buf_free(&data);
		webform_error(r, d, "file", T(r, "Filen har inga rader med svar, bara en rubrikrad."));
		return render(r, 422, d);
	}
	if (ck.chk.invalid_rows == 0) {
		buf_free(&data);
		json_decref(d);
		return do_import(r, &round, q, &ck, filename, false);
	}
	/* Bad rows: nothing imported; the report and the second step. */
	const char *token = ck.chk.valid_count > 0 ? pending_keep(r, round.id, &data) : NULL;
	buf_free(&data);
	report_data(r, d, &ck.chk);
	json_object_set_new(d, "filename", json_string(filename));
	webform_summary_error(d, "import-report",
	                      arena_printf(r->arena, "%zu %s %zu %s", ck.chk.invalid_rows, T(r, "av totalt"), ck.chk.rows_total,
	                                   T(r, "rader har fel. Ingenting har lästs in.")));
	if (token) {
		json_object_set_new(d, "token", json_string(token));
		json_object_set_new(d, "valid_only_label",
		                    json_string(arena_printf(r->arena, "%s (%zu), %s %zu %s",
		                                             T(r, "Importera bara de giltiga raderna"), ck.chk.valid_count,
		                                             T(r, "hoppa över de"), ck.chk.invalid_rows, T(r, "ogiltiga"))));
	}
	web_audit(r, "survey.import.rejected", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
	          arena_printf(r->arena, "file=%s rows=%zu invalid=%zu", filename, ck.chk.rows_total, ck.chk.invalid_rows));
	return render(r, 422, d);
}

/* POST …/ID/import/giltiga — fields token and filename: the kept file's valid rows. */
static int import_valid_submit(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	if ((st = survey_page_round_unpublished(r, &round)) != 0)
		return st;
	const char *path = pending_find(r, round.id, http_form(r, "token"));
	json_t *d = page_data(r, &round);
	if (path == NULL) {
		webform_error(r, d, "file", T(r, "Den uppladdade filen finns inte kvar (den sparas en timme). Ladda upp den igen."));
		return render(r, 410, d);
	}
	const char *filename = clean_filename(r->arena, http_form(r, "filename"));
	buf data = BUF_INIT;
	checked ck;
	if (buf_read_file(&data, path) != 0 || check_file(r, q, &data, &ck) != 0) {
		buf_free(&data);
		return webform_failed(r, d);
	}
	buf_free(&data);
	if (file_problem(r, d, &ck))
		return render(r, 422, d);
	if (ck.chk.valid_count == 0) {
		webform_error(r, d, "file", T(r, "Ingen rad i filen är giltig."));
		return render(r, 422, d);
	}
	json_decref(d);
	int status = do_import(r, &round, q, &ck, filename, true);
	if (status == 200)
		unlink(path);
	return status;
}

/* The message for a stored issue (names as in survey_imports.report). */
static const char *stored_message(http_req *r, const char *problem, const char *error)
{
	for (int p = 0; p < SURVEY_IMP__MAX; p++) {
		if (problem == NULL || strcmp(problem, survey_import_problem_names[p]) != 0)
			continue;
		if (p != SURVEY_IMP_ANSWER)
			return T(r, survey_import_problem_text[p]);
		for (int e = 0; e < SURVEY_A__MAX; e++)
			if (error && strcmp(error, survey_aerror_names[e]) == 0)
				return T(r, survey_aerror_message((enum survey_aerror)e));
	}
	return "";
}

/* GET …/ID/import/IMPORT — an earlier import and the rows it left out. */
static int import_detail(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	int64_t import_id;
	const char *text = http_param(r, "import");
	if (text == NULL || str_to_int64(text, &import_id) != 0 || import_id <= 0)
		return web_error(r, 404, T(r, "Det finns ingen sådan import."));
	db_stmt *s = db_prepare(web_db(r), SQL_IMPORT_GET);
	if (s == NULL)
		return webform_failed(r, NULL);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, round.id);
	int rc = db_step(s);
	if (rc == DB_ERROR)
		return webform_failed(r, NULL);
	if (rc != DB_ROW)
		return web_error(r, 404, T(r, "Det finns ingen sådan import."));
	json_t *d = page_data(r, &round);
	json_object_set_new(d, "detail", json_true());
	json_object_set_new(d, "done", json_true());
	json_object_set_new(d, "filename", json_string(db_column_text(s, 0)));
	json_object_set_new(d, "rows_total", json_integer(db_column_int(s, 1)));
	json_object_set_new(d, "rows_imported", json_integer(db_column_int(s, 2)));
	json_object_set_new(d, "rows_valid", json_integer(db_column_int(s, 2)));
	json_object_set_new(d, "rows_invalid", json_integer(db_column_int(s, 3)));
	json_object_set_new(d, "imported_when", json_string(web_format_time(r, db_column_int(s, 5))));
	json_t *rep = json_loads(db_column_text(s, 4) ? db_column_text(s, 4) : "", 0, NULL);
	json_t *issues = json_array(), *item;
	size_t i;
	buf lines = BUF_INIT;
	json_int_t last = 0;
	json_array_foreach(json_object_get(rep, "rejected"), i, item) {
		json_int_t line = json_integer_value(json_object_get(item, "line"));
		if (line != last)
			buf_printf(&lines, "%s%lld", lines.len ? ", " : "", (long long)line);
		last = line;
		if (i >= REPORT_SHOWN_MAX)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer(line));
		json_object_set(o, "column", json_object_get(item, "column"));
		json_object_set_new(o, "value", json_string(shorten(r->arena, json_string_value(json_object_get(item, "value")) ?
		                                                                  json_string_value(json_object_get(item, "value")) : "",
		                                                      VALUE_SHOWN_MAX)));
		json_object_set_new(o, "message", json_string(stored_message(r, json_string_value(json_object_get(item, "problem")),
		                                                              json_string_value(json_object_get(item, "error")))));
		json_array_append_new(issues, o);
	}
	if (json_array_size(json_object_get(rep, "rejected")) > REPORT_SHOWN_MAX)
		json_object_set_new(d, "issues_more",
		                    json_integer((json_int_t)(json_array_size(json_object_get(rep, "rejected")) - REPORT_SHOWN_MAX)));
	json_decref(rep);
	json_object_set_new(d, "issues", issues);
	json_object_set_new(d, "rejected_lines", json_string(lines.data ? lines.data : ""));
	buf_free(&lines);
	return render(r, 200, d);
}

#define MANAGE (ROLE_SAMORDNARE | ROLE_ADMIN)

const http_route survey_import_routes[] = {
	{ "GET", STAFF_BASE "/{id}/kodbok.csv", codebook, ROUTE_STAFF, MANAGE | ROLE_HANDLAGGARE },
	{ "GET", STAFF_BASE "/{id}/mall.csv", csv_template, ROUTE_STAFF, MANAGE | ROLE_HANDLAGGARE },
	{ "GET", STAFF_BASE "/{id}/import", import_page, ROUTE_STAFF, MANAGE },
	{ "POST", STAFF_BASE "/{id}/import", import_submit, ROUTE_STAFF | ROUTE_UPLOAD, MANAGE },
	{ "POST", STAFF_BASE "/{id}/import/giltiga", import_valid_submit, ROUTE_STAFF, MANAGE },
	{ "GET", STAFF_BASE "/{id}/import/{import}", import_detail, ROUTE_STAFF, MANAGE },
};
const size_t survey_import_route_count = ARRAY_LEN(survey_import_routes);
