/*
 * answer_store.h — web answers in progress (answer_store.c): a response with
 * status in_progress, found again by the hash of its resume code (cookie,
 * link or typed), and while it lasts linked to the one-time code that
 * started it. Submitting turns it into a complete response through
 * survey_response_insert() and removes every link to the code and to the
 * resume code. Used by answer.c only.
 */
#ifndef TRYGG_SURVEY_ANSWER_STORE_H
#define TRYGG_SURVEY_ANSWER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"
#include "survey/survey_store.h"

/* A web response in progress. */
typedef struct survey_progress {
	int64_t id;
	int64_t round_id;
	int64_t code_id;     /* 0: started from the open link */
	int64_t started_at;
} survey_progress;

/* The in-progress response of the round whose resume code is token (as
 * typed: blanks, dashes and case ignored). 1 found, 0 none, -1 error. */
int survey_progress_by_token(db_conn *c, int64_t round_id, const char *token, survey_progress *out);

/* The one-time code of the round typed as code: 1 with *code_id and *used,
 * 0 when the round has no such code, -1 error. */
int survey_progress_code_find(db_conn *c, int64_t round_id, const char *code, int64_t *code_id, bool *used);

/* The in-progress response started with code_id. 1 found, 0 none, -1 error. */
int survey_progress_by_code(db_conn *c, int64_t code_id, survey_progress *out);

/* Starts a response for the round (code_id 0: open link) that token resumes,
 * and marks the code as started. Caller's write transaction. New id or -1. */
int64_t survey_progress_create(db_conn *c, int64_t round_id, int64_t code_id, const char *token, int64_t now);

/* Makes token the only resume code of the response. Caller's write
 * transaction. 0 or -1. */
int survey_progress_set_token(db_conn *c, int64_t id, const char *token, int64_t now);

/* The answers stored so far (strings in a), in the order they were saved.
 * 0 or -1. */
int survey_progress_answers(db_conn *c, arena *a, int64_t id, survey_answer **answers, size_t *count);

/* Replaces the stored answers with answers. Caller's write transaction. 0 or -1. */
int survey_progress_save(db_conn *c, int64_t id, const survey_answer *answers, size_t count, int64_t now);

/* Submits the response: stores answers (checked with survey_answers_check())
 * as a complete web response, removes the in-progress one and marks its code
 * used. Opens and commits its own write transaction. Returns the complete
 * response's id; 0 when the response was already submitted or its code used
 * meanwhile (nothing changed); -1 error. */
int64_t survey_progress_submit(db_conn *c, const survey_questionnaire *q, const survey_progress *p,
                               const survey_answer *answers, size_t count, int64_t now);

#endif
