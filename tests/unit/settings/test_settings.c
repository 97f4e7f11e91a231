/*
 * test_settings.c — the validators of the settings table: colours and their
 * contrast, SMTP URLs, telephone numbers, numbers, lengths and control
 * characters, and the names of logo files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "settings/settings.h"

static enum setting_problem check(arena *a, const char *key, const char *value, const char **out)
{
	enum setting_key k = settings_find(key);
	assert_int_not_equal(k, SETTING__MAX);
	return settings_check(a, k, value, out);
}

static void colours_need_contrast(void **state)
{
	arena *a = arena_new();
	const char *out;
	assert_int_equal(check(a, "brand_colour", "#0B4F8A", &out), SETTING_OK);
	assert_string_equal(out, "#0b4f8a");
	assert_int_equal(check(a, "brand_colour", "#ffcc00", &out), SETTING_COLOUR_CONTRAST);
	assert_int_equal(check(a, "brand_colour", "#777777", &out), SETTING_COLOUR_CONTRAST); /* 4.48:1 */
	assert_int_equal(check(a, "brand_colour", "0b4f8a", &out), SETTING_COLOUR_INVALID);
	assert_int_equal(check(a, "brand_colour", "#0b4f8g", &out), SETTING_COLOUR_INVALID);
	assert_int_equal(check(a, "brand_colour", "", &out), SETTING_OK); /* unset: the standard colour */
	assert_true(settings_contrast_on_white("#000000") > 20.9);
	assert_true(settings_contrast_on_white("#ffffff") < 1.01);
	arena_free(a);
}

static void smtp_urls(void **state)
{
	arena *a = arena_new();
	const char *out;
	const char *good[] = { "smtp://127.0.0.1:2525", "smtps://mail.partille.se:465", "smtp://mail.example",
			       "smtp://[::1]:25", "smtp://mail.example:587/trygg.partille.se" };
	const char *bad[] = { "http://mail.example", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://ho st",
			      "smtp://user@host", "smtp://host:25?x", "smtp://-host" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(check(a, "smtp_url", good[i], &out), SETTING_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(check(a, "smtp_url", bad[i], &out), SETTING_SMTP_URL_INVALID);
	arena_free(a);
}

static void text_phone_email_numbers(void **state)
{
	arena *a = arena_new();
	const char *out;
	assert_int_equal(check(a, "contact_phone", " 031-792 10 00 ", &out), SETTING_OK);
	assert_string_equal(out, "031-792 10 00");
	assert_int_equal(check(a, "contact_phone", "ring oss", &out), SETTING_PHONE_INVALID);
	assert_int_equal(check(a, "contact_email", "Kundcenter@Partille.se", &out), SETTING_OK);
	assert_string_equal(out, "kundcenter@partille.se");
	assert_int_equal(check(a, "coordinator_email", "inte en adress", &out), SETTING_EMAIL_INVALID);
	assert_int_equal(check(a, "contact_retention_months", "12", &out), SETTING_OK);
	assert_int_equal(check(a, "contact_retention_months", "0", &out), SETTING_NUMBER_INVALID);
	assert_int_equal(check(a, "contact_retention_months", "tio", &out), SETTING_NUMBER_INVALID);
	assert_int_equal(check(a, "site_name", "Trygg\x01", &out), SETTING_CONTROL_CHARS);
	assert_int_equal(check(a, "site_name", "Rad\nbrytning", &out), SETTING_CONTROL_CHARS);
	assert_int_equal(check(a, "contact_address", "Gamla Kronvägen 32\r\n433 82 Partille", &out), SETTING_OK);
	assert_string_equal(out, "Gamla Kronvägen 32\n433 82 Partille");
	char long_name[200];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(check(a, "site_name", long_name, &out), SETTING_TOO_LONG);
	assert_int_equal(settings_find("no_such_key"), SETTING__MAX);
	arena_free(a);
}

static void logo_names(void **state)
{
	arena *a = arena_new();
	const char *type;
	assert_non_null(settings_logo_path(NULL, a, "logo-0123456789abcdef.png", &type));
	assert_string_equal(type, "image/png");
	assert_non_null(settings_logo_path(NULL, a, "logo-0123456789abcdef.jpg", &type));
	assert_string_equal(type, "image/jpeg");
	assert_null(settings_logo_path(NULL, a, "logo-0123456789abcdef.svg", &type));
	assert_null(settings_logo_path(NULL, a, "../../etc/passwd", &type));
	assert_null(settings_logo_path(NULL, a, "logo-0123456789ABCDEF.png", &type));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(colours_need_contrast),
		cmocka_unit_test(smtp_urls),
		cmocka_unit_test(text_phone_email_numbers),
		cmocka_unit_test(logo_names),
	};
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
