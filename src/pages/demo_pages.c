/*
 * demo_pages.c — the demo information pages (see pages.h): the front page
 * text and pages on the collaboration, the medborgarlöfte, the joint
 * situational picture and the service itself, each published in Swedish and
 * English.
 *
 * The texts are Markdown files, SHARE_DIR/data/demo/pages/SLUG.LANG.md, whose
 * first line is the title ("# Title") and the rest the body, so that they can
 * be read and corrected as text. A page or language version that exists
 * already is left alone: loading twice changes nothing, and a coordinator's
 * edits are never overwritten.
 */
#include "pages/pages.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The demo pages and their place in the menu ("start" is the front page). */
static const struct demo_page {
	const char *slug;
	int64_t menu_order;
	bool in_menu;
} demo_pages[] = {
	{ PAGE_FRONT_SLUG, 0, false },
	{ "samverkan", 10, true },
	{ "medborgarlofte", 20, true },
	{ "lagesbild", 30, true },
	{ "om-tjansten", 40, true },
};
static const char *const demo_languages[] = { "sv", "en" };

/* Reads the whole file at path into b. Returns 0, or -1 when it cannot be read. */
static int demo_read_file(const char *path, buf *b)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	int rc = ferror(f) ? -1 : 0;
	fclose(f);
	return rc;
}

/* Splits text into its title (the first line, after "# ") and body (the
 * rest, from the first non-empty line), both in a. Returns 0, or -1 when the
 * first line is not a title. */
static int demo_split(arena *a, const char *text, const char **title, const char **body)
{
	if (!str_starts_with(text, "# "))
		return -1;
	const char *start = text + 2;
	size_t len = strcspn(start, "\n");
	if (len == 0)
		return -1;
	*title = arena_strndup(a, start, len);
	const char *rest = start + len;
	rest += strspn(rest, "\n");
	*body = arena_strdup(a, rest);
	return 0;
}

/* Adds the text of page slug in lang as a published version, unless the page has one in lang. */
static int demo_page_version(db_conn *c, const config *cfg, arena *a, int64_t page_id, const char *slug,
			     const char *lang)
{
	page_version existing;
	int has = page_version_latest(c, a, page_id, lang, false, &existing);
	if (has != 0)
		return has < 0 ? -1 : 0;
	buf text = BUF_INIT;
	const char *path = arena_printf(a, "%s/data/demo/pages/%s.%s.md", cfg->share_dir, slug, lang);
	const char *title = NULL, *body = NULL;
	int rc = -1;
	if (demo_read_file(path, &text) != 0 || !str_valid_utf8(buf_cstr(&text), text.len) ||
	    demo_split(a, buf_cstr(&text), &title, &body) != 0) {
		fprintf(stderr, "trygg: demo page %s: cannot read a title and text\n", path);
		goto out;
	}
	page_version_new v = {
		.page_id = page_id, .lang = lang, .state = PAGE_PUBLISHED, .author_id = 0,
		.restored_from = 0, .base = 0, .now = (int64_t)time(NULL),
	};
	rc = page_version_add(c, &v, title, body) < 0 ? -1 : 0;
out:
	buf_free(&text);
	return rc;
}

int page_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	arena *a = arena_new();
	int rc = -1;
	size_t added = 0;
	for (size_t i = 0; i < ARRAY_LEN(demo_pages); i++) {
		const struct demo_page *d = &demo_pages[i];
		page p;
		int found = page_find(c, a, d->slug, &p);
		if (found < 0)
			goto out;
		if (found == 0) {
			if (page_create(c, d->slug, d->menu_order, d->in_menu, 0, (int64_t)time(NULL)) < 0 ||
			    page_find(c, a, d->slug, &p) != 1)
				goto out;
			added++;
		}
		for (size_t k = 0; k < ARRAY_LEN(demo_languages); k++)
			if (demo_page_version(c, cfg, a, p.id, d->slug, demo_languages[k]) != 0)
				goto out;
	}
	fprintf(out, "Demo information pages: %zu added, %zu in all.\n", added, ARRAY_LEN(demo_pages));
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "trygg: demo pages: %s\n", db_errmsg(c));
	arena_free(a);
	return rc;
}
