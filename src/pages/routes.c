/*
 * routes.c — the route table of the pages module (see pages.h): the public
 * front page and pages, and the coordinator's editor under /personal/sidor.
 */
#include "pages/handlers.h"
#include "core/util.h"
#include "web/web.h"

#define PAGE_EDITORS (ROLE_SAMORDNARE | ROLE_ADMIN)

const http_route page_routes[] = {
	{ "GET", "/", page_front, 0, 0 },
	{ "GET", "/sida/{slug}", page_show, 0, 0 },
	{ "GET", "/personal/sidor", page_editor_list, ROUTE_STAFF, PAGE_EDITORS },
	{ "POST", "/personal/sidor", page_editor_create, ROUTE_STAFF, PAGE_EDITORS },
	{ "GET", "/personal/sidor/{slug}", page_editor_page, ROUTE_STAFF, PAGE_EDITORS },
	{ "POST", "/personal/sidor/{slug}", page_editor_menu, ROUTE_STAFF, PAGE_EDITORS },
	{ "GET", "/personal/sidor/{slug}/{lang}", page_editor_form, ROUTE_STAFF, PAGE_EDITORS },
	{ "POST", "/personal/sidor/{slug}/{lang}", page_editor_submit, ROUTE_STAFF, PAGE_EDITORS },
	{ "GET", "/personal/sidor/{slug}/{lang}/versioner/{number}", page_editor_version, ROUTE_STAFF, PAGE_EDITORS },
	{ "POST", "/personal/sidor/{slug}/{lang}/versioner/{number}", page_editor_restore, ROUTE_STAFF, PAGE_EDITORS },
};
const size_t page_route_count = ARRAY_LEN(page_routes);
