/*
 * questionnaire.c — parsing and checking questionnaires and answers (see
 * questionnaire.h). Every string in a parsed questionnaire is copied into the
 * caller's arena, so the JSON document is freed before returning.
 */
#include "survey/questionnaire.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

#define N_(msgid) (msgid)

const char *const survey_item_type_names[SURVEY_ITEM_TYPE__MAX] = {
	"single", "number", "text", "area", "place",
};

const char *const survey_role_names[SURVEY_ROLE__MAX] = {
	"other", "problem", "unsafety", "avoid", "worry", "victim", "reported", "trust", "background", "open", "place",
};

const char *survey_qerror_message(enum survey_qerror error)
{
	switch (error) {
	case SURVEY_Q_OK: return N_("Enkäten är i ordning.");
	case SURVEY_Q_JSON: return N_("Filen är inte giltig JSON.");
	case SURVEY_Q_FORMAT: return N_("Filen är inte en enkät i formatet trygg-survey/1.");
	case SURVEY_Q_MISSING: return N_("Ett obligatoriskt fält saknas eller har fel slags värde.");
	case SURVEY_Q_TEXT: return N_("En text saknar svensk version eller är inte en text.");
	case SURVEY_Q_CODE: return N_("En kod är ogiltig: använd 1–64 tecken av a–z, 0–9, punkt, bindestreck och understreck.");
	case SURVEY_Q_DUPLICATE: return N_("Samma kod används två gånger.");
	case SURVEY_Q_TYPE: return N_("Okänd frågetyp.");
	case SURVEY_Q_ROLE: return N_("Okänd roll, eller en roll som saknar sitt brott eller sin bakgrundsvariabel.");
	case SURVEY_Q_SCALE: return N_("Okänd svarsskala, eller en skala utan svarsalternativ.");
	case SURVEY_Q_SHOW_IF: return N_("Villkoret för frågan pekar inte på en tidigare flervalsfråga med de angivna svaren.");
	case SURVEY_Q_RANGE: return N_("Ogiltigt intervall för frågan.");
	case SURVEY_Q_TOO_MANY: return N_("Enkäten har för många frågor, språk eller svarsalternativ.");
	case SURVEY_Q_EMPTY: return N_("Enkäten har inga frågor.");
	case SURVEY_Q__MAX: break;
	}
	return N_("Okänt fel i enkäten.");
}

const char *survey_aerror_message(enum survey_aerror error)
{
	switch (error) {
	case SURVEY_A_OK: return N_("Svaret är i ordning.");
	case SURVEY_A_REQUIRED: return N_("Frågan måste besvaras.");
	case SURVEY_A_NOT_OPTION: return N_("Svaret är inte ett av svarsalternativen.");
	case SURVEY_A_NOT_NUMBER: return N_("Svaret ska vara ett heltal.");
	case SURVEY_A_RANGE: return N_("Talet ligger utanför det tillåtna intervallet.");
	case SURVEY_A_TOO_LONG: return N_("Texten är för lång.");
	case SURVEY_A_BAD_TEXT: return N_("Texten innehåller ogiltiga tecken.");
	case SURVEY_A_BAD_PLACE: return N_("Platsen ska anges som latitud,longitud.");
	case SURVEY_A_NOT_AREA: return N_("Området finns inte.");
	case SURVEY_A_NOT_ASKED: return N_("Frågan ställs inte med de svar som getts tidigare.");
	case SURVEY_A_UNKNOWN_ITEM: return N_("Frågan finns inte i enkäten.");
	case SURVEY_A__MAX: break;
	}
	return N_("Okänt fel i svaret.");
}

const char *survey_text_get(const survey_text *t, const char *lang)
{
	const char *sv = NULL;
	for (size_t i = 0; i < t->count; i++) {
		if (lang != NULL && strcmp(t->lang[i], lang) == 0)
			return t->text[i];
		if (strcmp(t->lang[i], "sv") == 0)
			sv = t->text[i];
	}
	return sv != NULL ? sv : "";
}

/* ---- parsing ---- */

typedef struct parser {
	arena *a;
	survey_qproblem *problem;
	survey_questionnaire *q;
} parser;

static int fail(parser *p, enum survey_qerror error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, enum survey_qerror error, const char *fmt, ...)
{
	p->problem->error = error;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->problem->where, sizeof p->problem->where, fmt, ap);
	va_end(ap);
	return -1;
}

static bool code_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SURVEY_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* A key names a margin cell: printable, no '|' (the cell separator), 1–64 bytes. */
static bool key_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SURVEY_CODE_MAX || !str_valid_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '|' || s[i] == '*' || s[i] == ',' || s[i] == 0x7f)
			return false;
	return true;
}

static bool text_ok(const char *s)
{
	size_t n = strlen(s);
	if (!str_valid_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			return false;
	return true;
}

/* Reads an optional (required = false) or required text object. */
static int parse_text(parser *p, json_t *v, bool required, survey_text *out, const char *where)
{
	memset(out, 0, sizeof *out);
	if (v == NULL) {
		if (required)
			return fail(p, SURVEY_Q_TEXT, "%s", where);
		return 0;
	}
	if (!json_is_object(v))
		return fail(p, SURVEY_Q_TEXT, "%s", where);
	const char *lang;
	json_t *t;
	bool sv = false;
	json_object_foreach(v, lang, t) {
		if (!json_is_string(t) || !text_ok(json_string_value(t)) || strlen(lang) < 2 || strlen(lang) > 8)
			return fail(p, SURVEY_Q_TEXT, "%s.%s", where, lang);
		if (out->count == SURVEY_LANGS_MAX)
			return fail(p, SURVEY_Q_TOO_MANY, "%s", where);
		if (strcmp(lang, "sv") == 0)
			sv = json_string_length(t) > 0;
		out->lang[out->count] = arena_strdup(p->a, lang);
		out->text[out->count] = arena_strdup(p->a, json_string_value(t));
		out->count++;
	}
	if (!sv && (required || out->count > 0))
		return fail(p, SURVEY_Q_TEXT, "%s.sv", where);
	return 0;
}

static int parse_scale(parser *p, const char *name, json_t *v, survey_scale_def *out)
{
	char where[160];
	snprintf(where, sizeof where, "scales.%s", name);
	if (!code_valid(name))
		return fail(p, SURVEY_Q_CODE, "%s", where);
	if (!json_is_object(v))
		return fail(p, SURVEY_Q_MISSING, "%s", where);
	out->name = arena_strdup(p->a, name);
	char w[200];
	snprintf(w, sizeof w, "%s.label", where);
	if (parse_text(p, json_object_get(v, "label"), false, &out->label, w) != 0)
		return -1;
	json_t *opts = json_object_get(v, "options");
	if (!json_is_array(opts) || json_array_size(opts) == 0)
		return fail(p, SURVEY_Q_SCALE, "%s.options", where);
	if (json_array_size(opts) > SURVEY_OPTIONS_MAX)
		return fail(p, SURVEY_Q_TOO_MANY, "%s.options", where);
	out->option_count = json_array_size(opts);
	out->options = arena_alloc(p->a, out->option_count * sizeof *out->options);
	for (size_t i = 0; i < out->option_count; i++) {
		json_t *o = json_array_get(opts, i);
		survey_option *opt = &out->options[i];
		memset(opt, 0, sizeof *opt);
		snprintf(w, sizeof w, "%s.options[%zu]", where, i);
		json_t *code = json_object_get(o, "code");
		if (!json_is_object(o) || !json_is_integer(code) || json_integer_value(code) < 0 ||
		    json_integer_value(code) > 999999)
			return fail(p, SURVEY_Q_MISSING, "%s.code", w);
		opt->code = (int)json_integer_value(code);
		json_t *key = json_object_get(o, "key");
		if (key != NULL) {
			if (!json_is_string(key) || !key_valid(json_string_value(key)))
				return fail(p, SURVEY_Q_CODE, "%s.key", w);
			opt->key = arena_strdup(p->a, json_string_value(key));
		} else {
			opt->key = arena_printf(p->a, "%d", opt->code);
		}
		json_t *score = json_object_get(o, "score");
		if (score != NULL && !json_is_null(score)) {
			if (!json_is_number(score) || !isfinite(json_number_value(score)))
				return fail(p, SURVEY_Q_MISSING, "%s.score", w);
			opt->has_score = true;
			opt->score = json_number_value(score);
		}
		char lw[220];
		snprintf(lw, sizeof lw, "%s.label", w);
		if (parse_text(p, json_object_get(o, "label"), true, &opt->label, lw) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (out->options[j].code == opt->code || strcasecmp(out->options[j].key, opt->key) == 0)
				return fail(p, SURVEY_Q_DUPLICATE, "%s", w);
	}
	return 0;
}

static const survey_scale_def *scale_find(const survey_questionnaire *q, const char *name)
{
	for (size_t i = 0; i < q->scale_count; i++)
		if (strcmp(q->scales[i].name, name) == 0)
			return &q->scales[i];
	return NULL;
}

static int name_index(const char *const *names, size_t count, const char *s)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int parse_item(parser *p, json_t *v, size_t section, const char *w, survey_item *it)
{
	survey_questionnaire *q = p->q;
	memset(it, 0, sizeof *it);
	it->section = section;
	it->max_chars = SURVEY_TEXT_MAX_DEFAULT;
	if (!json_is_object(v))
		return fail(p, SURVEY_Q_MISSING, "%s", w);
	json_t *code = json_object_get(v, "code");
	if (!json_is_string(code))
		return fail(p, SURVEY_Q_MISSING, "%s.code", w);
	if (!code_valid(json_string_value(code)))
		return fail(p, SURVEY_Q_CODE, "%s.code", w);
	it->code = arena_strdup(p->a, json_string_value(code));
	char iw[240];
	snprintf(iw, sizeof iw, "%s (%s)", w, it->code);
	if (survey_item_find(q, it->code) != NULL)
		return fail(p, SURVEY_Q_DUPLICATE, "%s", iw);

	json_t *type = json_object_get(v, "type");
	int ti = json_is_string(type) ? name_index(survey_item_type_names, SURVEY_ITEM_TYPE__MAX, json_string_value(type)) : -1;
	if (ti < 0)
		return fail(p, SURVEY_Q_TYPE, "%s.type", iw);
	it->type = (enum survey_item_type)ti;

	json_t *role = json_object_get(v, "role");
	if (role != NULL) {
		int ri = json_is_string(role) ? name_index(survey_role_names, SURVEY_ROLE__MAX, json_string_value(role)) : -1;
		if (ri < 0)
			return fail(p, SURVEY_Q_ROLE, "%s.role", iw);
		it->role = (enum survey_role)ri;
	}
	json_t *crime = json_object_get(v, "crime");
	if (it->role == SURVEY_ROLE_VICTIM || it->role == SURVEY_ROLE_REPORTED) {
		if (!json_is_string(crime) || !code_valid(json_string_value(crime)))
			return fail(p, SURVEY_Q_ROLE, "%s.crime", iw);
		it->crime = arena_strdup(p->a, json_string_value(crime));
	}
	json_t *bg = json_object_get(v, "background");
	if (it->role == SURVEY_ROLE_BACKGROUND) {
		if (!json_is_string(bg) || !code_valid(json_string_value(bg)))
			return fail(p, SURVEY_Q_ROLE, "%s.background", iw);
		it->background = arena_strdup(p->a, json_string_value(bg));
		if (it->type != SURVEY_SINGLE && it->type != SURVEY_AREA)
			return fail(p, SURVEY_Q_ROLE, "%s.type", iw);
		if (survey_background_item(q, it->background) != NULL)
			return fail(p, SURVEY_Q_DUPLICATE, "%s.background", iw);
	}

	json_t *scale = json_object_get(v, "scale");
	if (it->type == SURVEY_SINGLE) {
		if (!json_is_string(scale) || (it->scale = scale_find(q, json_string_value(scale))) == NULL)
			return fail(p, SURVEY_Q_SCALE, "%s.scale", iw);
	} else if (scale != NULL) {
		return fail(p, SURVEY_Q_SCALE, "%s.scale", iw);
	}
	/* Indices need a score on every option that counts. */
	if ((it->role == SURVEY_ROLE_PROBLEM || it->role == SURVEY_ROLE_UNSAFETY || it->role == SURVEY_ROLE_VICTIM ||
	     it->role == SURVEY_ROLE_REPORTED) && it->type != SURVEY_SINGLE)
		return fail(p, SURVEY_Q_ROLE, "%s.type", iw);

	char tw[260];
	snprintf(tw, sizeof tw, "%s.text", iw);
	if (parse_text(p, json_object_get(v, "text"), true, &it->text, tw) != 0)
		return -1;
	snprintf(tw, sizeof tw, "%s.help", iw);
	if (parse_text(p, json_object_get(v, "help"), false, &it->help, tw) != 0)
		return -1;
	json_t *req = json_object_get(v, "required");
	if (req != NULL && !json_is_boolean(req))
		return fail(p, SURVEY_Q_MISSING, "%s.required", iw);
	it->required = json_is_true(req);

	it->min = 0;
	it->max = 1000000;
	json_t *mn = json_object_get(v, "min"), *mx = json_object_get(v, "max");
	if ((mn != NULL && !json_is_integer(mn)) || (mx != NULL && !json_is_integer(mx)))
		return fail(p, SURVEY_Q_RANGE, "%s.min/max", iw);
	if (mn != NULL)
		it->min = json_integer_value(mn);
	if (mx != NULL)
		it->max = json_integer_value(mx);
	if (it->min > it->max)
		return fail(p, SURVEY_Q_RANGE, "%s.min/max", iw);
	json_t *mc = json_object_get(v, "max_chars");
	if (mc != NULL) {
		if (!json_is_integer(mc) || json_integer_value(mc) < 1 || json_integer_value(mc) > 20000)
			return fail(p, SURVEY_Q_RANGE, "%s.max_chars", iw);
		it->max_chars = (size_t)json_integer_value(mc);
	}

	json_t *si = json_object_get(v, "show_if");
	if (si != NULL) {
		json_t *sitem = json_object_get(si, "item"), *codes = json_object_get(si, "codes");
		const survey_item *target = json_is_string(sitem) ? survey_item_find(q, json_string_value(sitem)) : NULL;
		if (target == NULL || target->type != SURVEY_SINGLE || !json_is_array(codes) ||
		    json_array_size(codes) == 0 || json_array_size(codes) > SURVEY_SHOW_IF_CODES_MAX)
			return fail(p, SURVEY_Q_SHOW_IF, "%s.show_if", iw);
		it->show_if_item = target->code;
		for (size_t k = 0; k < json_array_size(codes); k++) {
			json_t *c = json_array_get(codes, k);
			if (!json_is_integer(c) || survey_option_find(target, (int)json_integer_value(c)) == NULL)
				return fail(p, SURVEY_Q_SHOW_IF, "%s.show_if.codes[%zu]", iw, k);
			it->show_if_codes[it->show_if_count++] = (int)json_integer_value(c);
		}
	}
	return 0;
}

int survey_questionnaire_parse(arena *a, const char *json, size_t len, const survey_questionnaire **out,
                               survey_qproblem *problem)
{
	memset(problem, 0, sizeof *problem);
	*out = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	survey_questionnaire *q = arena_alloc(a, sizeof *q);
	memset(q, 0, sizeof *q);
	parser p = { a, problem, q };
	int rc = -1;
	if (root == NULL) {
		problem->error = SURVEY_Q_JSON;
		snprintf(problem->where, sizeof problem->where, "line %d, column %d", jerr.line, jerr.column);
		str_copy(problem->detail, jerr.text, sizeof problem->detail);
		goto out;
	}
	json_t *format = json_object_get(root, "format");
	if (!json_is_object(root) || !json_is_string(format) || strcmp(json_string_value(format), SURVEY_FORMAT) != 0) {
		fail(&p, SURVEY_Q_FORMAT, "format");
		goto out;
	}
	if (parse_text(&p, json_object_get(root, "title"), true, &q->title, "title") != 0 ||
	    parse_text(&p, json_object_get(root, "intro"), false, &q->intro, "intro") != 0)
		goto out;

	json_t *langs = json_object_get(root, "languages");
	if (langs == NULL) {
		q->languages[q->language_count++] = "sv";
	} else {
		if (!json_is_array(langs) || json_array_size(langs) == 0) {
			fail(&p, SURVEY_Q_MISSING, "languages");
			goto out;
		}
		if (json_array_size(langs) > SURVEY_LANGS_MAX) {
			fail(&p, SURVEY_Q_TOO_MANY, "languages");
			goto out;
		}
		for (size_t i = 0; i < json_array_size(langs); i++) {
			json_t *l = json_array_get(langs, i);
			if (!json_is_string(l) || json_string_length(l) < 2 || json_string_length(l) > 8) {
				fail(&p, SURVEY_Q_MISSING, "languages[%zu]", i);
				goto out;
			}
			q->languages[q->language_count++] = arena_strdup(a, json_string_value(l));
		}
	}

	json_t *scales = json_object_get(root, "scales");
	if (scales != NULL && !json_is_object(scales)) {
		fail(&p, SURVEY_Q_MISSING, "scales");
		goto out;
	}
	q->scale_count = scales ? json_object_size(scales) : 0;
	if (q->scale_count > SURVEY_ITEMS_MAX) {
		fail(&p, SURVEY_Q_TOO_MANY, "scales");
		goto out;
	}
	q->scales = arena_alloc(a, (q->scale_count + 1) * sizeof *q->scales);
	size_t si = 0;
	const char *name;
	json_t *sv;
	if (scales != NULL) {
		json_object_foreach(scales, name, sv) {
			memset(&q->scales[si], 0, sizeof q->scales[si]);
			if (parse_scale(&p, name, sv, &q->scales[si]) != 0)
				goto out;
			si++;
		}
	}

	json_t *sections = json_object_get(root, "sections");
	if (!json_is_array(sections)) {
		fail(&p, SURVEY_Q_MISSING, "sections");
		goto out;
	}
	size_t total = 0;
	for (size_t s = 0; s < json_array_size(sections); s++) {
		json_t *items = json_object_get(json_array_get(sections, s), "items");
		total += json_is_array(items) ? json_array_size(items) : 0;
	}
	if (total > SURVEY_ITEMS_MAX || json_array_size(sections) > SURVEY_ITEMS_MAX) {
		fail(&p, SURVEY_Q_TOO_MANY, "sections");
		goto out;
	}
	q->section_count = json_array_size(sections);
	q->sections = arena_alloc(a, (q->section_count + 1) * sizeof *q->sections);
	q->items = arena_alloc(a, (total + 1) * sizeof *q->items);
	for (size_t s = 0; s < q->section_count; s++) {
		json_t *sec = json_array_get(sections, s);
		survey_section *section = &q->sections[s];
		memset(section, 0, sizeof *section);
		char w[160];
		snprintf(w, sizeof w, "sections[%zu]", s);
		json_t *code = json_object_get(sec, "code");
		if (!json_is_object(sec) || !json_is_string(code)) {
			fail(&p, SURVEY_Q_MISSING, "%s.code", w);
			goto out;
		}
		if (!code_valid(json_string_value(code))) {
			fail(&p, SURVEY_Q_CODE, "%s.code", w);
			goto out;
		}
		section->code = arena_strdup(a, json_string_value(code));
		for (size_t k = 0; k < s; k++)
			if (strcmp(q->sections[k].code, section->code) == 0) {
				fail(&p, SURVEY_Q_DUPLICATE, "%s.code", w);
				goto out;
			}
		char tw[200];
		snprintf(tw, sizeof tw, "%s.title", w);
		if (parse_text(&p, json_object_get(sec, "title"), true, &section->title, tw) != 0)
			goto out;
		snprintf(tw, sizeof tw, "%s.intro", w);
		if (parse_text(&p, json_object_get(sec, "intro"), false, &section->intro, tw) != 0)
			goto out;
		json_t *items = json_object_get(sec, "items");
		if (!json_is_array(items)) {
			fail(&p, SURVEY_Q_MISSING, "%s.items", w);
			goto out;
		}
		section->first_item = q->item_count;
		for (size_t i = 0; i < json_array_size(items); i++) {
			char iw[200];
			snprintf(iw, sizeof iw, "%s.items[%zu]", w, i);
			/* Parsed into place so that survey_item_find() sees earlier items only. */
			if (parse_item(&p, json_array_get(items, i), s, iw, &q->items[q->item_count]) != 0)
				goto out;
			q->item_count++;
		}
		section->item_count = q->item_count - section->first_item;
	}
	if (q->item_count == 0) {
		fail(&p, SURVEY_Q_EMPTY, "sections");
		goto out;
	}
	*out = q;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

const survey_item *survey_item_find(const survey_questionnaire *q, const char *code)
{
	int i = survey_item_index(q, code);
	return i < 0 ? NULL : &q->items[i];
}

int survey_item_index(const survey_questionnaire *q, const char *code)
{
	for (size_t i = 0; i < q->item_count; i++)
		if (strcmp(q->items[i].code, code) == 0)
			return (int)i;
	return -1;
}

const survey_option *survey_option_find(const survey_item *item, int code)
{
	if (item->scale == NULL)
		return NULL;
	for (size_t i = 0; i < item->scale->option_count; i++)
		if (item->scale->options[i].code == code)
			return &item->scale->options[i];
	return NULL;
}

const survey_item *survey_background_item(const survey_questionnaire *q, const char *key)
{
	for (size_t i = 0; i < q->item_count; i++)
		if (q->items[i].background != NULL && strcmp(q->items[i].background, key) == 0)
			return &q->items[i];
	return NULL;
}

/* ---- answers ---- */

/* Characters (UTF-8 code points) in s. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Parses a decimal number that fills the whole of s. */
static bool read_double(const char *s, double *out)
{
	char *end;
	if (*s == '\0')
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

enum survey_aerror survey_answer_read(arena *a, const survey_item *item, const char *raw,
                                      int64_t (*area_lookup)(void *ud, const char *text), void *ud,
                                      survey_answer *out, bool *answered)
{
	memset(out, 0, sizeof *out);
	out->item_code = item->code;
	*answered = false;
	if (raw == NULL)
		raw = "";
	while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n')
		raw++;
	size_t len = strlen(raw);
	while (len > 0 && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r' || raw[len - 1] == '\n'))
		len--;
	if (len == 0)
		return SURVEY_A_OK;
	char *s = arena_strndup(a, raw, len);
	if (!str_valid_utf8(s, len))
		return SURVEY_A_BAD_TEXT;

	switch (item->type) {
	case SURVEY_SINGLE: {
		int64_t v;
		if (str_to_int64(s, &v) == 0) {
			if (v < 0 || v > 999999 || survey_option_find(item, (int)v) == NULL)
				return SURVEY_A_NOT_OPTION;
			out->code = v;
		} else {
			const survey_option *found = NULL;
			for (size_t i = 0; i < item->scale->option_count && found == NULL; i++)
				if (strcasecmp(item->scale->options[i].key, s) == 0)
					found = &item->scale->options[i];
			if (found == NULL)
				return SURVEY_A_NOT_OPTION;
			out->code = found->code;
		}
		out->has_code = true;
		break;
	}
	case SURVEY_NUMBER: {
		int64_t v;
		if (str_to_int64(s, &v) != 0)
			return SURVEY_A_NOT_NUMBER;
		if (v < item->min || v > item->max)
			return SURVEY_A_RANGE;
		out->has_code = true;
		out->code = v;
		break;
	}
	case SURVEY_TEXT:
		if (!text_ok(s))
			return SURVEY_A_BAD_TEXT;
		if (utf8_chars(s) > item->max_chars)
			return SURVEY_A_TOO_LONG;
		out->text = s;
		break;
	case SURVEY_AREA: {
		int64_t id = 0;
		if (area_lookup != NULL)
			id = area_lookup(ud, s);
		else if (str_to_int64(s, &id) != 0)
			id = 0;
		if (id <= 0)
			return SURVEY_A_NOT_AREA;
		out->has_code = true;
		out->code = id;
		out->area_id = id;
		break;
	}
	case SURVEY_PLACE: {
		char *comma = strchr(s, ',');
		double lat, lon;
		if (comma == NULL)
			return SURVEY_A_BAD_PLACE;
		*comma = '\0';
		char *ls = comma + 1;
		while (*ls == ' ')
			ls++;
		if (!read_double(s, &lat) || !read_double(ls, &lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
			return SURVEY_A_BAD_PLACE;
		out->has_point = true;
		out->lat = lat;
		out->lon = lon;
		break;
	}
	case SURVEY_ITEM_TYPE__MAX:
		return SURVEY_A_UNKNOWN_ITEM;
	}
	*answered = true;
	return SURVEY_A_OK;
}

static const survey_answer *answer_of(const survey_answer *answers, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(answers[i].item_code, code) == 0)
			return &answers[i];
	return NULL;
}

bool survey_item_asked(const survey_questionnaire *q, const survey_item *item, const survey_answer *answers,
                       size_t answer_count)
{
	if (item->show_if_item == NULL)
		return true;
	const survey_item *target = survey_item_find(q, item->show_if_item);
	if (target == NULL || !survey_item_asked(q, target, answers, answer_count))
		return false;
	const survey_answer *a = answer_of(answers, answer_count, item->show_if_item);
	if (a == NULL || !a->has_code)
		return false;
	for (size_t i = 0; i < item->show_if_count; i++)
		if (a->code == item->show_if_codes[i])
			return true;
	return false;
}

enum survey_aerror survey_answers_check(const survey_questionnaire *q, const survey_answer *answers,
                                        size_t answer_count, const char **item_code)
{
	*item_code = NULL;
	for (size_t i = 0; i < answer_count; i++) {
		const survey_item *it = survey_item_find(q, answers[i].item_code);
		*item_code = answers[i].item_code;
		if (it == NULL)
			return SURVEY_A_UNKNOWN_ITEM;
		for (size_t j = 0; j < i; j++)
			if (strcmp(answers[j].item_code, answers[i].item_code) == 0)
				return SURVEY_A_NOT_OPTION;
		if (!survey_item_asked(q, it, answers, answer_count))
			return SURVEY_A_NOT_ASKED;
	}
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		*item_code = it->code;
		if (it->required && survey_item_asked(q, it, answers, answer_count) &&
		    answer_of(answers, answer_count, it->code) == NULL)
			return SURVEY_A_REQUIRED;
	}
	*item_code = NULL;
	return SURVEY_A_OK;
}
