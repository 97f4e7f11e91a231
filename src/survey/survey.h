/*
 * survey.h — Trygghetsundersökningen, the safety survey: what the rest of
 * Trygg uses of the module (routes, demo data, command line, and the
 * results for the lägesbild).
 *
 * Inside the module:
 *   survey_stats.h, survey_rake.c, survey_stats.c, survey_distribution.c —
 *       the statistics (pure; checked against R's survey package);
 *   questionnaire.h/.c — the questionnaire format, routing, answer checking (pure);
 *   survey_store.h, store.c — the tables (migrations/0009_survey.sql);
 * and the pages, each declaring its routes below.
 *
 * Addresses:
 *   public  /trygghetsundersokning                      rounds with results, open rounds
 *           /trygghetsundersokning/SLUG                 a round's results
 *           /trygghetsundersokning/SLUG/svara…          answering (one-time code or open link)
 *           /trygghetsundersokning/metod                how the survey is done
 *   staff   /personal/trygghetsundersokning             rounds (samordnare, admin)
 *           /personal/trygghetsundersokning/ID…         a round: questionnaire, codes, entry,
 *                                                       import, population, free-text review
 */
#ifndef TRYGG_SURVEY_SURVEY_H
#define TRYGG_SURVEY_SURVEY_H

#include <stddef.h>

#include "http/http.h"

/* ---- import of answers and population margins, demo rounds: import.c,
 * import_csv.c, import_check.c, import_areas.c, import_store.c,
 * import_tolerance.c (import.h), population.c, demo.c, cli.c ---- */

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "db/db.h"
#include "survey/survey_store.h"

/* Codebook, CSV template and import of answers: …/ID/kodbok.csv, mall.csv, import. */
extern const http_route survey_import_routes[];
extern const size_t survey_import_route_count;
/* Population margins: …/ID/befolkning. */
extern const http_route survey_population_routes[];
extern const size_t survey_population_route_count;

/* For the staff pages of a round ({id} in the path): reads the round and its
 * questionnaire. Returns 0, or the status with the error page set. */
int survey_page_round(http_req *r, survey_round *round, const survey_questionnaire **q);
/* 0 when the round is not published, else 409 with the error page set:
 * a published round's answers and margins are not changed. */
int survey_page_round_unpublished(http_req *r, const survey_round *round);
/* The round's title in the request's language. */
const char *survey_page_round_title(http_req *r, const survey_round *round);

/* `trygg survey import ROUND FILE [--valid-only]` (cli.c). */
typedef struct survey_command {
	const char *round;  /* id or slug */
	const char *file;
	bool valid_only;
	bool help;
} survey_command;
/* Reads the arguments after `trygg survey`, including --database and
 * --config, into *cmd and cfg. Returns 0, or 2 after printing the problem and
 * the usage to stderr (usage to stdout for --help). */
int survey_cli_parse(survey_command *cmd, config *cfg, int argc, char **argv, const char *usage);
/* Runs the command on the migrated database d: 0 imported, 1 nothing imported. */
int survey_cli_run(const survey_command *cmd, db *d);

/* The demo rounds for Partille (2022 and 2025 published with generated
 * answers, 2026 open with an open link); does nothing when they exist. 0 or -1. */
int survey_demo_load(db_conn *c, const config *cfg, FILE *out);

#endif
