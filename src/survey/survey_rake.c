/*
 * survey_rake.c — survey weights: raking (iterative proportional fitting) of
 * the base weights to population margins, trimming, the report, and the
 * residual of an influence column after the raking that the variance needs.
 *
 * Raking follows R's rake() step for step, so that the weights and the
 * per-margin weights the variance uses are R's: each sweep post-stratifies
 * to every margin in turn (w ← w · population / Σw in the respondent's cell)
 * and records the weights just after each margin; the sweeps stop by the
 * configured rule (see enum survey_stop_rule). Trimming holds weights that
 * cross a bound at the bound and rakes the others again (see trim()).
 *
 * The residual: R's svyrecvar() runs ten backfitting rounds
 *     z ← z − w⁽ᵐ⁾ · ave(z / w⁽ᵐ⁾, cell of margin m)      for m = 1 … M.
 * After any number of steps z = z₀ − Σₘ w⁽ᵐ⁾ · aₘ[cellₘ], so the rounds can
 * run on the vectors aₘ (one number per cell) instead of on n values:
 *     aₘ[c] = (sₘ[c] − Σ_{k≠m} Σ_{c'} Xₘₖ[c][c'] · aₖ[c']) / nₘ[c]
 * with sₘ[c] = Σ_{i∈c} z₀ᵢ / wᵢ⁽ᵐ⁾, Xₘₖ[c][c'] = Σ_{i∈c∩c'} wᵢ⁽ᵏ⁾ / wᵢ⁽ᵐ⁾ and
 * nₘ[c] the respondents in cell c. Xₘₖ depends on the design only and is
 * computed once. The arithmetic is R's, rearranged.
 *
 * Not here: estimates (survey_stats.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "survey/survey_internal.h"

/* The most cells one margin may have, margins one raking may have, and sweeps or trimming rounds. */
#define SURVEY_CELLS_MAX (1u << 20)
#define SURVEY_MARGINS_MAX 16
#define SURVEY_ITERATIONS_MAX 100000

void survey_rake_options_default(survey_rake_options *o)
{
	*o = (survey_rake_options){
		.stop_rule = SURVEY_STOP_MARGIN_ERROR,
		.tolerance = 1e-10,
		.epsilon = 1e-10,
		.max_iterations = 100,
		.total_tolerance = 0.005,
		.trim_lower = 0,
		.trim_upper = 0,
		.trim_max_rounds = 20,
		.trim_tolerance = 1e-6,
	};
}

static int fail(survey_problem *problem, enum survey_error error, size_t margin, size_t cell,
                size_t respondent, double value)
{
	if (problem)
		*problem = (survey_problem){ error, margin, cell, respondent, value };
	return -1;
}

static bool options_valid(const survey_rake_options *o)
{
	if (!(o->tolerance > 0) || !(o->epsilon > 0) || o->max_iterations < 1 ||
	    o->max_iterations > SURVEY_ITERATIONS_MAX || !(o->total_tolerance >= 0))
		return false;
	if (o->stop_rule != SURVEY_STOP_MARGIN_ERROR && o->stop_rule != SURVEY_STOP_TABLE_CHANGE)
		return false;
	if (o->trim_upper == 0)
		return true;
	return o->trim_upper >= 1 && o->trim_lower >= 0 && o->trim_lower <= 1 && o->trim_max_rounds >= 1 &&
	       o->trim_max_rounds <= SURVEY_ITERATIONS_MAX && o->trim_tolerance >= 0;
}

static void design_margin_free(survey_design_margin *m, size_t margin_count)
{
	free(m->cell);
	free(m->respondents);
	free(m->step_weight);
	free(m->step_inverse);
	if (m->cross) {
		for (size_t k = 0; k < margin_count; k++)
			free(m->cross[k]);
		free(m->cross);
	}
}

void survey_design_free(survey_design *design)
{
	if (!design)
		return;
	for (size_t m = 0; m < design->margin_count; m++)
		design_margin_free(&design->margins[m], design->margin_count);
	free(design->margins);
	free(design->weight);
	free(design->margin_error);
	free(design);
}

const double *survey_design_weights(const survey_design *design)
{
	return design->weight;
}

const survey_rake_report *survey_design_report(const survey_design *design)
{
	return &design->report;
}

/* Working state of a raking: the population of each margin (rescaled), the
 * targets the free weights are raked to, and for R's stop rule each
 * respondent's cell of the table crossing all margin variables. */
typedef struct rake_state {
	const survey_rake_options *o;
	double **population; /* [margin][cell] */
	double **target;     /* [margin][cell]: the population less the weights held at a trimming
	                      * bound; the population itself until trimming holds one */
	unsigned char *held; /* [n]: 1 for a weight held at a trimming bound; NULL before trimming */
	double *totals;      /* scratch, the largest margin's cells */
	size_t *joint;       /* [n] cell of the crossed table (SURVEY_STOP_TABLE_CHANGE) */
	size_t joint_cells;
	double *table_old, *table_new;
} rake_state;

/* Each respondent's cell of margin m, checking the categories. */
static int assign_cells(const survey_data *data, const survey_margin *margin, size_t m,
                        survey_design_margin *out, survey_problem *problem)
{
	size_t cells = 1;
	for (size_t v = 0; v < margin->variable_count; v++) {
		size_t var = margin->variables[v];
		if (var >= data->variable_count)
			return fail(problem, SURVEY_ERR_ARGUMENT, m, 0, 0, (double)var);
		for (size_t u = 0; u < v; u++)
			if (margin->variables[u] == var)
				return fail(problem, SURVEY_ERR_ARGUMENT, m, 0, 0, (double)var);
		cells *= (size_t)data->levels[var];
		if (cells > SURVEY_CELLS_MAX)
			return fail(problem, SURVEY_ERR_ARGUMENT, m, 0, 0, (double)cells);
	}
	out->cells = cells;
	out->cell = xmalloc(data->n * sizeof *out->cell);
	out->respondents = xcalloc(cells, sizeof *out->respondents);
	for (size_t i = 0; i < data->n; i++) {
		size_t c = 0;
		for (size_t v = 0; v < margin->variable_count; v++) {
			size_t var = margin->variables[v];
			int value = survey_variable(data, var)[i];
			if (value < 0 || value >= data->levels[var])
				return fail(problem, SURVEY_ERR_CATEGORY, m, 0, i, value);
			c = c * (size_t)data->levels[var] + (size_t)value;
		}
		out->cell[i] = (int)c;
		out->respondents[c] += 1;
	}
	return 0;
}

/* Checks margin m's population against its respondents; copies it into *copy. */
static int check_population(const survey_margin *margin, size_t m, const survey_design_margin *dm,
                            double **copy, double *total, survey_problem *problem)
{
	*total = 0;
	for (size_t c = 0; c < dm->cells; c++) {
		double p = margin->population[c];
		if (!isfinite(p) || p < 0)
			return fail(problem, SURVEY_ERR_POPULATION, m, c, 0, p);
		if (p > 0 && dm->respondents[c] == 0)
			return fail(problem, SURVEY_ERR_EMPTY_CELL, m, c, 0, p);
		if (p == 0 && dm->respondents[c] > 0)
			return fail(problem, SURVEY_ERR_CELL_NOT_IN_POPULATION, m, c, 0, dm->respondents[c]);
		*total += p;
	}
	*copy = xmalloc(dm->cells * sizeof **copy);
	memcpy(*copy, margin->population, dm->cells * sizeof **copy);
	return 0;
}

static int compare_size(const void *a, const void *b)
{
	size_t x = **(const size_t *const *)a, y = **(const size_t *const *)b;
	return (x > y) - (x < y);
}

/* Numbers the cells of the table crossing every margin variable that hold
 * respondents (R's svytable(~all margin variables)); empty cells never change. */
static void number_joint_cells(const survey_design *d, rake_state *st)
{
	size_t n = d->n;
	size_t *code = xmalloc(n * sizeof *code);
	size_t **order = xmalloc(n * sizeof *order);
	/* The margins' cells identify the crossed table's cells (a variable in two
	 * margins only repeats itself), so mixing the margin cells is enough. */
	for (size_t i = 0; i < n; i++) {
		size_t c = 0;
		for (size_t m = 0; m < d->margin_count; m++)
			c = c * d->margins[m].cells + (size_t)d->margins[m].cell[i];
		code[i] = c;
		order[i] = &code[i];
	}
	qsort(order, n, sizeof *order, compare_size);
	st->joint = xmalloc(n * sizeof *st->joint);
	size_t id = 0;
	for (size_t j = 0; j < n; j++) {
		if (j > 0 && *order[j] != *order[j - 1])
			id++;
		st->joint[order[j] - code] = id;
	}
	st->joint_cells = n ? id + 1 : 0;
	st->table_old = xmalloc(st->joint_cells * sizeof *st->table_old);
	st->table_new = xmalloc(st->joint_cells * sizeof *st->table_new);
	free(order);
	free(code);
}

/* Σ w per cell of margin m; with held, of the weights not held only. */
static void cell_totals(const survey_design *d, size_t m, const double *w, const unsigned char *held,
                        double *totals)
{
	const survey_design_margin *dm = &d->margins[m];
	memset(totals, 0, dm->cells * sizeof *totals);
	for (size_t i = 0; i < d->n; i++)
		if (!held || !held[i])
			totals[dm->cell[i]] += w[i];
}

/* The largest relative difference between a margin cell's weighted total and its population. */
static double margin_error(const survey_design *d, const rake_state *st, const double *w)
{
	double worst = 0;
	for (size_t m = 0; m < d->margin_count; m++) {
		cell_totals(d, m, w, NULL, st->totals);
		for (size_t c = 0; c < d->margins[m].cells; c++) {
			double p = st->population[m][c];
			if (p > 0 && fabs(st->totals[c] - p) / p > worst)
				worst = fabs(st->totals[c] - p) / p;
		}
	}
	return worst;
}

/* The largest change of a cell of the crossed table since the last call (R's rake() rule). */
static double table_change(const survey_design *d, rake_state *st, const double *w)
{
	double delta = 0;
	memset(st->table_new, 0, st->joint_cells * sizeof *st->table_new);
	for (size_t i = 0; i < d->n; i++)
		st->table_new[st->joint[i]] += w[i];
	for (size_t c = 0; c < st->joint_cells; c++)
		delta = fmax(delta, fabs(st->table_new[c] - st->table_old[c]));
	double *swap = st->table_old;
	st->table_old = st->table_new;
	st->table_new = swap;
	return delta;
}

/*
 * Rakes from base (n weights) into d->weight: each sweep post-stratifies to
 * every margin in turn and keeps the weights after each step (R's
 * postStrata). Weights held at a trimming bound keep their value; the others
 * are raked to the targets. Returns true when it converged.
 */
static bool rake_from(survey_design *d, rake_state *st, const double *base)
{
	const survey_rake_options *o = st->o;
	size_t n = d->n;
	double *w = d->weight;
	double epsilon = o->epsilon;

	memcpy(w, base, n * sizeof *w);
	d->report.iterations = 0;
	d->report.converged = false;
	if (d->margin_count == 0) {
		d->report.converged = true;
		return true;
	}
	if (o->stop_rule == SURVEY_STOP_TABLE_CHANGE) {
		if (epsilon < 1) { /* as R: a share of the sum of the base weights */
			double sum = 0;
			for (size_t i = 0; i < n; i++)
				sum += base[i];
			epsilon *= sum;
		}
		table_change(d, st, w);
	}
	for (int sweep = 0; sweep < o->max_iterations; sweep++) {
		for (size_t m = 0; m < d->margin_count; m++) {
			survey_design_margin *dm = &d->margins[m];
			cell_totals(d, m, w, st->held, st->totals);
			/* The factor per cell; a cell without (free) respondents has nothing to scale. */
			for (size_t c = 0; c < dm->cells; c++)
				st->totals[c] = st->totals[c] > 0 ? st->target[m][c] / st->totals[c] : 1;
			for (size_t i = 0; i < n; i++)
				if (!st->held || !st->held[i])
					w[i] *= st->totals[dm->cell[i]];
			memcpy(dm->step_weight, w, n * sizeof *w);
		}
		double error = margin_error(d, st, w);
		d->margin_error[sweep] = error;
		d->report.iterations = sweep + 1;
		d->report.total_iterations++;
		bool done = o->stop_rule == SURVEY_STOP_TABLE_CHANGE ? table_change(d, st, w) < epsilon
		                                                      : error <= o->tolerance;
		if (done) {
			d->report.converged = true;
			return true;
		}
	}
	return false;
}

/* True when ratio (a weight over the mean weight) lies outside the trimming
 * bounds by more than the tolerance. */
static bool outside_bounds(const survey_rake_options *o, double ratio)
{
	return ratio > o->trim_upper * (1 + o->trim_tolerance) || ratio < o->trim_lower * (1 - o->trim_tolerance);
}

/*
 * Sets the targets to the population less the held weights. Returns false
 * when a cell cannot be met by its free weights: its held weights exceed its
 * population, or it has people left but no free respondent, or free
 * respondents but nobody left.
 */
static bool set_targets(survey_design *d, rake_state *st)
{
	for (size_t m = 0; m < d->margin_count; m++) {
		survey_design_margin *dm = &d->margins[m];
		double *free_count = st->totals;
		memcpy(st->target[m], st->population[m], dm->cells * sizeof(double));
		memcpy(free_count, dm->respondents, dm->cells * sizeof(double));
		for (size_t i = 0; i < d->n; i++)
			if (st->held[i]) {
				st->target[m][dm->cell[i]] -= d->weight[i];
				free_count[dm->cell[i]] -= 1;
			}
		for (size_t c = 0; c < dm->cells; c++) {
			double left = st->target[m][c], tiny = 1e-9 * st->population[m][c];
			if (left < -tiny || (left > tiny) != (free_count[c] > 0))
				return false;
		}
	}
	return true;
}

/*
 * Trimming: a weight outside [lower, upper] × mean weight is held at the
 * bound it crossed, and the free weights are raked to the margins less the
 * held ones; repeated until no free weight crosses a bound. (Clipping and
 * raking everything again can stall at weights the raking pushes straight
 * back over the bound; holding them cannot.) The mean weight is the
 * population over n throughout, since every raking meets the margins.
 * Returns 0, or -1 with *problem.
 */
static int trim(survey_design *d, rake_state *st, survey_problem *problem)
{
	const survey_rake_options *o = st->o;
	size_t n = d->n;
	double mean = 0;
	double *start = xmalloc(n * sizeof *start);
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		mean += d->weight[i];
	mean /= (double)n;
	st->held = xcalloc(n, 1);
	st->target = xcalloc(d->margin_count ? d->margin_count : 1, sizeof *st->target);
	for (size_t m = 0; m < d->margin_count; m++)
		st->target[m] = xmalloc(d->margins[m].cells * sizeof(double));
	d->report.trimmed = true;
	for (int round = 0;; round++) {
		size_t newly = 0;
		double worst = 1;
		for (size_t i = 0; i < n; i++) {
			double ratio = d->weight[i] / mean;
			if (st->held[i] || !outside_bounds(o, ratio))
				continue;
			if (fabs(log(ratio)) > fabs(log(worst)))
				worst = ratio;
			st->held[i] = 1;
			d->weight[i] = (ratio > o->trim_upper ? o->trim_upper : o->trim_lower) * mean;
			newly++;
		}
		if (newly == 0)
			break;
		if (round == o->trim_max_rounds || !set_targets(d, st)) {
			fail(problem, SURVEY_ERR_TRIM_BOUNDS, 0, 0, 0, worst);
			goto out;
		}
		d->report.trimmed_count += newly;
		d->report.trim_rounds = round + 1;
		memcpy(start, d->weight, n * sizeof *start);
		if (!rake_from(d, st, start)) {
			fail(problem, SURVEY_ERR_NOT_CONVERGED, 0, 0, 0, d->margin_error[d->report.iterations - 1]);
			goto out;
		}
	}
	/* The variance treats the trimmed weights as calibrated weights: as if
	 * raked once more, which leaves them as they are (R: rake() on a design
	 * with these weights). */
	for (size_t m = 0; m < d->margin_count; m++)
		memcpy(d->margins[m].step_weight, d->weight, n * sizeof *start);
	rc = 0;
out:
	free(start);
	return rc;
}

/* The cross sums the residual needs, from the last raking's step weights. */
static void prepare_variance(survey_design *d)
{
	size_t n = d->n, count = d->margin_count;
	for (size_t m = 0; m < count; m++) {
		survey_design_margin *dm = &d->margins[m];
		for (size_t i = 0; i < n; i++)
			dm->step_inverse[i] = 1 / dm->step_weight[i];
	}
	for (size_t m = 0; m < count; m++) {
		survey_design_margin *dm = &d->margins[m];
		dm->cross = xcalloc(count, sizeof *dm->cross);
		for (size_t k = 0; k < count; k++) {
			if (k == m)
				continue;
			const survey_design_margin *dk = &d->margins[k];
			double *x = xcalloc(dm->cells * dk->cells, sizeof *x);
			for (size_t i = 0; i < n; i++)
				x[(size_t)dm->cell[i] * dk->cells + (size_t)dk->cell[i]] +=
				        dk->step_weight[i] * dm->step_inverse[i];
			dm->cross[k] = x;
		}
	}
}

static void fill_report(survey_design *d)
{
	survey_rake_report *r = &d->report;
	double sum = 0, squares = 0;
	r->weight_min = INFINITY;
	r->weight_max = 0;
	for (size_t i = 0; i < d->n; i++) {
		double w = d->weight[i];
		sum += w;
		squares += w * w;
		r->weight_min = fmin(r->weight_min, w);
		r->weight_max = fmax(r->weight_max, w);
	}
	r->weight_mean = sum / (double)d->n;
	r->weight_ratio = r->weight_max / r->weight_min;
	r->n_effective = sum * sum / squares;
	r->design_effect = (double)d->n / r->n_effective;
	r->margin_error = d->margin_error;
}

/*
 * Reads the margins into d (each respondent's cells) and st (the
 * populations), checking each against the respondents, and rescales margin
 * totals that differ from the first margin's by rounding. Returns 0, or -1
 * with *problem.
 */
static int load_margins(survey_design *d, rake_state *st, const survey_margin *margins, survey_problem *problem)
{
	double first_total = 0;
	for (size_t m = 0; m < d->margin_count; m++) {
		const survey_margin *mg = &margins[m];
		double total;
		if (mg->variable_count < 1 || mg->variable_count > SURVEY_MARGIN_VARIABLES_MAX || !mg->population)
			return fail(problem, SURVEY_ERR_ARGUMENT, m, 0, 0, 0);
		if (assign_cells(d->data, mg, m, &d->margins[m], problem) < 0 ||
		    check_population(mg, m, &d->margins[m], &st->population[m], &total, problem) < 0)
			return -1;
		d->margins[m].step_weight = xmalloc(d->n * sizeof(double));
		d->margins[m].step_inverse = xmalloc(d->n * sizeof(double));
		if (m == 0) {
			first_total = total;
			continue;
		}
		double difference = fabs(total - first_total) / first_total;
		if (difference > st->o->total_tolerance)
			return fail(problem, SURVEY_ERR_MARGIN_TOTALS, m, 0, 0, difference);
		d->report.totals_difference = fmax(d->report.totals_difference, difference);
		if (difference > 0) {
			d->report.totals_rescaled = true;
			for (size_t c = 0; c < d->margins[m].cells; c++)
				st->population[m][c] *= first_total / total;
		}
	}
	return 0;
}

int survey_rake(const survey_data *data, const survey_margin *margins, size_t margin_count,
                const survey_rake_options *options, survey_design **out, survey_problem *problem)
{
	survey_rake_options defaults;
	rake_state st = { 0 };
	survey_design *d = NULL;
	size_t largest = 1;
	int rc = -1;

	*out = NULL;
	if (problem)
		*problem = (survey_problem){ 0 };
	if (!options) {
		survey_rake_options_default(&defaults);
		options = &defaults;
	}
	st.o = options;
	if (!data || data->n < 2 || (margin_count > 0 && !margins) || margin_count > SURVEY_MARGINS_MAX ||
	    !options_valid(options))
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0, 0, 0);
	for (size_t i = 0; i < data->n; i++)
		if (!isfinite(data->base_weight[i]) || !(data->base_weight[i] > 0))
			return fail(problem, SURVEY_ERR_BASE_WEIGHT, 0, 0, i, data->base_weight[i]);

	d = xcalloc(1, sizeof *d);
	d->data = data;
	d->n = data->n;
	d->weight = xmalloc(d->n * sizeof *d->weight);
	d->margin_error = xcalloc((size_t)options->max_iterations, sizeof *d->margin_error);
	d->margins = xcalloc(margin_count ? margin_count : 1, sizeof *d->margins);
	st.population = xcalloc(margin_count ? margin_count : 1, sizeof *st.population);
	d->margin_count = margin_count;

	if (load_margins(d, &st, margins, problem) < 0)
		goto out;
	for (size_t m = 0; m < margin_count; m++)
		largest = d->margins[m].cells > largest ? d->margins[m].cells : largest;
	st.totals = xmalloc(largest * sizeof *st.totals);
	st.target = st.population;
	if (options->stop_rule == SURVEY_STOP_TABLE_CHANGE && margin_count > 0)
		number_joint_cells(d, &st);

	if (!rake_from(d, &st, data->base_weight)) {
		fail(problem, SURVEY_ERR_NOT_CONVERGED, 0, 0, 0, d->margin_error[d->report.iterations - 1]);
	} else if (options->trim_upper > 0 && trim(d, &st, problem) < 0) {
		/* *problem is set; the design is kept for its report */
	} else {
		rc = 0;
	}
	prepare_variance(d);
	fill_report(d);
	*out = d;
	d = NULL;
out:
	survey_design_free(d);
	if (st.target && st.target != st.population) {
		for (size_t m = 0; m < margin_count; m++)
			free(st.target[m]);
		free(st.target);
	}
	for (size_t m = 0; m < margin_count; m++)
		free(st.population[m]);
	free(st.population);
	free(st.held);
	free(st.totals);
	free(st.joint);
	free(st.table_old);
	free(st.table_new);
	return rc;
}

void survey_design_residual(const survey_design *d, const double *z, double *r)
{
	size_t n = d->n, count = d->margin_count, total_cells = 0;

	if (count == 0) {
		if (r != z)
			memcpy(r, z, n * sizeof *r);
		return;
	}
	for (size_t m = 0; m < count; m++)
		total_cells += d->margins[m].cells;
	double *s = xcalloc(total_cells, sizeof *s), *a = xcalloc(total_cells, sizeof *a);
	double **sm = xmalloc(count * sizeof *sm), **am = xmalloc(count * sizeof *am);
	for (size_t m = 0, at = 0; m < count; at += d->margins[m].cells, m++) {
		sm[m] = s + at;
		am[m] = a + at;
	}
	for (size_t m = 0; m < count; m++) {
		const survey_design_margin *dm = &d->margins[m];
		for (size_t i = 0; i < n; i++)
			sm[m][dm->cell[i]] += z[i] * dm->step_inverse[i];
	}
	for (int round = 0; round < SURVEY_RAKING_VARIANCE_ROUNDS; round++) {
		for (size_t m = 0; m < count; m++) {
			const survey_design_margin *dm = &d->margins[m];
			for (size_t c = 0; c < dm->cells; c++) {
				if (dm->respondents[c] == 0)
					continue;
				double sum = sm[m][c];
				for (size_t k = 0; k < count; k++) {
					if (k == m)
						continue;
					const double *x = dm->cross[k] + c * d->margins[k].cells;
					for (size_t c2 = 0; c2 < d->margins[k].cells; c2++)
						sum -= x[c2] * am[k][c2];
				}
				am[m][c] = sum / dm->respondents[c];
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		double correction = 0;
		for (size_t m = 0; m < count; m++)
			correction += d->margins[m].step_weight[i] * am[m][d->margins[m].cell[i]];
		r[i] = z[i] - correction;
	}
	free(sm);
	free(am);
	free(s);
	free(a);
}
