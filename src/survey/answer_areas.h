/*
 * answer_areas.h — the municipality's areas as answers to the survey's area
 * questions, shared by the web answering (answer.c) and staff entry
 * (entry.c): the list to choose from, and reading an area typed by its id
 * or code.
 */
#ifndef TRYGG_SURVEY_ANSWER_AREAS_H
#define TRYGG_SURVEY_ANSWER_AREAS_H

#include <jansson.h>
#include <stdint.h>

#include "http/http.h"

/* The areas in use, by name: [{id, code, name, selected}], selected marking
 * the one with id selected. NULL on a database error. */
json_t *survey_areas_json(http_req *r, int64_t selected);

/* The id of the area in use whose id or code is text, or 0 (none, or a
 * database error). ud is the http_req; fits survey_answer_read(). */
int64_t survey_area_lookup(void *ud, const char *text);

/* The name of area id (retired ones too), or "" (in r's arena). */
const char *survey_area_name(http_req *r, int64_t id);

#endif
