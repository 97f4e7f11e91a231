/*
 * pages.h — information pages: Markdown pages that the coordinator writes in
 * Swedish and English, with drafts, a preview, publishing and a history of
 * versions, and the public front page that presents them and every service.
 *
 * Files: markdown.c (Markdown to safe HTML with libcmark), store.c (pages and
 * their versions in the database), editor.c (the staff pages under
 * /personal/sidor), public.c (the front page "/" and /sida/SLUG),
 * demo_pages.c (the demo pages from data/demo/pages/).
 *
 * What this module does not do: let any HTML a writer typed through. Raw HTML
 * in the Markdown is dropped, and links may only lead to http, https, mailto,
 * tel or addresses on this site.
 */
#ifndef TRYGG_PAGES_PAGES_H
#define TRYGG_PAGES_PAGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

#define PAGE_SLUG_MAX_BYTES 60
#define PAGE_TITLE_MAX_CHARS 200
#define PAGE_BODY_MAX_BYTES 100000
#define PAGE_MENU_ORDER_MAX 999
/* The page whose published text the front page shows. */
#define PAGE_FRONT_SLUG "start"

/* ---- Markdown (markdown.c) ---- */

/* Appends the HTML of Markdown text (len bytes) to out. Raw HTML is left out,
 * links and images to anything but http, https, mailto, tel or a relative
 * address lose their address, and a level-1 heading becomes level 2 (the page
 * title is the page's only h1). Returns 0, or -1 when cmark fails. */
int page_markdown_render(const char *text, size_t len, buf *out);

/* True when url may be a link's or image's address: http, https, mailto, tel,
 * or no scheme at all (a path, a query or a fragment on this site). */
bool page_url_allowed(const char *url);

/* ---- pages and versions (store.c) ---- */

enum page_state { PAGE_DRAFT, PAGE_PUBLISHED, PAGE_STATE__MAX };
/* The states as stored ("draft", "published"), indexed by enum page_state. */
extern const char *const page_state_names[PAGE_STATE__MAX];

typedef struct page {
	int64_t id;
	const char *slug;
	int64_t menu_order;
	bool in_menu;
} page;

typedef struct page_version {
	int64_t number;        /* 1, 2, … within the page and language */
	const char *lang;
	const char *title;
	const char *body;      /* Markdown */
	enum page_state state;
	const char *author;    /* the author's name, or e-mail when unnamed; "" for the system */
	int64_t created_at;
	int64_t restored_from; /* number of the version restored, 0 if none */
} page_version;

/* True when slug is a-z, 0-9 and single inner '-', 1 to PAGE_SLUG_MAX_BYTES long. */
bool page_slug_valid(const char *slug);

/* Looks a page up by slug. Returns 1 and fills *out (strings in a), 0 when
 * there is none, -1 on a database error. */
int page_find(db_conn *c, arena *a, const char *slug, page *out);
/* Calls fn for every page, by menu order and slug; fn returns 0 to go on.
 * Returns the number of pages, or -1 on a database error. */
int page_each(db_conn *c, arena *a, int (*fn)(void *ud, const page *p), void *ud);
/* Adds a page. Returns its id, 0 when the slug is taken, -1 on a database error. */
int64_t page_create(db_conn *c, const char *slug, int64_t menu_order, bool in_menu, int64_t user_id, int64_t now);
/* Sets the page's place in the menu. Returns 0, or -1 on a database error. */
int page_set_menu(db_conn *c, int64_t page_id, int64_t menu_order, bool in_menu);

/* The newest version of the page in lang (in any state, or only the newest
 * published one with published_only). Returns 1 and fills *out (strings in
 * a), 0 when there is none, -1 on a database error. */
int page_version_latest(db_conn *c, arena *a, int64_t page_id, const char *lang, bool published_only,
			page_version *out);
/* Version number of the page in lang. Returns 1 / 0 / -1 as page_version_latest. */
int page_version_get(db_conn *c, arena *a, int64_t page_id, const char *lang, int64_t number, page_version *out);
/* Calls fn for every version of the page in lang, newest first; fn returns 0
 * to go on. Returns the number of versions, or -1 on a database error. */
int page_version_each(db_conn *c, arena *a, int64_t page_id, const char *lang,
		      int (*fn)(void *ud, const page_version *v), void *ud);

/* What page_version_add needs besides the text. */
typedef struct page_version_new {
	int64_t page_id;
	const char *lang;
	enum page_state state;
	int64_t author_id;     /* 0: the system */
	int64_t restored_from; /* 0 if none */
	int64_t base;          /* the newest number the writer saw; -1: do not check */
	int64_t now;
} page_version_new;

/* Adds version title/body as the next number of the page in lang, in one
 * write transaction. Returns the new number; 0 when someone added a version
 * after base (nothing is written); -1 on a database error. */
int64_t page_version_add(db_conn *c, const page_version_new *v, const char *title, const char *body);

/* One entry of the menu of published pages. */
typedef struct page_menu_item {
	const char *slug;
	const char *title;
	const char *lang; /* the language of title: lang asked for, or "sv" when the page lacks it */
} page_menu_item;

/* Calls fn for every page in the menu that is published in lang or in
 * Swedish, in menu order, with its title in lang when it has one. Returns the
 * number of entries, or -1 on a database error. */
int page_menu_each(db_conn *c, arena *a, const char *lang, int (*fn)(void *ud, const page_menu_item *m), void *ud);

/* ---- routes (editor.c, public.c) ---- */

/* Every route of this module: the front page, /sida/{slug} and the editor. */
extern const http_route page_routes[];
extern const size_t page_route_count;

/* ---- demo data (demo_pages.c) ---- */

/* Adds the demo pages (Swedish and English, published) from
 * SHARE_DIR/data/demo/pages/ unless they exist. Returns 0, or -1 after a message. */
int page_demo_load(db_conn *c, const config *cfg, FILE *out);

#endif
