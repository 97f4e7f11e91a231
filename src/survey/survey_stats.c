/*
 * survey_stats.c — the answers' data model, and everything estimated from a
 * raked design: means, shares and ratios per domain with linearised standard
 * errors and intervals, tables per category, Trygg's indices, comparisons
 * between domains and between rounds, suppression, and the English texts of
 * the outcomes. The formulas, and which R function each matches, are in
 * survey_stats.h.
 *
 * Every figure is a ratio of weighted totals θ = Σw·a / Σw·b over a domain
 * (a mean is b = 1), reduced to its influence column z; combined figures
 * (a contrast, the total problem index) add influence columns, so that one
 * variance function serves all of them. Not here: the raking (survey_rake.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "survey/survey_distribution.h"
#include "survey/survey_internal.h"

/* ---- the data ---- */

survey_data *survey_data_new(size_t n, size_t item_count, size_t variable_count, const int *levels)
{
	if (n == 0 || (variable_count > 0 && !levels))
		return NULL;
	if (item_count > SIZE_MAX / sizeof(double) / n || variable_count > SIZE_MAX / sizeof(int) / n)
		return NULL;
	for (size_t v = 0; v < variable_count; v++)
		if (levels[v] < 1)
			return NULL;
	survey_data *d = xcalloc(1, sizeof *d);
	d->n = n;
	d->item_count = item_count;
	d->variable_count = variable_count;
	d->items = xmalloc((item_count ? item_count : 1) * n * sizeof *d->items);
	for (size_t i = 0; i < item_count * n; i++)
		d->items[i] = NAN;
	d->variables = xmalloc((variable_count ? variable_count : 1) * n * sizeof *d->variables);
	for (size_t i = 0; i < variable_count * n; i++)
		d->variables[i] = SURVEY_NO_CATEGORY;
	d->levels = xmalloc((variable_count ? variable_count : 1) * sizeof *d->levels);
	if (variable_count)
		memcpy(d->levels, levels, variable_count * sizeof *d->levels);
	d->base_weight = xmalloc(n * sizeof *d->base_weight);
	for (size_t i = 0; i < n; i++)
		d->base_weight[i] = 1;
	return d;
}

void survey_data_free(survey_data *data)
{
	if (!data)
		return;
	free(data->items);
	free(data->variables);
	free(data->levels);
	free(data->base_weight);
	free(data);
}

/* ---- texts ---- */

static const char *const error_texts[SURVEY_ERR__MAX] = {
	[SURVEY_OK] = "no error",
	[SURVEY_ERR_ARGUMENT] = "invalid argument",
	[SURVEY_ERR_BASE_WEIGHT] = "a base weight is not a positive number",
	[SURVEY_ERR_CATEGORY] = "a respondent has no valid category for a weighting variable",
	[SURVEY_ERR_POPULATION] = "a population count is negative or not a number",
	[SURVEY_ERR_EMPTY_CELL] = "a population group has no respondents, so it cannot be weighted; "
	                          "merge it with a neighbouring group",
	[SURVEY_ERR_CELL_NOT_IN_POPULATION] = "respondents belong to a group the population figures say is empty",
	[SURVEY_ERR_MARGIN_TOTALS] = "the population margins do not add up to the same total",
	[SURVEY_ERR_NOT_CONVERGED] = "the weights did not converge to the population margins",
	[SURVEY_ERR_TRIM_BOUNDS] = "the weights cannot be kept within the trimming bounds while meeting the margins; "
	                           "widen the bounds",
	[SURVEY_ERR_CODE] = "an answer code is not on the scale",
	[SURVEY_ERR_NOT_INDICATOR] = "a share needs answers coded 0 or 1",
};

const char *survey_error_text(enum survey_error error)
{
	return error >= 0 && error < SURVEY_ERR__MAX ? error_texts[error] : "unknown error";
}

void survey_problem_describe(const survey_problem *p, buf *out)
{
	buf_puts(out, survey_error_text(p->error));
	switch (p->error) {
	case SURVEY_ERR_CATEGORY:
		buf_printf(out, " (margin %zu, respondent %zu, value %g)", p->margin + 1, p->respondent + 1, p->value);
		break;
	case SURVEY_ERR_POPULATION:
	case SURVEY_ERR_EMPTY_CELL:
	case SURVEY_ERR_CELL_NOT_IN_POPULATION:
		buf_printf(out, " (margin %zu, cell %zu, %g)", p->margin + 1, p->cell + 1, p->value);
		break;
	case SURVEY_ERR_MARGIN_TOTALS:
		buf_printf(out, " (margin %zu differs from margin 1 by %.3g %%)", p->margin + 1, 100 * p->value);
		break;
	case SURVEY_ERR_NOT_CONVERGED:
		buf_printf(out, " (largest relative margin error %.3g)", p->value);
		break;
	case SURVEY_ERR_TRIM_BOUNDS:
		buf_printf(out, " (a weight of %.3g times the mean)", p->value);
		break;
	case SURVEY_ERR_BASE_WEIGHT:
	case SURVEY_ERR_CODE:
	case SURVEY_ERR_NOT_INDICATOR:
		buf_printf(out, " (respondent %zu, value %g)", p->respondent + 1, p->value);
		break;
	default:
		break;
	}
}

static const char *const verdict_texts[SURVEY_VERDICT__MAX] = {
	[SURVEY_NO_CLEAR_DIFFERENCE] = "no clear difference",
	[SURVEY_CLEARLY_HIGHER] = "clearly higher",
	[SURVEY_CLEARLY_LOWER] = "clearly lower",
	[SURVEY_NOT_COMPARABLE] = "not comparable (too few answers)",
};

const char *survey_verdict_text(enum survey_verdict verdict)
{
	return verdict >= 0 && verdict < SURVEY_VERDICT__MAX ? verdict_texts[verdict] : "unknown";
}

static const char *const status_texts[SURVEY_ESTIMATE__MAX] = {
	[SURVEY_ESTIMATE_OK] = "ok",
	[SURVEY_ESTIMATE_SUPPRESSED] = "suppressed (too few answers)",
	[SURVEY_ESTIMATE_NO_ANSWERS] = "no answers",
};

const char *survey_status_text(enum survey_status status)
{
	return status >= 0 && status < SURVEY_ESTIMATE__MAX ? status_texts[status] : "unknown";
}

static const char *const index_formulas[SURVEY_INDEX__MAX] = {
	[SURVEY_INDEX_PROBLEM] = "problem index = weighted mean of the item's score (No, or Yes but not a problem = 0; "
	                         "Yes, somewhat = 3; Yes, a lot = 6; Don't know left out), 0-6, lower is better",
	[SURVEY_INDEX_PROBLEM_TOTAL] = "total problem index = the mean of the item problem indices",
	[SURVEY_INDEX_UNSAFETY] = "unsafety index = weighted share answering fairly unsafe, very unsafe or never going "
	                          "out because of feeling unsafe, of all answering the evening question",
	[SURVEY_INDEX_VICTIMISATION] = "victimisation index = weighted share victimised by at least one of the crimes "
	                               "in the last 12 months",
	[SURVEY_INDEX_REPORTING_RATE] = "reporting rate = weighted number of crimes reported to the police / weighted "
	                                "number of crimes",
};

const char *survey_index_formula(enum survey_index index)
{
	return index >= 0 && index < SURVEY_INDEX__MAX ? index_formulas[index] : "";
}

/* ---- options ---- */

void survey_estimate_options_default(survey_estimate_options *o)
{
	*o = (survey_estimate_options){ .min_n = 30, .level = 0.95 };
}

static const survey_estimate_options *options_or_default(const survey_estimate_options *o,
                                                         survey_estimate_options *defaults)
{
	if (o)
		return o;
	survey_estimate_options_default(defaults);
	return defaults;
}

static int fail(survey_problem *problem, enum survey_error error, size_t respondent, double value)
{
	if (problem)
		*problem = (survey_problem){ .error = error, .respondent = respondent, .value = value };
	return -1;
}

/* ---- the linearisation ---- */

/* θ = Σw·a / Σw·b over a domain, with what its figure shows besides. */
typedef struct linearised {
	double value;
	size_t n;           /* respondents counted: a and b known, b ≠ 0 */
	size_t domain_size; /* respondents in the domain, answering or not */
	double n_effective;
	double weighted_n;
} linearised;

static bool domain_valid(const survey_data *data, survey_domain domain)
{
	if (domain.variable == SURVEY_EVERYONE)
		return true;
	return domain.variable >= 0 && (size_t)domain.variable < data->variable_count && domain.category >= 0 &&
	       domain.category < data->levels[domain.variable];
}

/* The domain's column of categories, or NULL for everyone. */
static const int *domain_column(const survey_data *data, survey_domain domain)
{
	return domain.variable == SURVEY_EVERYONE ? NULL : survey_variable(data, (size_t)domain.variable);
}

/*
 * Estimates θ = Σw·a / Σw·b (b NULL: 1) over the respondents of domain with
 * a and b known, and writes its influence column into z (n values):
 * zᵢ = wᵢ (aᵢ − θ bᵢ) / Σw·b for those respondents, 0 for everyone else.
 */
static void linearise(const survey_design *d, const double *a, const double *b, survey_domain domain,
                      linearised *out, double *z)
{
	const int *category = domain_column(d->data, domain);
	const double *w = d->weight;
	double numerator = 0, denominator = 0, sum = 0, squares = 0;

	*out = (linearised){ 0 };
	for (size_t i = 0; i < d->n; i++) {
		if (category && category[i] != domain.category)
			continue;
		out->domain_size++;
		double bi = b ? b[i] : 1;
		if (isnan(a[i]) || isnan(bi))
			continue;
		numerator += w[i] * a[i];
		denominator += w[i] * bi;
		if (bi != 0) {
			out->n++;
			sum += w[i];
			squares += w[i] * w[i];
		}
	}
	out->value = numerator / denominator;
	out->weighted_n = sum;
	out->n_effective = squares > 0 ? sum * sum / squares : 0;
	for (size_t i = 0; i < d->n; i++) {
		double bi = b ? b[i] : 1;
		bool counted = (!category || category[i] == domain.category) && !isnan(a[i]) && !isnan(bi);
		z[i] = counted ? w[i] * (a[i] - out->value * bi) / denominator : 0;
	}
}

/* The variance of the statistic with influence z: the residual r after the
 * raking, then n/(n−1) Σ (r − r̄)² (R: svyrecvar() on a with-replacement
 * design of one respondent per sampling unit). scratch holds n values. */
static double design_variance(const survey_design *d, const double *z, double *scratch)
{
	double mean = 0, sum = 0;
	survey_design_residual(d, z, scratch);
	for (size_t i = 0; i < d->n; i++)
		mean += scratch[i];
	mean /= (double)d->n;
	for (size_t i = 0; i < d->n; i++)
		sum += (scratch[i] - mean) * (scratch[i] - mean);
	return sum * (double)d->n / (double)(d->n - 1);
}

static double expit(double x)
{
	return 1 / (1 + exp(-x));
}

/* The figure from a linearised statistic and its variance: suppression,
 * standard error and interval. */
static void finish(enum survey_statistic statistic, const linearised *lin, double variance,
                   const survey_estimate_options *o, survey_estimate *out)
{
	double alpha = 1 - o->level;

	*out = (survey_estimate){ .value = NAN, .se = NAN, .ci_low = NAN, .ci_high = NAN,
		                  .n_effective = NAN, .weighted_n = NAN, .n = lin->n };
	if (lin->n == 0) {
		out->status = SURVEY_ESTIMATE_NO_ANSWERS;
		return;
	}
	if (lin->n < o->min_n) {
		out->status = SURVEY_ESTIMATE_SUPPRESSED;
		return;
	}
	out->status = SURVEY_ESTIMATE_OK;
	out->value = lin->value;
	out->se = sqrt(variance);
	out->n_effective = lin->n_effective;
	out->weighted_n = lin->weighted_n;
	if (statistic == SURVEY_MEAN) {
		double z = survey_normal_quantile(1 - alpha / 2);
		out->ci_low = out->value - z * out->se;
		out->ci_high = out->value + z * out->se;
		return;
	}
	double p = out->value;
	if (p <= 0 || p >= 1) {
		/* No logit interval at the boundary: the exact binomial bound at n_eff. */
		double bound = 1 - pow(alpha / 2, 1 / out->n_effective);
		out->ci_boundary = true;
		out->ci_low = p <= 0 ? 0 : 1 - bound;
		out->ci_high = p <= 0 ? bound : 1;
		return;
	}
	/* svyciprop(method = "logit"): Wald on the logit with t(df), df = degf of the domain design. */
	double df = (double)lin->domain_size - 1;
	double t = df > 0 ? survey_t_quantile(1 - alpha / 2, df) : NAN;
	double logit = log(p / (1 - p)), se_logit = out->se / (p * (1 - p));
	out->ci_low = expit(logit - t * se_logit);
	out->ci_high = expit(logit + t * se_logit);
}

/* Scratch columns for one estimate: the influence and the residual. */
typedef struct columns {
	double *z, *r;
} columns;

static columns columns_new(size_t n)
{
	return (columns){ xmalloc(n * sizeof(double)), xmalloc(n * sizeof(double)) };
}

static void columns_free(columns *c)
{
	free(c->z);
	free(c->r);
}

static int check_indicator(const double *y, size_t n, survey_problem *problem)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i]) && y[i] != 0 && y[i] != 1)
			return fail(problem, SURVEY_ERR_NOT_INDICATOR, i, y[i]);
	return 0;
}

/* One figure of Σw·a / Σw·b in domain, shown as statistic. */
static int estimate(const survey_design *d, const double *a, const double *b, enum survey_statistic statistic,
                    survey_domain domain, const survey_estimate_options *o, survey_estimate *out,
                    survey_problem *problem)
{
	survey_estimate_options defaults;
	linearised lin;

	o = options_or_default(o, &defaults);
	if (!d || !a || !domain_valid(d->data, domain))
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	if (statistic == SURVEY_SHARE && check_indicator(a, d->n, problem) < 0)
		return -1;
	columns c = columns_new(d->n);
	linearise(d, a, b, domain, &lin, c.z);
	finish(statistic, &lin, lin.n ? design_variance(d, c.z, c.r) : NAN, o, out);
	columns_free(&c);
	return 0;
}

int survey_mean(const survey_design *d, const double *y, survey_domain domain, const survey_estimate_options *o,
                survey_estimate *out, survey_problem *problem)
{
	return estimate(d, y, NULL, SURVEY_MEAN, domain, o, out, problem);
}

int survey_share(const survey_design *d, const double *y, survey_domain domain, const survey_estimate_options *o,
                 survey_estimate *out, survey_problem *problem)
{
	return estimate(d, y, NULL, SURVEY_SHARE, domain, o, out, problem);
}

int survey_ratio(const survey_design *d, const double *a, const double *b, survey_domain domain,
                 const survey_estimate_options *o, survey_estimate *out, survey_problem *problem)
{
	if (!b)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	return estimate(d, a, b, SURVEY_MEAN, domain, o, out, problem);
}

int survey_table(const survey_design *d, const double *y, enum survey_statistic statistic, int variable,
                 const survey_estimate_options *o, survey_estimate *out, survey_problem *problem)
{
	if (!d || variable < 0 || (size_t)variable >= d->data->variable_count || statistic < 0 ||
	    statistic >= SURVEY__STATISTIC_MAX)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	for (int level = 0; level < d->data->levels[variable]; level++) {
		survey_domain domain = { variable, level };
		if (estimate(d, y, NULL, statistic, domain, o, &out[level], problem) < 0)
			return -1;
	}
	return 0;
}

/* ---- recoding ---- */

static const double problem_scores[] = { 0, 3, 6, 0, NAN };
static const double unsafety_scores[] = { 0, 0, 1, 1, 1, 0 };
static const double yes_no_scores[] = { 1, 0, NAN };

const survey_scale survey_problem_scale = { 1, ARRAY_LEN(problem_scores), problem_scores };
const survey_scale survey_unsafety_scale = { 1, ARRAY_LEN(unsafety_scores), unsafety_scores };
const survey_scale survey_yes_no_scale = { 1, ARRAY_LEN(yes_no_scores), yes_no_scores };

int survey_recode(const double *codes, size_t n, const survey_scale *scale, double *out, survey_problem *problem)
{
	for (size_t i = 0; i < n; i++) {
		double code = codes[i];
		if (isnan(code)) {
			out[i] = NAN;
			continue;
		}
		double at = code - scale->first_code;
		if (!(at >= 0 && at < (double)scale->count && at == floor(at)))
			return fail(problem, SURVEY_ERR_CODE, i, code);
		out[i] = scale->score[(size_t)at];
	}
	return 0;
}

void survey_indicator(const double *values, size_t n, double low, double high, double *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = isnan(values[i]) ? NAN : (values[i] >= low && values[i] <= high);
}

/* ---- indices ---- */

/* Recodes codes on scale into a new column (caller frees), or returns NULL with *problem. */
static double *recoded(const survey_design *d, const double *codes, const survey_scale *scale,
                       survey_problem *problem)
{
	double *out = xmalloc(d->n * sizeof *out);
	if (!codes || !scale || survey_recode(codes, d->n, scale, out, problem) < 0) {
		if (!codes || !scale)
			fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
		free(out);
		return NULL;
	}
	return out;
}

/* Recodes `count` columns into one block of count × n values (caller frees), or NULL. */
static double *recoded_block(const survey_design *d, const double *const *codes, size_t count,
                             const survey_scale *scale, survey_problem *problem)
{
	if (!codes || !scale || count == 0) {
		fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
		return NULL;
	}
	double *out = xmalloc(count * d->n * sizeof *out);
	for (size_t k = 0; k < count; k++) {
		if (!codes[k] || survey_recode(codes[k], d->n, scale, out + k * d->n, problem) < 0) {
			if (!codes[k])
				fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
			free(out);
			return NULL;
		}
	}
	return out;
}

/* A figure of a column recoded from codes on scale. */
static int recoded_estimate(const survey_design *d, const double *codes, const survey_scale *scale,
                            enum survey_statistic statistic, survey_domain domain,
                            const survey_estimate_options *o, survey_estimate *out, survey_problem *problem)
{
	if (!d)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	double *y = recoded(d, codes, scale, problem);
	if (!y)
		return -1;
	int rc = estimate(d, y, NULL, statistic, domain, o, out, problem);
	free(y);
	return rc;
}

int survey_problem_index(const survey_design *d, const double *codes, const survey_scale *scale,
                         survey_domain domain, const survey_estimate_options *o, survey_estimate *out,
                         survey_problem *problem)
{
	return recoded_estimate(d, codes, scale, SURVEY_MEAN, domain, o, out, problem);
}

int survey_unsafety_index(const survey_design *d, const double *codes, const survey_scale *scale,
                          survey_domain domain, const survey_estimate_options *o, survey_estimate *out,
                          survey_problem *problem)
{
	return recoded_estimate(d, codes, scale, SURVEY_SHARE, domain, o, out, problem);
}

int survey_problem_index_total(const survey_design *d, const double *const *codes, size_t item_count,
                               const survey_scale *scale, survey_domain domain,
                               const survey_estimate_options *o, survey_estimate *out, survey_problem *problem)
{
	survey_estimate_options defaults;

	o = options_or_default(o, &defaults);
	if (!d || !domain_valid(d->data, domain))
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	double *scores = recoded_block(d, codes, item_count, scale, problem);
	if (!scores)
		return -1;
	columns c = columns_new(d->n);
	double *sum = xcalloc(d->n, sizeof *sum);
	/* The mean of the item indices; its influence is the mean of theirs. */
	linearised total = { .n = SIZE_MAX, .n_effective = INFINITY, .weighted_n = INFINITY };
	for (size_t k = 0; k < item_count; k++) {
		linearised item;
		linearise(d, scores + k * d->n, NULL, domain, &item, c.z);
		total.value += item.value / (double)item_count;
		total.domain_size = item.domain_size;
		if (item.n < total.n)
			total.n = item.n;
		total.n_effective = fmin(total.n_effective, item.n_effective);
		total.weighted_n = fmin(total.weighted_n, item.weighted_n);
		for (size_t i = 0; i < d->n; i++)
			sum[i] += c.z[i] / (double)item_count;
	}
	finish(SURVEY_MEAN, &total, total.n ? design_variance(d, sum, c.r) : NAN, o, out);
	free(sum);
	columns_free(&c);
	free(scores);
	return 0;
}

int survey_victimisation_index(const survey_design *d, const double *const *victimised, size_t crime_count,
                               const survey_scale *scale, survey_domain domain,
                               const survey_estimate_options *o, survey_estimate *out, survey_problem *problem)
{
	if (!d)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	double *yes = recoded_block(d, victimised, crime_count, scale, problem);
	if (!yes)
		return -1;
	double *any = xmalloc(d->n * sizeof *any);
	for (size_t i = 0; i < d->n; i++) {
		bool unknown = false;
		any[i] = 0;
		for (size_t k = 0; k < crime_count; k++) {
			double v = yes[k * d->n + i];
			if (v == 1)
				any[i] = 1;
			else if (isnan(v))
				unknown = true;
		}
		if (any[i] == 0 && unknown)
			any[i] = NAN; /* no "yes", but not every crime answered: not known */
	}
	int rc = estimate(d, any, NULL, SURVEY_SHARE, domain, o, out, problem);
	free(any);
	free(yes);
	return rc;
}

int survey_reporting_rate(const survey_design *d, const double *const *victimised,
                          const double *const *reported, size_t crime_count, const survey_scale *scale,
                          survey_domain domain, const survey_estimate_options *o, survey_estimate *out,
                          survey_problem *problem)
{
	double *yes = NULL, *told = NULL, *a = NULL, *b = NULL;
	int rc = -1;

	if (!d)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	yes = recoded_block(d, victimised, crime_count, scale, problem);
	if (!yes)
		goto out;
	told = recoded_block(d, reported, crime_count, scale, problem);
	if (!told)
		goto out;
	a = xcalloc(d->n, sizeof *a);
	b = xcalloc(d->n, sizeof *b);
	for (size_t k = 0; k < crime_count; k++) {
		for (size_t i = 0; i < d->n; i++) {
			double r = told[k * d->n + i];
			if (yes[k * d->n + i] == 1 && !isnan(r)) {
				a[i] += r;
				b[i] += 1;
			}
		}
	}
	rc = estimate(d, a, b, SURVEY_MEAN, domain, o, out, problem);
out:
	free(yes);
	free(told);
	free(a);
	free(b);
	return rc;
}

/* ---- comparisons ---- */

/* The test and verdict for a difference with standard error se. */
static void judge(double difference, double se, const survey_estimate_options *o, survey_comparison *out)
{
	double z_level = survey_normal_quantile(1 - (1 - o->level) / 2);

	out->difference = difference;
	out->se = se;
	out->ci_low = difference - z_level * se;
	out->ci_high = difference + z_level * se;
	if (se > 0) {
		out->z = difference / se;
		out->p_value = 2 * survey_normal_upper(fabs(out->z));
	} else { /* no uncertainty at all: any difference is certain */
		out->z = difference == 0 ? 0 : copysign(INFINITY, difference);
		out->p_value = difference == 0 ? 1 : 0;
	}
	if (out->p_value < 1 - o->level)
		out->verdict = difference > 0 ? SURVEY_CLEARLY_HIGHER : SURVEY_CLEARLY_LOWER;
	else
		out->verdict = SURVEY_NO_CLEAR_DIFFERENCE;
}

static void not_comparable(survey_comparison *out)
{
	*out = (survey_comparison){ SURVEY_NOT_COMPARABLE, NAN, NAN, NAN, NAN, NAN, NAN };
}

void survey_compare_rounds(const survey_estimate *first, const survey_estimate *second,
                           const survey_estimate_options *o, survey_comparison *out)
{
	survey_estimate_options defaults;

	o = options_or_default(o, &defaults);
	if (first->status != SURVEY_ESTIMATE_OK || second->status != SURVEY_ESTIMATE_OK) {
		not_comparable(out);
		return;
	}
	judge(second->value - first->value, hypot(first->se, second->se), o, out);
}

int survey_compare_domains(const survey_design *d, const double *y, enum survey_statistic statistic,
                           survey_domain first, survey_domain second, const survey_estimate_options *o,
                           survey_comparison *out, survey_problem *problem)
{
	survey_estimate_options defaults;
	linearised one, two;

	o = options_or_default(o, &defaults);
	if (!d || !y || !domain_valid(d->data, first) || !domain_valid(d->data, second) || statistic < 0 ||
	    statistic >= SURVEY__STATISTIC_MAX)
		return fail(problem, SURVEY_ERR_ARGUMENT, 0, 0);
	if (statistic == SURVEY_SHARE && check_indicator(y, d->n, problem) < 0)
		return -1;
	columns c = columns_new(d->n);
	double *z2 = xmalloc(d->n * sizeof *z2);
	linearise(d, y, NULL, first, &one, c.z);
	linearise(d, y, NULL, second, &two, z2);
	if (one.n == 0 || two.n == 0 || one.n < o->min_n || two.n < o->min_n) {
		not_comparable(out);
	} else {
		/* The contrast's influence is the difference of the two; its variance
		 * carries their covariance. */
		for (size_t i = 0; i < d->n; i++)
			c.z[i] = z2[i] - c.z[i];
		judge(two.value - one.value, sqrt(design_variance(d, c.z, c.r)), o, out);
	}
	free(z2);
	columns_free(&c);
	return 0;
}
