/*
 * webform.c — helpers for pages with forms (see webform.h).
 */
#include "web/webform.h"
#include "core/arena.h"
#include "web/web.h"

#include <stdio.h>

#include <string.h>

void webform_summary_error(json_t *d, const char *field, const char *message)
{
	json_t *summary = json_object_get(d, "error_summary");
	if (summary == NULL) {
		summary = json_object();
		json_object_set_new(summary, "items", json_array());
		json_object_set_new(d, "error_summary", summary);
	}
	json_t *item = json_object();
	json_object_set_new(item, "field", json_string(field));
	json_object_set_new(item, "message", json_string(message));
	json_array_append_new(json_object_get(summary, "items"), item);
}

void webform_error(http_req *r, json_t *d, const char *field, const char *message)
{
	webform_summary_error(d, field, message);
	json_object_set_new(d, arena_printf(r->arena, "%s_error", field), json_string(message));
}

bool webform_has_errors(json_t *d)
{
	return json_object_get(d, "error_summary") != NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *webform_trimmed(http_req *r, const char *name)
{
	const char *v = http_form(r, name);
	if (v == NULL)
		return "";
	while (is_space(*v))
		v++;
	size_t len = strlen(v);
	while (len > 0 && is_space(v[len - 1]))
		len--;
	return arena_strndup(r->arena, v, len);
}

size_t webform_chars(const char *text)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

bool webform_has_control(const char *text, bool allow_newlines)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (allow_newlines && (*p == '\t' || *p == '\r' || *p == '\n'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

int webform_failed(http_req *r, json_t *d)
{
	fprintf(stderr, "trygg: %s %s: database error: %s\n", r->method, r->path, db_errmsg(web_db(r)));
	json_decref(d);
	return 500;
}
