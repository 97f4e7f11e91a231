/*
 * test_report_status.c — the pure parts of Felanmälan: statuses mapped to
 * Open311 open/closed, ISO 8601 times with zones (read and written), the XML
 * writer (escaping, list element names, null and booleans), and codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "reports/report_internal.h"

static void statuses_map_to_open_and_closed(void **state)
{
	(void)state;
	static const char *const open[] = { "received", "in_progress", "action_scheduled", "reopened" };
	static const char *const closed[] = { "fixed", "not_responsible", "duplicate", "no_further_action", "withdrawn" };
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		assert_true(report_statuses[report_status_find(open[i])].open);
	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
		assert_false(report_statuses[report_status_find(closed[i])].open);
	assert_int_equal(report_status_find("open"), -1);
	assert_int_equal(report_status_find(NULL), -1);
	assert_string_equal(report_statuses[REPORT_NOT_RESPONSIBLE].detailed, "NOT_COUNCILS_RESPONSIBILITY");
}

static void times_are_read_with_zones(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(report_parse_time("2026-11-25T10:00:00Z", &t), 0);
	assert_int_equal(t, 1795600800);
	int64_t z = t;
	assert_int_equal(report_parse_time("2026-11-25T11:00:00+01:00", &t), 0);
	assert_int_equal(t, z);
	assert_int_equal(report_parse_time("2026-11-25T05:00:00-0500", &t), 0);
	assert_int_equal(t, z);
	assert_int_equal(report_parse_time("2026-11-25T10:00:00.123Z", &t), 0);
	assert_int_equal(t, z);
	assert_int_equal(report_parse_time("2026-11-25T10:00", &t), 0);
	assert_int_equal(t, z);
	assert_int_equal(report_parse_time("2026-11-25", &t), 0);
	assert_int_equal(t, z - 36000);
	static const char *const bad[] = { "", "igår", "2026-13-01", "2026-11-25T25:00", "2026-11-25T10:00:00+1",
					   "2026-11-25T10:00:00Zx", "26-11-25", "2026-11-25T10" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(report_parse_time(bad[i], &t), -1);
}

static void times_are_written_with_zone(void **state)
{
	(void)state;
	arena *a = arena_new();
	assert_string_equal(report_iso_time(a, 1795600800), "2026-11-25T10:00:00Z");
	assert_string_equal(report_iso_time(a, 0), "1970-01-01T00:00:00Z");
	arena_free(a);
}

static void xml_is_escaped_and_lists_named(void **state)
{
	(void)state;
	buf b = BUF_INIT;
	json_t *list = json_array(), *one = json_object();
	json_object_set_new(one, "service_request_id", json_string("7"));
	json_object_set_new(one, "description", json_string("<a href=\"x\">&'\x01</a>"));
	json_object_set_new(one, "expected_datetime", json_null());
	json_object_set_new(one, "lat", json_real(57.5));
	json_object_set_new(one, "metadata", json_true());
	json_array_append_new(list, one);
	report_xml_write(&b, "service_requests", list);
	assert_string_equal(b.data, "<service_requests><request><service_request_id>7</service_request_id>"
				    "<description>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;</description>"
				    "<expected_datetime/><lat>57.5000000</lat><metadata>true</metadata></request>"
				    "</service_requests>");
	json_decref(list);
	buf_reset(&b);
	json_t *errors = json_array(), *e = json_object();
	json_object_set_new(e, "code", json_integer(403));
	json_object_set_new(e, "description", json_string("api_key"));
	json_array_append_new(errors, e);
	report_xml_write(&b, "errors", errors);
	assert_string_equal(b.data, "<errors><error><code>403</code><description>api_key</description></error></errors>");
	json_decref(errors);
	buf_free(&b);
}

static void codes_are_checked(void **state)
{
	(void)state;
	assert_true(report_code_valid("felparkerad"));
	assert_true(report_code_valid("overgivet-fordon_2"));
	assert_false(report_code_valid(""));
	assert_false(report_code_valid("a,b"));
	assert_false(report_code_valid("a%"));
	assert_false(report_code_valid("åäö"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_map_to_open_and_closed),
		cmocka_unit_test(times_are_read_with_zones),
		cmocka_unit_test(times_are_written_with_zone),
		cmocka_unit_test(xml_is_escaped_and_lists_named),
		cmocka_unit_test(codes_are_checked),
	};
	return cmocka_run_group_tests_name("report_status", tests, NULL, NULL);
}
