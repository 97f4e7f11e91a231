/*
 * results.c — a round's results: its answers read into columns, the weights
 * raked to the population margins and trimmed, and every figure the pages,
 * the CSV and the lägesbild publish (see survey.h), with comparisons against
 * the previous published round and between each group and everyone.
 *
 * All the statistics are survey_stats.h's; this file only decides what is
 * computed for whom. The results of a round are kept in a small cache in
 * memory, keyed by the round and a stamp of the survey tables (answers,
 * population, rounds): any change there makes the next request compute
 * afresh, so the cache never serves old figures. This is the one piece of
 * process-wide state in the module; it is guarded by a mutex.
 *
 * Not here: pages and wording (results_pages.c), free-text review (review.c).
 */
#include "survey/survey.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "areas/area.h"
#include "core/util.h"

/* ---- reading the round ---- */

typedef struct area_entry {
	int64_t id;
	const char *code, *name;
} area_entry;

typedef struct variable_def {
	const char *key;           /* background key */
	const survey_item *item;   /* its item */
	int levels;
} variable_def;

typedef struct loader {
	arena *a;
	const survey_questionnaire *q;
	size_t area_count;
	area_entry *areas;
	size_t variable_count;
	variable_def *variables;
	int *item_column;          /* [q->item_count] column of a single item, or -1 */
	int *item_variable;        /* [q->item_count] variable of a background item, or -1 */
	size_t column_count;
	/* the answers as read */
	size_t n;
	int64_t last_response;
	size_t cap, count;
	struct raw_answer { size_t respondent; int item; int64_t code; } *raw;
	size_t weight_cap;
	double *weights;
} loader;

static int collect_area(void *ud, const area *ar)
{
	loader *l = ud;
	l->areas = xrealloc(l->areas, (l->area_count + 1) * sizeof *l->areas);
	l->areas[l->area_count].id = ar->id;
	l->areas[l->area_count].code = arena_strdup(l->a, ar->code);
	l->areas[l->area_count].name = arena_strdup(l->a, ar->name);
	l->area_count++;
	return 0;
}

static int area_position(const loader *l, int64_t id)
{
	for (size_t i = 0; i < l->area_count; i++)
		if (l->areas[i].id == id)
			return (int)i;
	return -1;
}

static int collect_answer(void *ud, const survey_stored_answer *sa)
{
	loader *l = ud;
	if (l->n == 0 || sa->response_id != l->last_response) {
		if (l->n == l->weight_cap) {
			l->weight_cap = l->weight_cap ? 2 * l->weight_cap : 256;
			l->weights = xrealloc(l->weights, l->weight_cap * sizeof *l->weights);
		}
		l->weights[l->n++] = sa->base_weight;
		l->last_response = sa->response_id;
	}
	int item = survey_item_index(l->q, sa->answer.item_code);
	if (item < 0 || !sa->answer.has_code)
		return 0;
	if (l->item_column[item] < 0 && l->item_variable[item] < 0)
		return 0;
	if (l->count == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4096;
		l->raw = xrealloc(l->raw, l->cap * sizeof *l->raw);
	}
	l->raw[l->count].respondent = l->n - 1;
	l->raw[l->count].item = item;
	l->raw[l->count].code = sa->answer.code;
	l->count++;
	return 0;
}

/* The category of code for variable v, or SURVEY_NO_CATEGORY. */
static int category_of(const loader *l, size_t v, int64_t code)
{
	const survey_item *it = l->variables[v].item;
	if (it->type == SURVEY_AREA)
		return area_position(l, code);
	for (size_t k = 0; k < it->scale->option_count; k++)
		if (it->scale->options[k].code == code)
			return (int)k;
	return SURVEY_NO_CATEGORY;
}

/* The category of variable v whose key (option key, or area code) is key, or -1. */
static int category_by_key(const loader *l, size_t v, const char *key)
{
	const survey_item *it = l->variables[v].item;
	if (it->type == SURVEY_AREA) {
		for (size_t i = 0; i < l->area_count; i++)
			if (strcmp(l->areas[i].code, key) == 0)
				return (int)i;
		return -1;
	}
	for (size_t k = 0; k < it->scale->option_count; k++)
		if (strcmp(it->scale->options[k].key, key) == 0)
			return (int)k;
	return -1;
}

static const char *category_key(const loader *l, size_t v, int cat)
{
	const survey_item *it = l->variables[v].item;
	if (it->type == SURVEY_AREA)
		return l->areas[cat].code;
	return it->scale->options[cat].key;
}

static int variable_by_key(const loader *l, const char *key)
{
	for (size_t v = 0; v < l->variable_count; v++)
		if (strcmp(l->variables[v].key, key) == 0)
			return (int)v;
	return -1;
}

/* ---- margins ---- */

typedef struct margin_build {
	const char *name;      /* "age_group*sex" */
	survey_margin m;
	double *population;
	size_t cells;
	size_t rows;           /* population rows read */
} margin_build;

typedef struct population_reader {
	loader *l;
	margin_build *margins;
	size_t margin_count;
	/* first problem */
	enum survey_error error;
	const char *margin, *cell;
} population_reader;

static int read_population(void *ud, const char *margin, const char *cell, double count)
{
	population_reader *p = ud;
	for (size_t i = 0; i < p->margin_count; i++) {
		margin_build *mb = &p->margins[i];
		if (strcmp(mb->name, margin) != 0)
			continue;
		size_t index = 0;
		const char *s = cell;
		for (size_t k = 0; k < mb->m.variable_count; k++) {
			const char *bar = strchr(s, '|');
			size_t len = bar && k + 1 < mb->m.variable_count ? (size_t)(bar - s) : strlen(s);
			char *key = arena_strndup(p->l->a, s, len);
			size_t v = mb->m.variables[k];
			int cat = category_by_key(p->l, v, key);
			if (cat < 0) {
				if (count == 0)
					return 0; /* an empty cell of an unknown category does no harm */
				if (p->error == SURVEY_OK) {
					p->error = SURVEY_ERR_CATEGORY;
					p->margin = arena_strdup(p->l->a, margin);
					p->cell = arena_strdup(p->l->a, cell);
				}
				return 0;
			}
			index = index * (size_t)p->l->variables[v].levels + (size_t)cat;
			s += len + (bar ? 1 : 0);
		}
		mb->population[index] = count;
		mb->rows++;
	}
	return 0;
}

/* The cell of margin mb numbered cell, as stored ("25-44|kvinna"). */
static const char *cell_name(const loader *l, const margin_build *mb, size_t cell)
{
	int cats[SURVEY_MARGIN_VARIABLES_MAX];
	for (size_t k = mb->m.variable_count; k-- > 0;) {
		int levels = l->variables[mb->m.variables[k]].levels;
		cats[k] = (int)(cell % (size_t)levels);
		cell /= (size_t)levels;
	}
	buf b = BUF_INIT;
	for (size_t k = 0; k < mb->m.variable_count; k++) {
		if (k)
			buf_putc(&b, '|');
		buf_puts(&b, category_key(l, mb->m.variables[k], cats[k]));
	}
	const char *out = arena_strdup(l->a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* ---- figures ---- */

typedef struct computer {
	survey_results *res;
	const survey_design *design;
	const survey_data *data;
	survey_estimate_options eo;
	size_t cap;
	double *tmp;      /* [n] scratch column */
	double *tmp2;     /* [n] */
	int failed;       /* a statistics error: a bug or broken data */
} computer;

static survey_figure *figure_add(computer *k, const char *item, const char *option, const char *index,
                                 bool is_share, size_t domain)
{
	survey_results *res = k->res;
	if (res->figure_count == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1024;
		res->figures = xrealloc(res->figures, k->cap * sizeof *res->figures);
	}
	survey_figure *f = &res->figures[res->figure_count++];
	memset(f, 0, sizeof *f);
	f->item = item;
	f->option = option;
	f->index = index;
	f->is_share = is_share;
	f->domain = domain;
	f->previous.verdict = SURVEY_NOT_COMPARABLE;
	f->previous.difference = NAN;
	f->versus_all.verdict = SURVEY_NOT_COMPARABLE;
	f->versus_all.difference = NAN;
	return f;
}

static survey_domain domain_of(const survey_results *res, size_t d)
{
	survey_domain dom = { res->domains[d].variable, res->domains[d].category };
	return dom;
}

/* The item's scale as numbers (NaN for options without a score), or false
 * when no option has a score. score has room for SURVEY_OPTIONS_MAX codes. */
static bool item_scale(const survey_item *it, survey_scale *scale, double *score, size_t room)
{
	const survey_scale_def *s = it->scale;
	bool any = false;
	int lo = 0, hi = 0;
	for (size_t i = 0; i < s->option_count; i++) {
		if (i == 0 || s->options[i].code < lo)
			lo = s->options[i].code;
		if (i == 0 || s->options[i].code > hi)
			hi = s->options[i].code;
		any |= s->options[i].has_score;
	}
	if (!any || (size_t)(hi - lo + 1) > room)
		return false;
	for (int c = lo; c <= hi; c++)
		score[c - lo] = NAN;
	for (size_t i = 0; i < s->option_count; i++)
		if (s->options[i].has_score)
			score[s->options[i].code - lo] = s->options[i].score;
	scale->first_code = lo;
	scale->count = (size_t)(hi - lo + 1);
	scale->score = score;
	return true;
}

/* Compares domain d with everyone for the mean or share of y. */
static void versus_all(computer *k, survey_figure *f, const double *y, enum survey_statistic st)
{
	if (f->domain == 0)
		return;
	survey_problem p;
	survey_domain all = { SURVEY_EVERYONE, 0 };
	if (survey_compare_domains(k->design, y, st, all, domain_of(k->res, f->domain), &k->eo, &f->versus_all,
	                           &p) != 0)
		k->failed = 1;
}

static void item_figures(computer *k, const survey_item *it, const double *codes, size_t d)
{
	survey_results *res = k->res;
	size_t n = res->n;
	survey_domain dom = domain_of(res, d);
	survey_problem p;
	for (size_t o = 0; o < it->scale->option_count; o++) {
		const survey_option *op = &it->scale->options[o];
		survey_indicator(codes, n, op->code, op->code, k->tmp);
		survey_figure *f = figure_add(k, it->code, op->key, "", true, d);
		if (survey_share(k->design, k->tmp, dom, &k->eo, &f->e, &p) != 0)
			k->failed = 1;
	}
	double score[SURVEY_OPTIONS_MAX + 1];
	survey_scale scale;
	if (!item_scale(it, &scale, score, ARRAY_LEN(score)))
		return;
	if (survey_recode(codes, n, &scale, k->tmp, &p) != 0) {
		k->failed = 1;
		return;
	}
	const char *index = "";
	bool share = false;
	if (it->role == SURVEY_ROLE_PROBLEM)
		index = SURVEY_INDEX_NAME_PROBLEM;
	else if (it->role == SURVEY_ROLE_UNSAFETY)
		index = SURVEY_INDEX_NAME_UNSAFETY, share = true;
	else if (it->role == SURVEY_ROLE_VICTIM)
		index = SURVEY_INDEX_NAME_VICTIMISATION, share = true;
	else {
		/* a scale scored only 0 and 1 gives a share (e.g. "agree") */
		share = true;
		for (size_t i = 0; i < scale.count; i++)
			if (!isnan(score[i]) && score[i] != 0 && score[i] != 1)
				share = false;
	}
	survey_figure *f = figure_add(k, it->code, "", index, share, d);
	int rc = share ? survey_share(k->design, k->tmp, dom, &k->eo, &f->e, &p)
	               : survey_mean(k->design, k->tmp, dom, &k->eo, &f->e, &p);
	if (rc != 0)
		k->failed = 1;
	if (*index)
		versus_all(k, f, k->tmp, share ? SURVEY_SHARE : SURVEY_MEAN);
}

/* Builds the scales of victim/reported items for one crime. */
typedef struct crime_pair {
	const char *crime;
	int victim, reported;       /* item indices, -1 when missing */
} crime_pair;

static void domain_figures(computer *k, size_t d, const loader *l, const crime_pair *crimes, size_t crime_count)
{
	survey_results *res = k->res;
	const survey_questionnaire *q = res->q;
	survey_domain dom = domain_of(res, d);
	survey_problem p;
	const double *problem_cols[SURVEY_ITEMS_MAX];
	size_t problem_count = 0;
	const survey_scale *problem_scale = NULL;
	double pscore[SURVEY_OPTIONS_MAX + 1];
	survey_scale pscale;
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		int col = l->item_column[i];
		if (col < 0)
			continue;
		const double *codes = survey_data_column(k->data, (size_t)col);
		item_figures(k, it, codes, d);
		if (it->role == SURVEY_ROLE_PROBLEM && problem_count < ARRAY_LEN(problem_cols)) {
			if (problem_scale == NULL && item_scale(it, &pscale, pscore, ARRAY_LEN(pscore)))
				problem_scale = &pscale;
			problem_cols[problem_count++] = codes;
		}
	}
	if (problem_count > 0 && problem_scale != NULL) {
		survey_figure *f = figure_add(k, "", "", SURVEY_INDEX_NAME_PROBLEM_TOTAL, false, d);
		if (survey_problem_index_total(k->design, problem_cols, problem_count, problem_scale, dom, &k->eo,
		                               &f->e, &p) != 0)
			k->failed = 1;
	}
	/* victimisation and reporting */
	const double *victim_cols[SURVEY_ITEMS_MAX], *reported_cols[SURVEY_ITEMS_MAX];
	size_t pairs = 0;
	double yscore[SURVEY_OPTIONS_MAX + 1];
	survey_scale yscale;
	bool have_scale = false;
	for (size_t c = 0; c < crime_count; c++) {
		if (crimes[c].victim < 0)
			continue;
		const survey_item *vi = &q->items[crimes[c].victim];
		if (!have_scale)
			have_scale = item_scale(vi, &yscale, yscore, ARRAY_LEN(yscore));
		victim_cols[pairs] = survey_data_column(k->data, (size_t)l->item_column[crimes[c].victim]);
		reported_cols[pairs] = crimes[c].reported >= 0
		                           ? survey_data_column(k->data, (size_t)l->item_column[crimes[c].reported])
		                           : NULL;
		if (reported_cols[pairs] != NULL && have_scale) {
			const survey_item *ri = &q->items[crimes[c].reported];
			survey_figure *f = figure_add(k, ri->code, "", SURVEY_INDEX_NAME_REPORTING, true, d);
			if (survey_reporting_rate(k->design, &victim_cols[pairs], &reported_cols[pairs], 1, &yscale, dom,
			                          &k->eo, &f->e, &p) != 0)
				k->failed = 1;
		}
		pairs++;
	}
	if (pairs > 0 && have_scale) {
		survey_figure *f = figure_add(k, "", "", SURVEY_INDEX_NAME_VICTIMISATION, true, d);
		if (survey_victimisation_index(k->design, victim_cols, pairs, &yscale, dom, &k->eo, &f->e, &p) != 0)
			k->failed = 1;
		/* the comparison with everyone needs the "victimised at all" column */
		double *any = k->tmp2;
		for (size_t i = 0; i < res->n; i++) {
			bool yes = false, unknown = false;
			for (size_t c = 0; c < pairs; c++) {
				double v = victim_cols[c][i];
				long code = isnan(v) ? -1 : (long)v;
				double s = code >= yscale.first_code && code < yscale.first_code + (long)yscale.count
				                   ? yscale.score[code - yscale.first_code]
				                   : NAN;
				if (isnan(s))
					unknown = true;
				else if (s == 1)
					yes = true;
			}
			any[i] = yes ? 1 : unknown ? NAN : 0;
		}
		versus_all(k, f, any, SURVEY_SHARE);
		const double *const *rc = (const double *const *)reported_cols;
		bool all_reported = true;
		for (size_t c = 0; c < pairs; c++)
			all_reported &= reported_cols[c] != NULL;
		if (all_reported) {
			survey_figure *g = figure_add(k, "", "", SURVEY_INDEX_NAME_REPORTING, true, d);
			if (survey_reporting_rate(k->design, victim_cols, rc, pairs, &yscale, dom, &k->eo, &g->e, &p) != 0)
				k->failed = 1;
		}
	}
}

static void domains_build(survey_results *res, const loader *l)
{
	static const struct {
		enum survey_domain_kind kind;
		const char *key;
	} kinds[] = {
		{ SURVEY_DOMAIN_AGE, "age_group" },
		{ SURVEY_DOMAIN_SEX, "sex" },
		{ SURVEY_DOMAIN_AREA, "area" },
	};
	size_t cap = 1;
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		int v = variable_by_key(l, kinds[k].key);
		if (v >= 0)
			cap += (size_t)l->variables[v].levels;
	}
	res->domains = arena_alloc(res->arena, cap * sizeof *res->domains);
	survey_result_domain *d = &res->domains[0];
	memset(d, 0, sizeof *d);
	d->kind = SURVEY_DOMAIN_ALL;
	d->key = "";
	d->label_sv = "Hela kommunen";
	d->label_en = "The whole municipality";
	d->variable = SURVEY_EVERYONE;
	res->domain_count = 1;
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		int v = variable_by_key(l, kinds[k].key);
		if (v < 0)
			continue;
		const survey_item *it = l->variables[v].item;
		for (int c = 0; c < l->variables[v].levels; c++) {
			d = &res->domains[res->domain_count++];
			memset(d, 0, sizeof *d);
			d->kind = kinds[k].kind;
			d->variable = v;
			d->category = c;
			if (it->type == SURVEY_AREA) {
				d->key = l->areas[c].code;
				d->label_sv = d->label_en = l->areas[c].name;
				d->area_id = l->areas[c].id;
			} else {
				const survey_option *o = &it->scale->options[c];
				d->key = o->key;
				d->label_sv = survey_text_get(&o->label, "sv");
				d->label_en = survey_text_get(&o->label, "en");
			}
		}
	}
}

/* Fills res from the database. Returns 0 (res->ok says whether figures were
 * made), or -1 on a database error. */
static int results_compute(db_conn *c, survey_results *res)
{
	int rc = -1;
	loader l;
	memset(&l, 0, sizeof l);
	l.a = res->arena;
	survey_data *data = NULL;
	survey_design *design = NULL;
	margin_build *margins = NULL;
	size_t margin_count = 0;
	computer k;
	memset(&k, 0, sizeof k);
	crime_pair *crimes = NULL;
	size_t crime_count = 0;

	res->q = survey_round_questionnaire(res->arena, &res->round);
	if (res->q == NULL) {
		res->error = SURVEY_ERR_ARGUMENT;
		rc = 0;
		goto out;
	}
	const survey_questionnaire *q = res->q;
	l.q = q;
	if (area_each(c, 0, collect_area, &l) != 0)
		goto out;
	l.item_column = arena_alloc(res->arena, q->item_count * sizeof *l.item_column);
	l.item_variable = arena_alloc(res->arena, q->item_count * sizeof *l.item_variable);
	l.variables = arena_alloc(res->arena, (q->item_count + 1) * sizeof *l.variables);
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		l.item_column[i] = l.item_variable[i] = -1;
		if (it->role == SURVEY_ROLE_BACKGROUND && it->background != NULL &&
		    (it->type == SURVEY_SINGLE || it->type == SURVEY_AREA) && variable_by_key(&l, it->background) < 0) {
			int levels = it->type == SURVEY_AREA ? (int)l.area_count : (int)it->scale->option_count;
			if (levels < 1)
				continue;
			l.item_variable[i] = (int)l.variable_count;
			l.variables[l.variable_count].key = it->background;
			l.variables[l.variable_count].item = it;
			l.variables[l.variable_count].levels = levels;
			l.variable_count++;
		} else if (it->type == SURVEY_SINGLE && it->role != SURVEY_ROLE_BACKGROUND) {
			l.item_column[i] = (int)l.column_count++;
		}
	}
	if (survey_answers_each(c, res->round.id, false, collect_answer, &l) != 0)
		goto out;
	res->n = l.n;
	domains_build(res, &l);
	if (l.n == 0 || l.column_count == 0) {
		res->error = SURVEY_ERR_ARGUMENT;
		rc = 0;
		goto out;
	}
	int levels[SURVEY_ITEMS_MAX];
	int one = 1;
	for (size_t v = 0; v < l.variable_count; v++)
		levels[v] = l.variables[v].levels;
	data = survey_data_new(l.n, l.column_count, l.variable_count ? l.variable_count : 1,
	                       l.variable_count ? levels : &one);
	if (data == NULL) {
		res->error = SURVEY_ERR_ARGUMENT;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		data->base_weight[i] = l.weights[i];
	for (size_t i = 0; i < l.count; i++) {
		const struct raw_answer *ra = &l.raw[i];
		if (l.item_column[ra->item] >= 0)
			survey_data_column(data, (size_t)l.item_column[ra->item])[ra->respondent] = (double)ra->code;
		else {
			size_t v = (size_t)l.item_variable[ra->item];
			survey_variable(data, v)[ra->respondent] = category_of(&l, v, ra->code);
		}
	}

	/* margins: "age_group*sex,area" */
	const char *spec = res->round.margins;
	while (spec && *spec) {
		const char *comma = strchr(spec, ',');
		size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
		char *name = arena_strndup(res->arena, spec, len);
		spec = comma ? comma + 1 : NULL;
		if (*name == '\0')
			continue;
		margins = xrealloc(margins, (margin_count + 1) * sizeof *margins);
		margin_build *mb = &margins[margin_count++];
		memset(mb, 0, sizeof *mb);
		mb->name = name;
		mb->cells = 1;
		for (char *part = name;;) {
			char *star = strchr(part, '*');
			char *key = arena_strndup(res->arena, part, star ? (size_t)(star - part) : strlen(part));
			int v = variable_by_key(&l, key);
			if (v < 0 || mb->m.variable_count == SURVEY_MARGIN_VARIABLES_MAX) {
				res->error = SURVEY_ERR_ARGUMENT;
				res->margin_name = name;
				rc = 0;
				goto out;
			}
			mb->m.variables[mb->m.variable_count++] = (size_t)v;
			mb->cells *= (size_t)l.variables[v].levels;
			if (!star)
				break;
			part = star + 1;
		}
		mb->population = arena_alloc(res->arena, mb->cells * sizeof(double));
		for (size_t i = 0; i < mb->cells; i++)
			mb->population[i] = 0;
		mb->m.population = mb->population;
	}
	population_reader pr = { &l, margins, margin_count, SURVEY_OK, NULL, NULL };
	if (margin_count > 0 && survey_population_each(c, res->round.id, read_population, &pr) != 0)
		goto out;
	if (pr.error != SURVEY_OK) {
		res->error = pr.error;
		res->margin_name = pr.margin;
		res->cell_name = pr.cell;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < margin_count; i++)
		if (margins[i].rows == 0) {
			res->error = SURVEY_ERR_POPULATION;
			res->margin_name = margins[i].name;
			res->cell_name = "";
			rc = 0;
			goto out;
		}
	survey_margin ms[16];
	if (margin_count > ARRAY_LEN(ms)) {
		res->error = SURVEY_ERR_ARGUMENT;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < margin_count; i++)
		ms[i] = margins[i].m;
	survey_rake_options ro;
	survey_rake_options_default(&ro);
	ro.trim_upper = res->round.trim_upper > 0 ? res->round.trim_upper : 0;
	survey_problem problem;
	memset(&problem, 0, sizeof problem);
	res->weighted = margin_count > 0;
	int raked = survey_rake(data, ms, margin_count, &ro, &design, &problem);
	if (design != NULL) {
		const survey_rake_report *rep = survey_design_report(design);
		res->report = *rep;
		res->have_report = true;
		double *errs = arena_alloc(res->arena, ((size_t)rep->iterations + 1) * sizeof(double));
		for (int i = 0; i < rep->iterations; i++)
			errs[i] = rep->margin_error[i];
		res->report.margin_error = errs;
		/* margins against the weighted totals */
		const double *w = survey_design_weights(design);
		size_t total = 0;
		for (size_t i = 0; i < margin_count; i++)
			total += margins[i].cells;
		res->checks = arena_alloc(res->arena, (total + 1) * sizeof *res->checks);
		for (size_t i = 0; i < margin_count; i++) {
			const margin_build *mb = &margins[i];
			survey_margin_check *first = &res->checks[res->check_count];
			for (size_t cidx = 0; cidx < mb->cells; cidx++) {
				survey_margin_check *ch = &res->checks[res->check_count++];
				ch->margin = mb->name;
				ch->cell = cell_name(&l, mb, cidx);
				ch->population = mb->population[cidx];
				ch->weighted = 0;
				ch->respondents = 0;
			}
			for (size_t r = 0; r < l.n; r++) {
				size_t cell = 0;
				bool known = true;
				for (size_t v = 0; v < mb->m.variable_count; v++) {
					int cat = survey_variable(data, mb->m.variables[v])[r];
					if (cat < 0)
						known = false;
					cell = cell * (size_t)l.variables[mb->m.variables[v]].levels + (size_t)(cat < 0 ? 0 : cat);
				}
				if (known) {
					first[cell].weighted += w[r];
					first[cell].respondents++;
				}
			}
		}
	}
	if (raked != 0) {
		res->error = problem.error;
		res->error_value = problem.value;
		if (problem.margin < margin_count) {
			res->margin_name = margins[problem.margin].name;
			if (problem.error == SURVEY_ERR_EMPTY_CELL || problem.error == SURVEY_ERR_CELL_NOT_IN_POPULATION ||
			    problem.error == SURVEY_ERR_POPULATION)
				res->cell_name = cell_name(&l, &margins[problem.margin], problem.cell);
		}
		rc = 0;
		goto out;
	}

	/* the figures */
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_item *it = &q->items[i];
		if (it->role != SURVEY_ROLE_VICTIM || l.item_column[i] < 0)
			continue;
		crimes = xrealloc(crimes, (crime_count + 1) * sizeof *crimes);
		crimes[crime_count].crime = it->crime;
		crimes[crime_count].victim = (int)i;
		crimes[crime_count].reported = -1;
		for (size_t j = 0; j < q->item_count; j++)
			if (q->items[j].role == SURVEY_ROLE_REPORTED && q->items[j].crime &&
			    strcmp(q->items[j].crime, it->crime) == 0 && l.item_column[j] >= 0)
				crimes[crime_count].reported = (int)j;
		crime_count++;
	}
	k.res = res;
	k.design = design;
	k.data = data;
	survey_estimate_options_default(&k.eo);
	k.eo.min_n = res->round.min_n > 0 ? (size_t)res->round.min_n : 1;
	k.tmp = xcalloc(l.n, sizeof(double));
	k.tmp2 = xcalloc(l.n, sizeof(double));
	for (size_t d = 0; d < res->domain_count; d++)
		domain_figures(&k, d, &l, crimes, crime_count);
	if (k.failed) {
		res->error = SURVEY_ERR_ARGUMENT;
		res->figure_count = 0;
		rc = 0;
		goto out;
	}
	res->ok = true;
	rc = 0;
out:
	if (res->figures)
		arena_defer(res->arena, free, res->figures);
	free(k.tmp);
	free(k.tmp2);
	free(crimes);
	free(margins);
	free(l.areas);
	free(l.raw);
	free(l.weights);
	survey_design_free(design);
	survey_data_free(data);
	return rc;
}

/* ---- comparisons with the previous round ---- */

static const char *domain_key_of(const survey_results *res, size_t d)
{
	return res->domains[d].key;
}

static void compare_previous(survey_results *res, const survey_results *prev)
{
	survey_estimate_options eo;
	survey_estimate_options_default(&eo);
	for (size_t i = 0; i < res->figure_count; i++) {
		survey_figure *f = &res->figures[i];
		int pd = survey_results_domain(prev, res->domains[f->domain].kind, domain_key_of(res, f->domain));
		if (pd < 0)
			continue;
		const survey_figure *g = survey_results_find(prev, f->item, f->option, f->index, (size_t)pd);
		if (g != NULL)
			survey_compare_rounds(&g->e, &f->e, &eo, &f->previous);
	}
}

/* ---- the cache ---- */

#define CACHE_SLOTS 16

typedef struct cache_stamp {
	int64_t values[8];
} cache_stamp;

static struct {
	pthread_mutex_t lock;
	struct {
		int64_t round_id;
		cache_stamp stamp;
		survey_results *res;
		uint64_t used;
	} slot[CACHE_SLOTS];
	uint64_t clock;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char SQL_STAMP[] =
	"SELECT (SELECT COUNT(*) FROM survey_responses WHERE status = 'complete'), "
	"(SELECT COALESCE(MAX(updated_at), 0) FROM survey_responses WHERE status = 'complete'), "
	"(SELECT COUNT(*) FROM survey_population), "
	"(SELECT COALESCE(MAX(imported_at), 0) FROM survey_population), "
	"(SELECT COALESCE(MAX(updated_at), 0) FROM survey_rounds), "
	"(SELECT COUNT(*) FROM survey_rounds), "
	"(SELECT COUNT(*) FROM survey_answers), "
	"(SELECT COALESCE(MAX(updated_at), 0) FROM areas)";

static int stamp_read(db_conn *c, cache_stamp *st)
{
	db_stmt *s = db_prepare(c, SQL_STAMP);
	if (s == NULL || db_step(s) != DB_ROW)
		return -1;
	for (int i = 0; i < 8; i++)
		st->values[i] = db_column_int(s, i);
	return 0;
}

static void results_free(survey_results *res)
{
	if (res != NULL)
		arena_free(res->arena);
}

void survey_results_release(survey_results *results)
{
	if (results == NULL)
		return;
	pthread_mutex_lock(&cache.lock);
	bool last = --results->refs == 0;
	pthread_mutex_unlock(&cache.lock);
	if (last)
		results_free(results);
}

static const char SQL_PREVIOUS[] = "SELECT id FROM survey_rounds WHERE status = 'published' AND year < ? "
                                   "ORDER BY year DESC, id DESC LIMIT 1";

static int results_get_depth(db_conn *c, int64_t round_id, survey_results **out, int depth)
{
	cache_stamp st;
	*out = NULL;
	if (stamp_read(c, &st) != 0)
		return -1;
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (cache.slot[i].res != NULL && cache.slot[i].round_id == round_id &&
		    memcmp(&cache.slot[i].stamp, &st, sizeof st) == 0) {
			*out = cache.slot[i].res;
			(*out)->refs++;
			cache.slot[i].used = ++cache.clock;
			pthread_mutex_unlock(&cache.lock);
			return 1;
		}
	pthread_mutex_unlock(&cache.lock);

	survey_results *res = xcalloc(1, sizeof *res);
	arena *a = arena_new();
	res->arena = a;
	arena_defer(a, free, res);
	int found = survey_round_get(c, a, round_id, NULL, &res->round);
	if (found <= 0) {
		arena_free(a);
		return found;
	}
	if (results_compute(c, res) != 0) {
		arena_free(a);
		return -1;
	}
	/* the previous published round, for the trend */
	db_stmt *s = db_prepare(c, SQL_PREVIOUS);
	if (s == NULL) {
		arena_free(a);
		return -1;
	}
	db_bind_int(s, 1, res->round.year);
	int step = db_step(s);
	int64_t prev_id = step == DB_ROW ? db_column_int(s, 0) : 0;
	if (step == DB_ERROR) {
		arena_free(a);
		return -1;
	}
	if (prev_id > 0 && depth < 50) {
		survey_results *prev = NULL;
		if (results_get_depth(c, prev_id, &prev, depth + 1) < 0) {
			arena_free(a);
			return -1;
		}
		if (prev != NULL) {
			res->previous_round_id = prev_id;
			res->previous_year = prev->round.year;
			res->previous_slug = arena_strdup(a, prev->round.slug);
			if (res->ok && prev->ok)
				compare_previous(res, prev);
			survey_results_release(prev);
		}
	}

	res->refs = 2; /* the caller's and the cache's */
	pthread_mutex_lock(&cache.lock);
	size_t victim = 0;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (cache.slot[i].res != NULL && cache.slot[i].round_id == round_id) {
			victim = i;
			break;
		}
		if (cache.slot[i].res == NULL || cache.slot[i].used < cache.slot[victim].used)
			victim = i;
		if (cache.slot[victim].res == NULL)
			break;
	}
	survey_results *old = cache.slot[victim].res;
	bool free_old = old != NULL && --old->refs == 0;
	cache.slot[victim].res = res;
	cache.slot[victim].round_id = round_id;
	cache.slot[victim].stamp = st;
	cache.slot[victim].used = ++cache.clock;
	pthread_mutex_unlock(&cache.lock);
	if (free_old)
		results_free(old);
	*out = res;
	return 1;
}

int survey_results_get(db_conn *c, int64_t round_id, survey_results **out)
{
	return results_get_depth(c, round_id, out, 0);
}

const survey_figure *survey_results_find(const survey_results *res, const char *item, const char *option,
                                         const char *index, size_t domain)
{
	for (size_t i = 0; i < res->figure_count; i++) {
		const survey_figure *f = &res->figures[i];
		if (f->domain == domain && strcmp(f->item, item) == 0 && strcmp(f->option, option) == 0 &&
		    strcmp(f->index, index) == 0)
			return f;
	}
	return NULL;
}

int survey_results_domain(const survey_results *res, enum survey_domain_kind kind, const char *key)
{
	for (size_t d = 0; d < res->domain_count; d++)
		if (res->domains[d].kind == kind && strcmp(res->domains[d].key, key) == 0)
			return (int)d;
	return -1;
}

/* ---- the lägesbild ---- */

typedef struct round_ids {
	size_t count;
	int64_t ids[256];
	int year_from, year_to;
} round_ids;

static int collect_round(void *ud, const survey_round *r)
{
	round_ids *ids = ud;
	if (r->status != SURVEY_ROUND_PUBLISHED || ids->count == ARRAY_LEN(ids->ids))
		return 0;
	if ((ids->year_from && r->year < ids->year_from) || (ids->year_to && r->year > ids->year_to))
		return 0;
	ids->ids[ids->count++] = r->id;
	return 0;
}

int survey_lagesbild_estimates(db_conn *c, int year_from, int year_to,
                               int (*fn)(void *ud, const survey_area_estimate *e), void *ud)
{
	round_ids ids = { .count = 0, .year_from = year_from, .year_to = year_to };
	if (survey_round_list(c, collect_round, &ids) != 0)
		return -1;
	for (size_t r = 0; r < ids.count; r++) {
		survey_results *res = NULL;
		int got = survey_results_get(c, ids.ids[r], &res);
		if (got < 0)
			return -1;
		if (got == 0)
			continue;
		int stop = 0;
		for (size_t i = 0; res->ok && i < res->figure_count && !stop; i++) {
			const survey_figure *f = &res->figures[i];
			const survey_result_domain *d = &res->domains[f->domain];
			if (*f->index == '\0' || (d->kind != SURVEY_DOMAIN_ALL && d->kind != SURVEY_DOMAIN_AREA))
				continue;
			survey_area_estimate e = {
				.round_id = res->round.id,
				.round_slug = res->round.slug,
				.year = res->round.year,
				.area_id = d->area_id,
				.item = f->item,
				.index = f->index,
				.is_share = f->is_share,
				.value = f->e.value,
				.ci_low = f->e.ci_low,
				.ci_high = f->e.ci_high,
				.se = f->e.se,
				.n = f->e.n,
				.suppressed = f->e.status != SURVEY_ESTIMATE_OK,
			};
			stop = fn(ud, &e);
		}
		survey_results_release(res);
		if (stop)
			break;
	}
	return 0;
}
