/*
 * template.h — HTML templates in files, escaped by default.
 *
 * Templates live in templates/ (NAME.html, named by their path without
 * ".html") and are compiled once at start. The data is a jansson object.
 * Syntax (a subset of Mustache):
 *   {{name}} {{a.b}} {{.}}   the value, HTML-escaped (numbers as written; true/false/null as "")
 *   {{&name_html}}           the value unescaped — only for names ending in "_html", which
 *                            code fills solely with HTML it produced itself (e.g. a rendered page)
 *   {{#name}}…{{/name}}      repeated for each element of an array, entered for an object,
 *                            shown for any other true value (non-empty string, non-zero number)
 *   {{^name}}…{{/name}}      shown when name is missing, false, null, "", 0 or []
 *   {{>name}}                another template, with the same data
 *   {{_ "Text"}}             the text translated into the request's language, escaped
 *   {{asset "css/site.css"}} the fingerprinted URL of a static file
 *   {{! comment }}
 * Names are looked up from the innermost section outwards.
 */
#ifndef TRYGG_WEB_TEMPLATE_H
#define TRYGG_WEB_TEMPLATE_H

#include <jansson.h>

#include "core/buf.h"

typedef struct tpl_set tpl_set;

typedef struct tpl_env {
	/* Returns the translation of msgid (never NULL). */
	const char *(*translate)(void *ud, const char *msgid);
	/* Returns the URL of static file path (never NULL). */
	const char *(*asset)(void *ud, const char *path);
	void *ud;
} tpl_env;

/* Compiles every .html file under dir. Returns NULL with *err (caller frees)
 * naming the file, line and problem on the first error. */
tpl_set *tpl_load_dir(const char *dir, char **err);
/* Compiles one template from text (used by tests). Returns 0 or -1 with *err. */
int tpl_add(tpl_set *set, const char *name, const char *text, char **err);
tpl_set *tpl_set_new(void);
void tpl_free(tpl_set *set);
/* Returns true when a template of that name exists. */
int tpl_exists(const tpl_set *set, const char *name);
/* Renders template name with data into out. Returns 0, or -1 when there is no
 * such template (or partials nest more than 16 deep). */
int tpl_render(const tpl_set *set, const char *name, json_t *data, const tpl_env *env, buf *out);
/* Calls fn for every {{_ "…"}} text in every template (to extract messages). */
void tpl_each_msgid(const tpl_set *set, void (*fn)(void *ud, const char *tpl, const char *msgid), void *ud);

#endif
