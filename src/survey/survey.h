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

/* builder.c, builder_questionnaire.c: the rounds, a round's settings and status, the questionnaire
 * builder with export/import, and one-time codes (staff, samordnare and admin). */
extern const http_route survey_builder_routes[];
extern const size_t survey_builder_route_count;

#endif
