/*
 * handlers.h — the request handlers of the pages module and the few helpers
 * its two halves share, for its route table (routes.c). Other modules use
 * pages.h, never this header.
 */
#ifndef TRYGG_PAGES_HANDLERS_H
#define TRYGG_PAGES_HANDLERS_H

#include <jansson.h>

#include "http/http.h"
#include "pages/pages.h"

/* ---- public.c ---- */

/* GET / — the front page: the published "start" page, the services and the menu. */
int page_front(http_req *r);
/* GET /sida/{slug} — a published page in the visitor's language, or in Swedish. */
int page_show(http_req *r);

/* Returns Markdown text rendered to safe HTML as a JSON string (for a
 * template's *_html name), or NULL when rendering fails. */
json_t *page_html(const char *markdown);

/* ---- editor.c (staff: samordnare, admin) ---- */

/* GET /personal/sidor — every page, and the form for a new one. */
int page_editor_list(http_req *r);
/* POST /personal/sidor — adds a page. */
int page_editor_create(http_req *r);
/* GET /personal/sidor/{slug} — leads to the Swedish version's editor. */
int page_editor_page(http_req *r);
/* POST /personal/sidor/{slug} — sets the page's place in the menu. */
int page_editor_menu(http_req *r);
/* GET /personal/sidor/{slug}/{lang} — the editor of one language version. */
int page_editor_form(http_req *r);
/* POST /personal/sidor/{slug}/{lang} — preview, save a draft or publish. */
int page_editor_submit(http_req *r);
/* GET /personal/sidor/{slug}/{lang}/versioner/{number} — one old version. */
int page_editor_version(http_req *r);
/* POST /personal/sidor/{slug}/{lang}/versioner/{number} — restores it as a new draft. */
int page_editor_restore(http_req *r);

#endif
