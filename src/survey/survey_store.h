/*
 * survey_store.h — the survey's tables (migrations/0009_survey.sql): rounds
 * with their questionnaire, one-time codes, responses and answers, and the
 * population margins. Every function works on SQLite and PostgreSQL and runs
 * in the caller's transaction unless it says it opens its own.
 */
#ifndef TRYGG_SURVEY_SURVEY_STORE_H
#define TRYGG_SURVEY_SURVEY_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"
#include "survey/questionnaire.h"

/* A round's status. draft: being built; open: answers are taken (between
 * opens_at and closes_at when set); closed: no more answers; published: the
 * results are public. */
enum survey_round_status {
	SURVEY_ROUND_DRAFT,
	SURVEY_ROUND_OPEN,
	SURVEY_ROUND_CLOSED,
	SURVEY_ROUND_PUBLISHED,
	SURVEY_ROUND_STATUS__MAX
};
extern const char *const survey_round_status_names[SURVEY_ROUND_STATUS__MAX];
/* The status called name, or -1. */
int survey_round_status_find(const char *name);

typedef struct survey_round {
	int64_t id;
	const char *slug, *title_sv, *title_en;
	int year;
	enum survey_round_status status;
	const char *questionnaire_json;
	bool open_link;
	int64_t opens_at, closes_at;  /* 0: not set */
	const char *margins;          /* "age_group*sex,area" */
	int min_n;
	double trim_upper;
	bool generated;
	const char *method_sv, *method_en;
	int64_t created_at, updated_at, published_at;
} survey_round;

/* Reads the round with id (or, when id is 0, with slug) into *out, strings in
 * a. Returns 1 found, 0 none, -1 database error. */
int survey_round_get(db_conn *c, arena *a, int64_t id, const char *slug, survey_round *out);

/* Calls fn for every round, newest year first; fn returns 0 to go on.
 * Strings valid during the call. Returns 0 or -1. */
int survey_round_list(db_conn *c, int (*fn)(void *ud, const survey_round *r), void *ud);

/* Inserts r (its id, created_at and updated_at are ignored and set to now).
 * The questionnaire must have been checked with survey_questionnaire_parse().
 * Returns the new id, or -1 (db_error_is_conflict(): the slug is taken). */
int64_t survey_round_create(db_conn *c, const survey_round *r, int64_t now);

/* Writes every field of r (by r->id) and updated_at = now. 1 done, 0 no such
 * round, -1 error. */
int survey_round_update(db_conn *c, const survey_round *r, int64_t now);

/* Parses the round's questionnaire (stored ones are valid; a stored one that
 * is not — edited by hand in the database — gives NULL). */
const survey_questionnaire *survey_round_questionnaire(arena *a, const survey_round *r);

/* Whether the round takes answers at now (status open and inside its dates). */
bool survey_round_accepting(const survey_round *r, int64_t now);

/* ---- responses ---- */

typedef struct survey_response_meta {
	const char *mode;       /* web, phone, paper, import */
	int64_t entered_by;     /* 0: none */
	int64_t import_id;      /* 0: none */
	const char *source_ref; /* NULL: "" */
	double base_weight;     /* 0: 1 */
	int64_t started_at;     /* 0: now */
} survey_response_meta;

/*
 * Stores a complete response with its answers (already checked with
 * survey_answers_check()). The response's area is that of the answer to the
 * questionnaire's "area" background item, if any. Free text answers start as
 * pending review. Runs in the caller's write transaction. Returns the new
 * response id, or -1.
 */
int64_t survey_response_insert(db_conn *c, int64_t round_id, const survey_questionnaire *q,
                               const survey_response_meta *meta, const survey_answer *answers,
                               size_t answer_count, int64_t now);

/* The SQL of a multi-row INSERT: head, then rows copies of row separated by
 * commas (fixed text: only placeholders are repeated), in a. For the bulk
 * inserts of imports and the demo rounds. */
const char *survey_batch_sql(arena *a, const char *head, const char *row, size_t rows);

/* Inserts answers as rows of response_id (free text pending review), in the
 * caller's write transaction. 0 or -1. */
int survey_answers_insert(db_conn *c, int64_t response_id, const survey_answer *answers, size_t answer_count);

/* Calls fn for every answer of the round's complete responses, ordered by
 * response id; fn returns 0 to go on. Text answers are given only when
 * with_text (results never need them). Returns 0 or -1. */
typedef struct survey_stored_answer {
	int64_t response_id;
	double base_weight;
	survey_answer answer;   /* strings valid during the call */
} survey_stored_answer;
int survey_answers_each(db_conn *c, int64_t round_id, bool with_text,
                        int (*fn)(void *ud, const survey_stored_answer *a), void *ud);

/* Number of complete responses of the round, or -1. */
int64_t survey_response_count(db_conn *c, int64_t round_id);

/*
 * Counts for the lägesbild: the answers of complete responses submitted in
 * [from, to) by item × answer code × area × month (UTC), in that order.
 * area_id is the answer's own area for place and area items (a marked unsafe
 * place lies in that area), otherwise the respondent's area (0: unknown);
 * value_code is -1 for answers without a code (places, text). These are
 * unweighted counts of answers — the weighted estimates are
 * survey_lagesbild_estimates() (survey.h); counts are for things such as
 * "marked unsafe places per area and month" (item trygghet.plats). Free text
 * is never given. fn returns 0 to go on. Returns 0 or -1.
 */
typedef struct survey_count {
	int64_t round_id;
	const char *item_code;  /* the problem category: the item's code */
	int64_t value_code;
	int64_t area_id;
	int year, month;
	int64_t count;
} survey_count;
int survey_counts(db_conn *c, int64_t from, int64_t to, int (*fn)(void *ud, const survey_count *row), void *ud);

/* ---- population margins ---- */

/* Replaces the round's population counts of margin (e.g. "age_group*sex")
 * with the given cells ("25-44|kvinna") and counts. Caller's transaction.
 * 0 or -1. */
int survey_population_replace(db_conn *c, int64_t round_id, const char *margin, const char *const *cells,
                              const double *counts, size_t n, const char *source, int64_t now);

/* Calls fn for every population cell of the round, by margin then cell. 0 or -1. */
int survey_population_each(db_conn *c, int64_t round_id,
                           int (*fn)(void *ud, const char *margin, const char *cell, double count), void *ud);

/* ---- one-time codes ---- */

/* The hash stored for a one-time code as typed (blanks, dashes and case are
 * ignored). out gets 65 bytes (hex). */
void survey_code_hash(const char *code, char out[65]);

/* Size of a code as printed: XXXX-XXXX-XXXX and the NUL. */
#define SURVEY_CODE_TEXT_SIZE 15
/* Writes a new random code as printed (same alphabet and form as the
 * one-time codes; also used for resume codes of answers in progress). */
void survey_code_new(char out[SURVEY_CODE_TEXT_SIZE]);

/* Makes count new codes of 12 characters from an alphabet without look-alike
 * characters, printed as XXXX-XXXX-XXXX, stores their hashes and returns the
 * codes (in a) — the only time they exist in the clear. Caller's write
 * transaction. Returns count, or -1. */
int survey_codes_create(db_conn *c, arena *a, int64_t round_id, size_t count, const char *batch, int64_t now,
                        const char ***codes);

#endif
