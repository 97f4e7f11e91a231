/*
 * test_results.c — a round's results computed from the tables (results.c) on
 * SQLite: shares, problem index, victimisation and reporting rate equal the
 * plain averages when nothing is raked; raking to an age margin gives the
 * weighted share worked out by hand; figures on too few answers are
 * suppressed (also in the lägesbild); a margin that cannot be met is named
 * with its cell; the cache gives the same results until answers change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "db/db.h"
#include "../testdb.h"
#include "survey/survey.h"

static const char QUESTIONNAIRE[] =
	"{\"format\":\"trygg-survey/1\",\"title\":{\"sv\":\"Test\"},\"scales\":{"
	"\"prob\":{\"options\":[{\"code\":1,\"key\":\"nej\",\"label\":{\"sv\":\"Nej\"},\"score\":0},"
	"{\"code\":2,\"key\":\"viss\",\"label\":{\"sv\":\"Viss\"},\"score\":3},"
	"{\"code\":3,\"key\":\"stor\",\"label\":{\"sv\":\"Stor\"},\"score\":6},"
	"{\"code\":4,\"key\":\"vet_ej\",\"label\":{\"sv\":\"Vet inte\"},\"score\":null}]},"
	"\"kvall\":{\"options\":[{\"code\":1,\"key\":\"trygg\",\"label\":{\"sv\":\"Trygg\"},\"score\":0},"
	"{\"code\":2,\"key\":\"otrygg\",\"label\":{\"sv\":\"Otrygg\"},\"score\":1}]},"
	"\"yn\":{\"options\":[{\"code\":1,\"key\":\"ja\",\"label\":{\"sv\":\"Ja\"},\"score\":1},"
	"{\"code\":2,\"key\":\"nej\",\"label\":{\"sv\":\"Nej\"},\"score\":0}]},"
	"\"age\":{\"options\":[{\"code\":1,\"key\":\"ung\",\"label\":{\"sv\":\"Ung\"}},"
	"{\"code\":2,\"key\":\"gammal\",\"label\":{\"sv\":\"Gammal\"}}]}},"
	"\"sections\":[{\"code\":\"s\",\"title\":{\"sv\":\"Del\"},\"items\":["
	"{\"code\":\"problem.klotter\",\"type\":\"single\",\"scale\":\"prob\",\"role\":\"problem\",\"text\":{\"sv\":\"K\"}},"
	"{\"code\":\"trygghet.kvall\",\"type\":\"single\",\"scale\":\"kvall\",\"role\":\"unsafety\",\"text\":{\"sv\":\"T\"}},"
	"{\"code\":\"utsatt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"victim\",\"crime\":\"ran\",\"text\":{\"sv\":\"U\"}},"
	"{\"code\":\"anmalt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"reported\",\"crime\":\"ran\","
	"\"show_if\":{\"item\":\"utsatt.ran\",\"codes\":[1]},\"text\":{\"sv\":\"A\"}},"
	"{\"code\":\"bakgrund.alder\",\"type\":\"single\",\"scale\":\"age\",\"role\":\"background\","
	"\"background\":\"age_group\",\"text\":{\"sv\":\"Ålder\"}},"
	"{\"code\":\"bakgrund.omrade\",\"type\":\"area\",\"role\":\"background\",\"background\":\"area\",\"text\":{\"sv\":\"O\"}}"
	"]}]}";

#define RESPONDENTS 40

typedef struct fixture {
	testdb t;
	db *db;
	db_conn *c;
	arena *a;
	const survey_questionnaire *q;
	int64_t area_a, area_b;
} fixture;

static int64_t add_area(db_conn *c, const char *code, const char *name)
{
	db_stmt *s = db_prepare(c, "INSERT INTO areas (code, name, geometry, min_lon, min_lat, max_lon, max_lat, "
	                           "created_at, updated_at) VALUES (?, ?, '{}', 0, 0, 1, 1, 1, 1) RETURNING id");
	assert_non_null(s);
	db_bind_text(s, 1, code);
	db_bind_text(s, 2, name);
	assert_int_equal(db_step(s), DB_ROW);
	int64_t id = db_column_int(s, 0);
	assert_int_equal(db_step(s), DB_DONE);
	return id;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->db = testdb_open(&f->t, "results");
	f->c = db_acquire(f->db);
	f->a = arena_new();
	survey_qproblem p;
	assert_int_equal(survey_questionnaire_parse(f->a, QUESTIONNAIRE, strlen(QUESTIONNAIRE), &f->q, &p), 0);
	assert_int_equal(db_begin_write(f->c), 0);
	f->area_a = add_area(f->c, "A", "Område A");
	f->area_b = add_area(f->c, "B", "Område B");
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
	free(f);
	return 0;
}

/* One respondent i: age ung for even i; klotter cycles nej/viss/stor/vet ej;
 * unsafe when i % 4 == 0 (all young); robbed when i % 2 == 0, reported when
 * i % 4 == 0; area A for the first 30, B for the last 10. */
static void insert_respondent(fixture *f, int64_t round, int i)
{
	survey_answer ans[6];
	size_t n = 0;
	memset(ans, 0, sizeof ans);
#define ANSWER(code_, value_)                 \
	do {                                  \
		ans[n].item_code = (code_);   \
		ans[n].has_code = true;       \
		ans[n].code = (value_);       \
		n++;                          \
	} while (0)
	ANSWER("problem.klotter", i % 4 + 1);
	ANSWER("trygghet.kvall", i % 4 == 0 ? 2 : 1);
	ANSWER("utsatt.ran", i % 2 == 0 ? 1 : 2);
	if (i % 2 == 0)
		ANSWER("anmalt.ran", i % 4 == 0 ? 1 : 2);
	ANSWER("bakgrund.alder", i % 2 + 1);
	ANSWER("bakgrund.omrade", i < 30 ? f->area_a : f->area_b);
	ans[n - 1].area_id = i < 30 ? f->area_a : f->area_b;
#undef ANSWER
	survey_response_meta meta = { .mode = "paper" };
	assert_true(survey_response_insert(f->c, round, f->q, &meta, ans, n, 1000) > 0);
}

static int64_t make_round(fixture *f, const char *slug, int year, const char *margins, int respondents)
{
	survey_round r;
	memset(&r, 0, sizeof r);
	r.slug = slug;
	r.title_sv = slug;
	r.title_en = "";
	r.year = year;
	r.status = SURVEY_ROUND_PUBLISHED;
	r.questionnaire_json = QUESTIONNAIRE;
	r.margins = margins;
	r.min_n = 12; /* area B's 10 answers are too few */
	r.trim_upper = 0;
	r.method_sv = r.method_en = "";
	r.published_at = 1000;
	assert_int_equal(db_begin_write(f->c), 0);
	int64_t id = survey_round_create(f->c, &r, 1000);
	assert_true(id > 0);
	for (int i = 0; i < respondents; i++)
		insert_respondent(f, id, i);
	assert_int_equal(db_commit(f->c), 0);
	return id;
}

static void set_population(fixture *f, int64_t round, const char *margin, const char *const *cells,
                           const double *counts, size_t n)
{
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(survey_population_replace(f->c, round, margin, cells, counts, n, "test", 1000), 0);
	assert_int_equal(db_commit(f->c), 0);
}

static const survey_figure *figure(const survey_results *res, const char *item, const char *option,
                                   const char *index, const char *area)
{
	int d = area ? survey_results_domain(res, SURVEY_DOMAIN_AREA, area) : 0;
	assert_true(d >= 0);
	const survey_figure *fig = survey_results_find(res, item, option, index, (size_t)d);
	assert_non_null(fig);
	return fig;
}

static void test_unraked(void **state)
{
	fixture *f = *state;
	int64_t id = make_round(f, "r2020", 2020, "", RESPONDENTS);
	survey_results *res = NULL;
	assert_int_equal(survey_results_get(f->c, id, &res), 1);
	assert_true(res->ok);
	assert_int_equal(res->n, RESPONDENTS);
	const survey_figure *u = figure(res, "trygghet.kvall", "", SURVEY_INDEX_NAME_UNSAFETY, NULL);
	assert_int_equal(u->e.status, SURVEY_ESTIMATE_OK);
	assert_true(fabs(u->e.value - 10.0 / 40) < 1e-12);
	assert_true(u->e.ci_low < u->e.value && u->e.value < u->e.ci_high);
	const survey_figure *k = figure(res, "problem.klotter", "", SURVEY_INDEX_NAME_PROBLEM, NULL);
	assert_true(fabs(k->e.value - 3.0) < 1e-12); /* (0 + 3 + 6) / 3, "vet inte" left out */
	assert_int_equal(k->e.n, 30);
	const survey_figure *share = figure(res, "problem.klotter", "stor", "", NULL);
	assert_true(fabs(share->e.value - 0.25) < 1e-12);
	const survey_figure *v = figure(res, "", "", SURVEY_INDEX_NAME_VICTIMISATION, NULL);
	assert_true(fabs(v->e.value - 0.5) < 1e-12);
	const survey_figure *rep = figure(res, "", "", SURVEY_INDEX_NAME_REPORTING, NULL);
	assert_true(fabs(rep->e.value - 0.5) < 1e-12);
	/* area A has 30 answers, B only 10 (min_n 12): B is suppressed, with NaN numbers */
	assert_int_equal(figure(res, "trygghet.kvall", "", SURVEY_INDEX_NAME_UNSAFETY, "A")->e.status, SURVEY_ESTIMATE_OK);
	const survey_figure *b = figure(res, "trygghet.kvall", "", SURVEY_INDEX_NAME_UNSAFETY, "B");
	assert_int_equal(b->e.status, SURVEY_ESTIMATE_SUPPRESSED);
	assert_true(isnan(b->e.value));
	assert_int_equal(b->e.n, 10);
	/* unchanged tables: the same results from the cache */
	survey_results *again = NULL;
	assert_int_equal(survey_results_get(f->c, id, &again), 1);
	assert_ptr_equal(again, res);
	survey_results_release(again);
	/* a new answer: computed afresh */
	assert_int_equal(db_begin_write(f->c), 0);
	insert_respondent(f, id, 40);
	assert_int_equal(db_commit(f->c), 0);
	assert_int_equal(survey_results_get(f->c, id, &again), 1);
	assert_ptr_not_equal(again, res);
	assert_int_equal(again->n, RESPONDENTS + 1);
	survey_results_release(again);
	survey_results_release(res);
}

static void test_raked(void **state)
{
	fixture *f = *state;
	int64_t first = make_round(f, "r2020", 2020, "", RESPONDENTS);
	int64_t id = make_round(f, "r2023", 2023, "age_group", RESPONDENTS);
	static const char *const cells[] = { "ung", "gammal" };
	static const double counts[] = { 600, 400 };
	set_population(f, id, "age_group", cells, counts, 2);
	survey_results *res = NULL;
	assert_int_equal(survey_results_get(f->c, id, &res), 1);
	assert_true(res->ok);
	assert_true(res->weighted);
	assert_true(res->report.converged);
	/* 20 young respondents stand for 600 people: weight 30; the old 20 each */
	assert_true(fabs(res->report.weight_max - 30) < 1e-9);
	assert_true(fabs(res->report.weight_min - 20) < 1e-9);
	/* all the unsafe are young: 10 · 30 / 1000 */
	const survey_figure *u = figure(res, "trygghet.kvall", "", SURVEY_INDEX_NAME_UNSAFETY, NULL);
	assert_true(fabs(u->e.value - 0.3) < 1e-12);
	/* compared with the unraked round before it (0.25) */
	assert_int_equal(res->previous_round_id, first);
	assert_true(fabs(u->previous.difference - 0.05) < 1e-12);
	assert_int_not_equal(u->previous.verdict, SURVEY_NOT_COMPARABLE);
	/* margins against the weighted totals */
	assert_int_equal(res->check_count, 2);
	for (size_t i = 0; i < res->check_count; i++)
		assert_true(fabs(res->checks[i].population - res->checks[i].weighted) < 1e-6);
	survey_results_release(res);
}

static void test_cannot_rake(void **state)
{
	fixture *f = *state;
	int64_t id = make_round(f, "r2024", 2024, "age_group", RESPONDENTS);
	static const char *const cells[] = { "ung", "gammal" };
	static const double counts[] = { 600, 0 };
	set_population(f, id, "age_group", cells, counts, 2);
	survey_results *res = NULL;
	assert_int_equal(survey_results_get(f->c, id, &res), 1);
	assert_false(res->ok);
	assert_int_equal(res->error, SURVEY_ERR_CELL_NOT_IN_POPULATION);
	assert_string_equal(res->margin_name, "age_group");
	assert_string_equal(res->cell_name, "gammal");
	assert_int_equal(res->figure_count, 0);
	survey_results_release(res);
}

typedef struct collected {
	int64_t area_b;
	size_t count, whole, in_b, suppressed_in_b;
	int years[4];
} collected;

static int collect(void *ud, const survey_area_estimate *e)
{
	collected *c = ud;
	c->count++;
	c->whole += e->area_id == 0;
	c->in_b += e->area_id == c->area_b;
	c->suppressed_in_b += e->area_id == c->area_b && e->suppressed;
	if (e->suppressed)
		assert_true(isnan(e->value));
	if (c->count == 1)
		c->years[0] = e->year;
	return 0;
}

static void test_lagesbild(void **state)
{
	fixture *f = *state;
	make_round(f, "r2020", 2020, "", RESPONDENTS);
	make_round(f, "r2021", 2021, "", RESPONDENTS);
	collected all = { .area_b = f->area_b }, one = { .area_b = f->area_b };
	assert_int_equal(survey_lagesbild_estimates(f->c, 0, 0, collect, &all), 0);
	assert_int_equal(survey_lagesbild_estimates(f->c, 2021, 2021, collect, &one), 0);
	assert_int_equal(all.count, 2 * one.count);
	assert_int_equal(one.years[0], 2021);
	/* per round: problem, problem total, unsafety, victimisation for ran and in total,
	 * reporting for ran and in total — for everyone, A and B */
	assert_int_equal(one.count, 7 * 3);
	assert_int_equal(one.whole, 7);
	assert_int_equal(one.in_b, 7);
	assert_int_equal(one.suppressed_in_b, 7); /* area B: 10 answers */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unraked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_rake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lagesbild, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
