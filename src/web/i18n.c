/*
 * i18n.c — reads GNU .mo catalogues (see i18n.h). A .mo file holds a table of
 * original strings sorted by byte value and a parallel table of translations;
 * lookup is a binary search over the originals.
 */
#include "web/i18n.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MO_MAGIC 0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u

const char *const i18n_languages[] = { "sv", "en", NULL };

typedef struct catalogue {
	const char *lang;
	char *data; /* owned: the whole file */
	size_t size;
	uint32_t count;
	const char **orig; /* owned arrays of pointers into data */
	const char **trans;
} catalogue;

struct i18n {
	catalogue cats[4];
	size_t count;
};

static uint32_t mo_word(const char *data, size_t off, bool swap)
{
	uint32_t v;
	memcpy(&v, data + off, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Parses a catalogue file. Returns 0 or -1 (the file is malformed). */
static int catalogue_parse(catalogue *c)
{
	if (c->size < 28)
		return -1;
	uint32_t magic;
	memcpy(&magic, c->data, 4);
	bool swap = magic == MO_MAGIC_SWAPPED;
	if (!swap && magic != MO_MAGIC)
		return -1;
	uint32_t n = mo_word(c->data, 8, swap);
	uint32_t orig_off = mo_word(c->data, 12, swap);
	uint32_t trans_off = mo_word(c->data, 16, swap);
	if (n > c->size / 16 || orig_off > c->size - (size_t)n * 8 || trans_off > c->size - (size_t)n * 8)
		return -1;
	c->count = n;
	c->orig = xcalloc(n ? n : 1, sizeof(char *));
	c->trans = xcalloc(n ? n : 1, sizeof(char *));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t olen = mo_word(c->data, orig_off + i * 8, swap);
		uint32_t opos = mo_word(c->data, orig_off + i * 8 + 4, swap);
		uint32_t tlen = mo_word(c->data, trans_off + i * 8, swap);
		uint32_t tpos = mo_word(c->data, trans_off + i * 8 + 4, swap);
		if (opos >= c->size || olen >= c->size - opos || tpos >= c->size || tlen >= c->size - tpos)
			return -1;
		if (c->data[opos + olen] != '\0' || c->data[tpos + tlen] != '\0')
			return -1;
		c->orig[i] = c->data + opos;
		c->trans[i] = c->data + tpos;
	}
	return 0;
}

i18n *i18n_load(const char *dir, char **err)
{
	i18n *t = xcalloc(1, sizeof(*t));
	*err = NULL;
	for (size_t i = 1; i18n_languages[i]; i++) {
		catalogue *c = &t->cats[t->count++];
		buf path = BUF_INIT, data = BUF_INIT;
		c->lang = i18n_languages[i];
		buf_printf(&path, "%s/%s.mo", dir, c->lang);
		FILE *f = fopen(path.data, "rb");
		if (f) {
			char chunk[8192];
			size_t n;
			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
				buf_append(&data, chunk, n);
			fclose(f);
		}
		c->size = data.len;
		c->data = buf_detach(&data);
		if (f == NULL || catalogue_parse(c) != 0) {
			buf e = BUF_INIT;
			buf_printf(&e, "cannot read translations %s (run make)", path.data);
			*err = buf_detach(&e);
			buf_free(&path);
			i18n_free(t);
			return NULL;
		}
		buf_free(&path);
	}
	return t;
}

void i18n_free(i18n *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++) {
		free(t->cats[i].data);
		free(t->cats[i].orig);
		free(t->cats[i].trans);
	}
	free(t);
}

const char *i18n_translate(const i18n *t, const char *lang, const char *msgid)
{
	if (t == NULL || lang == NULL)
		return msgid;
	for (size_t i = 0; i < t->count; i++) {
		const catalogue *c = &t->cats[i];
		if (strcmp(c->lang, lang) != 0)
			continue;
		size_t lo = 0, hi = c->count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int cmp = strcmp(msgid, c->orig[mid]);
			if (cmp == 0)
				return *c->trans[mid] ? c->trans[mid] : msgid;
			if (cmp < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		return msgid;
	}
	return msgid;
}

const char *i18n_language(const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i18n_languages[i]; i++)
		if (strcasecmp(code, i18n_languages[i]) == 0)
			return i18n_languages[i];
	return NULL;
}

const char *i18n_negotiate(const char *header)
{
	const char *best = NULL;
	double best_q = 0.0;
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = strchrnul(p, ',');
		char tag[16] = "";
		size_t tlen = strcspn(p, "-;, ");
		if (tlen < sizeof(tag) && tlen > 0 && p + tlen <= end) {
			memcpy(tag, p, tlen);
			tag[tlen] = '\0';
		}
		double q = 1.0;
		const char *qp = strstr(p, ";q=");
		if (qp && qp < end)
			q = strtod(qp + 3, NULL);
		const char *lang = i18n_language(tag);
		/* Norwegian and Danish readers get Swedish rather than English. */
		if (lang == NULL && (strcasecmp(tag, "no") == 0 || strcasecmp(tag, "nb") == 0 ||
				     strcasecmp(tag, "nn") == 0 || strcasecmp(tag, "da") == 0))
			lang = "sv", q *= 0.9;
		if (lang && q > best_q) {
			best = lang;
			best_q = q;
		}
		p = end;
	}
	return best;
}
