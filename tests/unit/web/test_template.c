/*
 * test_template.c — the template language: escaping by default, sections,
 * partials, translations, assets, and the compile-time refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "web/template.h"

static char *render(const char *text, const char *json)
{
	tpl_set *set = tpl_set_new();
	char *err = NULL;
	assert_int_equal(tpl_add(set, "t", text, &err), 0);
	json_t *data = json_loads(json, 0, NULL);
	assert_non_null(data);
	buf out = BUF_INIT;
	assert_int_equal(tpl_render(set, "t", data, NULL, &out), 0);
	json_decref(data);
	tpl_free(set);
	return buf_detach(&out);
}

static void escapes_every_value(void **state)
{
	char *s = render("<p>{{x}}</p><a title=\"{{x}}\">", "{\"x\": \"<script>alert('x')&\\\"</script>\"}");
	assert_string_equal(s, "<p>&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;</p>"
			       "<a title=\"&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;\">");
	free(s);
}

static void raw_only_for_html_names(void **state)
{
	tpl_set *set = tpl_set_new();
	char *err = NULL;
	assert_int_equal(tpl_add(set, "bad", "{{&name}}", &err), -1);
	assert_non_null(strstr(err, "_html"));
	free(err);
	tpl_free(set);
	char *s = render("{{&body_html}}", "{\"body_html\": \"<b>ok</b>\"}");
	assert_string_equal(s, "<b>ok</b>");
	free(s);
}

static void sections_and_inverted(void **state)
{
	char *s = render("{{#items}}[{{name}}{{#last}}!{{/last}}]{{/items}}{{^none}}empty{{/none}}{{^items}}no{{/items}}",
			 "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\", \"last\": true}], \"none\": []}");
	assert_string_equal(s, "[a][b!]empty");
	free(s);
	s = render("{{#user}}{{name}} {{site}}{{/user}}", "{\"user\": {\"name\": \"Ada\"}, \"site\": \"S\"}");
	assert_string_equal(s, "Ada S");
	free(s);
	s = render("{{#n}}yes{{/n}}{{#z}}no{{/z}}{{#s}}no{{/s}}{{a.b.c}}{{#list}}{{.}},{{/list}}",
		   "{\"n\": 3, \"z\": 0, \"s\": \"\", \"a\": {\"b\": {\"c\": 7}}, \"list\": [1, \"<\"]}");
	assert_string_equal(s, "yes71,&lt;,");
	free(s);
}

static void missing_and_null_values_render_empty(void **state)
{
	char *s = render("[{{nothing}}][{{n}}][{{f}}]", "{\"n\": null, \"f\": false}");
	assert_string_equal(s, "[][][]");
	free(s);
}

static const char *fake_translate(void *ud, const char *msgid)
{
	return strcmp(msgid, "Hej") == 0 ? "Hello <you>" : msgid;
}

static const char *fake_asset(void *ud, const char *path)
{
	return "/assets/abc/css/site.css";
}

static void translations_assets_partials(void **state)
{
	tpl_set *set = tpl_set_new();
	char *err = NULL;
	assert_int_equal(tpl_add(set, "part", "({{x}})", &err), 0);
	assert_int_equal(tpl_add(set, "main", "{{_ \"Hej\"}} {{asset \"css/site.css\"}} {{>part}}{{! note }}", &err), 0);
	json_t *data = json_pack("{s:s}", "x", "1");
	tpl_env env = { fake_translate, fake_asset, NULL };
	buf out = BUF_INIT;
	assert_int_equal(tpl_render(set, "main", data, &env, &out), 0);
	assert_string_equal(out.data, "Hello &lt;you&gt; /assets/abc/css/site.css (1)");
	assert_int_equal(tpl_render(set, "nope", data, &env, &out), -1);
	buf_free(&out);
	json_decref(data);
	tpl_free(set);
}

static void compile_errors_name_the_line(void **state)
{
	static const char *bad[] = {
		"line1\n{{#a}}x", "{{#a}}x{{/b}}", "{{ x", "{{_ unquoted}}", "{{bad name}}", "{{/a}}", "{{asset \"x}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tpl_set *set = tpl_set_new();
		char *err = NULL;
		assert_int_equal(tpl_add(set, "t", bad[i], &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err, "t.html:"));
		free(err);
		tpl_free(set);
	}
}

static void recursive_partials_stop(void **state)
{
	tpl_set *set = tpl_set_new();
	char *err = NULL;
	assert_int_equal(tpl_add(set, "loop", "x{{>loop}}", &err), 0);
	json_t *data = json_object();
	buf out = BUF_INIT;
	assert_int_equal(tpl_render(set, "loop", data, NULL, &out), -1);
	buf_free(&out);
	json_decref(data);
	tpl_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_every_value),
		cmocka_unit_test(raw_only_for_html_names),
		cmocka_unit_test(sections_and_inverted),
		cmocka_unit_test(missing_and_null_values_render_empty),
		cmocka_unit_test(translations_assets_partials),
		cmocka_unit_test(compile_errors_name_the_line),
		cmocka_unit_test(recursive_partials_stop),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
