/*
 * entry.c — staff entry of answers given on the telephone or on paper:
 * /personal/trygghetsundersokning/ID/registrera (handläggare, samordnare,
 * admin).
 *
 * One compact page holds the whole questionnaire for fast keyboard-only
 * entry: each question is one text field that takes the option's code (or
 * key), with the codes written beside it; the fields come straight down in
 * tab order, the first has focus, Enter submits. Answers are read with
 * survey_answer_read() exactly as the web and the CSV import read them, and
 * routing is enforced: an answer to a question the earlier answers leave out
 * is an error on that field. A failed form comes back with every error
 * beside its field and everything typed kept; a saved one gives a fresh form
 * that says "Svar nr 123 sparat" with a link to undo it (the same user,
 * within ten minutes). Every save and undo goes to the audit log.
 */
#include "survey/survey.h"

#include <string.h>

#include "areas/area.h"
#include "core/util.h"
#include "survey/answer_areas.h"
#include "survey/survey_store.h"
#include "web/web.h"
#include "web/webform.h"

#define ENTRY_PATH "/personal/trygghetsundersokning/{id}/registrera"
#define ENTRY_ROLES (ROLE_HANDLAGGARE | ROLE_SAMORDNARE | ROLE_ADMIN)
#define UNDO_SECONDS 600
#define SOURCE_REF_MAX_CHARS 100

static const char *const entry_modes[] = { "phone", "paper" };
static const char *const entry_mode_labels[] = { N_("Telefon"), N_("Papper") };

static const char SQL_UNDO_FIND[] =
	"SELECT id FROM survey_responses WHERE id = ? AND round_id = ? AND entered_by = ? AND status = 'complete' "
	"AND mode IN ('phone', 'paper') AND submitted_at >= ?";
static const char SQL_UNDO_ANSWERS[] = "DELETE FROM survey_answers WHERE response_id = ?";
static const char SQL_UNDO_RESPONSE[] = "DELETE FROM survey_responses WHERE id = ?";

typedef struct entry_ctx {
	survey_round round;
	const survey_questionnaire *q;
	const char *path;
} entry_ctx;

/* Loads the round of the address. 0, or the status answered with. */
static int entry_load(http_req *r, entry_ctx *x)
{
	memset(x, 0, sizeof *x);
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	int found = survey_round_get(web_db(r), r->arena, id, NULL, &x->round);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	if (x->round.status != SURVEY_ROUND_OPEN && x->round.status != SURVEY_ROUND_CLOSED)
		return web_error(r, 409, T(r, "Svar kan bara registreras när undersökningen är öppen eller stängd, inte när den är ett utkast eller redan publicerad."));
	x->q = survey_round_questionnaire(r->arena, &x->round);
	if (x->q == NULL) {
		fprintf(stderr, "trygg: survey round %lld: stored questionnaire does not parse\n", (long long)x->round.id);
		return 500;
	}
	x->path = arena_printf(r->arena, "/personal/trygghetsundersokning/%lld/registrera", (long long)x->round.id);
	return 0;
}

static int mode_find(const char *mode)
{
	for (size_t i = 0; i < ARRAY_LEN(entry_modes); i++)
		if (strcmp(mode, entry_modes[i]) == 0)
			return (int)i;
	return -1;
}

/* "1 Nej · 2 Ja, till viss del · …" for the item, or the areas' codes. */
static const char *codes_hint(http_req *r, const survey_item *it, json_t *areas)
{
	buf b = BUF_INIT;
	const char *lang = web(r)->lang;
	if (it->type == SURVEY_SINGLE) {
		for (size_t k = 0; k < it->scale->option_count; k++)
			buf_printf(&b, "%s%d %s", k ? " · " : "", it->scale->options[k].code,
			           survey_text_get(&it->scale->options[k].label, lang));
	} else if (it->type == SURVEY_AREA || it->type == SURVEY_PLACE) {
		size_t i;
		json_t *a;
		json_array_foreach(areas, i, a)
			buf_printf(&b, "%s%s %s", i ? " · " : "", json_string_value(json_object_get(a, "code")),
			           json_string_value(json_object_get(a, "name")));
		if (it->type == SURVEY_PLACE)
			buf_printf(&b, "%s%s", i ? " · " : "", T(r, "eller latitud,longitud"));
	} else if (it->type == SURVEY_NUMBER) {
		buf_printf(&b, "%lld–%lld", (long long)it->min, (long long)it->max);
	} else {
		buf_puts(&b, T(r, "fritext"));
	}
	const char *out = arena_strdup(r->arena, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

/* The form; errors[i] beside q->items[i]; typed values from the request when from_form. */
static int entry_render(http_req *r, const entry_ctx *x, int status, const char *const *errors, bool from_form,
                        const char *mode, const char *ref)
{
	json_t *d = json_object(), *items = json_array();
	json_t *areas = survey_areas_json(r, 0);
	if (areas == NULL)
		return webform_failed(r, d);
	const char *lang = web(r)->lang;
	bool first = true;
	for (size_t i = 0; i < x->q->item_count; i++) {
		const survey_item *it = &x->q->items[i];
		json_t *o = json_object();
		const char *id = arena_printf(r->arena, "e-%s", it->code);
		json_object_set_new(o, "code", json_string(it->code));
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "number", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "text", json_string(survey_text_get(&it->text, lang)));
		json_object_set_new(o, "codes", json_string(codes_hint(r, it, areas)));
		json_object_set_new(o, "required", json_boolean(it->required));
		json_object_set_new(o, "autofocus", json_boolean(first));
		first = false;
		if (it->show_if_item) {
			int target = survey_item_index(x->q, it->show_if_item);
			buf codes = BUF_INIT;
			for (size_t k = 0; k < it->show_if_count; k++)
				buf_printf(&codes, "%s%d", k ? ", " : "", it->show_if_codes[k]);
			json_object_set_new(o, "show_if_number", json_integer(target + 1));
			json_object_set_new(o, "show_if_codes", json_string(codes.data ? codes.data : ""));
			buf_free(&codes);
		}
		const char *typed = from_form ? http_form(r, it->code) : NULL;
		json_object_set_new(o, "value", json_string(typed ? typed : ""));
		if (it->type == SURVEY_PLACE) {
			const char *text_typed = from_form ? http_form(r, arena_printf(r->arena, "%s:text", it->code)) : NULL;
			json_object_set_new(o, "is_place", json_true());
			json_object_set_new(o, "text_name", json_string(arena_printf(r->arena, "%s:text", it->code)));
			json_object_set_new(o, "text_id", json_string(arena_printf(r->arena, "e-%s-text", it->code)));
			json_object_set_new(o, "text_value", json_string(text_typed ? text_typed : ""));
		}
		if (errors && errors[i]) {
			json_object_set_new(o, "error", json_string(errors[i]));
			webform_summary_error(d, id, errors[i]);
		}
		json_array_append_new(items, o);
	}
	json_decref(areas);
	json_t *modes = json_array();
	for (size_t i = 0; i < ARRAY_LEN(entry_modes); i++) {
		json_t *m = json_object();
		json_object_set_new(m, "value", json_string(entry_modes[i]));
		json_object_set_new(m, "label", json_string(T(r, entry_mode_labels[i])));
		json_object_set_new(m, "selected", json_boolean(strcmp(mode, entry_modes[i]) == 0));
		json_array_append_new(modes, m);
	}
	const char *title = strcmp(lang, "en") == 0 && *x->round.title_en ? x->round.title_en : x->round.title_sv;
	json_object_set_new(d, "title", json_string(T(r, "Registrera svar")));
	json_object_set_new(d, "round_title", json_string(title));
	json_object_set_new(d, "action", json_string(x->path));
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "modes", modes);
	json_object_set_new(d, "ref", json_string(ref));
	json_object_set_new(d, "closed", json_boolean(x->round.status == SURVEY_ROUND_CLOSED));
	/* The undo link for the response just saved, when it may still be undone. */
	int64_t saved;
	const char *saved_param = http_query(r, "sparat");
	if (!from_form && saved_param && str_to_int64(saved_param, &saved) == 0 && saved > 0) {
		db_stmt *s = db_prepare(web_db(r), SQL_UNDO_FIND);
		if (s == NULL)
			return webform_failed(r, d);
		db_bind_int(s, 1, saved);
		db_bind_int(s, 2, x->round.id);
		db_bind_int(s, 3, web(r)->user->id);
		db_bind_int(s, 4, web_now() - UNDO_SECONDS);
		int rc = db_step(s);
		if (rc == DB_ERROR)
			return webform_failed(r, d);
		if (rc == DB_ROW) {
			json_t *u = json_object();
			json_object_set_new(u, "id", json_integer(saved));
			json_object_set_new(u, "action", json_string(arena_printf(r->arena, "%s/%lld/angra", x->path, (long long)saved)));
			json_object_set_new(d, "saved", u);
			db_step(s);
		}
	}
	return web_render(r, status, "survey/entry", d);
}

/* GET …/registrera */
static int entry_page(http_req *r)
{
	entry_ctx x;
	int rc = entry_load(r, &x);
	if (rc)
		return rc;
	const char *mode = http_query(r, "satt");
	return entry_render(r, &x, 200, NULL, false, mode && mode_find(mode) >= 0 ? mode : "phone", "");
}

/* Reads the answer to a place item: an area (id or code) or "lat,lon", and its text. */
static enum survey_aerror read_place(http_req *r, const survey_item *it, const char *raw, survey_answer *out,
                                     bool *answered)
{
	const char *text = webform_trimmed(r, arena_printf(r->arena, "%s:text", it->code));
	enum survey_aerror e = SURVEY_A_OK;
	memset(out, 0, sizeof *out);
	*answered = false;
	if (strchr(raw, ',') != NULL) {
		e = survey_answer_read(r->arena, it, raw, NULL, NULL, out, answered);
		if (e != SURVEY_A_OK)
			return e;
		/* The point's area, as the map would choose it; a point outside the municipality is refused. */
		area_match m;
		int found = area_locate(web_db(r), out->lat, out->lon, &m);
		if (found == AREA_OUTSIDE)
			return SURVEY_A_BAD_PLACE;
		if (found == AREA_FOUND)
			out->area_id = m.id;
	} else if (*raw) {
		out->area_id = survey_area_lookup(r, raw);
		if (out->area_id <= 0)
			return SURVEY_A_NOT_AREA;
		*answered = true;
	}
	out->item_code = it->code;
	if (*text) {
		if (webform_has_control(text, false))
			return SURVEY_A_BAD_TEXT;
		if (webform_chars(text) > it->max_chars)
			return SURVEY_A_TOO_LONG;
		out->text = text;
		*answered = true;
	}
	return SURVEY_A_OK;
}

/* The notice msgid (translated) with {nr} replaced by the response's number. */
static const char *numbered_notice(http_req *r, const char *msgid, int64_t id)
{
	const char *notice = T(r, msgid);
	const char *at = strstr(notice, "{nr}");
	if (at == NULL)
		return notice;
	return arena_printf(r->arena, "%.*s%lld%s", (int)(at - notice), notice, (long long)id, at + 4);
}

/* POST …/registrera */
static int entry_submit(http_req *r)
{
	entry_ctx x;
	int rc = entry_load(r, &x);
	if (rc)
		return rc;
	const survey_questionnaire *q = x.q;
	const char *mode = webform_trimmed(r, "mode"), *ref = webform_trimmed(r, "ref");
	const char **errors = arena_alloc(r->arena, (q->item_count + 1) * sizeof *errors);
	memset(errors, 0, (q->item_count + 1) * sizeof *errors);
	survey_answer *answers = arena_alloc(r->arena, (q->item_count + 1) * sizeof *answers);
	size_t count = 0;
	bool failed = false;
	if (mode_find(mode) < 0)
		return web_error(r, 400, T(r, "Välj om svaren kom på telefon eller på papper."));
	if (webform_has_control(ref, false) || webform_chars(ref) > SOURCE_REF_MAX_CHARS)
		return web_error(r, 422, T(r, "Referensen får vara högst 100 tecken utan radbrytningar."));

	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		const char *raw = webform_trimmed(r, it->code);
		survey_answer a;
		bool answered = false;
		enum survey_aerror e = it->type == SURVEY_PLACE
		                               ? read_place(r, it, raw, &a, &answered)
		                               : survey_answer_read(r->arena, it, raw, survey_area_lookup, r, &a, &answered);
		bool asked = survey_item_asked(q, it, answers, count);
		if (e == SURVEY_A_OK && answered && !asked)
			e = SURVEY_A_NOT_ASKED;
		if (e == SURVEY_A_OK && !answered && asked && it->required)
			e = SURVEY_A_REQUIRED;
		if (e != SURVEY_A_OK) {
			errors[i] = T(r, survey_aerror_message(e));
			failed = true;
		} else if (answered) {
			answers[count++] = a;
		}
	}
	if (!failed) {
		const char *item = NULL;
		enum survey_aerror e = survey_answers_check(q, answers, count, &item);
		if (e != SURVEY_A_OK) {
			int at = survey_item_index(q, item);
			errors[at >= 0 ? (size_t)at : 0] = T(r, survey_aerror_message(e));
			failed = true;
		}
	}
	if (failed)
		return entry_render(r, &x, 422, errors, true, mode, ref);

	db_conn *c = web_db(r);
	survey_response_meta meta = { .mode = mode, .entered_by = web(r)->user->id, .source_ref = ref };
	int64_t id = -1;
	if (db_begin_write(c) == 0)
		id = survey_response_insert(c, x.round.id, q, &meta, answers, count, web_now());
	if (id < 0 || db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	web_audit(r, "survey.entry", arena_printf(r->arena, "survey_response:%lld", (long long)id),
	          arena_printf(r->arena, "round=%lld mode=%s", (long long)x.round.id, mode));
	return web_redirect_flash(r, arena_printf(r->arena, "%s?sparat=%lld&satt=%s", x.path, (long long)id, mode),
	                          numbered_notice(r, N_("Svar nr {nr} sparat."), id));
}

/* POST …/registrera/{response}/angra */
static int entry_undo(http_req *r)
{
	entry_ctx x;
	int rc = entry_load(r, &x);
	if (rc)
		return rc;
	int64_t id;
	if (str_to_int64(http_param(r, "response"), &id) != 0 || id <= 0)
		return web_error(r, 404, T(r, "Svaret finns inte."));
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0)
		return webform_failed(r, NULL);
	db_stmt *s = db_prepare(c, SQL_UNDO_FIND);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, x.round.id);
	db_bind_int(s, 3, web(r)->user->id);
	db_bind_int(s, 4, web_now() - UNDO_SECONDS);
	rc = db_step(s);
	if (rc == DB_ERROR)
		goto fail;
	if (rc == DB_DONE) {
		db_rollback(c);
		return web_error(r, 409, T(r, "Svaret kan inte ångras: bara den som registrerade det kan ångra det, och bara inom tio minuter."));
	}
	db_step(s);
	const char *deletes[] = { SQL_UNDO_ANSWERS, SQL_UNDO_RESPONSE };
	for (size_t i = 0; i < ARRAY_LEN(deletes); i++) {
		s = db_prepare(c, deletes[i]);
		if (s == NULL)
			goto fail;
		db_bind_int(s, 1, id);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	web_audit(r, "survey.entry_undo", arena_printf(r->arena, "survey_response:%lld", (long long)id),
	          arena_printf(r->arena, "round=%lld", (long long)x.round.id));
	return web_redirect_flash(r, x.path, numbered_notice(r, N_("Svar nr {nr} är borttaget."), id));
fail:
	db_rollback(c);
	return webform_failed(r, NULL);
}

typedef struct entry_list {
	http_req *r;
	json_t *rounds;
} entry_list;

static int entry_list_add(void *ud, const survey_round *round)
{
	entry_list *l = ud;
	if (round->status != SURVEY_ROUND_OPEN && round->status != SURVEY_ROUND_CLOSED)
		return 0;
	bool english = strcmp(web(l->r)->lang, "en") == 0 && round->title_en[0] != '\0';
	json_t *o = json_object();
	json_object_set_new(o, "title", json_string(english ? round->title_en : round->title_sv));
	json_object_set_new(o, "year", json_integer(round->year));
	json_object_set_new(o, "href", json_string(arena_printf(l->r->arena, "/personal/trygghetsundersokning/%lld/registrera",
	                                                        (long long)round->id)));
	json_object_set_new(o, "closed", json_boolean(round->status == SURVEY_ROUND_CLOSED));
	json_array_append_new(l->rounds, o);
	return 0;
}

/* GET /personal/registrera-enkatsvar: the rounds whose answers staff may enter
 * (open or closed), so that a handläggare finds the entry form. */
static int entry_rounds_page(http_req *r)
{
	entry_list l = { r, json_array() };
	json_t *d = json_object();
	json_object_set_new(d, "rounds", l.rounds);
	if (survey_round_list(web_db(r), entry_list_add, &l) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "any", json_boolean(json_array_size(l.rounds) > 0));
	json_object_set_new(d, "title", json_string(T(r, "Registrera svar på trygghetsundersökningen")));
	return web_render(r, 200, "survey/entry_rounds", d);
}

const http_route survey_entry_routes[] = {
	{ "GET", "/personal/registrera-enkatsvar", entry_rounds_page, ROUTE_STAFF, ENTRY_ROLES },
	{ "GET", ENTRY_PATH, entry_page, ROUTE_STAFF, ENTRY_ROLES },
	{ "POST", ENTRY_PATH, entry_submit, ROUTE_STAFF, ENTRY_ROLES },
	{ "POST", ENTRY_PATH "/{response}/angra", entry_undo, ROUTE_STAFF, ENTRY_ROLES },
};
const size_t survey_entry_route_count = ARRAY_LEN(survey_entry_routes);
