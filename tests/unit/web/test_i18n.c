/*
 * test_i18n.c — language negotiation and lookups in the compiled catalogues
 * (build/locale/en.mo, made from po/en.po by make).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "web/i18n.h"

static void negotiates_supported_languages(void **state)
{
	assert_string_equal(i18n_negotiate("en-GB,en;q=0.9,sv;q=0.8"), "en");
	assert_string_equal(i18n_negotiate("sv-SE,sv;q=0.9,en;q=0.5"), "sv");
	assert_string_equal(i18n_negotiate("fr, en;q=0.3"), "en");
	assert_string_equal(i18n_negotiate("nb"), "sv");
	assert_string_equal(i18n_negotiate("de, en;q=0.1, sv;q=0.2"), "sv");
	assert_null(i18n_negotiate("fr, de"));
	assert_null(i18n_negotiate(""));
	assert_null(i18n_negotiate(NULL));
	assert_null(i18n_negotiate(";;;,,,q=,-"));
	assert_string_equal(i18n_language("EN"), "en");
	assert_null(i18n_language("xx"));
	assert_null(i18n_language(NULL));
}

static void translates_from_catalogue(void **state)
{
	char *err = NULL;
	i18n *t = i18n_load("build/locale", &err);
	if (t == NULL)
		fail_msg("%s", err);
	assert_string_equal(i18n_translate(t, "en", "Logga ut"), "Log out");
	assert_string_equal(i18n_translate(t, "sv", "Logga ut"), "Logga ut");
	assert_string_equal(i18n_translate(t, "en", "ingen sådan text"), "ingen sådan text");
	assert_string_equal(i18n_translate(t, NULL, "Logga ut"), "Logga ut");
	i18n_free(t);
}

static void missing_catalogue_is_an_error(void **state)
{
	char *err = NULL;
	assert_null(i18n_load("/nonexistent", &err));
	assert_non_null(strstr(err, "en.mo"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negotiates_supported_languages),
		cmocka_unit_test(translates_from_catalogue),
		cmocka_unit_test(missing_catalogue_is_an_error),
	};
	return cmocka_run_group_tests_name("i18n", tests, NULL, NULL);
}
