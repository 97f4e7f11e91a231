/*
 * router.c — matching a request against the table of routes (see http.h).
 *
 * Patterns are literal segments and {name} segments; a final {name...} takes
 * the rest of the path. Routes are tried in table order, so put literal
 * routes before parameterised ones that overlap. GET routes also answer HEAD.
 */
#include "http/http.h"
#include "core/util.h"

#include <string.h>

/* Matches path against pattern, adding parameters to *params. */
static bool route_matches(arena *a, const char *pattern, const char *path, http_kv **params)
{
	const char *p = pattern, *s = path;
	http_kv *found = NULL;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close == NULL)
				return false;
			size_t name_len = (size_t)(close - p - 1);
			bool rest = name_len > 3 && strncmp(close - 3, "...", 3) == 0;
			if (rest)
				name_len -= 3;
			const char *end = rest ? s + strlen(s) : strchrnul(s, '/');
			if (end == s)
				return false; /* parameters are never empty */
			char *name = arena_strndup(a, p + 1, name_len);
			http_kv_add(a, &found, name, arena_strndup(a, s, (size_t)(end - s)), (size_t)(end - s));
			p = close + 1;
			s = end;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	/* Parameters go after any the caller already had. */
	if (*params == NULL) {
		*params = found;
	} else {
		http_kv *last = *params;
		while (last->next)
			last = last->next;
		last->next = found;
	}
	return true;
}

const http_route *http_route_match(const http_route *routes, size_t count, arena *a,
				   const char *method, const char *path, http_kv **params, int *status)
{
	bool path_known = false;
	bool head = strcmp(method, "HEAD") == 0;
	for (size_t i = 0; i < count; i++) {
		http_kv *found = NULL;
		if (!route_matches(a, routes[i].pattern, path, &found))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) == 0 || (head && strcmp(routes[i].method, "GET") == 0)) {
			*params = found;
			return &routes[i];
		}
	}
	*status = path_known ? 405 : 404;
	return NULL;
}

const char *http_route_allowed(const http_route *routes, size_t count, arena *a, const char *path)
{
	buf b = BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		http_kv *found = NULL;
		if (!route_matches(a, routes[i].pattern, path, &found))
			continue;
		const char *m = routes[i].method;
		/* Each method once; GET brings HEAD. */
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			http_kv *other = NULL;
			seen = strcmp(routes[k].method, m) == 0 && route_matches(a, routes[k].pattern, path, &other);
		}
		if (seen)
			continue;
		buf_printf(&b, "%s%s%s", b.len ? ", " : "", m, strcmp(m, "GET") == 0 ? ", HEAD" : "");
	}
	char *text = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return text;
}
