/*
 * test_import.c — the survey's CSV reader (quotes, separators, byte order
 * mark, CRLF, line breaks inside quotes, ragged and broken rows, encodings)
 * and the row-by-row check of a file of answers against a questionnaire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/util.h"
#include "survey/import.h"
#include "survey/questionnaire.h"

static survey_csv read_ok(arena *a, const char *text)
{
	survey_csv csv;
	enum survey_csv_error e = survey_csv_read(a, text, strlen(text), 0, 0, &csv);
	if (e != SURVEY_CSV_OK)
		fail_msg("read failed: %d", e);
	return csv;
}

static void test_comma_and_quotes(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c = read_ok(a, "a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n,,\n");
	assert_int_equal(c.separator, ',');
	assert_false(c.bom);
	assert_int_equal(c.header.field_count, 3);
	assert_string_equal(c.header.fields[2], "c");
	assert_int_equal(c.row_count, 2);
	assert_int_equal(c.rows[0].line, 2);
	assert_int_equal(c.rows[0].field_count, 3);
	assert_string_equal(c.rows[0].fields[1], "x, y");
	assert_string_equal(c.rows[0].fields[2], "say \"hi\"");
	assert_int_equal(c.rows[0].problem, SURVEY_CSV_ROW_OK);
	assert_int_equal(c.rows[1].field_count, 3);
	assert_string_equal(c.rows[1].fields[0], "");
	arena_free(a);
}

static void test_semicolon_bom_crlf(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c = read_ok(a, "\xEF\xBB\xBF" "kod;värde\r\n1;1,5\r\n\r\n2;\"a;b\"\r\n");
	assert_int_equal(c.separator, ';');
	assert_true(c.bom);
	assert_string_equal(c.header.fields[0], "kod");
	assert_string_equal(c.header.fields[1], "värde");
	assert_int_equal(c.row_count, 2); /* the blank line is skipped */
	assert_string_equal(c.rows[0].fields[1], "1,5");
	assert_int_equal(c.rows[1].line, 4);
	assert_string_equal(c.rows[1].fields[1], "a;b");
	arena_free(a);
}

static void test_embedded_newlines_keep_line_numbers(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c = read_ok(a, "a,b\n1,\"first\nsecond\r\nthird\"\n2,x\n");
	assert_int_equal(c.row_count, 2);
	assert_string_equal(c.rows[0].fields[1], "first\nsecond\r\nthird");
	assert_int_equal(c.rows[0].line, 2);
	assert_int_equal(c.rows[1].line, 5);
	assert_string_equal(c.rows[1].fields[1], "x");
	arena_free(a);
}

static void test_ragged_rows(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c = read_ok(a, "a,b,c\n1\n1,2,3,4\n1,2,3");
	assert_int_equal(c.row_count, 3);
	assert_int_equal(c.rows[0].field_count, 1);
	assert_int_equal(c.rows[1].field_count, 4);
	assert_int_equal(c.rows[2].field_count, 3); /* no line break at the end */
	assert_string_equal(c.rows[2].fields[2], "3");
	arena_free(a);
}

static void test_broken_rows_do_not_stop_the_reader(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c = read_ok(a, "a,b\n1,x\"y\n2,\"ok\"z\n3,fine\n4,caf\xE9\n5,\"never closed\n6,x\n");
	assert_int_equal(c.row_count, 5);
	assert_int_equal(c.rows[0].problem, SURVEY_CSV_ROW_QUOTING);
	assert_int_equal(c.rows[1].problem, SURVEY_CSV_ROW_QUOTING);
	assert_int_equal(c.rows[2].problem, SURVEY_CSV_ROW_OK);
	assert_string_equal(c.rows[2].fields[1], "fine");
	assert_int_equal(c.rows[3].problem, SURVEY_CSV_ROW_ENCODING);
	assert_string_equal(c.rows[3].fields[1], "caf\xEF\xBF\xBD"); /* shown with U+FFFD */
	assert_int_equal(c.rows[4].line, 6);
	assert_int_equal(c.rows[4].problem, SURVEY_CSV_ROW_UNTERMINATED);
	arena_free(a);
}

static void test_file_problems(void **state)
{
	(void)state;
	arena *a = arena_new();
	survey_csv c;
	assert_int_equal(survey_csv_read(a, "", 0, 0, 0, &c), SURVEY_CSV_EMPTY);
	assert_int_equal(survey_csv_read(a, "\n\r\n", 3, 0, 0, &c), SURVEY_CSV_EMPTY);
	assert_int_equal(survey_csv_read(a, "\xFF\xFE" "a\0", 4, 0, 0, &c), SURVEY_CSV_UTF16);
	assert_int_equal(survey_csv_read(a, "a\0b", 3, 0, 0, &c), SURVEY_CSV_BINARY);
	assert_int_equal(survey_csv_read(a, "a\n1\n2\n3\n", 8, 2, 0, &c), SURVEY_CSV_TOO_MANY_ROWS);
	assert_int_equal(survey_csv_read(a, "a,b,c\n", 6, 0, 2, &c), SURVEY_CSV_TOO_MANY_COLUMNS);
	assert_int_equal(survey_csv_read(a, "\"a,b\n", 5, 0, 0, &c), SURVEY_CSV_BAD_HEADER);
	/* A header with both separators: the more frequent one wins. */
	c = read_ok(a, "a;b;c,d\n1;2;3,4\n");
	assert_int_equal(c.separator, ';');
	assert_string_equal(c.rows[0].fields[2], "3,4");
	arena_free(a);
}

static void test_fold_and_decimal(void **state)
{
	(void)state;
	assert_true(survey_fold_equal("ÖJERSJÖ", "öjersjö"));
	assert_true(survey_fold_equal("Partille Centrum", "partille centrum"));
	assert_false(survey_fold_equal("Öjersjö", "Ojersjo"));
	assert_false(survey_fold_equal("ab", "abc"));
	double v;
	assert_true(survey_read_decimal("1,5", &v));
	assert_true(v == 1.5);
	assert_true(survey_read_decimal(" 4120 ", &v));
	assert_true(v == 4120);
	assert_true(survey_read_decimal("-3", &v));
	assert_false(survey_read_decimal("1 000", &v));
	assert_false(survey_read_decimal("1,000.5", &v));
	assert_false(survey_read_decimal("abc", &v));
	assert_false(survey_read_decimal("", &v));
	assert_false(survey_read_decimal("1e5", &v));
}

static const char SMALL[] =
	"{\"format\":\"trygg-survey/1\",\"title\":{\"sv\":\"Test\"},"
	"\"scales\":{\"yn\":{\"options\":[{\"code\":1,\"key\":\"ja\",\"label\":{\"sv\":\"Ja\"},\"score\":1},"
	"{\"code\":2,\"key\":\"nej\",\"label\":{\"sv\":\"Nej\"},\"score\":0}]}},"
	"\"sections\":[{\"code\":\"s\",\"title\":{\"sv\":\"Del\"},\"items\":["
	"{\"code\":\"utsatt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"victim\",\"crime\":\"ran\","
	"\"required\":true,\"text\":{\"sv\":\"Rånad?\"}},"
	"{\"code\":\"anmalt.ran\",\"type\":\"single\",\"scale\":\"yn\",\"role\":\"reported\",\"crime\":\"ran\","
	"\"show_if\":{\"item\":\"utsatt.ran\",\"codes\":[1]},\"text\":{\"sv\":\"Anmält?\"}},"
	"{\"code\":\"alder\",\"type\":\"number\",\"min\":16,\"max\":84,\"text\":{\"sv\":\"Ålder\"}},"
	"{\"code\":\"omrade\",\"type\":\"area\",\"role\":\"background\",\"background\":\"area\",\"text\":{\"sv\":\"Område\"}}"
	"]}]}";

static int64_t lookup(void *ud, const char *text)
{
	(void)ud;
	return survey_fold_equal(text, "Öjersjö") || strcmp(text, "7") == 0 ? 7 : 0;
}

static void test_check_rows(void **state)
{
	(void)state;
	arena *a = arena_new();
	const survey_questionnaire *q = NULL;
	survey_qproblem p;
	assert_int_equal(survey_questionnaire_parse(a, SMALL, strlen(SMALL), &q, &p), 0);
	survey_csv c = read_ok(a, "utsatt.ran;anmalt.ran;alder;omrade;mode;ref;weight\n"
	                          "ja;nej;30;öjersjö;phone;A1;1,5\n"   /* 2: fine */
	                          "2;;;;;;\n"                          /* 3: fine, nothing but the required */
	                          "nej;ja;;;;;\n"                      /* 4: answer to a question not asked */
	                          ";;40;;;;\n"                         /* 5: required missing */
	                          "3;;99;Mars;fax;;-1\n"               /* 6: five cell problems */
	                          "1;1\n");                            /* 7: ragged */
	survey_import_check r;
	assert_int_equal(survey_import_check_rows(a, q, &c, lookup, NULL, &r), 0);
	assert_int_equal(r.rows_total, 6);
	assert_int_equal(r.valid_count, 2);
	assert_int_equal(r.invalid_rows, 4);
	assert_int_equal(r.valid[0].line, 2);
	assert_string_equal(r.valid[0].mode, "phone");
	assert_string_equal(r.valid[0].ref, "A1");
	assert_true(r.valid[0].weight == 1.5);
	assert_int_equal(r.valid[0].answer_count, 4);
	assert_int_equal(r.valid[0].answers[3].area_id, 7);
	assert_string_equal(r.valid[1].mode, "import");
	assert_int_equal(r.valid[1].answer_count, 1);
	assert_int_equal(r.issue_count, 8);
	assert_int_equal(r.issues[0].line, 4);
	assert_string_equal(r.issues[0].column, "anmalt.ran");
	assert_int_equal(r.issues[0].aerror, SURVEY_A_NOT_ASKED);
	assert_int_equal(r.issues[1].line, 5);
	assert_int_equal(r.issues[1].aerror, SURVEY_A_REQUIRED);
	assert_string_equal(r.issues[2].column, "utsatt.ran");
	assert_int_equal(r.issues[2].aerror, SURVEY_A_NOT_OPTION);
	assert_string_equal(r.issues[3].column, "alder");
	assert_int_equal(r.issues[3].aerror, SURVEY_A_RANGE);
	assert_string_equal(r.issues[4].value, "Mars");
	assert_int_equal(r.issues[4].aerror, SURVEY_A_NOT_AREA);
	assert_int_equal(r.issues[5].problem, SURVEY_IMP_MODE);
	assert_int_equal(r.issues[6].problem, SURVEY_IMP_WEIGHT);
	assert_int_equal(r.issues[7].line, 7);
	assert_int_equal(r.issues[7].problem, SURVEY_IMP_FIELD_COUNT);

	survey_csv bad = read_ok(a, "utsatt.ran,shoe_size,alder,ALDER\n1,2,3,4\n");
	assert_int_equal(survey_import_check_rows(a, q, &bad, lookup, NULL, &r), -1);
	assert_int_equal(r.unknown_count, 1);
	assert_string_equal(r.unknown[0], "shoe_size");
	assert_int_equal(r.duplicate_count, 1);
	assert_string_equal(r.duplicate[0], "ALDER");
	arena_free(a);
}

/* Random text from the characters that matter to the reader: every input is
 * read without a crash (the sanitized build checks memory), every row has a
 * field of valid UTF-8, and rows come in file order. */
static void test_random_input(void **state)
{
	(void)state;
	static const char alphabet[] = { 'a', '1', ',', ';', '"', '"', '\r', '\n', ' ', (char)0xC3, (char)0xA5, (char)0xE9, (char)0xEF,
	                                 (char)0xBB, (char)0xBF };
	unsigned seed = 12345;
	for (int round = 0; round < 3000; round++) {
		char text[200];
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % sizeof text;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		arena *a = arena_new();
		survey_csv c;
		enum survey_csv_error e = survey_csv_read(a, text, len, 5, 7, &c);
		if (e == SURVEY_CSV_OK || e == SURVEY_CSV_TOO_MANY_ROWS) {
			assert_true(c.header.field_count >= 1 && c.header.field_count <= 7);
			assert_true(c.row_count <= 5);
			for (size_t i = 0; i < c.row_count; i++) {
				assert_true(c.rows[i].field_count >= 1);
				assert_true(i == 0 || c.rows[i].line > c.rows[i - 1].line);
				for (size_t k = 0; k < c.rows[i].field_count; k++) /* always valid UTF-8, to show */
					assert_true(str_valid_utf8(c.rows[i].fields[k], strlen(c.rows[i].fields[k])));
			}
		}
		arena_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comma_and_quotes),
		cmocka_unit_test(test_semicolon_bom_crlf),
		cmocka_unit_test(test_embedded_newlines_keep_line_numbers),
		cmocka_unit_test(test_ragged_rows),
		cmocka_unit_test(test_broken_rows_do_not_stop_the_reader),
		cmocka_unit_test(test_file_problems),
		cmocka_unit_test(test_fold_and_decimal),
		cmocka_unit_test(test_check_rows),
		cmocka_unit_test(test_random_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
