/*
 * webform.h — helpers for pages with forms: reading fields, and collecting
 * errors so that a form that fails is shown again with an error summary at
 * its top (templates/personal/error_summary.html) and each message beside its
 * field (as FIELD_error in the page's data).
 *
 * Every page with a form uses them, so that all forms behave the same. They
 * only build page data; they do not render.
 */
#ifndef TRYGG_WEB_WEBFORM_H
#define TRYGG_WEB_WEBFORM_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"

/* Adds message (already translated) to the error summary of d, linked to field. */
void webform_summary_error(json_t *d, const char *field, const char *message);
/* Adds an error for field: in the summary and beside the field (FIELD_error). */
void webform_error(http_req *r, json_t *d, const char *field, const char *message);
/* True when any error was added to d. */
bool webform_has_errors(json_t *d);
/* A form field without surrounding white space, in the arena; "" when it was not sent. */
const char *webform_trimmed(http_req *r, const char *name);
/* Counts the characters (code points) of valid UTF-8 text. */
size_t webform_chars(const char *text);
/* True when text holds a control character other than tab, CR and LF
 * (allow_newlines) or any control character at all (!allow_newlines). */
bool webform_has_control(const char *text, bool allow_newlines);

/* Logs the database error of the request's connection and answers 500 (the
 * error page in the user's language). Takes d (may be NULL). Returns 500. */
int webform_failed(http_req *r, json_t *d);

#endif
