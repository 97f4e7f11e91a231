/*
 * test_markdown.c — Markdown for information pages (src/pages/markdown.c):
 * ordinary Markdown comes out as expected, and no attempt to smuggle in a
 * script gets through: script and style tags, event attributes, raw HTML,
 * javascript:, vbscript: and data: addresses however they are spelt.
 *
 * Besides looking for the known bad strings, every output is read back tag
 * by tag and must hold only the elements and attributes cmark writes for
 * Markdown, with addresses that page_url_allowed() accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "pages/pages.h"

static char *render(const char *markdown)
{
	buf out = BUF_INIT;
	assert_int_equal(page_markdown_render(markdown, strlen(markdown), &out), 0);
	return buf_detach(&out);
}

/* Elements cmark writes for Markdown, and the attributes each kind may carry. */
static const char *const allowed_tags[] = {
	"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code", "pre",
	"blockquote", "hr", "br", "img",
};
static const char *const allowed_attributes[] = { "href", "title", "src", "alt", "start", "class" };

static bool in_list(const char *const *list, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
			return true;
	return false;
}

/* Decodes the few character references cmark writes in attribute values. */
static char *attribute_value(const char *s, size_t len)
{
	static const struct {
		const char *ref;
		char ch;
	} refs[] = { { "&amp;", '&' }, { "&quot;", '"' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&#39;", '\'' } };
	char *out = calloc(len + 1, 1);
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		bool done = false;
		for (size_t k = 0; k < ARRAY_LEN(refs) && !done; k++) {
			size_t rl = strlen(refs[k].ref);
			if (i + rl <= len && strncmp(s + i, refs[k].ref, rl) == 0) {
				out[n++] = refs[k].ch;
				i += rl;
				done = true;
			}
		}
		if (!done)
			out[n++] = s[i++];
	}
	return out;
}

/* Fails unless every tag in html is an allowed element with allowed
 * attributes, and every href and src is an allowed address. Comments are
 * allowed only as cmark's own marker for dropped HTML. */
static void assert_only_markdown_html(const char *html)
{
	const char *p = html;
	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p, "<!--", 4) == 0) {
			if (strncmp(p, "<!-- raw HTML omitted -->", 25) != 0)
				fail_msg("a comment that cmark did not write: %.60s", p);
			p += 25;
			continue;
		}
		p++;
		if (*p == '/')
			p++;
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (!in_list(allowed_tags, ARRAY_LEN(allowed_tags), p, len))
			fail_msg("element not written by Markdown: <%.40s", p);
		p += len;
		/* Attributes up to the tag's end; values are always double-quoted. */
		for (;;) {
			p += strspn(p, " \t\n/");
			if (*p == '>' || *p == '\0')
				break;
			size_t name_len = strcspn(p, "= \t\n>");
			if (!in_list(allowed_attributes, ARRAY_LEN(allowed_attributes), p, name_len))
				fail_msg("attribute not written by Markdown: %.40s", p);
			const char *name = p;
			p += name_len;
			if (*p != '=')
				continue;
			assert_int_equal(p[1], '"');
			const char *value = p + 2, *end = strchr(value, '"');
			assert_non_null(end);
			if (strncmp(name, "href", 4) == 0 || strncmp(name, "src", 3) == 0) {
				char *url = attribute_value(value, (size_t)(end - value));
				if (!page_url_allowed(url))
					fail_msg("address not allowed: %s", url);
				free(url);
			}
			p = end + 1;
		}
	}
}

static void ordinary_markdown(void **state)
{
	char *html = render("# Rubrik\n\nEtt *stycke* med **fetstil** och [en länk](https://polisen.se/).\n\n"
			    "## Under\n\n- ett\n- två\n\n1. första\n\n[sida](/sida/samverkan) "
			    "[mejl](mailto:trygg@example.se) [ring](tel:11414)\n");
	/* The page title is the only h1: a level-1 heading becomes h2. */
	assert_null(strstr(html, "<h1"));
	assert_non_null(strstr(html, "<h2>Rubrik</h2>"));
	assert_non_null(strstr(html, "<h2>Under</h2>"));
	assert_non_null(strstr(html, "<em>stycke</em>"));
	assert_non_null(strstr(html, "<strong>fetstil</strong>"));
	assert_non_null(strstr(html, "<a href=\"https://polisen.se/\">en länk</a>"));
	assert_non_null(strstr(html, "<li>två</li>"));
	assert_non_null(strstr(html, "<ol>"));
	assert_non_null(strstr(html, "<a href=\"/sida/samverkan\">"));
	assert_non_null(strstr(html, "<a href=\"mailto:trygg@example.se\">"));
	assert_non_null(strstr(html, "<a href=\"tel:11414\">"));
	assert_only_markdown_html(html);
	free(html);
}

static void text_is_escaped(void **state)
{
	char *html = render("5 < 6 & \"citat\" > 'apostrof'\n\n`<script>alert(1)</script>`\n");
	assert_non_null(strstr(html, "5 &lt; 6 &amp; &quot;citat&quot; &gt; 'apostrof'"));
	assert_non_null(strstr(html, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
	assert_only_markdown_html(html);
	free(html);
}

/* Inputs that try to get a script, an event handler or a foreign element out. */
static const char *const attacks[] = {
	"<script>alert(1)</script>",
	"Text <script>alert(1)</script> inline",
	"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
	"<img src=x onerror=alert(1)>",
	"Inline <img src=x onerror=\"alert(1)\"> image",
	"<a href=\"javascript:alert(1)\">klick</a>",
	"<div onmouseover=\"alert(1)\">hover</div>",
	"<svg onload=alert(1)>",
	"<iframe src=\"https://evil.example\"></iframe>",
	"<style>body{display:none}</style>",
	"<object data=\"x.swf\"></object>",
	"<!-- a comment --><b>bold</b>",
	"<details open ontoggle=alert(1)>",
	"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"[klick](javascript:alert(1))",
	"[klick](JaVaScRiPt:alert(1))",
	"[klick](java&#115;cript:alert(1))",
	"[klick](&#106;avascript:alert(1))",
	"[klick](java&#9;script:alert(1))",
	"[klick](java&#10;script:alert(1))",
	"[klick](<java\tscript:alert(1)>)",
	"[klick]( javascript:alert(1))",
	"[klick](vbscript:msgbox(1))",
	"[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[klick](DATA:text/html,<script>alert(1)</script>)",
	"![bild](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
	"![bild](javascript:alert(1))",
	"[klick](file:///etc/passwd)",
	"<javascript:alert(1)>",
	"<data:text/html,<script>alert(1)</script>>",
	"[klick][ref]\n\n[ref]: javascript:alert(1)",
	"[klick](/ok \"titel\\\" onmouseover=\\\"alert(1)\")",
	"[klick](https://example.se/\" onclick=\"alert(1))",
	"![x\" onerror=\"alert(1)](https://example.se/a.png)",
	"```\n</code><script>alert(1)</script>\n```",
	"> <script>alert(1)</script>",
	"- <img src=x onerror=alert(1)>",
	"<scr<script>ipt>alert(1)</script>",
};

static void attacks_come_out_harmless(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(attacks); i++) {
		char *html = render(attacks[i]);
		char *lower = strdup(html);
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		/* No element other than Markdown's, so no script, style, iframe, svg… */
		assert_only_markdown_html(html);
		assert_null(strstr(lower, "<script"));
		assert_null(strstr(lower, "<img src=\"x\""));
		/* Such words may stay as text ("<javascript:…>" is a link whose text is
		 * its address), but never as an attribute's value. */
		assert_null(strstr(lower, "=\"javascript"));
		assert_null(strstr(lower, "=\"java%09script"));
		assert_null(strstr(lower, "=\"vbscript"));
		assert_null(strstr(lower, "=\"data:"));
		assert_null(strstr(lower, "=\"file:"));
		/* An event attribute would need an unescaped quote or a bare name in a tag,
		 * which assert_only_markdown_html() rules out; its text may survive escaped. */
		assert_null(strstr(lower, "onerror=\""));
		assert_null(strstr(lower, "onmouseover=\""));
		assert_null(strstr(lower, "onclick=\""));
		free(lower);
		free(html);
	}
}

static void raw_html_is_dropped(void **state)
{
	char *html = render("<b>fet</b> och <span class=\"x\">span</span>\n\n<div>\nblock\n</div>\n");
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "<span"));
	assert_null(strstr(html, "<div"));
	assert_non_null(strstr(html, "<!-- raw HTML omitted -->"));
	/* The words around the tags stay. */
	assert_non_null(strstr(html, "fet"));
	assert_non_null(strstr(html, "och"));
	free(html);
}

static void dangerous_links_keep_their_text(void **state)
{
	char *html = render("[läs här](javascript:alert(1))");
	assert_non_null(strstr(html, "<a href=\"\">läs här</a>"));
	free(html);
	html = render("![bild](data:image/svg+xml;base64,PHN2Zz4=)");
	assert_non_null(strstr(html, "<img src=\"\" alt=\"bild\""));
	free(html);
}

static void url_allow_list(void **state)
{
	static const char *const good[] = {
		"https://polisen.se", "HTTP://example.se/a?b#c", "mailto:a@b.se", "tel:112", "/sida/x",
		"sida/x", "#ankare", "?q=1", "", "/a:b", "a/b:c",
	};
	static const char *const bad[] = {
		"javascript:alert(1)", "JAVASCRIPT:x", " javascript:x", "java\tscript:x", "java\nscript:x",
		"\x01javascript:x", "vbscript:x", "data:text/html,x", "data:image/png;base64,AAAA", "file:///etc",
		"ftp://example.se", "x:y", "blob:https://a", "averyveryverylongschemename:x",
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		if (!page_url_allowed(good[i]))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (page_url_allowed(bad[i]))
			fail_msg("allowed %s", bad[i]);
}

static void invalid_utf8_is_replaced(void **state)
{
	char *html = render("a\xff\xfe b \xc3\x28");
	assert_true(str_valid_utf8(html, strlen(html)));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ordinary_markdown),
		cmocka_unit_test(text_is_escaped),
		cmocka_unit_test(attacks_come_out_harmless),
		cmocka_unit_test(raw_html_is_dropped),
		cmocka_unit_test(dangerous_links_keep_their_text),
		cmocka_unit_test(url_allow_list),
		cmocka_unit_test(invalid_utf8_is_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
