/*
 * test_answer_store.c — web answers in progress on SQLite (answer_store.h):
 * codes in their printed form; a one-time code found however it is typed,
 * and only in its own round; a response in progress found by its resume code
 * and its one-time code; saving replaces the answers; submitting makes a
 * complete response with no link to the code or the resume code (times kept
 * to the day), uses the code up, and happens only once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "db/db.h"
#include "../testdb.h"
#include "survey/answer_store.h"
#include "survey/survey_store.h"

typedef struct fixture {
	testdb t;
	db *db;
	db_conn *c;
	arena *a;
	const survey_questionnaire *q;
	int64_t round, other_round;
} fixture;

static int64_t make_round(fixture *f, const char *slug, const char *json)
{
	survey_round r = { .slug = slug, .title_sv = "Test", .year = 2026, .status = SURVEY_ROUND_OPEN,
	                   .questionnaire_json = json };
	assert_int_equal(db_begin_write(f->c), 0);
	int64_t id = survey_round_create(f->c, &r, 1000);
	assert_true(id > 0);
	assert_int_equal(db_commit(f->c), 0);
	return id;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->db = testdb_open(&f->t, "answers");
	f->c = db_acquire(f->db);
	f->a = arena_new();
	buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, "data/survey/bank.json"), 0);
	const char *json = arena_strdup(f->a, b.data);
	buf_free(&b);
	survey_qproblem problem;
	assert_int_equal(survey_questionnaire_parse(f->a, json, strlen(json), &f->q, &problem), 0);
	f->round = make_round(f, "r1", json);
	f->other_round = make_round(f, "r2", json);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	db_release(f->db, f->c);
	testdb_close(&f->t);
	arena_free(f->a);
	free(f);
	return 0;
}

static void codes_in_printed_form(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		char code[SURVEY_CODE_TEXT_SIZE];
		survey_code_new(code);
		assert_int_equal(strlen(code), 14);
		for (int k = 0; k < 14; k++) {
			if (k == 4 || k == 9)
				assert_int_equal(code[k], '-');
			else
				assert_non_null(strchr("ACDEFGHJKMNPQRTUVWXY34679", code[k]));
		}
	}
}

static void one_time_codes_found_however_typed(void **state)
{
	fixture *f = *state;
	const char **codes;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_codes_create(f->c, f->a, f->round, 3, "brev", 1000, &codes), 3);
	assert_int_equal(db_commit(f->c), 0);

	char typed[32];
	size_t k = 0;
	for (const char *p = codes[1]; *p; p++)
		if (*p != '-') {
			typed[k++] = (char)tolower((unsigned char)*p);
			if (k == 6)
				typed[k++] = ' ';
		}
	typed[k] = '\0';
	int64_t id = 0, id2 = 0;
	bool used = true;
	assert_int_equal(survey_progress_code_find(f->c, f->round, codes[1], &id, &used), 1);
	assert_false(used);
	assert_int_equal(survey_progress_code_find(f->c, f->round, typed, &id2, &used), 1);
	assert_int_equal(id, id2);
	assert_int_equal(survey_progress_code_find(f->c, f->other_round, codes[1], &id2, &used), 0);
	assert_int_equal(survey_progress_code_find(f->c, f->round, "AAAA-AAAA-AAAA", &id2, &used), 0);
}

static void progress_saved_and_submitted_once(void **state)
{
	fixture *f = *state;
	const char **codes;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_codes_create(f->c, f->a, f->round, 1, "", 1000, &codes), 1);
	int64_t code_id = 0;
	bool used;
	assert_int_equal(survey_progress_code_find(f->c, f->round, codes[0], &code_id, &used), 1);
	int64_t id = survey_progress_create(f->c, f->round, code_id, "TTTT-UUUU-VVVV", 2000);
	assert_true(id > 0);
	assert_int_equal(db_commit(f->c), 0);

	survey_progress p;
	assert_int_equal(survey_progress_by_token(f->c, f->round, "tttt uuuu vvvv", &p), 1);
	assert_int_equal(p.id, id);
	assert_int_equal(p.code_id, code_id);
	assert_int_equal(p.started_at, 2000);
	assert_int_equal(survey_progress_by_token(f->c, f->other_round, "TTTT-UUUU-VVVV", &p), 0);
	assert_int_equal(survey_progress_by_code(f->c, code_id, &p), 1);
	assert_int_equal(p.id, id);

	/* Saving replaces what was there. */
	survey_answer first[] = { { .item_code = "problem.klotter", .has_code = true, .code = 3 },
	                          { .item_code = "utsatt.ran", .has_code = true, .code = 2 } };
	survey_answer second[] = { { .item_code = "problem.klotter", .has_code = true, .code = 1 },
	                           { .item_code = "oppen.tryggare", .text = "Mer ljus" },
	                           { .item_code = "bakgrund.alder", .has_code = true, .code = 2 },
	                           { .item_code = "bakgrund.kon", .has_code = true, .code = 1 },
	                           { .item_code = "bakgrund.omrade", .has_code = true, .code = 7, .area_id = 7 } };
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_progress_save(f->c, id, first, 2, 2100), 0);
	assert_int_equal(survey_progress_save(f->c, id, second, 5, 2200), 0);
	assert_int_equal(db_commit(f->c), 0);
	survey_answer *got;
	size_t n;
	assert_int_equal(survey_progress_answers(f->c, f->a, id, &got, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(got[0].item_code, "problem.klotter");
	assert_int_equal(got[0].code, 1);
	assert_string_equal(got[1].text, "Mer ljus");
	assert_int_equal(got[4].area_id, 7);

	/* A new resume code replaces the old one. */
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_progress_set_token(f->c, id, "WWWW-XXXX-YYYY", 2300), 0);
	assert_int_equal(db_commit(f->c), 0);
	assert_int_equal(survey_progress_by_token(f->c, f->round, "TTTT-UUUU-VVVV", &p), 0);
	assert_int_equal(survey_progress_by_token(f->c, f->round, "WWWW-XXXX-YYYY", &p), 1);

	int64_t done = survey_progress_submit(f->c, f->q, &p, got, n, 3000);
	assert_true(done > 0);
	assert_int_equal(survey_progress_submit(f->c, f->q, &p, got, n, 3001), 0);
	assert_int_equal(survey_progress_by_token(f->c, f->round, "WWWW-XXXX-YYYY", &p), 0);
	assert_int_equal(survey_progress_by_code(f->c, code_id, &p), 0);
	assert_int_equal(survey_progress_code_find(f->c, f->round, codes[0], &code_id, &used), 1);
	assert_true(used);
	assert_int_equal(survey_response_count(f->c, f->round), 1);

	db_stmt *s = db_prepare(f->c, "SELECT mode, status, code_id IS NULL, resume_hash IS NULL, area_id, started_at, "
	                              "submitted_at FROM survey_responses WHERE id = ?");
	db_bind_int(s, 1, done);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "web");
	assert_string_equal(db_column_text(s, 1), "complete");
	assert_int_equal(db_column_int(s, 2), 1);
	assert_int_equal(db_column_int(s, 3), 1);
	assert_int_equal(db_column_int(s, 4), 7);
	/* Kept to the day, like the code's times: 2000 and 3000 s are on day 0. */
	assert_int_equal(db_column_int(s, 5), 0);
	assert_int_equal(db_column_int(s, 6), 0);
	db_step(s);
	s = db_prepare(f->c, "SELECT COUNT(*) FROM survey_answers");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 5);
	db_step(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_in_printed_form),
		cmocka_unit_test_setup_teardown(one_time_codes_found_however_typed, setup, teardown),
		cmocka_unit_test_setup_teardown(progress_saved_and_submitted_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
