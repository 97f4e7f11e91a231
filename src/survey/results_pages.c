/*
 * results_pages.c — the published survey: the list of rounds
 * (/trygghetsundersokning), a round's results with charts and tables
 * (/trygghetsundersokning/SLUG), the full tables as CSV (…/resultat.csv), the
 * methods page (/trygghetsundersokning/metod), and the staff's raking report
 * (/personal/trygghetsundersokning/ID/vikter), and the figures handed to the
 * lägesbild (/personal/lagesbild/trygghetsundersokning).
 *
 * A round's results are public once it is published; before that only a
 * samordnare or admin may preview them (marked as a preview). A figure that
 * rests on fewer answers than the round's min_n is never written: pages show
 * "–" with the reason, the CSV leaves its numbers empty and says so. Every
 * chart (svg.c) sits beside a table holding the same numbers.
 */
#include "survey/survey.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "areas/area.h"
#include "core/util.h"
#include "pages/pages.h"
#include "survey/svg.h"
#include "web/web.h"

#define PUBLIC_PATH "/trygghetsundersokning"
#define STAFF_PATH "/personal/trygghetsundersokning"
#define MANAGER_ROLES (ROLE_SAMORDNARE | ROLE_ADMIN)
#define SUPPRESSED_MARK "–"

/* The verdicts in plain Swedish (enum survey_verdict). */
static const char *const verdict_text[SURVEY_VERDICT__MAX] = {
	N_("ingen säker skillnad"),
	N_("tydligt högre"),
	N_("tydligt lägre"),
	N_("kan inte jämföras"),
};

/* Trygg's indices: name, title and formula in plain Swedish. */
static const struct {
	const char *name;
	const char *title;
	const char *formula;
} index_texts[] = {
	{ SURVEY_INDEX_NAME_PROBLEM, N_("Problemindex"),
	  N_("Vägt medelvärde av svaren på skalan 0–6: Nej och Ja, men inte ett problem = 0, Ja, till viss del = 3, "
	     "Ja, till stor del = 6. Vet inte och tomma svar räknas inte.") },
	{ SURVEY_INDEX_NAME_PROBLEM_TOTAL, N_("Problemindex totalt"),
	  N_("Medelvärdet av problemindexen för alla problemfrågor (0–6, lägre är bättre).") },
	{ SURVEY_INDEX_NAME_UNSAFETY, N_("Otrygghetsindex"),
	  N_("Vägd andel som svarar ganska otrygg, mycket otrygg eller går aldrig ut på grund av otrygghet på "
	     "frågan om att gå ut ensam sent en kväll.") },
	{ SURVEY_INDEX_NAME_VICTIMISATION, N_("Utsatthet för brott"),
	  N_("Vägd andel som utsatts för minst ett av brotten de senaste 12 månaderna.") },
	{ SURVEY_INDEX_NAME_REPORTING, N_("Anmälningsbenägenhet"),
	  N_("Anmälda brott delat med brott som de svarande utsatts för (vägda summor).") },
};

static int index_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(index_texts); i++)
		if (strcmp(index_texts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool lang_en(http_req *r)
{
	return strcmp(web(r)->lang, "en") == 0;
}

/* A number as people read it: "34 %" or "2,1" (Swedish decimal comma). */
static const char *number_text(http_req *r, double v, bool share)
{
	buf b = BUF_INIT;
	svg_chart ch = { .percent = share, .decimal_comma = !lang_en(r), .suppressed = SUPPRESSED_MARK };
	svg_format(&b, &ch, v);
	const char *out = arena_strdup(r->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

static const char *domain_label(http_req *r, const survey_result_domain *d)
{
	return d->kind == SURVEY_DOMAIN_ALL ? T(r, "Hela kommunen") : lang_en(r) ? d->label_en : d->label_sv;
}

static const char *item_label(http_req *r, const survey_results *res, const char *code)
{
	const survey_item *it = res->q ? survey_item_find(res->q, code) : NULL;
	return it ? survey_text_get(&it->text, web(r)->lang) : code;
}

/* The code of the round's evening question (role unsafety), whose index is
 * the unsafety index; "" when the questionnaire has none. */
static const char *unsafety_item(const survey_results *res)
{
	for (size_t i = 0; res->q && i < res->q->item_count; i++)
		if (res->q->items[i].role == SURVEY_ROLE_UNSAFETY)
			return res->q->items[i].code;
	return "";
}

/* A figure for the templates: text, interval, n, effective n, verdicts. */
static json_t *figure_json(http_req *r, const survey_figure *f)
{
	json_t *o = json_object();
	bool shown = f && f->e.status == SURVEY_ESTIMATE_OK;
	json_object_set_new(o, "suppressed", json_boolean(!shown));
	json_object_set_new(o, "text", json_string(shown ? number_text(r, f->e.value, f->is_share) : SUPPRESSED_MARK));
	if (shown) {
		json_object_set_new(o, "ci", json_string(arena_printf(r->arena, "%s–%s", number_text(r, f->e.ci_low, f->is_share),
		                                                       number_text(r, f->e.ci_high, f->is_share))));
		json_object_set_new(o, "n_eff", json_string(number_text(r, f->e.n_effective, false)));
	}
	if (f) {
		json_object_set_new(o, "n", json_integer((json_int_t)f->e.n));
		if (f->previous.verdict != SURVEY_NOT_COMPARABLE)
			json_object_set_new(o, "previous", json_string(T(r, verdict_text[f->previous.verdict])));
		if (f->versus_all.verdict != SURVEY_NOT_COMPARABLE)
			json_object_set_new(o, "versus_all", json_string(T(r, verdict_text[f->versus_all.verdict])));
	}
	return o;
}

/* For arena_defer(): the request's hold on a round's results ends with it. */
static void release_results(void *results)
{
	survey_results_release(results);
}

static bool may_preview(http_req *r)
{
	return web(r)->user != NULL && web_has_role(r, MANAGER_ROLES);
}

/* Loads the published round called slug (or any round for a manager). Returns
 * 1 with *res, or an HTTP status to answer with. */
static int load_round(http_req *r, const char *slug, survey_results **res)
{
	arena *a = r->arena;
	survey_round round;
	int found = survey_round_get(web_db(r), a, 0, slug, &round);
	if (found < 0)
		return 500;
	if (found == 0 || (round.status != SURVEY_ROUND_PUBLISHED && !may_preview(r)))
		return 404;
	int got = survey_results_get(web_db(r), round.id, res);
	if (got < 0)
		return 500;
	if (got == 0)
		return 404;
	arena_defer(a, release_results, *res);
	return 1;
}

/* ---- the list of rounds ---- */

typedef struct list_ctx {
	http_req *r;
	json_t *published, *open;
} list_ctx;

static int list_round(void *ud, const survey_round *round)
{
	list_ctx *x = ud;
	http_req *r = x->r;
	const char *title = lang_en(r) && *round->title_en ? round->title_en : round->title_sv;
	json_t *o = json_object();
	json_object_set_new(o, "title", json_string(title));
	json_object_set_new(o, "year", json_integer(round->year));
	json_object_set_new(o, "generated", json_boolean(round->generated));
	if (round->status == SURVEY_ROUND_PUBLISHED) {
		json_object_set_new(o, "href", json_string(arena_printf(r->arena, PUBLIC_PATH "/%s", round->slug)));
		json_array_append_new(x->published, o);
	} else if (survey_round_accepting(round, web_now())) {
		json_object_set_new(o, "href", json_string(arena_printf(r->arena, PUBLIC_PATH "/%s/svara", round->slug)));
		json_array_append_new(x->open, o);
	} else {
		json_decref(o);
	}
	return 0;
}

/* GET /trygghetsundersokning */
static int rounds_page(http_req *r)
{
	list_ctx x = { r, json_array(), json_array() };
	json_t *d = json_object();
	json_object_set_new(d, "published", x.published);
	json_object_set_new(d, "open", x.open);
	json_object_set_new(d, "title", json_string(T(r, "Trygghetsundersökningen")));
	if (survey_round_list(web_db(r), list_round, &x) != 0) {
		json_decref(d);
		return 500;
	}
	json_object_set_new(d, "has_open", json_boolean(json_array_size(x.open) > 0));
	return web_render(r, 200, "survey/results_index", d);
}

/* ---- one round's results ---- */

static const char *round_title(http_req *r, const survey_round *round)
{
	return lang_en(r) && *round->title_en ? round->title_en : round->title_sv;
}

/* The approved free texts of the round (their public version), at most limit. */
static const char SQL_PUBLIC_TEXTS[] =
	"SELECT a.item_code, COALESCE(NULLIF(a.text_public, ''), a.value_text) FROM survey_answers a "
	"JOIN survey_responses s ON s.id = a.response_id "
	"WHERE s.round_id = ? AND s.status = 'complete' AND a.text_review = 'approved' "
	"ORDER BY a.reviewed_at DESC, a.id DESC LIMIT 30";

static json_t *public_texts(http_req *r, const survey_results *res)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(web_db(r), SQL_PUBLIC_TEXTS);
	if (s == NULL)
		return list;
	db_bind_int(s, 1, res->round.id);
	while (db_step(s) == DB_ROW) {
		const char *text = db_column_text(s, 1);
		if (text == NULL || *text == '\0')
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "question", json_string(item_label(r, res, db_column_text(s, 0))));
		json_object_set_new(o, "text", json_string(text));
		json_array_append_new(list, o);
	}
	return list;
}

/* Place answers counted per area (never single points). */
static const char SQL_PLACES[] =
	"SELECT a.area_id, COUNT(*) FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id "
	"WHERE s.round_id = ? AND s.status = 'complete' AND a.area_id IS NOT NULL AND a.area_id > 0 "
	"AND a.item_code = ? GROUP BY a.area_id";

static json_t *place_counts(http_req *r, const survey_results *res, const char *item)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(web_db(r), SQL_PLACES);
	if (s == NULL)
		return list;
	db_bind_int(s, 1, res->round.id);
	db_bind_text(s, 2, item);
	while (db_step(s) == DB_ROW) {
		int64_t area_id = db_column_int(s, 0);
		int64_t count = db_column_int(s, 1);
		for (size_t d = 0; d < res->domain_count; d++)
			if (res->domains[d].kind == SURVEY_DOMAIN_AREA && res->domains[d].area_id == area_id) {
				json_t *o = json_object();
				json_object_set_new(o, "area", json_string(domain_label(r, &res->domains[d])));
				/* counts under min_n are shown as "fewer than" */
				if (count < res->round.min_n)
					json_object_set_new(o, "count", json_string(arena_printf(r->arena, "< %d", res->round.min_n)));
				else
					json_object_set_new(o, "count", json_string(arena_printf(r->arena, "%lld", (long long)count)));
				json_array_append_new(list, o);
			}
	}
	return list;
}

static const char *chart_html(http_req *r, const svg_chart *ch, const svg_value *v, size_t n, bool trend)
{
	buf b = BUF_INIT;
	if (trend)
		svg_trend_chart(&b, ch, v, n);
	else
		svg_bar_chart(&b, ch, v, n);
	const char *out = arena_strdup(r->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* One headline figure: an index with its formula, or a trust item's share. */
static void headline_add(http_req *r, json_t *list, const survey_results *res, const char *item, const char *index)
{
	const survey_figure *f = survey_results_find(res, item, "", index, 0);
	if (f == NULL)
		return;
	json_t *o = figure_json(r, f);
	int k = index_number(index);
	const char *label = k >= 0 ? T(r, index_texts[k].title) : item_label(r, res, item);
	json_object_set_new(o, "label", json_string(label));
	if (k >= 0)
		json_object_set_new(o, "formula", json_string(T(r, index_texts[k].formula)));
	else
		json_object_set_new(o, "formula", json_string(f->is_share ? T(r, "Vägd andel som instämmer helt eller delvis.")
		                                                          : T(r, "Vägt medelvärde av svarens poäng på frågans skala (Vet inte räknas inte).")));
	json_array_append_new(list, o);
}

/* The trend of one total index over the published rounds up to this one. */
typedef struct trend_ctx {
	int year;
	int64_t this_id;
	size_t count;
	int64_t ids[32];
} trend_ctx;

static int trend_round(void *ud, const survey_round *round)
{
	trend_ctx *t = ud;
	if (t->count < ARRAY_LEN(t->ids) && round->year <= t->year &&
	    (round->status == SURVEY_ROUND_PUBLISHED || round->id == t->this_id))
		t->ids[t->count++] = round->id;
	return 0;
}

static json_t *trends(http_req *r, const survey_results *res)
{
	json_t *list = json_array();
	trend_ctx t = { res->round.year, res->round.id, 0, { 0 } };
	if (survey_round_list(web_db(r), trend_round, &t) != 0 || t.count < 2)
		return list;
	static const char *const shown[] = { SURVEY_INDEX_NAME_UNSAFETY, SURVEY_INDEX_NAME_VICTIMISATION,
	                                     SURVEY_INDEX_NAME_PROBLEM_TOTAL, SURVEY_INDEX_NAME_REPORTING };
	survey_results *rounds[ARRAY_LEN(t.ids)] = { 0 };
	size_t have = 0;
	/* oldest first */
	for (size_t i = t.count; i-- > 0;) {
		survey_results *x = NULL;
		if (survey_results_get(web_db(r), t.ids[i], &x) > 0)
			rounds[have++] = x;
	}
	for (size_t k = 0; k < ARRAY_LEN(shown); k++) {
		svg_value v[ARRAY_LEN(t.ids)];
		json_t *rows = json_array();
		bool share = true;
		double max = 0;
		size_t n = 0;
		for (size_t i = 0; i < have; i++) {
			const char *item = strcmp(shown[k], SURVEY_INDEX_NAME_UNSAFETY) == 0 ? unsafety_item(res) : "";
			const survey_figure *f = rounds[i]->ok ? survey_results_find(rounds[i], item, "", shown[k], 0) : NULL;
			if (f == NULL)
				continue;
			share = f->is_share;
			bool ok = f->e.status == SURVEY_ESTIMATE_OK;
			v[n].label = arena_printf(r->arena, "%d", rounds[i]->round.year);
			v[n].value = ok ? f->e.value : NAN;
			v[n].low = ok ? f->e.ci_low : NAN;
			v[n].high = ok ? f->e.ci_high : NAN;
			if (ok && f->e.ci_high > max)
				max = f->e.ci_high;
			n++;
			json_t *row = figure_json(r, f);
			json_object_set_new(row, "year", json_integer(rounds[i]->round.year));
			json_array_append_new(rows, row);
		}
		if (n < 2) {
			json_decref(rows);
			continue;
		}
		int idx = index_number(shown[k]);
		svg_chart ch = {
			.id = arena_printf(r->arena, "trend-%s", shown[k]),
			.title = arena_printf(r->arena, "%s %s", T(r, index_texts[idx].title), T(r, "över tid")),
			.desc = T(r, "Värdet för varje undersökningsår med 95 % konfidensintervall. Samma siffror finns i tabellen under diagrammet."),
			.max = share ? (max > 0.5 ? 1 : max > 0.25 ? 0.5 : 0.25) : (max > 3 ? 6 : 3),
			.percent = share,
			.decimal_comma = !lang_en(r),
			.suppressed = SUPPRESSED_MARK,
		};
		json_t *o = json_object();
		json_object_set_new(o, "title", json_string(ch.title));
		json_object_set_new(o, "chart_html", json_string(chart_html(r, &ch, v, n, true)));
		json_object_set_new(o, "rows", rows);
		json_array_append_new(list, o);
	}
	for (size_t i = 0; i < have; i++)
		survey_results_release(rounds[i]);
	return list;
}

/* The problem indices per area for static/js/survey_map.js:
 * {"items": [{"label", "max", "areas": {"AREA_ID": {"v", "t"}}}]}; a
 * suppressed figure has no "v" and "t" is the dash. */
static const char *map_values(http_req *r, const survey_results *res)
{
	json_t *items = json_array();
	for (size_t i = 0; i < res->q->item_count; i++) {
		const survey_item *it = &res->q->items[i];
		if (it->role != SURVEY_ROLE_PROBLEM)
			continue;
		json_t *o = json_object(), *areas = json_object();
		json_object_set_new(o, "label", json_string(survey_text_get(&it->text, web(r)->lang)));
		json_object_set_new(o, "max", json_integer(6));
		for (size_t dd = 0; dd < res->domain_count; dd++) {
			if (res->domains[dd].kind != SURVEY_DOMAIN_AREA)
				continue;
			const survey_figure *f = survey_results_find(res, it->code, "", SURVEY_INDEX_NAME_PROBLEM, dd);
			if (f == NULL)
				continue;
			json_t *a = json_object();
			bool ok = f->e.status == SURVEY_ESTIMATE_OK;
			if (ok)
				json_object_set_new(a, "v", json_real(f->e.value));
			json_object_set_new(a, "t", json_string(ok ? number_text(r, f->e.value, false) : SUPPRESSED_MARK));
			json_object_set_new(areas, arena_printf(r->arena, "%lld", (long long)res->domains[dd].area_id), a);
		}
		json_object_set_new(o, "areas", areas);
		json_array_append_new(items, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "items", items);
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	const char *out = arena_strdup(r->arena, text ? text : "{}");
	free(text);
	return out;
}

/* The problem items: a bar chart for the whole municipality and a table per area. */
static void problem_section(http_req *r, const survey_results *res, json_t *d)
{
	svg_value bars[SURVEY_ITEMS_MAX];
	size_t n = 0;
	json_t *rows = json_array(), *head = json_array();
	for (size_t dd = 0; dd < res->domain_count; dd++)
		if (res->domains[dd].kind == SURVEY_DOMAIN_ALL || res->domains[dd].kind == SURVEY_DOMAIN_AREA)
			json_array_append_new(head, json_string(domain_label(r, &res->domains[dd])));
	for (size_t i = 0; i < res->q->item_count && n < ARRAY_LEN(bars); i++) {
		const survey_item *it = &res->q->items[i];
		if (it->role != SURVEY_ROLE_PROBLEM)
			continue;
		const survey_figure *f = survey_results_find(res, it->code, "", SURVEY_INDEX_NAME_PROBLEM, 0);
		if (f == NULL)
			continue;
		bool ok = f->e.status == SURVEY_ESTIMATE_OK;
		bars[n].label = survey_text_get(&it->text, web(r)->lang);
		bars[n].value = ok ? f->e.value : NAN;
		bars[n].low = ok ? f->e.ci_low : NAN;
		bars[n].high = ok ? f->e.ci_high : NAN;
		n++;
		json_t *row = json_object(), *cells = json_array();
		json_object_set_new(row, "label", json_string(bars[n - 1].label));
		for (size_t dd = 0; dd < res->domain_count; dd++) {
			if (res->domains[dd].kind != SURVEY_DOMAIN_ALL && res->domains[dd].kind != SURVEY_DOMAIN_AREA)
				continue;
			json_array_append_new(cells, figure_json(r, survey_results_find(res, it->code, "",
			                                                                  SURVEY_INDEX_NAME_PROBLEM, dd)));
		}
		json_object_set_new(row, "cells", cells);
		json_array_append_new(rows, row);
	}
	if (n == 0) {
		json_decref(rows);
		json_decref(head);
		return;
	}
	svg_chart ch = {
		.id = "problem-chart",
		.title = T(r, "Problemindex per fråga, hela kommunen (0–6)"),
		.desc = T(r, "Staplar med 95 % konfidensintervall; lägre är bättre. Tabellen under diagrammet har samma siffror och siffrorna per område."),
		.max = 6,
		.decimal_comma = !lang_en(r),
		.suppressed = SUPPRESSED_MARK,
	};
	json_t *o = json_object();
	json_object_set_new(o, "chart_html", json_string(chart_html(r, &ch, bars, n, false)));
	json_object_set_new(o, "head", head);
	json_t *map = area_map_json(r);
	json_object_set_new(map, "label", json_string(T(r, "Karta över problemindex per område. Samma siffror finns i tabellen.")));
	json_object_set_new(d, "map", map);
	json_object_set_new(d, "map_values", json_string(map_values(r, res)));
	json_object_set_new(o, "rows", rows);
	json_object_set_new(d, "problems", o);
}

/* Unsafety, victimisation, reporting and the total problem index per group. */
static void group_section(http_req *r, const survey_results *res, json_t *d)
{
	const struct {
		const char *item, *index;
	} cols[] = {
		{ unsafety_item(res), SURVEY_INDEX_NAME_UNSAFETY },
		{ "", SURVEY_INDEX_NAME_VICTIMISATION },
		{ "", SURVEY_INDEX_NAME_REPORTING },
		{ "", SURVEY_INDEX_NAME_PROBLEM_TOTAL },
	};
	json_t *head = json_array(), *rows = json_array();
	for (size_t c = 0; c < ARRAY_LEN(cols); c++)
		json_array_append_new(head, json_string(T(r, index_texts[index_number(cols[c].index)].title)));
	svg_value bars[256];
	size_t nb = 0;
	for (size_t dd = 0; dd < res->domain_count; dd++) {
		json_t *row = json_object(), *cells = json_array();
		json_object_set_new(row, "label", json_string(domain_label(r, &res->domains[dd])));
		for (size_t c = 0; c < ARRAY_LEN(cols); c++)
			json_array_append_new(cells, figure_json(r, survey_results_find(res, cols[c].item, "", cols[c].index, dd)));
		json_object_set_new(row, "cells", cells);
		json_array_append_new(rows, row);
		const survey_figure *f = survey_results_find(res, cols[0].item, "", SURVEY_INDEX_NAME_UNSAFETY, dd);
		if (f && (res->domains[dd].kind == SURVEY_DOMAIN_ALL || res->domains[dd].kind == SURVEY_DOMAIN_AREA) &&
		    nb < ARRAY_LEN(bars)) {
			bool ok = f->e.status == SURVEY_ESTIMATE_OK;
			bars[nb].label = domain_label(r, &res->domains[dd]);
			bars[nb].value = ok ? f->e.value : NAN;
			bars[nb].low = ok ? f->e.ci_low : NAN;
			bars[nb].high = ok ? f->e.ci_high : NAN;
			nb++;
		}
	}
	json_object_set_new(d, "group_head", head);
	json_object_set_new(d, "groups", rows);
	if (nb > 0) {
		svg_chart ch = {
			.id = "unsafety-chart",
			.title = T(r, "Otrygghetsindex per område"),
			.desc = T(r, "Staplar med 95 % konfidensintervall. Tabellen under diagrammet har samma siffror."),
			.max = 0.5,
			.percent = true,
			.decimal_comma = !lang_en(r),
			.suppressed = SUPPRESSED_MARK,
		};
		for (size_t i = 0; i < nb; i++)
			if (!isnan(bars[i].high) && bars[i].high > ch.max)
				ch.max = 1;
		json_object_set_new(d, "unsafety_chart_html", json_string(chart_html(r, &ch, bars, nb, false)));
	}
}

/* Every other single item: the shares of its options for the whole municipality. */
static json_t *item_tables(http_req *r, const survey_results *res)
{
	json_t *list = json_array();
	for (size_t i = 0; i < res->q->item_count; i++) {
		const survey_item *it = &res->q->items[i];
		if (it->type != SURVEY_SINGLE || it->role == SURVEY_ROLE_BACKGROUND)
			continue;
		json_t *o = json_object(), *rows = json_array();
		json_object_set_new(o, "label", json_string(survey_text_get(&it->text, web(r)->lang)));
		json_object_set_new(o, "code", json_string(it->code));
		for (size_t k = 0; k < it->scale->option_count; k++) {
			const survey_option *op = &it->scale->options[k];
			json_t *row = figure_json(r, survey_results_find(res, it->code, op->key, "", 0));
			json_object_set_new(row, "label", json_string(survey_text_get(&op->label, web(r)->lang)));
			json_array_append_new(rows, row);
		}
		json_object_set_new(o, "rows", rows);
		json_array_append_new(list, o);
	}
	return list;
}

/* GET /trygghetsundersokning/{slug} */
static int results_page(http_req *r)
{
	survey_results *res = NULL;
	int st = load_round(r, http_param(r, "slug"), &res);
	if (st != 1)
		return st == 404 ? web_error(r, 404, T(r, "Det finns inga publicerade resultat med den adressen.")) : st;
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(round_title(r, &res->round)));
	json_object_set_new(d, "year", json_integer(res->round.year));
	json_object_set_new(d, "generated", json_boolean(res->round.generated));
	json_object_set_new(d, "preview", json_boolean(res->round.status != SURVEY_ROUND_PUBLISHED));
	json_object_set_new(d, "respondents", json_integer((json_int_t)res->n));
	json_object_set_new(d, "min_n", json_integer(res->round.min_n));
	json_object_set_new(d, "csv_href", json_string(arena_printf(r->arena, PUBLIC_PATH "/%s/resultat.csv", res->round.slug)));
	if (res->previous_round_id)
		json_object_set_new(d, "previous_year", json_integer(res->previous_year));
	if (!res->ok) {
		json_object_set_new(d, "unavailable", json_true());
		if (may_preview(r))
			json_object_set_new(d, "weights_href",
			                    json_string(arena_printf(r->arena, STAFF_PATH "/%lld/vikter", (long long)res->round.id)));
		return web_render(r, 200, "survey/results", d);
	}
	json_t *heads = json_array();
	headline_add(r, heads, res, unsafety_item(res), SURVEY_INDEX_NAME_UNSAFETY);
	headline_add(r, heads, res, "", SURVEY_INDEX_NAME_VICTIMISATION);
	headline_add(r, heads, res, "", SURVEY_INDEX_NAME_REPORTING);
	headline_add(r, heads, res, "", SURVEY_INDEX_NAME_PROBLEM_TOTAL);
	for (size_t i = 0; i < res->q->item_count; i++)
		if (res->q->items[i].role == SURVEY_ROLE_TRUST)
			headline_add(r, heads, res, res->q->items[i].code, "");
	json_object_set_new(d, "headline", heads);
	problem_section(r, res, d);
	group_section(r, res, d);
	json_object_set_new(d, "trends", trends(r, res));
	json_object_set_new(d, "items", item_tables(r, res));
	json_object_set_new(d, "texts", public_texts(r, res));
	for (size_t i = 0; i < res->q->item_count; i++)
		if (res->q->items[i].type == SURVEY_PLACE) {
			json_t *places = place_counts(r, res, res->q->items[i].code);
			json_object_set_new(d, "has_places", json_boolean(json_array_size(places) > 0));
			json_object_set_new(d, "places", places);
			break;
		}
	return web_render(r, 200, "survey/results", d);
}

/* ---- CSV ---- */

static void csv_field(buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void csv_number(buf *b, double v, bool shown)
{
	if (shown && !isnan(v))
		buf_printf(b, "%.6f", v);
}

/* GET /trygghetsundersokning/{slug}/resultat.csv — every figure, one a row. */
static int results_csv(http_req *r)
{
	survey_results *res = NULL;
	int st = load_round(r, http_param(r, "slug"), &res);
	if (st != 1)
		return st == 404 ? web_error(r, 404, T(r, "Det finns inga publicerade resultat med den adressen.")) : st;
	if (!res->ok)
		return web_error(r, 409, T(r, "Resultaten för omgången kan inte räknas fram ännu."));
	static const char *const kinds[SURVEY_DOMAIN__MAX] = { "all", "age_group", "sex", "area" };
	buf *b = &r->body;
	buf_puts(b, "\xEF\xBB\xBF");
	buf_puts(b, "item,option,index,domain_type,domain,domain_name,value,se,ci_low,ci_high,n,n_effective,"
	            "suppressed,change_since_previous\r\n");
	for (size_t i = 0; i < res->figure_count; i++) {
		const survey_figure *f = &res->figures[i];
		const survey_result_domain *dm = &res->domains[f->domain];
		bool shown = f->e.status == SURVEY_ESTIMATE_OK;
		const char *texts[] = { f->item, f->option, f->index, kinds[dm->kind], dm->key, domain_label(r, dm) };
		for (size_t k = 0; k < ARRAY_LEN(texts); k++) {
			csv_field(b, texts[k]);
			buf_putc(b, ',');
		}
		const double numbers[] = { f->e.value, f->e.se, f->e.ci_low, f->e.ci_high };
		for (size_t k = 0; k < ARRAY_LEN(numbers); k++) {
			if (k)
				buf_putc(b, ',');
			csv_number(b, numbers[k], shown);
		}
		buf_printf(b, ",%zu,", f->e.n);
		csv_number(b, f->e.n_effective, shown);
		buf_printf(b, ",%d,", shown ? 0 : 1);
		if (f->previous.verdict != SURVEY_NOT_COMPARABLE)
			csv_field(b, survey_verdict_text(f->previous.verdict));
		buf_puts(b, "\r\n");
	}
	r->content_type = "text/csv; charset=utf-8; header=present";
	http_set_header(r, "Content-Disposition",
	                arena_printf(r->arena, "attachment; filename=\"trygghetsundersokning-%s.csv\"", res->round.slug));
	return 200;
}

/* ---- methods ---- */

typedef struct methods_ctx {
	http_req *r;
	json_t *rounds;
} methods_ctx;

static json_t *report_json(http_req *r, const survey_results *res)
{
	json_t *o = json_object();
	const survey_rake_report *rep = &res->report;
	json_object_set_new(o, "respondents", json_integer((json_int_t)res->n));
	json_object_set_new(o, "weighted", json_boolean(res->weighted));
	json_object_set_new(o, "converged", json_boolean(rep->converged));
	json_object_set_new(o, "iterations", json_integer(rep->iterations));
	json_object_set_new(o, "total_iterations", json_integer(rep->total_iterations));
	json_object_set_new(o, "weight_min", json_string(arena_printf(r->arena, "%.3f", rep->weight_min)));
	json_object_set_new(o, "weight_max", json_string(arena_printf(r->arena, "%.3f", rep->weight_max)));
	json_object_set_new(o, "weight_mean", json_string(arena_printf(r->arena, "%.3f", rep->weight_mean)));
	json_object_set_new(o, "weight_ratio", json_string(arena_printf(r->arena, "%.2f", rep->weight_ratio)));
	json_object_set_new(o, "design_effect", json_string(arena_printf(r->arena, "%.3f", rep->design_effect)));
	json_object_set_new(o, "n_effective", json_string(arena_printf(r->arena, "%.1f", rep->n_effective)));
	json_object_set_new(o, "trimmed", json_boolean(rep->trimmed));
	json_object_set_new(o, "trimmed_count", json_integer((json_int_t)rep->trimmed_count));
	json_object_set_new(o, "trim_upper", json_string(arena_printf(r->arena, "%.2f", res->round.trim_upper)));
	json_object_set_new(o, "totals_rescaled", json_boolean(rep->totals_rescaled));
	json_object_set_new(o, "margins", json_string(res->round.margins));
	json_object_set_new(o, "min_n", json_integer(res->round.min_n));
	return o;
}

static int methods_round(void *ud, const survey_round *round)
{
	methods_ctx *x = ud;
	http_req *r = x->r;
	if (round->status != SURVEY_ROUND_PUBLISHED)
		return 0;
	survey_results *res = NULL;
	if (survey_results_get(web_db(r), round->id, &res) <= 0)
		return 0;
	json_t *o = res->have_report ? report_json(r, res) : json_object();
	json_object_set_new(o, "title", json_string(round_title(r, round)));
	json_object_set_new(o, "href", json_string(arena_printf(r->arena, PUBLIC_PATH "/%s", round->slug)));
	json_object_set_new(o, "generated", json_boolean(round->generated));
	const char *method = lang_en(r) && *round->method_en ? round->method_en : round->method_sv;
	if (*method) {
		buf b = BUF_INIT;
		if (page_markdown_render(method, strlen(method), &b) == 0)
			json_object_set_new(o, "method_html", json_string(buf_cstr(&b)));
		buf_free(&b);
	}
	survey_results_release(res);
	json_array_append_new(x->rounds, o);
	return 0;
}

/* GET /trygghetsundersokning/metod */
static int methods_page(http_req *r)
{
	methods_ctx x = { r, json_array() };
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Så görs trygghetsundersökningen")));
	json_object_set_new(d, "rounds", x.rounds);
	json_t *idx = json_array();
	for (size_t i = 0; i < ARRAY_LEN(index_texts); i++) {
		json_t *o = json_object();
		json_object_set_new(o, "title", json_string(T(r, index_texts[i].title)));
		json_object_set_new(o, "formula", json_string(T(r, index_texts[i].formula)));
		json_array_append_new(idx, o);
	}
	json_object_set_new(d, "indices", idx);
	if (survey_round_list(web_db(r), methods_round, &x) != 0) {
		json_decref(d);
		return 500;
	}
	return web_render(r, 200, "survey/methods", d);
}

/* ---- the staff's weights report ---- */

/* What went wrong with the weights, in plain Swedish (enum survey_error). */
static const char *const weight_problem_text[SURVEY_ERR__MAX] = {
	[SURVEY_OK] = N_("Inga problem."),
	[SURVEY_ERR_ARGUMENT] = N_("Omgången saknar svar, eller vikterna kan inte räknas fram med de marginaler som är angivna (kontrollera att varje bakgrundsfråga i marginalerna finns i enkäten)."),
	[SURVEY_ERR_BASE_WEIGHT] = N_("Ett svar har en grundvikt som inte är ett positivt tal."),
	[SURVEY_ERR_CATEGORY] = N_("Befolkningssiffrorna eller ett svar har en grupp som enkäten inte känner till, eller så saknar en svarande en bakgrundsuppgift som marginalerna behöver."),
	[SURVEY_ERR_POPULATION] = N_("Befolkningssiffror saknas eller är inte giltiga för marginalen."),
	[SURVEY_ERR_EMPTY_CELL] = N_("Det finns personer i befolkningen i cellen men inga svarande: slå ihop grupper eller samla in fler svar."),
	[SURVEY_ERR_CELL_NOT_IN_POPULATION] = N_("Det finns svarande i en cell som enligt befolkningssiffrorna är tom."),
	[SURVEY_ERR_MARGIN_TOTALS] = N_("Marginalernas totaler stämmer inte med varandra (de ska gälla samma befolkning)."),
	[SURVEY_ERR_NOT_CONVERGED] = N_("Viktningen nådde inte marginalerna inom det största antalet varv."),
	[SURVEY_ERR_TRIM_BOUNDS] = N_("Vikterna kunde inte hållas inom trimningsgränsen och samtidigt nå marginalerna: höj gränsen."),
	[SURVEY_ERR_CODE] = N_("Ett svar har en kod som inte finns på frågans skala."),
	[SURVEY_ERR_NOT_INDICATOR] = N_("Ett svar har en kod som inte finns på frågans skala."),
};

/* GET /personal/trygghetsundersokning/{id}/vikter */
static int weights_page(http_req *r)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return web_error(r, 404, T(r, "Omgången finns inte."));
	survey_results *res = NULL;
	int got = survey_results_get(web_db(r), id, &res);
	if (got < 0)
		return 500;
	if (got == 0)
		return web_error(r, 404, T(r, "Omgången finns inte."));
	arena_defer(r->arena, release_results, res);
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Vikter"), round_title(r, &res->round))));
	json_object_set_new(d, "round_href", json_string(arena_printf(r->arena, PUBLIC_PATH "/%s", res->round.slug)));
	json_object_set_new(d, "review_href", json_string(arena_printf(r->arena, STAFF_PATH "/%lld/fritext", (long long)id)));
	if (res->error != SURVEY_OK) {
		json_t *p = json_object();
		json_object_set_new(p, "message", json_string(T(r, weight_problem_text[res->error])));
		if (res->margin_name)
			json_object_set_new(p, "margin", json_string(res->margin_name));
		if (res->cell_name && *res->cell_name)
			json_object_set_new(p, "cell", json_string(res->cell_name));
		json_object_set_new(d, "problem", p);
	}
	if (res->have_report) {
		json_t *rep = report_json(r, res), *sweeps = json_array();
		for (int i = 0; i < res->report.iterations; i++) {
			json_t *s = json_object();
			json_object_set_new(s, "sweep", json_integer(i + 1));
			json_object_set_new(s, "error", json_string(arena_printf(r->arena, "%.3g", res->report.margin_error[i])));
			json_array_append_new(sweeps, s);
		}
		json_object_set_new(rep, "sweeps", sweeps);
		json_t *checks = json_array();
		for (size_t i = 0; i < res->check_count; i++) {
			const survey_margin_check *ch = &res->checks[i];
			json_t *o = json_object();
			json_object_set_new(o, "margin", json_string(ch->margin));
			json_object_set_new(o, "cell", json_string(ch->cell));
			json_object_set_new(o, "population", json_string(arena_printf(r->arena, "%.1f", ch->population)));
			json_object_set_new(o, "weighted", json_string(arena_printf(r->arena, "%.1f", ch->weighted)));
			json_object_set_new(o, "respondents", json_integer((json_int_t)ch->respondents));
			json_array_append_new(checks, o);
		}
		json_object_set_new(rep, "checks", checks);
		json_object_set_new(d, "report", rep);
	} else {
		json_object_set_new(d, "respondents", json_integer((json_int_t)res->n));
	}
	return web_render(r, 200, "survey/weights", d);
}

/* ---- the lägesbild's view of the survey ---- */

typedef struct lagesbild_ctx {
	http_req *r;
	json_t *rows;
} lagesbild_ctx;

static int lagesbild_row(void *ud, const survey_area_estimate *e)
{
	lagesbild_ctx *x = ud;
	http_req *r = x->r;
	json_t *o = json_object();
	int k = index_number(e->index);
	json_object_set_new(o, "year", json_integer(e->year));
	json_object_set_new(o, "round", json_string(e->round_slug));
	json_object_set_new(o, "area_id", json_integer(e->area_id));
	json_object_set_new(o, "item", json_string(e->item));
	json_object_set_new(o, "index", json_string(e->index));
	json_object_set_new(o, "index_title", json_string(k >= 0 ? T(r, index_texts[k].title) : e->index));
	json_object_set_new(o, "suppressed", json_boolean(e->suppressed));
	json_object_set_new(o, "n", json_integer((json_int_t)e->n));
	if (!e->suppressed) {
		json_object_set_new(o, "value", json_string(arena_printf(r->arena, "%.6f", e->value)));
		json_object_set_new(o, "ci_low", json_string(arena_printf(r->arena, "%.6f", e->ci_low)));
		json_object_set_new(o, "ci_high", json_string(arena_printf(r->arena, "%.6f", e->ci_high)));
	}
	json_array_append_new(x->rows, o);
	return 0;
}

/* GET /personal/lagesbild/trygghetsundersokning[?fran=YEAR&till=YEAR] — what
 * survey_lagesbild_estimates() gives the lägesbild, as a table for staff. */
static int lagesbild_page(http_req *r)
{
	int64_t from = 0, to = 0;
	const char *f = http_query(r, "fran"), *t = http_query(r, "till");
	if ((f && *f && (str_to_int64(f, &from) != 0 || from < 0 || from > 9999)) ||
	    (t && *t && (str_to_int64(t, &to) != 0 || to < 0 || to > 9999)))
		return web_error(r, 400, T(r, "Ange åren som fyrsiffriga tal."));
	lagesbild_ctx x = { r, json_array() };
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Trygghetsundersökningen i lägesbilden")));
	json_object_set_new(d, "rows", x.rows);
	if (survey_lagesbild_estimates(web_db(r), (int)from, (int)to, lagesbild_row, &x) != 0) {
		json_decref(d);
		return 500;
	}
	return web_render(r, 200, "survey/results_lagesbild", d);
}

const http_route survey_results_routes[] = {
	{ "GET", PUBLIC_PATH, rounds_page, 0, 0 },
	{ "GET", PUBLIC_PATH "/metod", methods_page, 0, 0 },
	{ "GET", PUBLIC_PATH "/{slug}", results_page, 0, 0 },
	{ "GET", PUBLIC_PATH "/{slug}/resultat.csv", results_csv, 0, 0 },
	{ "GET", STAFF_PATH "/{id}/vikter", weights_page, ROUTE_STAFF, MANAGER_ROLES },
	{ "GET", "/personal/lagesbild/trygghetsundersokning", lagesbild_page, ROUTE_STAFF,
	  MANAGER_ROLES | ROLE_POLIS },
};
const size_t survey_results_route_count = ARRAY_LEN(survey_results_routes);
