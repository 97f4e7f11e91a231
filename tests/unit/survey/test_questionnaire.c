/*
 * test_questionnaire.c — the questionnaire format: the shipped question bank
 * parses, each kind of mistake in a document is caught with its place, and
 * answers are read and checked the same way for every channel (routing,
 * required items, codes and keys, numbers, texts, places, areas).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "survey/questionnaire.h"

static const char SMALL[] =
	"{\"format\":\"trygg-survey/1\",\"title\":{\"sv\":\"Test\",\"en\":\"Test\"},"
	"\"scales\":{\"yn\":{\"options\":[{\"code\":1,\"key\":\"ja\",\"label\":{\"sv\":\"Ja\"},\"score\":1},"
	"{\"code\":2,\"key\":\"nej\",\"label\":{\"sv\":\"Nej\"},\"score\":0},"
	"{\"code\":3,\"key\":\"vet_ej\",\"label\":{\"sv\":\"Vet inte\"},\"score\":null}]}},"
	"\"sections\":[{\"code\":\"s\",\"title\":{\"sv\":\"Del\"},\"items\":["
	"{\"code\":\"utsatt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"victim\",\"crime\":\"ran\","
	"\"required\":true,\"text\":{\"sv\":\"Rånad?\",\"en\":\"Robbed?\"}},"
	"{\"code\":\"anmalt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"reported\",\"crime\":\"ran\","
	"\"required\":true,\"show_if\":{\"item\":\"utsatt.ran\",\"codes\":[1]},\"text\":{\"sv\":\"Anmält?\"}},"
	"{\"code\":\"alder\",\"type\":\"number\",\"min\":16,\"max\":84,\"text\":{\"sv\":\"Ålder\"}},"
	"{\"code\":\"fritext\",\"type\":\"text\",\"max_chars\":5,\"text\":{\"sv\":\"Text\"}},"
	"{\"code\":\"plats\",\"type\":\"place\",\"text\":{\"sv\":\"Plats\"}},"
	"{\"code\":\"omrade\",\"type\":\"area\",\"role\":\"background\",\"background\":\"area\",\"text\":{\"sv\":\"Område\"}}"
	"]}]}";

static const survey_questionnaire *parse_ok(arena *a, const char *json)
{
	const survey_questionnaire *q = NULL;
	survey_qproblem p;
	int rc = survey_questionnaire_parse(a, json, strlen(json), &q, &p);
	if (rc != 0)
		fail_msg("parse failed: %d at %s (%s)", p.error, p.where, p.detail);
	return q;
}

static void test_bank_parses(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	assert_int_equal(buf_read_file(&b, "data/survey/bank.json"), 0);
	arena *a = arena_new();
	const survey_questionnaire *q = parse_ok(a, buf_cstr(&b));
	assert_non_null(q);
	assert_true(q->item_count >= 50);
	assert_string_equal(survey_text_get(&q->title, "en"), "Safety survey");
	assert_string_equal(survey_text_get(&q->title, "fi"), "Trygghetsundersökning"); /* falls back to Swedish */
	const survey_item *evening = survey_item_find(q, "trygghet.kvall");
	assert_non_null(evening);
	assert_int_equal(evening->role, SURVEY_ROLE_UNSAFETY);
	assert_int_equal(evening->scale->option_count, 6);
	assert_non_null(survey_background_item(q, "age_group"));
	assert_non_null(survey_background_item(q, "sex"));
	assert_non_null(survey_background_item(q, "area"));
	/* Every problem item carries a score on every option but "Vet inte". */
	size_t problems = 0;
	for (size_t i = 0; i < q->item_count; i++) {
		if (q->items[i].role != SURVEY_ROLE_PROBLEM)
			continue;
		problems++;
		assert_false(q->items[i].scale->options[4].has_score);
		assert_true(q->items[i].scale->options[2].has_score);
	}
	assert_int_equal(problems, 19);
	arena_free(a);
	buf_free(&b);
}

/* Replaces the first `from` in SMALL by `to` and expects error at a place containing where. */
static void expect_problem(const char *from, const char *to, enum survey_qerror error, const char *where)
{
	const char *at = strstr(SMALL, from);
	assert_non_null(at);
	buf b;
	buf_init(&b);
	buf_append(&b, SMALL, (size_t)(at - SMALL));
	buf_puts(&b, to);
	buf_puts(&b, at + strlen(from));
	arena *a = arena_new();
	const survey_questionnaire *q = NULL;
	survey_qproblem p;
	assert_int_equal(survey_questionnaire_parse(a, buf_cstr(&b), strlen(buf_cstr(&b)), &q, &p), -1);
	assert_null(q);
	if (p.error != error || strstr(p.where, where) == NULL)
		fail_msg("expected %d at %s, got %d at %s", error, where, p.error, p.where);
	assert_non_null(survey_qerror_message(p.error));
	arena_free(a);
	buf_free(&b);
}

static void test_problems_found(void **state)
{
	(void)state;
	expect_problem("{\"format\"", "{,", SURVEY_Q_JSON, "line 1");
	expect_problem("trygg-survey/1", "trygg-survey/9", SURVEY_Q_FORMAT, "format");
	expect_problem("\"title\":{\"sv\":\"Test\",\"en\":\"Test\"}", "\"title\":{\"en\":\"Test\"}", SURVEY_Q_TEXT, "title");
	expect_problem("\"code\":\"alder\"", "\"code\":\"Ålder\"", SURVEY_Q_CODE, "items[2]");
	expect_problem("\"code\":\"alder\"", "\"code\":\"utsatt.ran\"", SURVEY_Q_DUPLICATE, "utsatt.ran");
	expect_problem("\"type\":\"number\"", "\"type\":\"slider\"", SURVEY_Q_TYPE, "alder");
	expect_problem("\"crime\":\"ran\",\"required\":true,\"text\":{\"sv\":\"Rånad?\"",
	               "\"required\":true,\"text\":{\"sv\":\"Rånad?\"", SURVEY_Q_ROLE, "crime");
	expect_problem("\"scale\":\"yn\",\"role\":\"victim\"", "\"scale\":\"nope\",\"role\":\"victim\"", SURVEY_Q_SCALE,
	               "utsatt.ran");
	expect_problem("\"codes\":[1]", "\"codes\":[7]", SURVEY_Q_SHOW_IF, "show_if");
	expect_problem("{\"item\":\"utsatt.ran\"", "{\"item\":\"alder\"", SURVEY_Q_SHOW_IF, "show_if");
	expect_problem("\"min\":16,\"max\":84", "\"min\":90,\"max\":84", SURVEY_Q_RANGE, "alder");
	expect_problem("{\"code\":2,\"key\":\"nej\"", "{\"code\":1,\"key\":\"nej\"", SURVEY_Q_DUPLICATE, "options[1]");
	expect_problem("\"background\":\"area\"", "\"background\":\"\"", SURVEY_Q_ROLE, "background");
}

static void test_answers(void **state)
{
	(void)state;
	arena *a = arena_new();
	const survey_questionnaire *q = parse_ok(a, SMALL);
	const survey_item *victim = survey_item_find(q, "utsatt.ran");
	const survey_item *age = survey_item_find(q, "alder");
	const survey_item *text = survey_item_find(q, "fritext");
	const survey_item *place = survey_item_find(q, "plats");
	const survey_item *area = survey_item_find(q, "omrade");
	survey_answer ans;
	bool answered;

	assert_int_equal(survey_answer_read(a, victim, " 1 ", NULL, NULL, &ans, &answered), SURVEY_A_OK);
	assert_true(answered && ans.has_code && ans.code == 1);
	assert_int_equal(survey_answer_read(a, victim, "NEJ", NULL, NULL, &ans, &answered), SURVEY_A_OK);
	assert_int_equal(ans.code, 2);
	assert_int_equal(survey_answer_read(a, victim, "4", NULL, NULL, &ans, &answered), SURVEY_A_NOT_OPTION);
	assert_int_equal(survey_answer_read(a, victim, "kanske", NULL, NULL, &ans, &answered), SURVEY_A_NOT_OPTION);
	assert_int_equal(survey_answer_read(a, victim, "  ", NULL, NULL, &ans, &answered), SURVEY_A_OK);
	assert_false(answered);

	assert_int_equal(survey_answer_read(a, age, "15", NULL, NULL, &ans, &answered), SURVEY_A_RANGE);
	assert_int_equal(survey_answer_read(a, age, "4x", NULL, NULL, &ans, &answered), SURVEY_A_NOT_NUMBER);
	assert_int_equal(survey_answer_read(a, age, "84", NULL, NULL, &ans, &answered), SURVEY_A_OK);

	assert_int_equal(survey_answer_read(a, text, "åäöåä", NULL, NULL, &ans, &answered), SURVEY_A_OK); /* 5 chars */
	assert_int_equal(survey_answer_read(a, text, "åäöåäx", NULL, NULL, &ans, &answered), SURVEY_A_TOO_LONG);
	assert_int_equal(survey_answer_read(a, text, "a\x01", NULL, NULL, &ans, &answered), SURVEY_A_BAD_TEXT);
	assert_int_equal(survey_answer_read(a, text, "\xff", NULL, NULL, &ans, &answered), SURVEY_A_BAD_TEXT);

	assert_int_equal(survey_answer_read(a, place, "57.74, 12.10", NULL, NULL, &ans, &answered), SURVEY_A_OK);
	assert_true(ans.has_point);
	assert_true(ans.lat > 57.73 && ans.lon < 12.11);
	assert_int_equal(survey_answer_read(a, place, "57.74", NULL, NULL, &ans, &answered), SURVEY_A_BAD_PLACE);
	assert_int_equal(survey_answer_read(a, place, "95,12", NULL, NULL, &ans, &answered), SURVEY_A_BAD_PLACE);
	assert_int_equal(survey_answer_read(a, place, "nan,12", NULL, NULL, &ans, &answered), SURVEY_A_BAD_PLACE);

	assert_int_equal(survey_answer_read(a, area, "7", NULL, NULL, &ans, &answered), SURVEY_A_OK);
	assert_int_equal(ans.area_id, 7);
	assert_int_equal(survey_answer_read(a, area, "Lexby", NULL, NULL, &ans, &answered), SURVEY_A_NOT_AREA);
	arena_free(a);
}

static void test_routing(void **state)
{
	(void)state;
	arena *a = arena_new();
	const survey_questionnaire *q = parse_ok(a, SMALL);
	const char *where = NULL;
	survey_answer yes = { .item_code = "utsatt.ran", .has_code = true, .code = 1 };
	survey_answer no = { .item_code = "utsatt.ran", .has_code = true, .code = 2 };
	survey_answer reported = { .item_code = "anmalt.ran", .has_code = true, .code = 1 };

	/* Victimised: the follow-up is asked and required. */
	survey_answer s1[] = { yes };
	assert_int_equal(survey_answers_check(q, s1, 1, &where), SURVEY_A_REQUIRED);
	assert_string_equal(where, "anmalt.ran");
	survey_answer s2[] = { yes, reported };
	assert_int_equal(survey_answers_check(q, s2, 2, &where), SURVEY_A_OK);
	/* Not victimised: the follow-up is not asked, and an answer to it is refused. */
	survey_answer s3[] = { no };
	assert_int_equal(survey_answers_check(q, s3, 1, &where), SURVEY_A_OK);
	survey_answer s4[] = { no, reported };
	assert_int_equal(survey_answers_check(q, s4, 2, &where), SURVEY_A_NOT_ASKED);
	assert_string_equal(where, "anmalt.ran");
	/* Nothing answered: the first required item is named. */
	assert_int_equal(survey_answers_check(q, NULL, 0, &where), SURVEY_A_REQUIRED);
	assert_string_equal(where, "utsatt.ran");
	/* Unknown and repeated items. */
	survey_answer s5[] = { no, { .item_code = "finns.inte" } };
	assert_int_equal(survey_answers_check(q, s5, 2, &where), SURVEY_A_UNKNOWN_ITEM);
	survey_answer s6[] = { no, no };
	assert_int_equal(survey_answers_check(q, s6, 2, &where), SURVEY_A_NOT_OPTION);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bank_parses),
		cmocka_unit_test(test_problems_found),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
