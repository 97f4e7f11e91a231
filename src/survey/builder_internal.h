/*
 * builder_internal.h — what the two files of the staff side of a round share:
 * builder.c (rounds, settings, status, one-time codes, the route table) and
 * builder_questionnaire.c (the questionnaire builder, export and import).
 * Not for the rest of the module.
 */
#ifndef TRYGG_SURVEY_BUILDER_INTERNAL_H
#define TRYGG_SURVEY_BUILDER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "http/http.h"
#include "survey/survey_store.h"

#define ROUNDS_PATH "/personal/trygghetsundersokning"
#define MANAGER_ROLES (ROLE_SAMORDNARE | ROLE_ADMIN)
#define BANK_FILE "data/survey/bank.json" /* relative to cfg->share_dir */

/* Renders a page of round with d (errors and values; taken). Returns the status. */
typedef int (*builder_renderer)(http_req *r, int status, const survey_round *round, json_t *d);

/* Reads the round of the path's {id}. Returns 0, or the status answered (error page set). */
int builder_path_round(http_req *r, survey_round *round);
/* A page that shows one round: renders it with render, or answers 404. */
int builder_round_show(http_req *r, builder_renderer render);
/* ROUNDS_PATH/ID followed by suffix, in the request's arena. */
const char *builder_round_path(http_req *r, const survey_round *round, const char *suffix);
/* Whether the round has any responses (complete or in progress): its
 * questionnaire is then locked structurally. 1, 0, or -1 on error. */
int builder_round_locked(db_conn *c, int64_t round_id);

/* Checks text as a questionnaire. Returns 0 with *stored (arena; the pretty
 * form), or the status for the problem (400: not JSON or not the format; 422)
 * with *message translated, saying where. */
int builder_questionnaire_check(http_req *r, const char *text, size_t len, const char **stored, const char **message);
/* doc as Trygg stores and exports it: indented, keys in order. Caller frees. */
char *builder_pretty_json(json_t *doc);

/* An uploaded file's content in the arena, or NULL. */
const char *builder_file_text(http_req *r, const http_file *f, size_t *len);
/* A field of plain text of at most max characters (newlines when multiline). */
bool builder_text_ok(const char *s, size_t max, bool multiline);

/* builder_questionnaire.c: the builder's pages. */
int builder_page(http_req *r);
int builder_edit(http_req *r);
int questionnaire_export(http_req *r);
int questionnaire_import(http_req *r);

#endif
