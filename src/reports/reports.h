/*
 * reports.h — Felanmälan: fault reports from residents about streets, parks
 * and parking, sent through the web form (/felanmalan) or the Open311
 * GeoReport v2 API (/open311/v2/), and handled by staff.
 *
 * What other parts of Trygg use: the routes, the demo data, the API-key
 * command, and report_counts() for the lägesbild. Everything else is inside
 * the module (report_internal.h, which lists the files).
 */
#ifndef TRYGG_REPORTS_REPORTS_H
#define TRYGG_REPORTS_REPORTS_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

/* One cell of the counts for the lägesbild. Strings valid during the callback. */
typedef struct report_count {
	const char *category;  /* service_code */
	int64_t area_id;       /* 0: no area known */
	int year, month;       /* of requested_at, UTC */
	const char *status;    /* e.g. "received", "fixed" (report_statuses[]) */
	int is_open;           /* 1 when the status counts as open */
	int64_t count;
} report_count;

/* Calls fn for every (category, area, month, status) with reports requested in
 * [from, to), in that order; fn returns 0 to go on. Sums over status give the
 * counts by category × area × month, sums over the rest the counts by status.
 * Returns 0, or -1 on a database error. */
int report_counts(db_conn *c, int64_t from, int64_t to, int (*fn)(void *ud, const report_count *row), void *ud);

/* Erases the reporter's name, e-mail, phone, device and account, what the
 * reporter added privately, and the free-text notes of a forwarding to the
 * police (which may repeat the reporter's details), of reports closed more
 * than months ago (default
 * policy: 12), keeping the report itself. For the background worker. Returns
 * the number of reports erased, or -1 on a database error (nothing changed). */
int report_erase_personal(db_conn *c, int64_t now, int months);

/* The background job (for the mail worker): erases reporters' personal data of
 * reports closed more than the setting report_retention_months ago (default
 * 12), and writes one audit entry saying how many. 0 or -1. */
int report_retention_run(db_conn *c, const config *cfg, int64_t now);

/* The public and staff routes (pages.c), and the Open311 API's (open311.c). */
extern const http_route report_routes[];
extern const size_t report_route_count;
extern const http_route open311_routes[];
/* The body of an error under /open311/ that no handler wrote (a body over
 * the limit, a bad form, an unknown path or method): a GeoReport v2 error
 * list, in XML or JSON as the path's suffix asks (web_error_format). */
void report_open311_error(http_req *r, int status);
extern const size_t open311_route_count;
extern const http_route report_public_routes[]; /* list, public page, Atom (public.c) */
extern const size_t report_public_route_count;
extern const http_route report_category_routes[]; /* /personal/felanmalan-kategorier (categories.c) */
extern const size_t report_category_route_count;
extern const http_route report_staff_routes[];  /* /personal/felanmalan (staff.c) */
extern const size_t report_staff_route_count;
extern const http_route report_apikey_routes[]; /* /personal/apinycklar (apikeys.c) */
extern const size_t report_apikey_route_count;

/* The demo step: the categories and their extra questions, and a few reports,
 * unless categories exist. 0 or -1. */
int report_demo_load(db_conn *c, const config *cfg, FILE *out);

/* `trygg apikey create NAME` / `trygg apikey list` / `trygg apikey revoke ID`
 * on the migrated database d (arguments after "apikey"). Prints a new key
 * once. Returns the exit status (0, 1 on failure, 2 on bad arguments). */
int report_apikey_cli(db *d, int argc, char **argv);
/* The usage text of `trygg apikey`. */
extern const char report_apikey_usage[];

#endif
