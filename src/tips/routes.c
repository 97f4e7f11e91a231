/*
 * routes.c — the tip service's route table and the small helpers its pages
 * share (see tip_pages.h).
 *
 * Every route is ROUTE_NO_LOG: no access-log line, so neither a tipster's
 * address nor the fact of a visit is written. The catch-all routes at the end
 * answer 404 for any other path under /tipsa and /personal/tips, so that a
 * mistyped address is not logged either (a path no route matches is logged
 * by the HTTP layer).
 */
#include "tips/tip_pages.h"
#include "tips/tips.h"
#include "areas/area.h"
#include "core/util.h"
#include "web/web.h"

#include <time.h>

#define POLICE (ROUTE_STAFF | ROUTE_NO_LOG)

const http_route tips_routes[] = {
	{ "GET", "/tipsa", tip_form_page, ROUTE_NO_LOG, 0 },
	{ "POST", "/tipsa", tip_form_submit, ROUTE_NO_LOG | ROUTE_UPLOAD, 0 },
	{ "GET", "/tipsa/svar", tip_reply_page, ROUTE_NO_LOG, 0 },
	{ "POST", "/tipsa/svar", tip_reply_open, ROUTE_NO_LOG, 0 },
	{ "POST", "/tipsa/svar/svara", tip_reply_answer, ROUTE_NO_LOG, 0 },
	{ "POST", "/tipsa/svar/avsluta", tip_reply_end, ROUTE_NO_LOG, 0 },
	{ "GET", "/tipsa/{rest...}", tip_not_found, ROUTE_NO_LOG, 0 },
	{ "POST", "/tipsa/{rest...}", tip_not_found, ROUTE_NO_LOG, 0 },
	{ "GET", "/personal/tips", tip_inbox_page, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/nycklar", tip_keys_page, POLICE, ROLE_POLIS },
	{ "POST", "/personal/tips/nycklar", tip_keys_submit, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/installningar", tip_settings_page, POLICE, ROLE_POLIS },
	{ "POST", "/personal/tips/installningar", tip_settings_submit, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/lagesbild", tip_lagesbild_page, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/{id}", tip_show_page, POLICE, ROLE_POLIS },
	{ "POST", "/personal/tips/{id}", tip_show_submit, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/{id}/bild/{photo}", tip_photo_page, POLICE, ROLE_POLIS },
	{ "GET", "/personal/tips/{rest...}", tip_not_found, POLICE, ROLE_POLIS },
	{ "POST", "/personal/tips/{rest...}", tip_not_found, POLICE, ROLE_POLIS },
};
const size_t tips_route_count = ARRAY_LEN(tips_routes);

int tip_not_found(http_req *r)
{
	tip_private_headers(r);
	return 404;
}

void tip_private_headers(http_req *r)
{
	http_set_header(r, "Cache-Control", "no-store");
	/* Comes after the site's "same-origin"; browsers follow the last policy given. */
	http_set_header(r, "Referrer-Policy", "no-referrer");
}

const char *tip_day_text(http_req *r, int64_t day)
{
	time_t t = (time_t)day;
	struct tm tm;
	char text[16];
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d", &tm);
	return arena_strdup(r->arena, text);
}

const char *tip_area_name(http_req *r, int64_t area_id)
{
	area a;
	if (area_id <= 0 || area_find(web_db(r), r->arena, area_id, &a) != 1)
		return "";
	return a.name;
}
