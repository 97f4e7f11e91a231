/*
 * builder_questionnaire.c — the questionnaire builder of a survey round
 * (/personal/trygghetsundersokning/ID/enkat), its export and import
 * (…/enkat.json). The builder edits the questionnaire as its JSON document:
 * each action changes the document, and the result is saved only when
 * survey_questionnaire_parse() accepts it; otherwise the page shows why. Once
 * a round has answers its questionnaire is locked structurally (items,
 * order, routing, whether required): only texts may still be corrected.
 * Every change goes to the audit log. Rounds, settings and codes: builder.c.
 */
#include "survey/builder_internal.h"
#include "survey/questionnaire.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdlib.h>
#include <string.h>

/* The text in exactly lang, or "" (no fallback to Swedish). */
static const char *text_exact(const survey_text *t, const char *lang)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->lang[i], lang) == 0)
			return t->text[i];
	return "";
}

/* The choices of an item form: sections, types, roles, scales. */
static void builder_choices(json_t *d, const survey_questionnaire *q)
{
	json_t *sections = json_array(), *types = json_array(), *roles = json_array(), *scales = json_array();
	for (size_t i = 0; i < q->section_count; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(q->sections[i].code));
		json_object_set_new(o, "title", json_string(survey_text_get(&q->sections[i].title, "sv")));
		json_array_append_new(sections, o);
	}
	for (size_t i = 0; i < SURVEY_ITEM_TYPE__MAX; i++)
		json_array_append_new(types, json_string(survey_item_type_names[i]));
	for (size_t i = 0; i < SURVEY_ROLE__MAX; i++)
		json_array_append_new(roles, json_string(survey_role_names[i]));
	for (size_t i = 0; i < q->scale_count; i++)
		json_array_append_new(scales, json_string(q->scales[i].name));
	json_object_set_new(d, "section_choices", sections);
	json_object_set_new(d, "types", types);
	json_object_set_new(d, "roles", roles);
	json_object_set_new(d, "scales", scales);
}

/* The items of from that q lacks (and that skip does not hold either),
 * grouped by section: [{title, items[] of {code, text}}]. */
static json_t *missing_items(const survey_questionnaire *from, const survey_questionnaire *q,
			     const survey_questionnaire *skip)
{
	json_t *groups = json_array();
	for (size_t s = 0; s < from->section_count; s++) {
		const survey_section *sec = &from->sections[s];
		json_t *items = json_array();
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &from->items[i];
			if (survey_item_find(q, it->code) != NULL || (skip != NULL && survey_item_find(skip, it->code) != NULL))
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "code", json_string(it->code));
			json_object_set_new(o, "text", json_string(survey_text_get(&it->text, "sv")));
			json_array_append_new(items, o);
		}
		if (json_array_size(items) == 0) {
			json_decref(items);
			continue;
		}
		json_t *g = json_object();
		json_object_set_new(g, "title", json_string(survey_text_get(&sec->title, "sv")));
		json_object_set_new(g, "items", items);
		json_array_append_new(groups, g);
	}
	return groups;
}

/* The default question bank, parsed into a. NULL when it cannot be read. */
static const survey_questionnaire *bank_load(http_req *r, const char **json)
{
	buf b;
	buf_init(&b);
	const survey_questionnaire *q = NULL;
	survey_qproblem p;
	const char *path = arena_printf(r->arena, "%s/" BANK_FILE, web_app(r)->cfg->share_dir);
	if (buf_read_file(&b, path) == 0 && survey_questionnaire_parse(r->arena, buf_cstr(&b), b.len, &q, &p) != 0)
		q = NULL;
	if (json != NULL)
		*json = q ? arena_strndup(r->arena, buf_cstr(&b), b.len) : NULL;
	buf_free(&b);
	return q;
}

typedef struct earlier_collect {
	int64_t self;
	json_t *list; /* [{id, title}] */
} earlier_collect;

static int earlier_add(void *ud, const survey_round *rd)
{
	earlier_collect *e = ud;
	if (rd->id == e->self)
		return 0;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rd->id));
	json_object_set_new(o, "title", json_string(rd->title_sv));
	json_array_append_new(e->list, o);
	return 0;
}

/* Sets heading_sv, heading_en, intro_sv and intro_en of o (for the headings form). */
static void headings_json(json_t *o, const survey_text *title, const survey_text *intro)
{
	json_object_set_new(o, "heading_sv", json_string(text_exact(title, "sv")));
	json_object_set_new(o, "heading_en", json_string(text_exact(title, "en")));
	json_object_set_new(o, "intro_sv", json_string(text_exact(intro, "sv")));
	json_object_set_new(o, "intro_en", json_string(text_exact(intro, "en")));
}

/* Renders the builder of round with d (errors). Takes d. */
static int builder_render(http_req *r, int status, const survey_round *round, json_t *d)
{
	db_conn *c = web_db(r);
	int locked = builder_round_locked(c, round->id);
	const survey_questionnaire *q = survey_round_questionnaire(r->arena, round);
	if (locked < 0)
		return webform_failed(r, d);
	if (q == NULL) {
		json_decref(d);
		return web_error(r, 500, T(r, "Enkäten i databasen är inte giltig."));
	}
	json_t *sections = json_array(), *singles = json_array();
	for (size_t s = 0; s < q->section_count; s++) {
		const survey_section *sec = &q->sections[s];
		json_t *so = json_object(), *items = json_array();
		json_object_set_new(so, "code", json_string(sec->code));
		json_object_set_new(so, "title", json_string(survey_text_get(&sec->title, "sv")));
		headings_json(so, &sec->title, &sec->intro);
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &q->items[i];
			json_t *o = json_object();
			json_object_set_new(o, "n", json_integer((json_int_t)i));
			json_object_set_new(o, "code", json_string(it->code));
			json_object_set_new(o, "type", json_string(survey_item_type_names[it->type]));
			json_object_set_new(o, "role", json_string(survey_role_names[it->role]));
			json_object_set_new(o, "scale", json_string(it->scale ? it->scale->name : ""));
			if (it->scale != NULL) {
				/* The options with their codes: what routing conditions name. */
				buf b;
				buf_init(&b);
				for (size_t k = 0; k < it->scale->option_count; k++)
					buf_printf(&b, "%s%d = %s", k ? ", " : "", it->scale->options[k].code,
						   survey_text_get(&it->scale->options[k].label, "sv"));
				json_object_set_new(o, "options", json_string(buf_cstr(&b)));
				buf_free(&b);
			}
			json_object_set_new(o, "text_sv", json_string(text_exact(&it->text, "sv")));
			json_object_set_new(o, "text_en", json_string(text_exact(&it->text, "en")));
			json_object_set_new(o, "help_sv", json_string(text_exact(&it->help, "sv")));
			json_object_set_new(o, "help_en", json_string(text_exact(&it->help, "en")));
			json_object_set_new(o, "required", json_boolean(it->required));
			json_object_set_new(o, "first", json_boolean(i == sec->first_item));
			json_object_set_new(o, "last", json_boolean(i + 1 == sec->first_item + sec->item_count));
			if (it->show_if_item != NULL) {
				buf b;
				buf_init(&b);
				for (size_t k = 0; k < it->show_if_count; k++)
					buf_printf(&b, "%s%d", k ? ", " : "", it->show_if_codes[k]);
				json_object_set_new(o, "show_if_item", json_string(it->show_if_item));
				json_object_set_new(o, "show_if_codes", json_string(buf_cstr(&b)));
				buf_free(&b);
			}
			json_array_append_new(items, o);
			if (it->type == SURVEY_SINGLE) {
				json_t *si = json_object();
				json_object_set_new(si, "code", json_string(it->code));
				json_array_append_new(singles, si);
			}
		}
		json_object_set_new(so, "items", items);
		json_array_append_new(sections, so);
	}
	/* Each item's routing choice: the single items before it, the chosen one marked. */
	size_t si_count = json_array_size(singles);
	size_t k;
	json_t *so;
	json_array_foreach(sections, k, so) {
		size_t j;
		json_t *io;
		json_array_foreach(json_object_get(so, "items"), j, io) {
			json_t *choices = json_array();
			const char *code = json_string_value(json_object_get(io, "code"));
			const char *chosen = json_string_value(json_object_get(io, "show_if_item"));
			int self = survey_item_index(q, code);
			for (size_t m = 0; m < si_count; m++) {
				const char *cand = json_string_value(json_object_get(json_array_get(singles, m), "code"));
				if (survey_item_index(q, cand) >= self)
					break;
				json_t *ch = json_object();
				json_object_set_new(ch, "code", json_string(cand));
				json_object_set_new(ch, "selected", json_boolean(chosen && strcmp(chosen, cand) == 0));
				json_array_append_new(choices, ch);
			}
			json_object_set_new(io, "show_if_choices", choices);
		}
	}
	json_decref(singles);

	const survey_questionnaire *bank = bank_load(r, NULL);
	json_t *bank_groups = bank ? missing_items(bank, q, NULL) : json_array();
	json_object_set_new(d, "has_bank", json_boolean(json_array_size(bank_groups) > 0));
	json_object_set_new(d, "bank_groups", bank_groups);
	earlier_collect e = { round->id, json_array() };
	if (survey_round_list(c, earlier_add, &e) != 0) {
		json_decref(e.list);
		json_decref(sections);
		return webform_failed(r, d);
	}
	json_t *earlier = json_array(), *o;
	json_array_foreach(e.list, k, o) {
		survey_round other;
		if (survey_round_get(c, r->arena, json_integer_value(json_object_get(o, "id")), NULL, &other) != 1)
			continue;
		const survey_questionnaire *oq = survey_round_questionnaire(r->arena, &other);
		json_t *groups = oq ? missing_items(oq, q, bank) : json_array();
		if (json_array_size(groups) == 0) {
			json_decref(groups);
			continue;
		}
		json_object_set_new(o, "groups", groups);
		json_array_append(earlier, o);
	}
	json_decref(e.list);
	json_object_set_new(d, "earlier", earlier);
	builder_choices(d, q);
	json_object_set_new(d, "sections", sections);
	headings_json(d, &q->title, &q->intro);
	json_object_set_new(d, "locked", json_boolean(locked));
	json_object_set_new(d, "id", json_integer(round->id));
	json_object_set_new(d, "round_title", json_string(round->title_sv));
	json_object_set_new(d, "round_href", json_string(builder_round_path(r, round, "")));
	json_object_set_new(d, "base", json_string(builder_round_path(r, round, "/enkat")));
	json_object_set_new(d, "item_count", json_integer((json_int_t)q->item_count));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Enkäten"), round->title_sv)));
	return web_render(r, status, "survey/staff_builder", d);
}

/* GET /personal/trygghetsundersokning/{id}/enkat */
int builder_page(http_req *r)
{
	return builder_round_show(r, builder_render);
}

/* One builder action on the questionnaire document. */
typedef struct edit {
	http_req *r;
	json_t *doc;        /* the round's questionnaire, changed in place */
	bool locked;        /* the round has answers */
	int64_t round_id;
	const char *field;  /* the builder page's id where a problem belongs */
	const char *detail; /* for the audit log */
	int status;         /* of a problem: 404, 409, 422 */
	/* For actions on one item (the form's "code"): the item, the items array
	 * of its section, and its index there. */
	json_t *item, *items;
	size_t index;
} edit;

/* Returns NULL when the change is made, else the problem (translated) with e->status. */
typedef const char *(*edit_fn)(edit *e);

static const char *edit_fail(edit *e, int status, const char *message)
{
	e->status = status;
	return message;
}

/* The items array holding code, and the item's index in it; NULL when none. */
static json_t *items_holding(json_t *doc, const char *code, size_t *index, size_t *section)
{
	size_t s, i;
	json_t *sec, *it;
	json_array_foreach(json_object_get(doc, "sections"), s, sec) {
		json_t *items = json_object_get(sec, "items");
		json_array_foreach(items, i, it) {
			if (json_is_string(json_object_get(it, "code")) &&
			    strcmp(json_string_value(json_object_get(it, "code")), code) == 0) {
				*index = i;
				if (section)
					*section = s;
				return items;
			}
		}
	}
	return NULL;
}

/* Finds the item named by the form's "code" for an action on one item.
 * Returns NULL, or the problem (404). */
static const char *edit_item(edit *e)
{
	const char *code = webform_trimmed(e->r, "code");
	e->items = items_holding(e->doc, code, &e->index, NULL);
	e->detail = code;
	if (e->items == NULL)
		return edit_fail(e, 404, T(e->r, "Frågan finns inte i enkäten."));
	e->field = arena_printf(e->r->arena, "item-%s", code);
	e->item = json_array_get(e->items, e->index);
	return NULL;
}

/* The section of doc with code, or NULL. */
static json_t *section_find(json_t *doc, const char *code)
{
	size_t s;
	json_t *sec;
	json_array_foreach(json_object_get(doc, "sections"), s, sec)
		if (json_is_string(json_object_get(sec, "code")) && strcmp(json_string_value(json_object_get(sec, "code")), code) == 0)
			return sec;
	return NULL;
}

/* Sets text[lang] = value, or removes it when value is "". */
static void text_set(json_t *text, const char *lang, const char *value)
{
	if (*value)
		json_object_set_new(text, lang, json_string(value));
	else
		json_object_del(text, lang);
}

/* Sets the Swedish and English of target's text key (other languages stay).
 * An optional text with neither is removed. */
static void texts_set(json_t *target, const char *key, const char *sv, const char *en, bool optional)
{
	json_t *t = json_object_get(target, key);
	if (optional && !*sv && !*en) {
		json_object_del(target, key);
		return;
	}
	if (!json_is_object(t)) {
		t = json_object();
		json_object_set_new(target, key, t);
	}
	text_set(t, "sv", sv);
	text_set(t, "en", en);
}

/* lagg-till: source ("bank" or a round id), code — an item with its section
 * (if the round lacks it) and scale (likewise), at the end of its section. */
static const char *edit_add(edit *e)
{
	http_req *r = e->r;
	const char *source = webform_trimmed(r, "source"), *code = webform_trimmed(r, "code");
	const char *json = NULL;
	int64_t from_id = 0;
	e->field = strcmp(source, "bank") == 0 ? "add-bank" : arena_printf(r->arena, "add-round-%s", source);
	e->detail = arena_printf(r->arena, "%s from %s", code, source);
	if (strcmp(source, "bank") == 0) {
		if (bank_load(r, &json) == NULL)
			return edit_fail(e, 500, T(r, "Frågebanken kunde inte läsas."));
	} else {
		survey_round from;
		if (str_to_int64(source, &from_id) != 0 || from_id == e->round_id ||
		    survey_round_get(web_db(r), r->arena, from_id, NULL, &from) != 1)
			return edit_fail(e, 404, T(r, "Undersökningen finns inte."));
		json = from.questionnaire_json;
	}
	json_t *src = json_loads(json, 0, NULL);
	size_t index, section;
	json_t *src_items = src ? items_holding(src, code, &index, &section) : NULL;
	const char *problem = NULL;
	if (src_items == NULL) {
		problem = edit_fail(e, 404, T(r, "Frågan finns inte i frågebanken eller den valda undersökningen."));
		goto out;
	}
	size_t dummy;
	if (items_holding(e->doc, code, &dummy, NULL) != NULL) {
		problem = edit_fail(e, 409, T(r, "Frågan finns redan i enkäten."));
		goto out;
	}
	json_t *src_section = json_array_get(json_object_get(src, "sections"), section);
	const char *section_code = json_string_value(json_object_get(src_section, "code"));
	json_t *sections = json_object_get(e->doc, "sections");
	json_t *target = section_code ? section_find(e->doc, section_code) : NULL;
	if (target == NULL) {
		target = json_deep_copy(src_section);
		json_object_set_new(target, "items", json_array());
		json_array_append_new(sections, target);
	}
	json_array_append_new(json_object_get(target, "items"), json_deep_copy(json_array_get(src_items, index)));
	json_t *item = json_array_get(src_items, index), *scale = json_object_get(item, "scale");
	json_t *scales = json_object_get(e->doc, "scales");
	if (json_is_string(scale) && json_is_object(scales) && json_object_get(scales, json_string_value(scale)) == NULL) {
		json_t *def = json_object_get(json_object_get(src, "scales"), json_string_value(scale));
		if (def)
			json_object_set_new(scales, json_string_value(scale), json_deep_copy(def));
	}
	e->field = arena_printf(r->arena, "item-%s", code);
out:
	json_decref(src);
	return problem;
}

/* ta-bort: code. A section left without items goes too. */
static const char *edit_remove(edit *e)
{
	json_array_remove(e->items, e->index);
	json_t *sections = json_object_get(e->doc, "sections");
	for (size_t s = json_array_size(sections); s-- > 0;)
		if (json_array_size(json_object_get(json_array_get(sections, s), "items")) == 0)
			json_array_remove(sections, s);
	e->field = "sections";
	return NULL;
}

/* flytta: code, direction (up, down) — within its section. */
static const char *edit_move(edit *e)
{
	const char *direction = webform_trimmed(e->r, "direction");
	json_t *items = e->items;
	size_t index = e->index;
	bool up = strcmp(direction, "up") == 0;
	if ((!up && strcmp(direction, "down") != 0) || (up && index == 0) || (!up && index + 1 >= json_array_size(items)))
		return edit_fail(e, 422, T(e->r, "Frågan kan inte flyttas åt det hållet."));
	size_t other = up ? index - 1 : index + 1;
	json_t *item = json_incref(json_array_get(items, index));
	json_array_remove(items, index);
	json_array_insert_new(items, other, item);
	e->detail = arena_printf(e->r->arena, "%s %s", e->detail, direction);
	return NULL;
}

/* texter: code, text_sv, text_en, help_sv, help_en, required. Texts may be
 * corrected in a locked questionnaire; whether required may not. */
static const char *edit_texts(edit *e)
{
	json_t *item = e->item;
	http_req *r = e->r;
	static const char *const names[] = { "text_sv", "text_en", "help_sv", "help_en" };
	const char *v[4];
	for (size_t i = 0; i < 4; i++) {
		v[i] = webform_trimmed(r, names[i]);
		if (!builder_text_ok(v[i], 1000, true))
			return edit_fail(e, 422, T(r, "En text är för lång (högst 1 000 tecken) eller innehåller tecken som inte är tillåtna."));
	}
	if (!*v[0])
		return edit_fail(e, 422, T(r, "Skriv frågan på svenska."));
	bool required = strcmp(webform_trimmed(r, "required"), "1") == 0;
	if (e->locked && required != json_is_true(json_object_get(item, "required")))
		return edit_fail(e, 409, T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	texts_set(item, "text", v[0], v[1], false);
	texts_set(item, "help", v[2], v[3], true);
	if (required)
		json_object_set_new(item, "required", json_true());
	else
		json_object_del(item, "required");
	return NULL;
}

/* rubriker: section (a section's code, or "" for the questionnaire itself),
 * heading_sv, heading_en, intro_sv, intro_en — its title and introduction. */
static const char *edit_headings(edit *e)
{
	http_req *r = e->r;
	const char *section = webform_trimmed(r, "section");
	json_t *target = e->doc;
	e->field = "headings";
	e->detail = *section ? section : "questionnaire";
	if (*section) {
		target = section_find(e->doc, section);
		if (target == NULL)
			return edit_fail(e, 404, T(r, "Avsnittet finns inte i enkäten."));
		e->field = arena_printf(r->arena, "section-%s", section);
	}
	static const char *const names[] = { "heading_sv", "heading_en", "intro_sv", "intro_en" };
	const char *v[4];
	for (size_t i = 0; i < 4; i++) {
		v[i] = webform_trimmed(r, names[i]);
		if (!builder_text_ok(v[i], i < 2 ? 200 : 4000, i >= 2))
			return edit_fail(e, 422, T(r, "En rubrik får vara högst 200 tecken och en inledning högst 4 000."));
	}
	if (!*v[0])
		return edit_fail(e, 422, T(r, "Skriv rubriken på svenska."));
	texts_set(target, "title", v[0], v[1], false);
	texts_set(target, "intro", v[2], v[3], true);
	return NULL;
}

/* An optional whole number field: "" leaves *set false. Returns 0 or -1. */
static int optional_int(http_req *r, const char *name, bool *set, int64_t *v)
{
	const char *s = webform_trimmed(r, name);
	*set = *s != '\0';
	return *set ? str_to_int64(s, v) : 0;
}

/* ny: section, code, type, scale, role, crime, background, text_sv,
 * text_en, required, min, max, max_chars — a new item at the end of its section. */
static const char *edit_new(edit *e)
{
	http_req *r = e->r;
	const char *section = webform_trimmed(r, "section"), *code = webform_trimmed(r, "code");
	e->field = "new-code";
	e->detail = code;
	static const char *const plain[] = { "type", "scale", "role", "crime", "background" };
	json_t *item = json_object();
	json_object_set_new(item, "code", json_string(code));
	for (size_t i = 0; i < ARRAY_LEN(plain); i++) {
		const char *v = webform_trimmed(r, plain[i]);
		if (!builder_text_ok(v, 64, false)) {
			json_decref(item);
			return edit_fail(e, 422, T(r, "Fälten för typ, skala, roll, brott och bakgrund får vara högst 64 tecken."));
		}
		/* scale is left out unless the type is single; the parser refuses it otherwise */
		if (*v && !(strcmp(plain[i], "scale") == 0 && strcmp(webform_trimmed(r, "type"), "single") != 0))
			json_object_set_new(item, plain[i], json_string(v));
	}
	const char *sv = webform_trimmed(r, "text_sv"), *en = webform_trimmed(r, "text_en");
	if (!*sv || !builder_text_ok(sv, 1000, true) || !builder_text_ok(en, 1000, true)) {
		json_decref(item);
		e->field = "new-text_sv";
		return edit_fail(e, 422, T(r, "Skriv frågan på svenska (högst 1 000 tecken)."));
	}
	json_t *text = json_object();
	text_set(text, "sv", sv);
	text_set(text, "en", en);
	json_object_set_new(item, "text", text);
	if (strcmp(webform_trimmed(r, "required"), "1") == 0)
		json_object_set_new(item, "required", json_true());
	static const char *const numbers[] = { "min", "max", "max_chars" };
	for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
		bool set;
		int64_t v;
		if (optional_int(r, numbers[i], &set, &v) != 0) {
			json_decref(item);
			e->field = arena_printf(r->arena, "new-%s", numbers[i]);
			return edit_fail(e, 422, T(r, "Min, max och högsta antal tecken ska vara heltal."));
		}
		if (set)
			json_object_set_new(item, numbers[i], json_integer(v));
	}
	json_t *target = section_find(e->doc, section);
	if (target == NULL) {
		json_decref(item);
		e->field = "new-section";
		return edit_fail(e, 422, T(r, "Välj ett avsnitt i enkäten."));
	}
	json_array_append_new(json_object_get(target, "items"), item);
	return NULL;
}

/* villkor: code, show_if_item ("" removes the condition), show_if_codes ("1, 2"). */
static const char *edit_show_if(edit *e)
{
	json_t *item = e->item;
	http_req *r = e->r;
	const char *target = webform_trimmed(r, "show_if_item"), *codes = webform_trimmed(r, "show_if_codes");
	if (*target == '\0') {
		json_object_del(item, "show_if");
		e->detail = arena_printf(r->arena, "%s show_if none", e->detail);
		return NULL;
	}
	json_t *list = json_array();
	for (const char *p = codes; *p;) {
		p += strspn(p, " ,");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " ,");
		int64_t v;
		if (str_to_int64(arena_strndup(r->arena, p, n), &v) != 0 || v < -1000000 || v > 1000000) {
			json_decref(list);
			return edit_fail(e, 422, T(r, "Svarskoderna i villkoret ska vara heltal med komma emellan, till exempel 1, 2."));
		}
		json_array_append_new(list, json_integer(v));
		p += n;
	}
	json_t *si = json_object();
	json_object_set_new(si, "item", json_string(target));
	json_object_set_new(si, "codes", list);
	json_object_set_new(item, "show_if", si);
	e->detail = arena_printf(r->arena, "%s show_if %s %s", e->detail, target, codes);
	return NULL;
}

/* The builder's actions: the last segment of POST …/enkat/{action}. */
static const struct {
	const char *name;
	edit_fn fn;
	bool structural; /* refused once the round has answers */
	bool on_item;    /* acts on the item the form's "code" names (edit_item()) */
} edits[] = {
	{ "lagg-till", edit_add, true, false },
	{ "ta-bort", edit_remove, true, true },
	{ "flytta", edit_move, true, true },
	{ "texter", edit_texts, false, true },
	{ "rubriker", edit_headings, false, false },
	{ "ny", edit_new, true, false },
	{ "villkor", edit_show_if, true, true },
};
/* Shows the builder again with message at field. */
static int builder_refuse(http_req *r, int status, const survey_round *round, const char *field, const char *message)
{
	json_t *d = json_object();
	webform_error(r, d, field ? field : "sections", message);
	return builder_render(r, status, round, d);
}

/* POST /personal/trygghetsundersokning/{id}/enkat/{action} */
int builder_edit(http_req *r)
{
	const char *action = http_param(r, "action");
	size_t k = 0;
	while (k < ARRAY_LEN(edits) && strcmp(edits[k].name, action) != 0)
		k++;
	if (k == ARRAY_LEN(edits))
		return web_error(r, 404, T(r, "Sidan finns inte."));
	survey_round round;
	int status = builder_path_round(r, &round);
	if (status)
		return status;
	db_conn *c = web_db(r);
	/* Read, check the lock and write in one transaction: no answer may slip in between. */
	if (db_begin_write(c) != 0 || survey_round_get(c, r->arena, round.id, NULL, &round) != 1)
		goto failed;
	int locked = builder_round_locked(c, round.id);
	if (locked < 0)
		goto failed;
	if (locked && edits[k].structural) {
		db_rollback(c);
		return builder_refuse(r, 409, &round, NULL, T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	}
	edit e = { .r = r, .doc = json_loads(round.questionnaire_json, 0, NULL), .locked = locked, .round_id = round.id };
	if (e.doc == NULL)
		goto failed;
	const char *problem = edits[k].on_item ? edit_item(&e) : NULL;
	if (problem == NULL)
		problem = edits[k].fn(&e);
	char *changed = problem ? NULL : builder_pretty_json(e.doc);
	json_decref(e.doc);
	if (problem != NULL) {
		db_rollback(c);
		if (e.status >= 500)
			return web_error(r, e.status, problem);
		return builder_refuse(r, e.status, &round, e.field, problem);
	}
	if (changed == NULL)
		fatal("out of memory");
	const char *stored = NULL, *message = NULL;
	status = builder_questionnaire_check(r, changed, strlen(changed), &stored, &message);
	free(changed);
	if (status != 0) {
		db_rollback(c);
		return builder_refuse(r, 422, &round, e.field, message);
	}
	round.questionnaire_json = stored;
	if (survey_round_update(c, &round, web_now()) != 1 || db_commit(c) != 0)
		goto failed;
	web_audit(r, "survey.questionnaire", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  arena_printf(r->arena, "%s %s", action, e.detail ? e.detail : ""));
	return web_redirect_flash(r, arena_printf(r->arena, "%s#%s", builder_round_path(r, &round, "/enkat"), e.field ? e.field : "sections"),
				  T(r, "Enkäten är sparad."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

/* GET /personal/trygghetsundersokning/{id}/enkat.json — the questionnaire as a file. */
int questionnaire_export(http_req *r)
{
	survey_round round;
	int status = builder_path_round(r, &round);
	if (status)
		return status;
	json_t *doc = json_loads(round.questionnaire_json, 0, NULL);
	char *text = doc ? builder_pretty_json(doc) : NULL;
	json_decref(doc);
	if (text == NULL)
		return web_error(r, 500, T(r, "Enkäten i databasen är inte giltig."));
	buf_puts(&r->body, text);
	buf_putc(&r->body, '\n');
	free(text);
	r->content_type = "application/json; charset=utf-8";
	http_set_header(r, "Content-Disposition",
			arena_printf(r->arena, "attachment; filename=\"enkat-%s.json\"", round.slug));
	return 200;
}

/* POST /personal/trygghetsundersokning/{id}/enkat.json — a questionnaire
 * file (field "file") replaces the round's, when valid and the round has no answers. */
int questionnaire_import(http_req *r)
{
	survey_round round;
	int status = builder_path_round(r, &round);
	if (status)
		return status;
	const http_file *f = http_upload(r, "file");
	size_t len = 0;
	const char *text = f ? builder_file_text(r, f, &len) : NULL;
	if (text == NULL)
		return builder_refuse(r, 400, &round, "file", T(r, "Välj en enkätfil (JSON) att läsa in."));
	const char *stored = NULL, *message = NULL;
	status = builder_questionnaire_check(r, text, len, &stored, &message);
	if (status != 0)
		return builder_refuse(r, status, &round, "file", message);
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || survey_round_get(c, r->arena, round.id, NULL, &round) != 1)
		goto failed;
	int locked = builder_round_locked(c, round.id);
	if (locked < 0)
		goto failed;
	if (locked) {
		db_rollback(c);
		return builder_refuse(r, 409, &round, "file", T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	}
	round.questionnaire_json = stored;
	if (survey_round_update(c, &round, web_now()) != 1 || db_commit(c) != 0)
		goto failed;
	web_audit(r, "survey.questionnaire_import", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  f->filename);
	return web_redirect_flash(r, builder_round_path(r, &round, "/enkat"), T(r, "Enkäten är inläst."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

