/*
 * demo.c — the demo survey rounds for Partille (see survey.h):
 *   "Trygghetsundersökning 2022" and "Trygghetsundersökning 2025", published,
 *   each with about 1,000 generated answers (labelled generated), and
 *   "Trygghetsundersökning 2026", open with an open link and no answers, so
 *   that a visitor can try answering.
 *
 * The questionnaire is the default question bank (data/survey/bank.json). The
 * answers come from a small model with a fixed seed, so every load gives the
 * same data:
 *   - who answers: residents 16–84 by area and age group in proportion to
 *     the population (data/demo/partille_population.csv), times a response
 *     rate that grows with age (25 % of the young, 60 % of the oldest), so
 *     the raw answers over-represent the old and weighting matters;
 *   - unsafety in the evening (about 25 %): higher for women and the oldest,
 *     higher in Partille centrum and Björndammen, lower in Öjersjö;
 *   - local problems: each item has its own level, shifted by the area;
 *   - victimisation (about 23 % at least once): higher for the young;
 *     reporting to the police about 35 % of incidents, varying by crime;
 *   - "the police care about the local problems": about 48 % agree;
 *   - 2025 is somewhat better than 2022 on unsafety, littering and graffiti,
 *     and worse on open drug dealing;
 *   - some free-text answers (every third approved, the rest pending
 *     review) and some places on the map, each inside the respondent's area.
 * The population margins are age_group and area (the data has no split by
 * sex); see data/demo/partille_population.md for the source.
 *
 * Everything is written in one transaction with multi-row inserts (the
 * responses, found again by their source_ref "demo-N", and the answers), so
 * that loading stays quick on PostgreSQL as well. Nothing is
 * done when the rounds exist.
 */
#include "survey/survey.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "areas/area.h"
#include "areas/geo.h"
#include "core/buf.h"
#include "core/util.h"
#include "survey/import.h"
#include "survey/questionnaire.h"
#include "survey/survey_store.h"

#define DEMO_RESPONDENTS 1000
#define ANSWER_BATCH 400
#define RESPONSE_BATCH 100
#define RESPONSE_PARAMS 7
#define ANSWER_PARAMS 9

/* Responses are inserted RESPONSE_BATCH at a time and found again by their
 * source_ref "demo-N"; answers ANSWER_BATCH at a time. The multi-row
 * statements repeat a fixed row of placeholders (built once, see survey_batch_sql()). */
static const char SQL_RESPONSE_HEAD[] =
	"INSERT INTO survey_responses (round_id, mode, status, area_id, base_weight, source_ref, started_at, "
	"submitted_at, updated_at) VALUES ";
static const char SQL_RESPONSE_ROW[] = "(?, ?, 'complete', ?, 1, ?, ?, ?, ?)";
static const char SQL_RESPONSE_ONE[] =
	"INSERT INTO survey_responses (round_id, mode, status, area_id, base_weight, source_ref, started_at, "
	"submitted_at, updated_at) VALUES (?, ?, 'complete', ?, 1, ?, ?, ?, ?)";
static const char SQL_RESPONSE_IDS[] = "SELECT id, source_ref FROM survey_responses WHERE round_id = ?";
static const char SQL_ANSWER_ONE[] =
	"INSERT INTO survey_answers (response_id, item_code, value_code, value_text, lat, lon, area_id, text_review, "
	"text_public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ANSWER_HEAD[] =
	"INSERT INTO survey_answers (response_id, item_code, value_code, value_text, lat, lon, area_id, text_review, "
	"text_public) VALUES ";
static const char SQL_ANSWER_ROW[] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* ---- a deterministic random source (splitmix64) ---- */

typedef struct rng {
	uint64_t state;
} rng;

static double rnd(rng *g)
{
	uint64_t z = (g->state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static double sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

static bool chance(rng *g, double p)
{
	return rnd(g) < p;
}

/* Picks an index by weights (n > 0, sum > 0). */
static size_t pick(rng *g, const double *w, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	double x = rnd(g) * sum;
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* ---- the model ---- */

static const char *const age_keys[4] = { "16-24", "25-44", "45-64", "65-84" };
static const double response_rate[4] = { 0.25, 0.35, 0.50, 0.60 };
static const double age_unsafe[4] = { -0.1, -0.3, 0.0, 0.6 };
static const double age_victim[4] = { 1.7, 1.0, 0.8, 0.5 };

/* Areas with more or fewer problems than the rest (by name; others 0). */
static const struct {
	const char *name;
	double effect;
} area_effects[] = {
	{ "Partille centrum", 0.9 },  { "Björndammen", 0.7 },        { "Oluff Nilssons väg", 0.35 },
	{ "Norra Sävedalen", 0.15 },  { "Furulund", -0.1 },          { "Västra Öjersjö", -0.8 },
	{ "Östra Öjersjö", -0.7 },    { "Brattåskärr", -0.4 },       { "Puketorp", -0.3 },
};

/* Each problem item's level (logit of "to some or a large extent"), and the change in 2025. */
static const struct {
	const char *code;
	double level, change;
} problem_levels[] = {
	{ "problem.nedskrapning", 0.2, -0.4 },   { "problem.skadegorelse", -0.6, -0.2 },
	{ "problem.klotter", -0.4, -0.5 },       { "problem.belysning", -0.2, -0.1 },
	{ "problem.ungdomar", -0.7, 0.0 },       { "problem.berusade", -1.0, 0.0 },
	{ "problem.narkotikahandel", -1.6, 0.6 },{ "problem.narkotikamissbrukare", -1.5, 0.3 },
	{ "problem.fortkorning", 0.5, -0.1 },    { "problem.buskorning", -0.3, 0.0 },
	{ "problem.gangvag", -0.2, 0.0 },        { "problem.felparkering", -0.1, 0.0 },
	{ "problem.brander", -2.2, 0.0 },        { "problem.brak", -1.8, 0.0 },
	{ "problem.grannar", -1.9, 0.0 },        { "problem.antastning", -2.0, 0.0 },
	{ "problem.tiggeri", -1.4, -0.3 },       { "problem.inbrott", -0.8, -0.2 },
	{ "problem.cykelstold", -0.5, 0.0 },
};

/* Each crime: the chance of being a victim (middle-aged, average area) and of reporting it. */
static const struct {
	const char *crime;
	double victim, reported;
} crimes[] = {
	{ "misshandel", 0.022, 0.40 }, { "hot", 0.045, 0.25 },        { "ran", 0.008, 0.60 },
	{ "ofredande", 0.035, 0.12 },  { "inbrott", 0.014, 0.85 },    { "cykelstold", 0.055, 0.35 },
	{ "bilstold", 0.022, 0.65 },   { "skadegorelse", 0.035, 0.35 },{ "bedrageri", 0.040, 0.55 },
};

static const char *const texts_tryggare[] = {
	"Bättre belysning på gångvägarna, särskilt vid tunneln.",
	"Fler vuxna ute på kvällarna.",
	"Att polisen syns mer i centrum.",
	"Klipp buskarna vid busshållplatsen så att man ser vem som står där.",
	"Mer aktiviteter för ungdomar på kvällstid.",
	"Att det städas oftare runt återvinningsstationen.",
	"Fartgupp på vägen förbi skolan.",
	"Grannsamverkan i vårt område.",
	"Att klotter tas bort snabbare.",
	"Kameror vid pendelparkeringen.",
};
static const char *const texts_bra[] = {
	"Nära till naturen och lugnt på kvällarna.",
	"Bra grannar som bryr sig.",
	"Nära till skolan och affären.",
	"Fina promenadstråk längs Säveån.",
	"Det känns tryggt, alla känner alla.",
};
static const char *const texts_place[] = {
	"Gångtunneln under vägen, mörkt på kvällen.",
	"Busshållplatsen sent på kvällen.",
	"Parkeringen bakom centrum.",
	"Stigen genom skogen till skolan.",
};

/* One respondent's circumstances. */
typedef struct person {
	size_t area;     /* index in the area list */
	int age;         /* 0–3 */
	int sex;         /* 1 kvinna, 2 man, 3 annat */
	double place;    /* area effect */
	bool later;      /* the 2025 round */
	bool unsafe;
	bool victim[ARRAY_LEN(crimes)];
} person;

static double area_effect(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(area_effects); i++)
		if (strcmp(area_effects[i].name, name) == 0)
			return area_effects[i].effect;
	return 0;
}

/* A scale's option code by key, or the first option's when there is none. */
static int code_of(const survey_item *it, const char *key)
{
	for (size_t i = 0; i < it->scale->option_count; i++)
		if (strcmp(it->scale->options[i].key, key) == 0)
			return it->scale->options[i].code;
	return it->scale->options[0].code;
}

/* Picks one of keys with weights (the keys must be on the item's scale). */
static int pick_key(rng *g, const survey_item *it, const char *const *keys, const double *w, size_t n)
{
	return code_of(it, keys[pick(g, w, n)]);
}

typedef struct demo_ctx {
	db_conn *c;
	arena *a;
	const survey_questionnaire *q;
	const survey_area_list *areas;
	rng g;
	/* the answers waiting for a multi-row insert */
	const char *batch_sql, *response_sql;
	size_t pending;
	int64_t resp[ANSWER_BATCH];
	survey_answer ans[ANSWER_BATCH];
	const char *review[ANSWER_BATCH];
	int texts;       /* free texts so far (every third approved) */
	geo_shape **shapes; /* [areas->count] parsed when first needed */
} demo_ctx;

static void bind_answer(db_stmt *s, int base, int64_t response_id, const survey_answer *a, const char *review)
{
	db_bind_int(s, base + 1, response_id);
	db_bind_text(s, base + 2, a->item_code);
	if (a->has_code)
		db_bind_int(s, base + 3, a->code);
	else
		db_bind_null(s, base + 3);
	if (a->text)
		db_bind_text(s, base + 4, a->text);
	else
		db_bind_null(s, base + 4);
	if (a->has_point) {
		db_bind_double(s, base + 5, a->lat);
		db_bind_double(s, base + 6, a->lon);
	} else {
		db_bind_null(s, base + 5);
		db_bind_null(s, base + 6);
	}
	if (a->area_id > 0)
		db_bind_int(s, base + 7, a->area_id);
	else
		db_bind_null(s, base + 7);
	if (review) {
		db_bind_text(s, base + 8, review);
		if (strcmp(review, "approved") == 0)
			db_bind_text(s, base + 9, a->text);
		else
			db_bind_null(s, base + 9);
	} else {
		db_bind_null(s, base + 8);
		db_bind_null(s, base + 9);
	}
}

/* Writes the waiting answers: one multi-row insert when the batch is full, else one by one. */
static int flush(demo_ctx *x)
{
	if (x->pending == 0)
		return 0;
	if (x->pending == ANSWER_BATCH) {
		db_stmt *s = db_prepare(x->c, x->batch_sql);
		if (s == NULL)
			return -1;
		for (size_t i = 0; i < x->pending; i++)
			bind_answer(s, (int)(i * ANSWER_PARAMS), x->resp[i], &x->ans[i], x->review[i]);
		if (db_step(s) != DB_DONE)
			return -1;
	} else {
		for (size_t i = 0; i < x->pending; i++) {
			db_stmt *s = db_prepare(x->c, SQL_ANSWER_ONE);
			if (s == NULL)
				return -1;
			bind_answer(s, 0, x->resp[i], &x->ans[i], x->review[i]);
			if (db_step(s) != DB_DONE)
				return -1;
		}
	}
	x->pending = 0;
	return 0;
}

static int queue(demo_ctx *x, int64_t response_id, const survey_answer *a)
{
	if (x->pending == ANSWER_BATCH && flush(x) != 0)
		return -1;
	const char *review = NULL;
	if (a->text != NULL)
		review = x->texts++ % 3 == 0 ? "approved" : "pending";
	x->resp[x->pending] = response_id;
	x->ans[x->pending] = *a;
	x->review[x->pending++] = review;
	return 0;
}

/* A point inside the area (tries random points in its box), or false. */
static bool point_in(demo_ctx *x, size_t index, double *lat, double *lon)
{
	const survey_area_ref *ar = &x->areas->items[index];
	if (x->shapes[index] == NULL) {
		json_error_t err;
		json_t *geometry = json_loads(ar->geometry, 0, &err);
		geo_shape *shape = arena_alloc(x->a, sizeof *shape);
		enum geo_problem problem;
		geo_where where;
		bool ok = geometry != NULL && geo_parse(x->a, geometry, shape, &problem, &where) == 0;
		json_decref(geometry);
		if (!ok)
			return false;
		x->shapes[index] = shape;
	}
	for (int i = 0; i < 40; i++) {
		double la = ar->bbox_s + rnd(&x->g) * (ar->bbox_n - ar->bbox_s);
		double lo = ar->bbox_w + rnd(&x->g) * (ar->bbox_e - ar->bbox_w);
		if (geo_shape_contains(x->shapes[index], lo, la)) {
			*lat = round(la * 1e5) / 1e5;
			*lon = round(lo * 1e5) / 1e5;
			return true;
		}
	}
	return false;
}

/* The answer of person p to item it (false: no answer). */
static bool answer_for(demo_ctx *x, const person *p, const survey_item *it, survey_answer *out)
{
	rng *g = &x->g;
	memset(out, 0, sizeof *out);
	out->item_code = it->code;
	out->has_code = true;
	const survey_area_ref *ar = &x->areas->items[p->area];
	switch (it->role) {
	case SURVEY_ROLE_BACKGROUND:
		if (it->type == SURVEY_AREA) {
			out->code = out->area_id = ar->id;
			return true;
		}
		if (it->type != SURVEY_SINGLE)
			return false;
		if (strcmp(it->background, "age_group") == 0) {
			out->code = code_of(it, age_keys[p->age]);
		} else if (strcmp(it->background, "sex") == 0) {
			out->code = code_of(it, p->sex == 1 ? "kvinna" : p->sex == 2 ? "man" : "annat");
		} else if (strcmp(it->background, "housing") == 0) {
			static const char *const k[] = { "villa", "hyresratt", "bostadsratt", "annat" };
			double w[] = { 0.45 - 0.2 * p->place, 0.25 + 0.2 * p->place, 0.25, 0.05 };
			out->code = pick_key(g, it, k, w, 4);
		} else if (strcmp(it->background, "years_in_area") == 0) {
			static const char *const k[] = { "under_2", "2-5", "6-10", "over_10" };
			double w[] = { 0.12, 0.22, 0.2, 0.3 + 0.15 * p->age };
			out->code = pick_key(g, it, k, w, 4);
		} else {
			out->code = it->scale->options[0].code;
		}
		return true;
	case SURVEY_ROLE_UNSAFETY: {
		static const char *const unsafe[] = { "ganska_otrygg", "mycket_otrygg", "ut_aldrig_otrygg" };
		static const char *const safe[] = { "mycket_trygg", "ganska_trygg", "ut_aldrig_annat" };
		static const double wu[] = { 0.62, 0.24, 0.14 }, ws[] = { 0.45, 0.51, 0.04 };
		out->code = p->unsafe ? pick_key(g, it, unsafe, wu, 3) : pick_key(g, it, safe, ws, 3);
		return true;
	}
	case SURVEY_ROLE_AVOID: {
		static const char *const k[] = { "mycket_ofta", "ganska_ofta", "sallan", "nej", "vet_ej" };
		double often = p->unsafe ? 0.45 : 0.08;
		double w[] = { often * 0.3, often * 0.7, 0.2, 0.75 - often, 0.03 };
		out->code = pick_key(g, it, k, w, 5);
		return true;
	}
	case SURVEY_ROLE_WORRY: {
		static const char *const k[] = { "mycket_ofta", "ganska_ofta", "sallan", "nej", "vet_ej" };
		double often = sigmoid(-1.9 + (p->unsafe ? 1.4 : 0) + (p->sex == 1 ? 0.3 : 0) + 0.2 * p->place);
		double w[] = { often * 0.3, often * 0.7, 0.35 * (1 - often), 0.6 * (1 - often), 0.05 * (1 - often) };
		out->code = pick_key(g, it, k, w, 5);
		return true;
	}
	case SURVEY_ROLE_PROBLEM: {
		double level = -0.8, change = 0;
		for (size_t i = 0; i < ARRAY_LEN(problem_levels); i++)
			if (strcmp(problem_levels[i].code, it->code) == 0) {
				level = problem_levels[i].level;
				change = problem_levels[i].change;
			}
		double yes = sigmoid(level + 1.1 * p->place + (p->later ? change : 0));
		static const char *const k[] = { "nej", "viss", "stor", "ej_problem", "vet_ej" };
		double w[] = { 0.88 * (1 - yes), yes * 0.68, yes * 0.32, 0.06 * (1 - yes), 0.06 };
		out->code = pick_key(g, it, k, w, 5);
		return true;
	}
	case SURVEY_ROLE_VICTIM:
	case SURVEY_ROLE_REPORTED:
		for (size_t i = 0; i < ARRAY_LEN(crimes); i++) {
			if (it->crime == NULL || strcmp(crimes[i].crime, it->crime) != 0)
				continue;
			if (it->role == SURVEY_ROLE_VICTIM) {
				out->code = code_of(it, p->victim[i] ? "ja" : "nej");
			} else {
				double w[] = { crimes[i].reported, 0.95 - crimes[i].reported, 0.05 };
				static const char *const k[] = { "ja", "nej", "vet_ej" };
				out->code = pick_key(g, it, k, w, 3);
			}
			return true;
		}
		return false;
	case SURVEY_ROLE_TRUST: {
		if (it->scale->option_count == 6) { /* confidence, 1–5 and don't know */
			static const char *const k[] = { "mycket_litet", "ganska_litet", "varken", "ganska_stort", "mycket_stort", "vet_ej" };
			static const double w[] = { 0.06, 0.12, 0.3, 0.33, 0.12, 0.07 };
			out->code = pick_key(g, it, k, w, 6);
		} else {
			static const char *const k[] = { "helt", "delvis", "inte_sarskilt", "inte_alls", "vet_ej" };
			bool police = strstr(it->code, "polis") != NULL;
			double agree = police ? 0.49 - 0.08 * p->place : 0.45;
			double w[] = { agree * 0.32, agree * 0.68, (0.88 - agree) * 0.65, (0.88 - agree) * 0.35, 0.12 };
			out->code = pick_key(g, it, k, w, 5);
		}
		return true;
	}
	case SURVEY_ROLE_OPEN:
		out->has_code = false;
		if (strstr(it->code, "bra") != NULL) {
			if (!chance(g, 0.08))
				return false;
			out->text = texts_bra[(size_t)(rnd(g) * ARRAY_LEN(texts_bra))];
		} else {
			if (!chance(g, 0.12 + 0.1 * p->unsafe))
				return false;
			out->text = texts_tryggare[(size_t)(rnd(g) * ARRAY_LEN(texts_tryggare))];
		}
		return true;
	case SURVEY_ROLE_PLACE:
		out->has_code = false;
		if (it->type != SURVEY_PLACE || !chance(g, p->unsafe ? 0.3 : 0.05))
			return false;
		if (!point_in(x, p->area, &out->lat, &out->lon))
			return false;
		out->has_point = true;
		out->area_id = ar->id;
		if (chance(g, 0.5))
			out->text = texts_place[(size_t)(rnd(g) * ARRAY_LEN(texts_place))];
		return true;
	default:
		return false;
	}
}

/* ---- population ---- */

typedef struct population {
	size_t count;
	size_t *area;     /* index in the area list */
	int *age;
	double *people;
} population;

/* Reads data/demo/partille_population.csv: the cells of areas that exist. */
static int population_read(const config *cfg, arena *a, const survey_area_list *areas, population *out)
{
	memset(out, 0, sizeof *out);
	char *path = arena_printf(a, "%s/data/demo/partille_population.csv", cfg->share_dir);
	buf b = BUF_INIT;
	if (buf_read_file(&b, path) != 0) {
		fprintf(stderr, "trygg: demo survey: cannot read %s\n", path);
		buf_free(&b);
		return -1;
	}
	survey_csv csv;
	enum survey_csv_error e = survey_csv_read(a, b.data ? b.data : "", b.len, 0, 0, &csv);
	buf_free(&b);
	if (e != SURVEY_CSV_OK || csv.header.field_count != 3)
		return -1;
	out->area = arena_alloc(a, (csv.row_count + 1) * sizeof *out->area);
	out->age = arena_alloc(a, (csv.row_count + 1) * sizeof *out->age);
	out->people = arena_alloc(a, (csv.row_count + 1) * sizeof *out->people);
	for (size_t i = 0; i < csv.row_count; i++) {
		const survey_csv_row *row = &csv.rows[i];
		double n;
		if (row->field_count != 3 || !survey_read_decimal(row->fields[2], &n))
			return -1;
		int64_t id = survey_area_list_lookup((void *)areas, row->fields[0]);
		int age = -1;
		for (int k = 0; k < 4; k++)
			if (strcmp(age_keys[k], row->fields[1]) == 0)
				age = k;
		if (id == 0 || age < 0)
			continue;
		for (size_t k = 0; k < areas->count; k++)
			if (areas->items[k].id == id)
				out->area[out->count] = k;
		out->age[out->count] = age;
		out->people[out->count++] = n;
	}
	return out->count > 0 ? 0 : -1;
}

/* Stores the margins age_group and area of pop for round_id. */
static int population_store(db_conn *c, arena *a, int64_t round_id, const survey_area_list *areas,
                            const population *pop, int64_t now)
{
	const char *age_cells[4];
	double age_counts[4] = { 0 };
	for (int k = 0; k < 4; k++)
		age_cells[k] = age_keys[k];
	const char **area_cells = arena_alloc(a, (areas->count + 1) * sizeof *area_cells);
	double *area_counts = arena_alloc(a, (areas->count + 1) * sizeof *area_counts);
	bool *used = arena_alloc(a, areas->count + 1);
	memset(area_counts, 0, (areas->count + 1) * sizeof *area_counts);
	memset(used, 0, areas->count + 1);
	for (size_t i = 0; i < pop->count; i++) {
		age_counts[pop->age[i]] += pop->people[i];
		area_counts[pop->area[i]] += pop->people[i];
		used[pop->area[i]] = true;
	}
	size_t n = 0;
	for (size_t k = 0; k < areas->count; k++)
		if (used[k]) {
			area_cells[n] = areas->items[k].code;
			area_counts[n++] = area_counts[k];
		}
	const char *source = "SCB 2022 via data/demo/partille_population.csv";
	if (survey_population_replace(c, round_id, "age_group", age_cells, age_counts, 4, source, now) != 0 ||
	    survey_population_replace(c, round_id, "area", area_cells, area_counts, n, source, now) != 0)
		return -1;
	return 0;
}

/* ---- the rounds ---- */

static const char METHOD_SV[] =
	"**Demodata.** Svaren i den här omgången är genererade av Trygg för att visa hur resultaten "
	"presenteras; de beskriver inte vad invånarna i Partille faktiskt tycker.\n\n"
	"Urvalet var tänkt som ett slumpmässigt urval av invånare 16–84 år. Svaren vägs (kalibreras) mot "
	"befolkningen efter åldersgrupp och område (SCB 2022), eftersom äldre svarar oftare än yngre.";
static const char METHOD_EN[] =
	"**Demo data.** The answers in this round are generated by Trygg to show how results are presented; "
	"they do not describe what the residents of Partille actually think.\n\n"
	"The sample is meant as a random sample of residents aged 16–84. The answers are weighted (calibrated) "
	"to the population by age group and area (Statistics Sweden 2022), since older people answer more often "
	"than younger.";

/* One generated response, before it is stored. */
typedef struct generated {
	const char *mode;
	int64_t area_id, at;
	size_t answer_count;
	survey_answer *answers;
} generated;

static void bind_response(db_stmt *s, int base, int64_t round_id, const generated *gr, const char *ref)
{
	db_bind_int(s, base + 1, round_id);
	db_bind_text(s, base + 2, gr->mode);
	db_bind_int(s, base + 3, gr->area_id);
	db_bind_text(s, base + 4, ref);
	db_bind_int(s, base + 5, gr->at);
	db_bind_int(s, base + 6, gr->at + 600);
	db_bind_int(s, base + 7, gr->at + 600);
}

/* Stores the responses (RESPONSE_BATCH at a time) and reads their ids into ids[]. */
static int store_responses(demo_ctx *x, int64_t round_id, const generated *gen, size_t n, int64_t *ids)
{
	for (size_t i = 0; i < n;) {
		bool full = n - i >= RESPONSE_BATCH;
		db_stmt *s = db_prepare(x->c, full ? x->response_sql : SQL_RESPONSE_ONE);
		if (s == NULL)
			return -1;
		size_t rows = full ? RESPONSE_BATCH : 1;
		for (size_t k = 0; k < rows; k++)
			bind_response(s, (int)(k * RESPONSE_PARAMS), round_id, &gen[i + k], arena_printf(x->a, "demo-%zu", i + k));
		if (db_step(s) != DB_DONE)
			return -1;
		i += rows;
	}
	db_stmt *s = db_prepare(x->c, SQL_RESPONSE_IDS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		const char *ref = db_column_text(s, 1);
		int64_t k;
		if (ref && strncmp(ref, "demo-", 5) == 0 && str_to_int64(ref + 5, &k) == 0 && k >= 0 && (size_t)k < n)
			ids[k] = db_column_int(s, 0);
	}
	return rc == DB_DONE ? 0 : -1;
}

/* Generates DEMO_RESPONDENTS responses for round_id and stores them. */
static int generate(demo_ctx *x, int64_t round_id, const population *pop, bool later, int64_t start)
{
	size_t cells = pop->count;
	double *w = arena_alloc(x->a, cells * sizeof *w);
	for (size_t i = 0; i < cells; i++)
		w[i] = pop->people[i] * response_rate[pop->age[i]];
	generated *gen = arena_alloc(x->a, DEMO_RESPONDENTS * sizeof *gen);
	for (int r = 0; r < DEMO_RESPONDENTS; r++) {
		person p = { 0 };
		size_t cell = pick(&x->g, w, cells);
		p.area = pop->area[cell];
		p.age = pop->age[cell];
		double sw[] = { 0.5, 0.48, 0.02 };
		p.sex = (int)pick(&x->g, sw, 3) + 1;
		p.place = area_effect(x->areas->items[p.area].name);
		p.later = later;
		p.unsafe = chance(&x->g, sigmoid(-1.25 + (p.sex == 1 ? 0.65 : p.sex == 2 ? -0.55 : 0) + age_unsafe[p.age] +
		                                 0.8 * p.place - (later ? 0.3 : 0)));
		for (size_t i = 0; i < ARRAY_LEN(crimes); i++)
			p.victim[i] = chance(&x->g, crimes[i].victim * age_victim[p.age] * exp(0.4 * p.place));

		survey_answer *answers = arena_alloc(x->a, x->q->item_count * sizeof *answers);
		size_t n = 0;
		for (size_t i = 0; i < x->q->item_count; i++) {
			const survey_item *it = &x->q->items[i];
			if (!survey_item_asked(x->q, it, answers, n))
				continue;
			if (answer_for(x, &p, it, &answers[n]))
				n++;
		}
		const char *bad = NULL;
		if (survey_answers_check(x->q, answers, n, &bad) != SURVEY_A_OK) {
			fprintf(stderr, "trygg: demo survey: a generated answer to %s is refused\n", bad ? bad : "?");
			return -1;
		}
		static const char *const modes[] = { "web", "paper", "phone" };
		static const double mw[] = { 0.6, 0.3, 0.1 };
		gen[r] = (generated){ .mode = modes[pick(&x->g, mw, 3)], .area_id = x->areas->items[p.area].id,
		                      .at = start + r * 1200 + (int64_t)(rnd(&x->g) * 1000), .answer_count = n, .answers = answers };
	}
	int64_t *ids = arena_alloc(x->a, DEMO_RESPONDENTS * sizeof *ids);
	memset(ids, 0, DEMO_RESPONDENTS * sizeof *ids);
	if (store_responses(x, round_id, gen, DEMO_RESPONDENTS, ids) != 0)
		return -1;
	for (int r = 0; r < DEMO_RESPONDENTS; r++) {
		if (ids[r] <= 0)
			return -1;
		for (size_t i = 0; i < gen[r].answer_count; i++)
			if (queue(x, ids[r], &gen[r].answers[i]) != 0)
				return -1;
	}
	return flush(x);
}

int survey_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	static const struct {
		int year;
		enum survey_round_status status;
		bool open_link, answers;
		int64_t start, published;
	} rounds[] = {
		{ 2022, SURVEY_ROUND_PUBLISHED, false, true, 1664618400, 1670112000 },  /* Oct 2022, Dec 2022 */
		{ 2025, SURVEY_ROUND_PUBLISHED, false, true, 1759305600, 1764806400 },  /* Oct 2025, Dec 2025 */
		{ 2026, SURVEY_ROUND_OPEN, true, false, 0, 0 },
	};
	int rc = -1;
	arena *a = arena_new();
	survey_round existing;
	int found = survey_round_get(c, a, 0, "trygghetsundersokning-2022", &existing);
	if (found != 0) {
		rc = found < 0 ? -1 : 0;
		goto out;
	}
	char *path = arena_printf(a, "%s/data/survey/bank.json", cfg->share_dir);
	buf bank = BUF_INIT;
	if (buf_read_file(&bank, path) != 0) {
		fprintf(stderr, "trygg: demo survey: cannot read %s\n", path);
		buf_free(&bank);
		goto out;
	}
	const char *json = arena_strndup(a, bank.data ? bank.data : "", bank.len);
	buf_free(&bank);
	const survey_questionnaire *q = NULL;
	survey_qproblem problem;
	if (survey_questionnaire_parse(a, json, strlen(json), &q, &problem) != 0) {
		fprintf(stderr, "trygg: demo survey: %s: %s %s\n", path, problem.where, problem.detail);
		goto out;
	}
	survey_area_list areas;
	population pop;
	if (survey_area_list_load(c, a, &areas) != 0 || population_read(cfg, a, &areas, &pop) != 0) {
		fprintf(stderr, "trygg: demo survey: no areas or no population figures\n");
		goto out;
	}
	demo_ctx *x = arena_alloc(a, sizeof *x);
	memset(x, 0, sizeof *x);
	*x = (demo_ctx){ .c = c, .a = a, .q = q, .areas = &areas, .g = { 20221001 }, .batch_sql = survey_batch_sql(a, SQL_ANSWER_HEAD, SQL_ANSWER_ROW, ANSWER_BATCH),
	                 .response_sql = survey_batch_sql(a, SQL_RESPONSE_HEAD, SQL_RESPONSE_ROW, RESPONSE_BATCH) };
	x->shapes = arena_alloc(a, (areas.count + 1) * sizeof *x->shapes);
	memset(x->shapes, 0, (areas.count + 1) * sizeof *x->shapes);
	int64_t now = (int64_t)time(NULL);
	if (db_begin_write(c) != 0)
		goto out;
	for (size_t i = 0; i < ARRAY_LEN(rounds); i++) {
		survey_round r = {
			.slug = arena_printf(a, "trygghetsundersokning-%d", rounds[i].year),
			.title_sv = arena_printf(a, "Trygghetsundersökning %d", rounds[i].year),
			.title_en = arena_printf(a, "Safety survey %d", rounds[i].year),
			.year = rounds[i].year,
			.status = rounds[i].status,
			.questionnaire_json = json,
			.open_link = rounds[i].open_link,
			.margins = "age_group,area",
			.min_n = 30,
			.trim_upper = 5,
			.generated = rounds[i].answers,
			.method_sv = rounds[i].answers ? METHOD_SV : "",
			.method_en = rounds[i].answers ? METHOD_EN : "",
			.published_at = rounds[i].published,
		};
		int64_t id = survey_round_create(c, &r, now);
		if (id < 0 || population_store(c, a, id, &areas, &pop, now) != 0)
			goto fail;
		x->g.state = (uint64_t)rounds[i].year * 7919u;
		if (rounds[i].answers && generate(x, id, &pop, rounds[i].year > 2022, rounds[i].start) != 0)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	fprintf(out, "Survey rounds: 2022 and 2025 published with %d generated answers each, 2026 open (open link).\n",
	        DEMO_RESPONDENTS);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "trygg: demo survey: %s\n", db_errmsg(c));
	db_rollback(c);
out:
	arena_free(a);
	return rc;
}
