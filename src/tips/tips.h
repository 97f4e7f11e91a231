/*
 * tips.h — "Tipsa polisen": anonymous, encrypted tips to the police with a
 * two-way conversation, as the rest of Trygg sees it.
 *
 * A resident sends a tip on /tipsa and leaves with a receipt code and a
 * passphrase, with which they come back on /tipsa/svar to read the police's
 * questions and answer them. Nothing that identifies them is stored: no
 * address, no browser, no time finer than the day; the routes are never in
 * the access log. Everything they write is encrypted before it is stored so
 * that only police officers can read it (design: src/tips/tip_crypto.c).
 * Officers (ROLE_POLIS only) read and handle tips on /personal/tips.
 *
 * Files: tip_crypto.c (cryptography), words.c (passphrase words), keyring.c
 * (unit key, officers, rotation), store.c (tips, messages, photos, visits,
 * retention, lägesbild), photo.c (re-encoding images in the photo helper),
 * tipster_pages.c (/tipsa…), police_pages.c (/personal/tips…), cli.c
 * (`trygg tips …`, the auth hooks and the demo tips).
 */
#ifndef TRYGG_TIPS_TIPS_H
#define TRYGG_TIPS_TIPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "auth/auth.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

/* ---- for the situational picture (lägesbild) ---- */

/* One cell of the counts that leave the police's view: tips tagged
 * crime_type, in area_id (0: no area set), received in year-month (UTC). */
typedef struct tips_count {
	const char *crime_type; /* a name from tip_crime_types[] (tip_store.h) */
	int64_t area_id;
	int year, month;
	int64_t count;
} tips_count;
/* Calls fn for every cell of tag × area × month whose count is at least the
 * threshold set by the police (setting tips_lagesbild_threshold, default 5),
 * ordered by crime type, area and month; fn returns 0 to go on. Smaller
 * cells are left out entirely, not reported as "fewer than N": a reader
 * cannot tell a small cell from an empty one. Only the police's own tags,
 * area and the month are counted, never anything the tipster wrote. A tip
 * with several tags counts once in each. Returns 0, or -1 on a database error. */
int tips_lagesbild_each(db_conn *c, int (*fn)(void *ud, const tips_count *cell), void *ud);

/* ---- for main.c ---- */

/* The job the mail worker runs hourly: erases closed tips older than the
 * retention time (setting tips_retention_days, default 90) for good, ends
 * expired tipster visits, removes the keys of people who lost the polis role,
 * and removes attachment files that no tip refers to. 0 or -1. */
int tips_retention_run(db_conn *c, const config *cfg, int64_t now);

/* The hooks for src/auth/: unwrap an officer's key at login, re-wrap it at a
 * password change. Set auth_password_hooks to this before serving. */
extern const auth_hooks tips_auth_hooks;

/* `trygg tips init-key --officer EMAIL | retention | status`. Reads its own
 * words and options (--database, --config too). Returns the exit status. */
int tips_command(config *cfg, int argc, char **argv);
extern const char tips_usage[];

/* Demo data: the unit key for the demo officer and a few tagged tips. 0 or -1. */
int tips_demo_load(db_conn *c, const config *cfg, FILE *out);

/* The tipster's and the police's pages. */
extern const http_route tips_routes[];
extern const size_t tips_route_count;

#endif
