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

/* ---- answering: answer.c, answer_store.c, answer_areas.c (web, one-time
 * code or open link) and entry.c (staff phone and paper entry) ---- */

/* /trygghetsundersokning/SLUG/svara… */
extern const http_route survey_answer_routes[];
extern const size_t survey_answer_route_count;
/* /personal/trygghetsundersokning/ID/registrera… */
extern const http_route survey_entry_routes[];
extern const size_t survey_entry_route_count;

/* ---- results: weights, estimates, publishing, free-text review, lägesbild
 * (results.c computes, results_pages.c and review.c are the pages, svg.c the
 * charts) ---- */

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"
#include "survey/questionnaire.h"
#include "survey/survey_store.h"
#include "survey/survey_stats.h"

/* The groups results are given for. */
enum survey_domain_kind {
	SURVEY_DOMAIN_ALL,  /* the whole municipality */
	SURVEY_DOMAIN_AGE,  /* an age group (background key age_group) */
	SURVEY_DOMAIN_SEX,  /* background key sex */
	SURVEY_DOMAIN_AREA, /* an area (background key area) */
	SURVEY_DOMAIN__MAX
};

typedef struct survey_result_domain {
	enum survey_domain_kind kind;
	const char *key;               /* option key or area code; "" for everyone */
	const char *label_sv, *label_en;
	int64_t area_id;               /* SURVEY_DOMAIN_AREA; else 0 */
	int variable, category;        /* in the survey_data; SURVEY_EVERYONE for everyone */
} survey_result_domain;

/* Index names of survey_figure.index. */
#define SURVEY_INDEX_NAME_PROBLEM "problem"
#define SURVEY_INDEX_NAME_PROBLEM_TOTAL "problem_total"
#define SURVEY_INDEX_NAME_UNSAFETY "unsafety"
#define SURVEY_INDEX_NAME_VICTIMISATION "victimisation"
#define SURVEY_INDEX_NAME_REPORTING "reporting_rate"

/* One published figure: a share of an option, the mean of an item's scores,
 * or an index, for one domain. */
typedef struct survey_figure {
	const char *item;      /* item code; "" for a total index */
	const char *option;    /* option key of a share; "" for a mean or an index */
	const char *index;     /* SURVEY_INDEX_NAME_…, or "" for a plain share or mean */
	bool is_share;         /* a share (0…1), shown as per cent; else a mean or ratio */
	size_t domain;         /* into survey_results.domains */
	survey_estimate e;
	survey_comparison previous;   /* against the previous published round (NOT_COMPARABLE if none) */
	survey_comparison versus_all; /* this domain against everyone (NOT_COMPARABLE when not made) */
} survey_figure;

/* One cell of a raking margin: the population and what the weights give. */
typedef struct survey_margin_check {
	const char *margin;     /* "age_group*sex" */
	const char *cell;       /* "25-44|kvinna" */
	double population;
	double weighted;        /* Σ final weights of the respondents in the cell */
	size_t respondents;
} survey_margin_check;

/* Everything computed for a round. Owned by the cache: take it with
 * survey_results_get() and give it back with survey_results_release(). */
typedef struct survey_results {
	survey_round round;                 /* strings in arena */
	const survey_questionnaire *q;      /* NULL when the stored questionnaire is broken */
	size_t n;                           /* respondents (complete responses with answers) */
	bool ok;                            /* weights made and figures computed */
	/* When the weights could not be made: what and where (Swedish/English
	 * wording is the page's). margin_name/cell_name name them as stored. */
	enum survey_error error;
	const char *margin_name, *cell_name;
	double error_value;
	bool weighted;                      /* raked to margins (else base weights as they are) */
	bool have_report;
	survey_rake_report report;          /* margin_error points into arena */
	size_t check_count;
	survey_margin_check *checks;
	size_t domain_count;
	survey_result_domain *domains;
	size_t figure_count;
	survey_figure *figures;
	int64_t previous_round_id;          /* 0: none */
	int previous_year;
	const char *previous_slug;
	arena *arena;                       /* owns everything above */
	int refs;                           /* cache bookkeeping */
} survey_results;

/* The results of the round with id, computed now or taken from the cache
 * (recomputed when the round, its answers or population change). Returns 1
 * with *out (release it), 0 when there is no such round, -1 on a database
 * error. Safe to call from several threads. */
int survey_results_get(db_conn *c, int64_t round_id, survey_results **out);

/* Gives results back (NULL is allowed). */
void survey_results_release(survey_results *results);

/* The figure of item/option/index in domain, or NULL. */
const survey_figure *survey_results_find(const survey_results *res, const char *item, const char *option,
                                         const char *index, size_t domain);

/* The domain of kind with key ("" for everyone), or -1. */
int survey_results_domain(const survey_results *res, enum survey_domain_kind kind, const char *key);

/*
 * The lägesbild interface: the indices of every published round whose year
 * is in year_from … year_to (0 for open ends), for the whole municipality
 * (area_id 0) and per area. For each: the problem index of every problem
 * item (item "problem.klotter", index "problem"), the total problem index
 * (item "", "problem_total"), the unsafety index (item "trygghet.kvall",
 * "unsafety"), victimisation per crime (item "utsatt.ran") and in total (item
 * ""), and the reporting rate per crime and in total. A suppressed figure
 * (fewer answers than the round's min_n) comes with suppressed = true and
 * NaN numbers; never show its value. fn returns 0 to go on. Rounds whose
 * weights cannot be made are left out. Strings are valid during the call.
 * Returns 0, or -1 on a database error.
 */
typedef struct survey_area_estimate {
	int64_t round_id;
	const char *round_slug;
	int year;               /* the year the round describes */
	int64_t area_id;        /* 0: the whole municipality */
	const char *item;       /* item code; "" for a total */
	const char *index;      /* SURVEY_INDEX_NAME_… */
	bool is_share;          /* value is a share 0…1 (else the 0–6 problem scale or a ratio) */
	double value, ci_low, ci_high, se;
	size_t n;
	bool suppressed;
} survey_area_estimate;
int survey_lagesbild_estimates(db_conn *c, int year_from, int year_to,
                               int (*fn)(void *ud, const survey_area_estimate *e), void *ud);

/* Public results, methods and CSV (results_pages.c); staff weights report
 * (results_pages.c) and free-text review (review.c). */
extern const http_route survey_results_routes[];
extern const size_t survey_results_route_count;
extern const http_route survey_review_routes[];
extern const size_t survey_review_route_count;

/* builder.c, builder_questionnaire.c: the rounds, a round's settings and status, the questionnaire
 * builder with export/import, and one-time codes (staff, samordnare and admin). */
extern const http_route survey_builder_routes[];
extern const size_t survey_builder_route_count;

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
