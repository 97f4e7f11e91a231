/*
 * template.c — compiler and renderer for the template language in template.h.
 *
 * A template is compiled into a tree of nodes; rendering walks the tree with a
 * stack of data contexts. Every value goes through buf_html_escape() except
 * {{&x_html}}, whose name is checked at compile time.
 */
#include "web/template.h"
#include "core/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TPL_MAX_DEPTH 16
#define TPL_MAX_STACK 32

enum tpl_kind { TPL_TEXT, TPL_VAR, TPL_RAW, TPL_SECTION, TPL_INVERTED, TPL_PARTIAL, TPL_TRANSLATE, TPL_ASSET };

typedef struct tpl_node {
	enum tpl_kind kind;
	char *text; /* owned: literal text, name, msgid or path */
	size_t len;
	struct tpl_node *children; /* sections */
	struct tpl_node *next;
} tpl_node;

typedef struct tpl {
	char *name; /* owned */
	tpl_node *root;
	struct tpl *next;
} tpl;

struct tpl_set {
	tpl *list;
};

tpl_set *tpl_set_new(void)
{
	return xcalloc(1, sizeof(tpl_set));
}

static void node_free(tpl_node *n)
{
	while (n) {
		tpl_node *next = n->next;
		node_free(n->children);
		free(n->text);
		free(n);
		n = next;
	}
}

void tpl_free(tpl_set *set)
{
	if (set == NULL)
		return;
	tpl *t = set->list;
	while (t) {
		tpl *next = t->next;
		node_free(t->root);
		free(t->name);
		free(t);
		t = next;
	}
	free(set);
}

static const tpl *tpl_find(const tpl_set *set, const char *name)
{
	for (const tpl *t = set->list; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

int tpl_exists(const tpl_set *set, const char *name)
{
	return tpl_find(set, name) != NULL;
}

/* ---- compiling ---- */

typedef struct parser {
	const char *src;
	const char *p;
	const char *name;
	char *err; /* owned, first error */
} parser;

static int line_of(const parser *ps, const char *at)
{
	int line = 1;
	for (const char *q = ps->src; q < at; q++)
		line += *q == '\n';
	return line;
}

static void parse_error(parser *ps, const char *at, const char *msg)
{
	if (ps->err)
		return;
	buf e = BUF_INIT;
	buf_printf(&e, "%s.html:%d: %s", ps->name, line_of(ps, at), msg);
	ps->err = buf_detach(&e);
}

static tpl_node *node_new(enum tpl_kind kind, const char *text, size_t len)
{
	tpl_node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->text = xstrndup(text, len);
	n->len = len;
	return n;
}

static bool valid_name(const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		return true;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

/* Parses a quoted string argument ("…", with \" and \\ escapes) of a tag. */
static char *quoted_arg(parser *ps, const char *s, const char *end, const char *tag)
{
	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s != '"') {
		parse_error(ps, tag, "expected a quoted text");
		return NULL;
	}
	buf b = BUF_INIT;
	for (s++; s < end && *s != '"'; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		buf_putc(&b, *s);
	}
	if (s >= end) {
		buf_free(&b);
		parse_error(ps, tag, "unterminated quoted text");
		return NULL;
	}
	return buf_detach(&b);
}

/* Parses nodes until {{/closing}} (or the end when closing is NULL). */
static tpl_node *parse_nodes(parser *ps, const char *closing, size_t closing_len)
{
	tpl_node *head = NULL, **tail = &head;
	while (*ps->p && !ps->err) {
		const char *open = strstr(ps->p, "{{");
		if (open == NULL) {
			*tail = node_new(TPL_TEXT, ps->p, strlen(ps->p));
			ps->p += strlen(ps->p);
			break;
		}
		if (open > ps->p) {
			*tail = node_new(TPL_TEXT, ps->p, (size_t)(open - ps->p));
			tail = &(*tail)->next;
		}
		const char *close = strstr(open + 2, "}}");
		if (close == NULL) {
			parse_error(ps, open, "'{{' without '}}'");
			break;
		}
		const char *s = open + 2, *e = close;
		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		ps->p = close + 2;
		char sigil = s < e ? *s : '\0';
		tpl_node *n = NULL;
		if (sigil == '!')
			continue;
		if (sigil == '/') {
			const char *nm = s + 1;
			while (nm < e && *nm == ' ')
				nm++;
			if (closing == NULL || (size_t)(e - nm) != closing_len || strncmp(nm, closing, closing_len) != 0) {
				parse_error(ps, open, "closing tag does not match the open section");
				break;
			}
			return head;
		}
		if (sigil == '_' && s + 1 < e && (s[1] == ' ' || s[1] == '"')) {
			char *msgid = quoted_arg(ps, s + 1, e, open);
			if (msgid == NULL)
				break;
			n = node_new(TPL_TRANSLATE, msgid, strlen(msgid));
			free(msgid);
		} else if ((size_t)(e - s) > 6 && strncmp(s, "asset ", 6) == 0) {
			char *path = quoted_arg(ps, s + 6, e, open);
			if (path == NULL)
				break;
			n = node_new(TPL_ASSET, path, strlen(path));
			free(path);
		} else if (sigil == '#' || sigil == '^' || sigil == '&' || sigil == '>') {
			const char *nm = s + 1;
			while (nm < e && *nm == ' ')
				nm++;
			size_t len = (size_t)(e - nm);
			if (!valid_name(nm, len)) {
				parse_error(ps, open, "bad name in tag");
				break;
			}
			if (sigil == '&' && (len < 5 || strncmp(nm + len - 5, "_html", 5) != 0)) {
				parse_error(ps, open, "unescaped output is allowed only for names ending in _html");
				break;
			}
			enum tpl_kind k = sigil == '#' ? TPL_SECTION : sigil == '^' ? TPL_INVERTED
					  : sigil == '&' ? TPL_RAW : TPL_PARTIAL;
			n = node_new(k, nm, len);
			if (k == TPL_SECTION || k == TPL_INVERTED) {
				n->children = parse_nodes(ps, nm, len);
				if (ps->err) {
					node_free(n);
					break;
				}
			}
		} else {
			if (!valid_name(s, (size_t)(e - s))) {
				parse_error(ps, open, "bad name in tag");
				break;
			}
			n = node_new(TPL_VAR, s, (size_t)(e - s));
		}
		*tail = n;
		tail = &n->next;
	}
	if (closing && !ps->err)
		parse_error(ps, ps->p, "section is not closed");
	if (ps->err) {
		node_free(head);
		return NULL;
	}
	return head;
}

int tpl_add(tpl_set *set, const char *name, const char *text, char **err)
{
	parser ps = { .src = text, .p = text, .name = name, .err = NULL };
	*err = NULL;
	tpl_node *root = parse_nodes(&ps, NULL, 0);
	if (ps.err) {
		*err = ps.err;
		return -1;
	}
	tpl *t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->root = root;
	t->next = set->list;
	set->list = t;
	return 0;
}

static int load_dir(tpl_set *set, const char *root, const char *rel, char **err)
{
	buf path = BUF_INIT;
	int rc = -1;
	buf_printf(&path, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path.data);
	if (d == NULL) {
		buf e = BUF_INIT;
		buf_printf(&e, "cannot open template folder %s", path.data);
		*err = buf_detach(&e);
		goto out;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf sub = BUF_INIT, full = BUF_INIT;
		buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		buf_printf(&full, "%s/%s", root, sub.data);
		struct stat st;
		int sub_rc = 0;
		if (stat(full.data, &st) == 0 && S_ISDIR(st.st_mode)) {
			sub_rc = load_dir(set, root, sub.data, err);
		} else if (sub.len > 5 && strcmp(sub.data + sub.len - 5, ".html") == 0) {
			FILE *f = fopen(full.data, "rb");
			buf text = BUF_INIT;
			char chunk[4096];
			size_t n;
			if (f) {
				while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
					buf_append(&text, chunk, n);
				fclose(f);
			}
			sub.data[sub.len - 5] = '\0';
			sub_rc = tpl_add(set, sub.data, buf_cstr(&text), err);
			buf_free(&text);
		}
		buf_free(&sub);
		buf_free(&full);
		if (sub_rc != 0) {
			closedir(d);
			goto out;
		}
	}
	closedir(d);
	rc = 0;
out:
	buf_free(&path);
	return rc;
}

tpl_set *tpl_load_dir(const char *dir, char **err)
{
	tpl_set *set = tpl_set_new();
	*err = NULL;
	if (load_dir(set, dir, "", err) != 0) {
		tpl_free(set);
		return NULL;
	}
	return set;
}

/* ---- rendering ---- */

typedef struct render {
	const tpl_set *set;
	const tpl_env *env;
	buf *out;
	json_t *stack[TPL_MAX_STACK];
	int depth;    /* contexts on the stack */
	int partials; /* partial nesting */
} render;

static json_t *lookup_in(json_t *ctx, const char *name)
{
	if (strcmp(name, ".") == 0)
		return ctx;
	json_t *v = ctx;
	const char *p = name;
	while (v && *p) {
		const char *dot = strchrnul(p, '.');
		if (!json_is_object(v))
			return NULL;
		char key[128];
		size_t len = (size_t)(dot - p);
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		v = json_object_get(v, key);
		p = *dot ? dot + 1 : dot;
	}
	return v;
}

static json_t *lookup(render *rd, const char *name)
{
	if (strcmp(name, ".") == 0)
		return rd->depth ? rd->stack[rd->depth - 1] : NULL;
	/* The first segment decides the context; the rest walks inside it. */
	char first[128];
	size_t len = strcspn(name, ".");
	if (len >= sizeof(first))
		return NULL;
	memcpy(first, name, len);
	first[len] = '\0';
	for (int i = rd->depth - 1; i >= 0; i--) {
		json_t *ctx = rd->stack[i];
		if (json_is_object(ctx) && json_object_get(ctx, first))
			return lookup_in(ctx, name);
	}
	return NULL;
}

static bool truthy(json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0.0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

static void write_value(render *rd, json_t *v, bool escape)
{
	char num[64];
	const char *s = NULL;
	size_t len = 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		len = json_string_length(v);
	} else if (json_is_integer(v)) {
		len = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		len = (size_t)snprintf(num, sizeof(num), "%g", json_real_value(v));
		s = num;
	}
	if (s == NULL)
		return;
	if (escape)
		buf_html_escape(rd->out, s, len);
	else
		buf_append(rd->out, s, len);
}

static int render_nodes(render *rd, const tpl_node *n);

static int render_with(render *rd, json_t *ctx, const tpl_node *children)
{
	if (rd->depth >= TPL_MAX_STACK)
		return -1;
	rd->stack[rd->depth++] = ctx;
	int rc = render_nodes(rd, children);
	rd->depth--;
	return rc;
}

static int render_nodes(render *rd, const tpl_node *n)
{
	for (; n; n = n->next) {
		json_t *v;
		switch (n->kind) {
		case TPL_TEXT:
			buf_append(rd->out, n->text, n->len);
			break;
		case TPL_VAR:
		case TPL_RAW:
			v = lookup(rd, n->text);
			if (v)
				write_value(rd, v, n->kind == TPL_VAR);
			break;
		case TPL_TRANSLATE: {
			const char *t = rd->env && rd->env->translate ? rd->env->translate(rd->env->ud, n->text) : n->text;
			buf_html_escape(rd->out, t, strlen(t));
			break;
		}
		case TPL_ASSET: {
			const char *u = rd->env && rd->env->asset ? rd->env->asset(rd->env->ud, n->text) : n->text;
			buf_html_escape(rd->out, u, strlen(u));
			break;
		}
		case TPL_SECTION:
			v = lookup(rd, n->text);
			if (!truthy(v))
				break;
			if (json_is_array(v)) {
				size_t i;
				json_t *item;
				json_array_foreach(v, i, item) {
					if (render_with(rd, item, n->children) != 0)
						return -1;
				}
			} else if (render_with(rd, v, n->children) != 0) {
				return -1;
			}
			break;
		case TPL_INVERTED:
			v = lookup(rd, n->text);
			if (!truthy(v) && render_nodes(rd, n->children) != 0)
				return -1;
			break;
		case TPL_PARTIAL: {
			const tpl *t = tpl_find(rd->set, n->text);
			if (t == NULL || rd->partials >= TPL_MAX_DEPTH)
				return -1;
			rd->partials++;
			int rc = render_nodes(rd, t->root);
			rd->partials--;
			if (rc != 0)
				return -1;
			break;
		}
		}
	}
	return 0;
}

int tpl_render(const tpl_set *set, const char *name, json_t *data, const tpl_env *env, buf *out)
{
	const tpl *t = tpl_find(set, name);
	if (t == NULL)
		return -1;
	render rd = { .set = set, .env = env, .out = out, .depth = 0, .partials = 0 };
	rd.stack[rd.depth++] = data;
	return render_nodes(&rd, t->root);
}

static void each_msgid(const tpl *t, const tpl_node *n, void (*fn)(void *, const char *, const char *), void *ud)
{
	for (; n; n = n->next) {
		if (n->kind == TPL_TRANSLATE)
			fn(ud, t->name, n->text);
		each_msgid(t, n->children, fn, ud);
	}
}

void tpl_each_msgid(const tpl_set *set, void (*fn)(void *ud, const char *tpl, const char *msgid), void *ud)
{
	for (const tpl *t = set->list; t; t = t->next)
		each_msgid(t, t->root, fn, ud);
}
