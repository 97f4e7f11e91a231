/*
 * test_survey_store.c — the survey's tables on SQLite: a round keeps its
 * questionnaire and settings, a response keeps its answers and its area,
 * free text starts pending review, counts for the lägesbild by item × code ×
 * area × month, population margins are replaced as a
 * whole, and one-time codes exist only as hashes. (The HTTP suite runs the
 * same code on PostgreSQL.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "db/db.h"
#include "../testdb.h"
#include "survey/survey_store.h"

typedef struct fixture {
	testdb t;
	db *db;
	db_conn *c;
	arena *a;
	buf bank;
	const survey_questionnaire *q;
	int64_t round;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->db = testdb_open(&f->t, "survey");
	f->c = db_acquire(f->db);
	f->a = arena_new();
	buf_init(&f->bank);
	assert_int_equal(buf_read_file(&f->bank, "data/survey/bank.json"), 0);
	survey_qproblem p;
	assert_int_equal(survey_questionnaire_parse(f->a, buf_cstr(&f->bank), strlen(buf_cstr(&f->bank)), &f->q, &p), 0);
	survey_round r = { .slug = "test-2025", .title_sv = "Test 2025", .title_en = "Test 2025", .year = 2025,
	                   .status = SURVEY_ROUND_OPEN, .questionnaire_json = buf_cstr(&f->bank),
	                   .margins = "age_group*sex,area", .min_n = 30, .trim_upper = 5 };
	assert_int_equal(db_begin_write(f->c), 0);
	f->round = survey_round_create(f->c, &r, 1000);
	if (f->round <= 0)
		fail_msg("create: %s", db_errmsg(f->c));
	assert_true(f->round > 0);
	assert_int_equal(db_commit(f->c), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	db_release(f->db, f->c);
	testdb_close(&f->t);
	arena_free(f->a);
	buf_free(&f->bank);
	free(f);
	return 0;
}

static void test_round(void **state)
{
	fixture *f = *state;
	survey_round r;
	assert_int_equal(survey_round_get(f->c, f->a, 0, "test-2025", &r), 1);
	assert_int_equal(r.id, f->round);
	assert_int_equal(r.year, 2025);
	assert_int_equal(r.status, SURVEY_ROUND_OPEN);
	assert_string_equal(r.margins, "age_group*sex,area");
	assert_int_equal(r.opens_at, 0);
	assert_true(survey_round_accepting(&r, 2000));
	assert_non_null(survey_round_questionnaire(f->a, &r));

	r.closes_at = 1500;
	r.status = SURVEY_ROUND_OPEN;
	assert_int_equal(survey_round_update(f->c, &r, 1200), 1);
	assert_int_equal(survey_round_get(f->c, f->a, f->round, NULL, &r), 1);
	assert_int_equal(r.closes_at, 1500);
	assert_int_equal(r.updated_at, 1200);
	assert_false(survey_round_accepting(&r, 1500));
	assert_true(survey_round_accepting(&r, 1499));
	assert_int_equal(survey_round_get(f->c, f->a, 0, "no-such-round", &r), 0);

	/* The slug is unique. */
	survey_round dup = r;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_round_create(f->c, &dup, 1300), -1);
	assert_true(db_error_is_conflict(f->c));
	assert_int_equal(db_rollback(f->c), 0);
}

typedef struct collected {
	int count;
	int64_t area_of_response;
	bool saw_text;
	bool saw_point;
} collected;

static int collect(void *ud, const survey_stored_answer *a)
{
	collected *c = ud;
	c->count++;
	if (strcmp(a->answer.item_code, "bakgrund.omrade") == 0)
		c->area_of_response = a->answer.area_id;
	if (a->answer.text != NULL)
		c->saw_text = true;
	if (a->answer.has_point)
		c->saw_point = true;
	return 0;
}

static void test_response(void **state)
{
	fixture *f = *state;
	survey_answer answers[] = {
		{ .item_code = "bakgrund.alder", .has_code = true, .code = 2 },
		{ .item_code = "bakgrund.kon", .has_code = true, .code = 1 },
		{ .item_code = "bakgrund.omrade", .has_code = true, .code = 7, .area_id = 7 },
		{ .item_code = "utsatt.ran", .has_code = true, .code = 1 },
		{ .item_code = "anmalt.ran", .has_code = true, .code = 2 },
		{ .item_code = "oppen.tryggare", .text = "Mer belysning vid stationen" },
		{ .item_code = "trygghet.plats", .has_point = true, .lat = 57.74, .lon = 12.1, .text = "" },
	};
	const char *where;
	assert_int_equal(survey_answers_check(f->q, answers, 7, &where), SURVEY_A_OK);
	survey_response_meta meta = { .mode = "phone", .source_ref = "intervju 12" };
	assert_int_equal(db_begin_write(f->c), 0);
	int64_t id = survey_response_insert(f->c, f->round, f->q, &meta, answers, 7, 5000);
	assert_true(id > 0);
	assert_int_equal(db_commit(f->c), 0);
	assert_int_equal(survey_response_count(f->c, f->round), 1);

	db_stmt *s = db_prepare(f->c, "SELECT area_id, mode, base_weight, status FROM survey_responses WHERE id = ?");
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 7);
	assert_string_equal(db_column_text(s, 1), "phone");
	assert_true(db_column_double(s, 2) == 1.0);
	assert_string_equal(db_column_text(s, 3), "complete");
	s = db_prepare(f->c, "SELECT text_review FROM survey_answers WHERE response_id = ? AND item_code = ?");
	db_bind_int(s, 1, id);
	db_bind_text(s, 2, "oppen.tryggare");
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "pending");

	collected c = { 0 };
	assert_int_equal(survey_answers_each(f->c, f->round, false, collect, &c), 0);
	assert_int_equal(c.count, 7);
	assert_int_equal(c.area_of_response, 7);
	assert_false(c.saw_text); /* results never see free text */
	assert_true(c.saw_point);
	memset(&c, 0, sizeof c);
	assert_int_equal(survey_answers_each(f->c, f->round, true, collect, &c), 0);
	assert_true(c.saw_text);
}

typedef struct counted {
	int rows;
	int64_t total, places_in_7, robbed;
} counted;

static int count_row(void *ud, const survey_count *row)
{
	counted *c = ud;
	c->rows++;
	c->total += row->count;
	assert_int_equal(row->year, 1970);
	assert_int_equal(row->month, 1);
	if (strcmp(row->item_code, "trygghet.plats") == 0 && row->area_id == 7)
		c->places_in_7 += row->count;
	if (strcmp(row->item_code, "utsatt.ran") == 0 && row->value_code == 1)
		c->robbed += row->count;
	return 0;
}

static void test_counts(void **state)
{
	fixture *f = *state;
	test_response(state);
	survey_answer more[] = {
		{ .item_code = "bakgrund.omrade", .has_code = true, .code = 7, .area_id = 7 },
		{ .item_code = "utsatt.ran", .has_code = true, .code = 1 },
		{ .item_code = "anmalt.ran", .has_code = true, .code = 1 },
		{ .item_code = "trygghet.plats", .has_point = true, .lat = 57.7, .lon = 12.1, .area_id = 9 },
	};
	survey_response_meta meta = { .mode = "paper" };
	assert_int_equal(db_begin_write(f->c), 0);
	assert_true(survey_response_insert(f->c, f->round, f->q, &meta, more, 4, 6000) > 0);
	assert_int_equal(db_commit(f->c), 0);
	counted c = { 0 };
	assert_int_equal(survey_counts(f->c, 0, 86400, count_row, &c), 0);
	assert_int_equal(c.total, 11);        /* 7 + 4 answers */
	assert_int_equal(c.places_in_7, 1);   /* the second place lies in area 9, not the respondent's */
	assert_int_equal(c.robbed, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(survey_counts(f->c, 5500, 86400, count_row, &c), 0);
	assert_int_equal(c.total, 4);
}

typedef struct pop_sum {
	int cells;
	double total;
} pop_sum;

static int pop_add(void *ud, const char *margin, const char *cell, double count)
{
	pop_sum *p = ud;
	assert_string_equal(margin, "age_group");
	assert_non_null(cell);
	p->cells++;
	p->total += count;
	return 0;
}

static void test_population(void **state)
{
	fixture *f = *state;
	const char *cells[] = { "16-24", "25-44", "45-64", "65-84" };
	const double first[] = { 1, 2, 3, 4 }, second[] = { 10, 20, 30, 40 };
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_population_replace(f->c, f->round, "age_group", cells, first, 4, "test", 1), 0);
	assert_int_equal(survey_population_replace(f->c, f->round, "age_group", cells, second, 3, "test", 2), 0);
	assert_int_equal(db_commit(f->c), 0);
	pop_sum p = { 0 };
	assert_int_equal(survey_population_each(f->c, f->round, pop_add, &p), 0);
	assert_int_equal(p.cells, 3);
	assert_true(p.total == 60);
}

static void test_codes(void **state)
{
	fixture *f = *state;
	const char **codes = NULL;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_codes_create(f->c, f->a, f->round, 50, "utskick 1", 10, &codes), 50);
	assert_int_equal(db_commit(f->c), 0);
	for (size_t i = 0; i < 50; i++) {
		assert_int_equal(strlen(codes[i]), 14);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	/* Only the hash is stored, and typing the code in lower case without dashes finds it. */
	char typed[32], hash[65];
	size_t k = 0;
	for (const char *p = codes[0]; *p; p++)
		if (*p != '-')
			typed[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	typed[k] = '\0';
	survey_code_hash(typed, hash);
	db_stmt *s = db_prepare(f->c, "SELECT COUNT(*) FROM survey_codes WHERE code_hash = ? AND round_id = ?");
	db_bind_text(s, 1, hash);
	db_bind_int(s, 2, f->round);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	s = db_prepare(f->c, "SELECT COUNT(*) FROM survey_codes WHERE code_hash = ?");
	db_bind_text(s, 1, codes[0]);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_population, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
