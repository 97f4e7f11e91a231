/*
 * test_svg.c — the survey's charts: well-formed SVG (every tag closed, in
 * order), the accessible frame (role, viewBox, title and desc referenced by
 * aria-labelledby), text escaped, bars and points where their numbers put
 * them, numbers written in the page's style, and suppressed figures drawn as
 * the dash with no bar or point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "survey/svg.h"

/* True when every element is closed in order (a small XML check: the charts
 * have no comments, CDATA or processing instructions). */
static int well_formed(const char *s)
{
	char stack[64][32];
	int depth = 0;
	while ((s = strchr(s, '<')) != NULL) {
		const char *end = strchr(s, '>');
		if (end == NULL)
			return 0;
		/* quotes inside the tag must pair up and hold no '<' */
		int quotes = 0;
		for (const char *p = s + 1; p < end; p++) {
			if (*p == '"')
				quotes++;
			if (*p == '<')
				return 0;
		}
		if (quotes % 2)
			return 0;
		char name[32] = "";
		const char *n = s + 1 + (s[1] == '/');
		size_t len = strcspn(n, " />");
		if (len == 0 || len >= sizeof name)
			return 0;
		memcpy(name, n, len);
		name[len] = '\0';
		if (s[1] == '/') {
			if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
				return 0;
			depth--;
		} else if (end[-1] != '/') {
			if (depth == 64)
				return 0;
			memcpy(stack[depth++], name, len + 1);
		}
		s = end + 1;
	}
	return depth == 0;
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void test_bar_chart(void **state)
{
	(void)state;
	svg_chart ch = { .id = "c1", .title = "Problem <index> & mer", .desc = "Staplar \"med\" intervall",
	                 .max = 6, .decimal_comma = true, .suppressed = "–" };
	svg_value bars[] = {
		{ "Klotter", 3, 2.5, 3.5 },
		{ "Nedskräpning <script>", 1.5, NAN, NAN },
		{ "Bränder", NAN, NAN, NAN },
	};
	buf b = BUF_INIT;
	svg_bar_chart(&b, &ch, bars, 3);
	const char *s = buf_cstr(&b);
	assert_true(well_formed(s));
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "viewBox=\"0 0 640 "));
	assert_non_null(strstr(s, "aria-labelledby=\"c1-title c1-desc\""));
	assert_non_null(strstr(s, "<title id=\"c1-title\">Problem &lt;index&gt; &amp; mer</title>"));
	assert_non_null(strstr(s, "<desc id=\"c1-desc\">Staplar &quot;med&quot; intervall</desc>"));
	assert_null(strstr(s, "<script>"));
	assert_non_null(strstr(s, "Nedskräpning &lt;script&gt;"));
	/* two bars drawn (the suppressed one has none): 3 of 6 is half of the 480 wide area */
	assert_int_equal(count(s, "<rect "), 2);
	assert_non_null(strstr(s, "width=\"240.0\""));
	assert_non_null(strstr(s, "width=\"120.0\""));
	/* the interval of the first bar runs from 2.5 to 3.5: x = 10 + 480·2.5/6 … 10 + 480·3.5/6,
	 * across the middle of the bar (row top 4 + 22 + 8) */
	char path[96];
	snprintf(path, sizeof path, "M%.1f %.1fH%.1f", 10 + 480 * 2.5 / 6, 4 + 22 + 8.0, 10 + 480 * 3.5 / 6);
	assert_non_null(strstr(s, path));
	/* the numbers as text with a decimal comma; the suppressed one as the dash */
	assert_non_null(strstr(s, ">3,0</text>"));
	assert_non_null(strstr(s, ">1,5</text>"));
	assert_non_null(strstr(s, ">–</text>"));
	buf_free(&b);
}

static void test_trend_chart(void **state)
{
	(void)state;
	svg_chart ch = { .id = "t", .title = "Otrygghet", .desc = "Över tid", .max = 0.5, .percent = true,
	                 .suppressed = "–" };
	svg_value pts[] = {
		{ "2017", 0.25, 0.2, 0.3 },
		{ "2020", NAN, NAN, NAN },
		{ "2023", 0.13, 0.1, 0.15 },
	};
	buf b = BUF_INIT;
	svg_trend_chart(&b, &ch, pts, 3);
	const char *s = buf_cstr(&b);
	assert_true(well_formed(s));
	assert_non_null(strstr(s, "role=\"img\""));
	/* two markers, a line through them only, and every year written */
	assert_int_equal(count(s, "<rect "), 2);
	/* plot: x from 60 to 610, y from 30 (0.5) to 240 (0) */
	assert_non_null(strstr(s, "d=\"M60.0 135.0L610.0 185.4\""));
	assert_non_null(strstr(s, ">2017</text>"));
	assert_non_null(strstr(s, ">2020</text>"));
	assert_non_null(strstr(s, ">25 %</text>"));
	assert_non_null(strstr(s, ">13 %</text>"));
	assert_non_null(strstr(s, ">–</text>"));
	buf_free(&b);
}

static void test_format(void **state)
{
	(void)state;
	svg_chart sv = { .decimal_comma = true, .suppressed = "–" };
	svg_chart en = { .percent = true };
	buf b = BUF_INIT;
	svg_format(&b, &sv, 1.75);
	buf_putc(&b, ' ');
	svg_format(&b, &en, 0.347);
	buf_putc(&b, ' ');
	svg_format(&b, &sv, NAN);
	assert_string_equal(buf_cstr(&b), "1,8 35 % –");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_chart),
		cmocka_unit_test(test_trend_chart),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
