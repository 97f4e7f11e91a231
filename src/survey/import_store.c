/*
 * import_store.c — storing the rows of an imported file with multi-row
 * inserts (see import.h). Row by row, survey_response_insert() makes eleven
 * statements for a response of ten answers; a file of 200,000 rows would
 * take minutes. Here responses go RESPONSE_BATCH and answers ANSWER_BATCH at
 * a time. The stored rows are the same as survey_response_insert() makes:
 * complete, the response's area from the questionnaire's area background
 * item, free text pending review.
 *
 * The new responses' ids are read back by their import_id, in id order,
 * which is the order they were inserted in: one statement inserts its rows
 * in the order of its VALUES, and ids grow (SQLite's rowid, PostgreSQL's
 * sequence), inside the caller's write transaction.
 */
#include "survey/import.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "areas/area.h"
#include "core/util.h"
#include "survey/survey_store.h"

#define RESPONSE_BATCH 100
#define RESPONSE_PARAMS 9
#define ANSWER_BATCH 400
#define ANSWER_PARAMS 8

static const char SQL_IMPORT_INSERT[] =
	"INSERT INTO survey_imports (round_id, filename, rows_total, rows_imported, rows_rejected, report, "
	"imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_RESPONSE_HEAD[] =
	"INSERT INTO survey_responses (round_id, mode, status, area_id, base_weight, import_id, source_ref, "
	"started_at, submitted_at, updated_at) VALUES ";
static const char SQL_RESPONSE_ROW[] = "(?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_RESPONSE_IDS[] = "SELECT id FROM survey_responses WHERE import_id = ? ORDER BY id";
static const char SQL_ANSWER_HEAD[] =
	"INSERT INTO survey_answers (response_id, item_code, value_code, value_text, lat, lon, area_id, "
	"text_review) VALUES ";
static const char SQL_ANSWER_ROW[] = "(?, ?, ?, ?, ?, ?, ?, ?)";

static void bind_opt_int(db_stmt *s, int idx, int64_t v)
{
	if (v > 0)
		db_bind_int(s, idx, v);
	else
		db_bind_null(s, idx);
}

static int store_answers(db_conn *c, arena *a, const survey_import_row *rows, size_t n, const int64_t *ids)
{
	const char *full_sql = survey_batch_sql(a, SQL_ANSWER_HEAD, SQL_ANSWER_ROW, ANSWER_BATCH);
	const char *sqls[ANSWER_BATCH + 1] = { 0 };
	size_t row = 0, k = 0; /* the next answer: rows[row].answers[k] */
	for (;;) {
		/* Up to ANSWER_BATCH answers from here. */
		int64_t resp[ANSWER_BATCH];
		const survey_answer *ans[ANSWER_BATCH];
		size_t m = 0;
		while (m < ANSWER_BATCH && row < n) {
			if (k >= rows[row].answer_count) {
				row++;
				k = 0;
				continue;
			}
			resp[m] = ids[row];
			ans[m++] = &rows[row].answers[k++];
		}
		if (m == 0)
			return 0;
		if (sqls[m] == NULL)
			sqls[m] = m == ANSWER_BATCH ? full_sql : survey_batch_sql(a, SQL_ANSWER_HEAD, SQL_ANSWER_ROW, m);
		db_stmt *s = db_prepare(c, sqls[m]);
		if (s == NULL)
			return -1;
		for (size_t i = 0; i < m; i++) {
			int b = (int)(i * ANSWER_PARAMS);
			const survey_answer *x = ans[i];
			bool has_text = x->text != NULL && x->text[0] != '\0';
			db_bind_int(s, b + 1, resp[i]);
			db_bind_text(s, b + 2, x->item_code);
			if (x->has_code)
				db_bind_int(s, b + 3, x->code);
			else
				db_bind_null(s, b + 3);
			if (has_text)
				db_bind_text(s, b + 4, x->text);
			else
				db_bind_null(s, b + 4);
			if (x->has_point) {
				db_bind_double(s, b + 5, x->lat);
				db_bind_double(s, b + 6, x->lon);
			} else {
				db_bind_null(s, b + 5);
				db_bind_null(s, b + 6);
			}
			bind_opt_int(s, b + 7, x->area_id);
			if (has_text)
				db_bind_text(s, b + 8, "pending");
			else
				db_bind_null(s, b + 8);
		}
		if (db_step(s) != DB_DONE)
			return -1;
	}
}

int survey_import_store(db_conn *c, arena *a, int64_t round_id, const survey_questionnaire *q, int64_t import_id,
                        const survey_import_row *rows, size_t n, const char *filename, int64_t now)
{
	const survey_item *area_item = survey_background_item(q, "area");
	const char *full_sql = survey_batch_sql(a, SQL_RESPONSE_HEAD, SQL_RESPONSE_ROW, RESPONSE_BATCH);
	const char *sqls[RESPONSE_BATCH + 1] = { 0 };
	for (size_t done = 0; done < n;) {
		size_t m = n - done < RESPONSE_BATCH ? n - done : RESPONSE_BATCH;
		if (sqls[m] == NULL)
			sqls[m] = m == RESPONSE_BATCH ? full_sql : survey_batch_sql(a, SQL_RESPONSE_HEAD, SQL_RESPONSE_ROW, m);
		db_stmt *s = db_prepare(c, sqls[m]);
		if (s == NULL)
			return -1;
		for (size_t i = 0; i < m; i++) {
			const survey_import_row *row = &rows[done + i];
			int64_t area_id = 0;
			for (size_t k = 0; area_item != NULL && k < row->answer_count; k++)
				if (strcmp(row->answers[k].item_code, area_item->code) == 0)
					area_id = row->answers[k].area_id;
			int b = (int)(i * RESPONSE_PARAMS);
			db_bind_int(s, b + 1, round_id);
			db_bind_text(s, b + 2, row->mode);
			bind_opt_int(s, b + 3, area_id);
			db_bind_double(s, b + 4, row->weight > 0 ? row->weight : 1.0);
			db_bind_int(s, b + 5, import_id);
			db_bind_text(s, b + 6, *row->ref ? row->ref : arena_printf(a, "%s:%zu", filename, row->line));
			db_bind_int(s, b + 7, now);
			db_bind_int(s, b + 8, now);
			db_bind_int(s, b + 9, now);
		}
		if (db_step(s) != DB_DONE)
			return -1;
		done += m;
	}
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (ids == NULL)
		return -1;
	size_t got = 0;
	int rc = -1;
	db_stmt *s = db_prepare(c, SQL_RESPONSE_IDS);
	if (s == NULL)
		goto out;
	db_bind_int(s, 1, import_id);
	int step;
	while ((step = db_step(s)) == DB_ROW && got < n)
		ids[got++] = db_column_int(s, 0);
	if (step == DB_ROW) /* more responses than rows: another import with this id */
		goto out;
	if (step != DB_DONE || got != n)
		goto out;
	rc = store_answers(c, a, rows, n, ids);
out:
	free(ids);
	return rc;
}

/* The stored report: every issue, with names rather than sentences. */
static char *report_json(const survey_csv *csv, const survey_import_check *chk)
{
	json_t *rep = json_object(), *rows = json_array();
	char sep[2] = { csv->separator, '\0' };
	json_object_set_new(rep, "separator", json_string(sep));
	json_object_set_new(rep, "bom", json_boolean(csv->bom));
	json_object_set_new(rep, "rows_rejected", json_integer((json_int_t)chk->invalid_rows));
	json_object_set_new(rep, "issues_total", json_integer((json_int_t)chk->issue_total));
	for (size_t i = 0; i < chk->issue_count; i++) {
		const survey_import_issue *is = &chk->issues[i];
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer((json_int_t)is->line));
		json_object_set_new(o, "column", json_string(is->column));
		json_object_set_new(o, "value", json_stringn(is->value, strlen(is->value) > 400 ? 400 : strlen(is->value)));
		json_object_set_new(o, "problem", json_string(survey_import_problem_names[is->problem]));
		if (is->problem == SURVEY_IMP_ANSWER)
			json_object_set_new(o, "error", json_string(survey_aerror_names[is->aerror]));
		json_array_append_new(rows, o);
	}
	json_object_set_new(rep, "rejected", rows);
	char *text = json_dumps(rep, JSON_COMPACT);
	json_decref(rep);
	return text;
}

int64_t survey_import_save(db_conn *c, arena *a, int64_t round_id, const survey_questionnaire *q, const survey_csv *csv,
                           const survey_import_check *chk, const char *filename, int64_t imported_by, int64_t now)
{
	char *report = report_json(csv, chk);
	int64_t import_id = -1;
	db_stmt *s = db_prepare(c, SQL_IMPORT_INSERT);
	if (s == NULL || report == NULL)
		goto out;
	db_bind_int(s, 1, round_id);
	db_bind_text(s, 2, filename);
	db_bind_int(s, 3, (int64_t)chk->rows_total);
	db_bind_int(s, 4, (int64_t)chk->valid_count);
	db_bind_int(s, 5, (int64_t)chk->invalid_rows);
	db_bind_text(s, 6, report);
	if (imported_by > 0)
		db_bind_int(s, 7, imported_by);
	else
		db_bind_null(s, 7);
	db_bind_int(s, 8, now);
	if (db_step(s) != DB_ROW)
		goto out;
	int64_t id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE) /* finishes the statement, so that COMMIT can run */
		goto out;
	/* A place: the area its point lies in. */
	for (size_t i = 0; i < chk->valid_count; i++) {
		const survey_import_row *row = &chk->valid[i];
		for (size_t k = 0; k < row->answer_count; k++) {
			survey_answer *ans = &row->answers[k];
			area_match m;
			if (ans->has_point && ans->area_id == 0 && area_locate(c, ans->lat, ans->lon, &m) == AREA_FOUND)
				ans->area_id = m.id;
		}
	}
	if (survey_import_store(c, a, round_id, q, id, chk->valid, chk->valid_count, filename, now) != 0)
		goto out;
	import_id = id;
out:
	free(report);
	return import_id;
}
