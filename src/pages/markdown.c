/*
 * markdown.c — Markdown to HTML for information pages, with libcmark (see
 * pages.h).
 *
 * Safety comes from two layers. cmark's safe mode (the default since 0.29,
 * asked for explicitly with CMARK_OPT_SAFE) replaces raw HTML, inline and in
 * blocks, with a comment, and blanks javascript:, vbscript:, file: and most
 * data: addresses. On top of that every link and image address is checked
 * against an allow-list of schemes here, so that what cmark's deny-list
 * misses (data:image/svg+xml, schemes browsers may add later, a scheme split
 * by control characters) never becomes an address either. Everything else
 * cmark writes is escaped by cmark itself.
 *
 * What this file does not do: sanitise HTML from anywhere else.
 */
#include "pages/pages.h"
#include "core/util.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* cmark's options: safe (no raw HTML, no dangerous addresses), and invalid
 * UTF-8 replaced rather than passed on. */
#define PAGE_CMARK_OPTIONS (CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8)

static const char *const allowed_schemes[] = { "http", "https", "mailto", "tel" };

bool page_url_allowed(const char *url)
{
	/* A scheme is whatever comes before a ':' that precedes every '/', '?'
	 * and '#'. Browsers drop tabs, newlines and leading spaces and controls
	 * from an address before they read its scheme, so those are skipped. */
	char scheme[16];
	size_t n = 0;
	const char *p = url;
	for (; *p && *p != ':' && *p != '/' && *p != '?' && *p != '#'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= 0x20 || ch == 0x7f)
			continue;
		if (n + 1 >= sizeof(scheme))
			return false; /* longer than any scheme we allow */
		scheme[n++] = (char)ch;
	}
	if (*p != ':')
		return true; /* no scheme: an address on this site */
	scheme[n] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(allowed_schemes); i++)
		if (strcasecmp(scheme, allowed_schemes[i]) == 0)
			return true;
	return false;
}

/* Blanks disallowed addresses and lowers level-1 headings to level 2. */
static void page_markdown_adjust(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE: {
			const char *url = cmark_node_get_url(n);
			if (url && !page_url_allowed(url))
				cmark_node_set_url(n, "");
			break;
		}
		case CMARK_NODE_HEADING:
			if (cmark_node_get_heading_level(n) < 2)
				cmark_node_set_heading_level(n, 2);
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

int page_markdown_render(const char *text, size_t len, buf *out)
{
	cmark_node *doc = cmark_parse_document(text, len, PAGE_CMARK_OPTIONS);
	if (doc == NULL)
		return -1;
	page_markdown_adjust(doc);
	char *html = cmark_render_html(doc, PAGE_CMARK_OPTIONS);
	cmark_node_free(doc);
	if (html == NULL)
		return -1;
	buf_puts(out, html);
	free(html);
	return 0;
}
