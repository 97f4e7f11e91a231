/*
 * test_survey_stats.c — the survey statistics on examples small enough to
 * compute by hand (or whose R answers are quoted beside them): raking,
 * margins that cannot be met, empty cells, non-convergence, trimming,
 * standard errors, intervals near 0 % and 100 %, suppression, indices and
 * comparisons. The full comparison with R is tests/survey/compare_r.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "survey/survey_distribution.h"
#include "survey/survey_stats.h"

#define assert_close(a, b, tolerance) assert_true(fabs((a) - (b)) <= (tolerance))

/* Data for n respondents with the given background categories (row-major, n × variable_count). */
static survey_data *data_with(size_t n, size_t variable_count, const int *levels, const int *categories)
{
	survey_data *d = survey_data_new(n, 1, variable_count, levels);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++)
		for (size_t v = 0; v < variable_count; v++)
			survey_variable(d, v)[i] = categories[i * variable_count + v];
	return d;
}

static survey_margin one_variable(size_t variable, const double *population)
{
	return (survey_margin){ .variable_count = 1, .variables = { variable }, .population = population };
}

static survey_estimate_options no_minimum(void)
{
	survey_estimate_options o;
	survey_estimate_options_default(&o);
	o.min_n = 0;
	return o;
}

/* A 2 × 2 sample (sex, age) with two respondents in cell (0, 0): the seed's
 * odds ratio is 2, which raking keeps. With sex margins 60/40 and age
 * margins 30/70 the fitted table has T00 (10 + T00) / ((60 − T00)(30 − T00)) = 2,
 * so T00 = (190 − √21700) / 2. R's rake() gives the same (quoted). */
static const int two_by_two_levels[] = { 2, 2 };
static const int two_by_two[] = { 0, 0, 0, 0, 0, 1, 1, 0, 1, 1 };
static const double sex_60_40[] = { 60, 40 };
static const double age_30_70[] = { 30, 70 };

static void raking_meets_margins_by_hand(void **state)
{
	survey_data *data = data_with(5, 2, two_by_two_levels, two_by_two);
	survey_margin margins[] = { one_variable(0, sex_60_40), one_variable(1, age_30_70) };
	survey_design *design;
	survey_problem problem;

	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &problem), 0);
	const double *w = survey_design_weights(design);
	double t00 = (190 - sqrt(21700)) / 2;
	assert_close(w[0], t00 / 2, 1e-9);
	assert_close(w[1], t00 / 2, 1e-9);
	assert_close(w[2], 60 - t00, 1e-9);
	assert_close(w[3], 30 - t00, 1e-9);
	assert_close(w[4], 10 + t00, 1e-9);
	assert_close(w[0], 10.6727003433594128, 1e-9); /* R: weights(rake(...)) */
	const survey_rake_report *r = survey_design_report(design);
	assert_true(r->converged);
	assert_true(r->iterations > 1);
	assert_true(r->margin_error[r->iterations - 1] <= 1e-10);
	assert_true(r->margin_error[0] > r->margin_error[r->iterations - 1]);
	assert_close(r->weight_min, 30 - t00, 1e-9);
	assert_close(r->weight_max, 60 - t00, 1e-9);
	double sum2 = 0;
	for (int i = 0; i < 5; i++)
		sum2 += w[i] * w[i];
	assert_close(r->design_effect, 5 * sum2 / (100.0 * 100.0), 1e-12);
	assert_close(r->n_effective, 5 / r->design_effect, 1e-12);

	/* svymean(~y, rake(...)) in R: 0.57981898969921764, SE 0.25861397486956489. */
	double y[] = { 1, 0, 1, 1, 0 };
	survey_estimate_options o = no_minimum();
	survey_estimate e;
	assert_int_equal(survey_mean(design, y, (survey_domain){ SURVEY_EVERYONE, 0 }, &o, &e, &problem), 0);
	assert_close(e.value, 0.57981898969921764, 1e-9);
	assert_close(e.se, 0.25861397486956489, 1e-9);
	survey_design_free(design);
	survey_data_free(data);
}

/* One margin: the residual is the deviation from the cell mean, so by hand
 * r = 0.2 · (−2, −1, 3, −1, 1), Σr² = 0.64, SE = √(0.64 · 5/4) = √0.8. */
static void post_stratified_variance_by_hand(void **state)
{
	static const int levels[] = { 2 };
	static const int sex[] = { 0, 0, 0, 1, 1 };
	survey_data *data = data_with(5, 1, levels, sex);
	survey_margin margin = one_variable(0, sex_60_40);
	survey_design *design;
	survey_problem problem;
	survey_estimate e;
	double y[] = { 1, 2, 6, 3, 5 };
	survey_estimate_options o = no_minimum();

	assert_int_equal(survey_rake(data, &margin, 1, NULL, &design, &problem), 0);
	assert_int_equal(survey_mean(design, y, (survey_domain){ SURVEY_EVERYONE, 0 }, &o, &e, &problem), 0);
	assert_close(e.value, 0.6 * 3 + 0.4 * 4, 1e-12);
	assert_close(e.se, sqrt(0.8), 1e-12);
	assert_close(e.ci_low, e.value - 1.959963984540054 * e.se, 1e-9);
	assert_int_equal(e.n, 5);
	survey_design_free(design);
	survey_data_free(data);
}

/* Without margins the SE of a mean is s/√n. */
static void unweighted_mean_is_textbook(void **state)
{
	static const int levels[] = { 1 };
	static const int none[] = { 0, 0, 0, 0 };
	survey_data *data = data_with(4, 1, levels, none);
	survey_design *design;
	survey_problem problem;
	survey_estimate e;
	double y[] = { 1, 2, 3, 4 };
	survey_estimate_options o = no_minimum();

	assert_int_equal(survey_rake(data, NULL, 0, NULL, &design, &problem), 0);
	assert_int_equal(survey_mean(design, y, (survey_domain){ SURVEY_EVERYONE, 0 }, &o, &e, &problem), 0);
	assert_close(e.value, 2.5, 1e-15);
	assert_close(e.se, sqrt(5.0 / 3 / 4), 1e-15);
	survey_design_free(design);
	survey_data_free(data);
}

static void expect_refusal(survey_data *data, const survey_margin *margins, size_t count,
                           const survey_rake_options *o, enum survey_error error, size_t margin, size_t cell,
                           const char *text)
{
	survey_design *design = (survey_design *)1;
	survey_problem problem;
	buf b = BUF_INIT;

	assert_int_equal(survey_rake(data, margins, count, o, &design, &problem), -1);
	assert_null(design);
	assert_int_equal(problem.error, error);
	assert_int_equal(problem.margin, margin);
	assert_int_equal(problem.cell, cell);
	survey_problem_describe(&problem, &b);
	assert_non_null(strstr(buf_cstr(&b), text));
	buf_free(&b);
}

static void margins_that_cannot_be_met(void **state)
{
	static const int levels[] = { 3, 2 };
	/* Nobody in area 3 (cell 2) answered. */
	static const int rows[] = { 0, 0, 0, 1, 1, 0, 1, 1, 0, 0 };
	survey_data *data = data_with(5, 2, levels, rows);
	double areas[] = { 40, 40, 20 };
	double sexes[] = { 50, 50 };
	survey_margin margins[] = { one_variable(1, sexes), one_variable(0, areas) };

	/* A population group with no respondents: an empty cell. */
	expect_refusal(data, margins, 2, NULL, SURVEY_ERR_EMPTY_CELL, 1, 2, "margin 2, cell 3");

	/* An empty population cell with nobody in it is fine. */
	areas[0] = 50, areas[1] = 50, areas[2] = 0;
	survey_design *design;
	survey_problem problem;
	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &problem), 0);
	survey_design_free(design);

	/* Respondents where the population says nobody lives. */
	areas[0] = 0, areas[1] = 100;
	expect_refusal(data, margins, 2, NULL, SURVEY_ERR_CELL_NOT_IN_POPULATION, 1, 0, "margin 2, cell 1");

	/* Totals that disagree: 100 against 120 is refused … */
	areas[0] = 60, areas[1] = 60;
	expect_refusal(data, margins, 2, NULL, SURVEY_ERR_MARGIN_TOTALS, 1, 0, "differs from margin 1");

	/* … 100 against 100.2 (rounding) is rescaled to the first margin's total, and said so. */
	areas[0] = 50.1, areas[1] = 50.1;
	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &problem), 0);
	const survey_rake_report *r = survey_design_report(design);
	assert_true(r->totals_rescaled);
	assert_close(r->totals_difference, 0.002, 1e-12);
	const double *w = survey_design_weights(design);
	double area1 = w[0] + w[1] + w[4];
	assert_close(area1, 50, 1e-6);
	survey_design_free(design);

	/* A negative population count. */
	areas[0] = -1;
	expect_refusal(data, margins, 2, NULL, SURVEY_ERR_POPULATION, 1, 0, "margin 2, cell 1");
	areas[0] = 50;

	/* A respondent without a category of a margin variable. */
	survey_variable(data, 1)[3] = SURVEY_NO_CATEGORY;
	survey_problem p;
	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &p), -1);
	assert_int_equal(p.error, SURVEY_ERR_CATEGORY);
	assert_int_equal(p.respondent, 3);
	survey_variable(data, 1)[3] = 1;

	/* A base weight of zero. */
	data->base_weight[2] = 0;
	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &p), -1);
	assert_int_equal(p.error, SURVEY_ERR_BASE_WEIGHT);
	assert_int_equal(p.respondent, 2);
	data->base_weight[2] = 1;

	/* A margin naming a variable that does not exist. */
	margins[1].variables[0] = 7;
	assert_int_equal(survey_rake(data, margins, 2, NULL, &design, &p), -1);
	assert_int_equal(p.error, SURVEY_ERR_ARGUMENT);
	survey_data_free(data);
}

/* An empty cell of a joint margin (age × sex): a combination nobody answered for. */
static void empty_joint_cell(void **state)
{
	static const int levels[] = { 2, 2 };
	static const int rows[] = { 0, 0, 0, 1, 1, 0, 1, 0 }; /* nobody is age 1 × sex 1 */
	survey_data *data = data_with(4, 2, levels, rows);
	double joint[] = { 25, 25, 25, 25 };
	survey_margin margin = { .variable_count = 2, .variables = { 0, 1 }, .population = joint };

	expect_refusal(data, &margin, 1, NULL, SURVEY_ERR_EMPTY_CELL, 0, 3, "no respondents");
	assert_non_null(strstr(survey_error_text(SURVEY_ERR_EMPTY_CELL), "merge"));
	survey_data_free(data);
}

static void non_convergence_is_reported(void **state)
{
	survey_data *data = data_with(5, 2, two_by_two_levels, two_by_two);
	survey_margin margins[] = { one_variable(0, sex_60_40), one_variable(1, age_30_70) };
	survey_rake_options o;
	survey_design *design;
	survey_problem problem;
	buf b = BUF_INIT;

	survey_rake_options_default(&o);
	o.max_iterations = 1;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_NOT_CONVERGED);
	assert_non_null(design); /* kept, to show what happened */
	const survey_rake_report *r = survey_design_report(design);
	assert_false(r->converged);
	assert_int_equal(r->iterations, 1);
	assert_true(r->margin_error[0] > o.tolerance);
	assert_close(problem.value, r->margin_error[0], 0);
	survey_problem_describe(&problem, &b);
	assert_non_null(strstr(buf_cstr(&b), "did not converge"));
	buf_free(&b);
	survey_design_free(design);

	/* R's stop rule (largest change of the crossed table) stops too when it is met. */
	o.max_iterations = 100;
	o.stop_rule = SURVEY_STOP_TABLE_CHANGE;
	o.epsilon = 1;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), 0);
	assert_true(survey_design_report(design)->iterations < 10);
	survey_design_free(design);

	/* Nonsense options are refused. */
	o.max_iterations = 0;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_ARGUMENT);
	survey_data_free(data);
}

/* Area × sex sample where area 1, sex 1 has 5 of 100 respondents: its raked
 * weights are far above the mean (10). */
static survey_data *skewed_sample(void)
{
	static const int levels[] = { 2, 2 };
	int rows[200];
	for (int i = 0; i < 100; i++) {
		rows[2 * i] = i < 80 ? 0 : 1;
		rows[2 * i + 1] = i < 40 ? 0 : i < 80 ? 1 : i < 95 ? 0 : 1;
	}
	return data_with(100, 2, levels, rows);
}

static void trimming_keeps_weights_within_bounds(void **state)
{
	survey_data *data = skewed_sample();
	double areas[] = { 500, 500 }, sexes[] = { 500, 500 };
	survey_margin margins[] = { one_variable(0, areas), one_variable(1, sexes) };
	survey_rake_options o;
	survey_design *design;
	survey_problem problem;

	survey_rake_options_default(&o);
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), 0);
	double untrimmed_max = survey_design_report(design)->weight_max;
	assert_true(untrimmed_max > 36); /* by hand: 183 / 5, the fitted table keeping the odds ratio 1/3 */
	survey_design_free(design);

	o.trim_lower = 0.3;
	o.trim_upper = 3;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), 0);
	const survey_rake_report *r = survey_design_report(design);
	const double *w = survey_design_weights(design);
	assert_true(r->trimmed);
	assert_int_equal(r->trimmed_count, 5);
	assert_true(r->trim_rounds >= 1);
	assert_true(r->weight_max <= 30 * (1 + 1e-6));
	assert_true(r->weight_min >= 3 * (1 - 1e-6));
	/* By hand: the five held at 30, so area 1 sex 0 gets 350 / 15, area 0 sex 1 350 / 40, area 0 sex 0 150 / 40. */
	assert_close(w[99], 30, 1e-9);
	assert_close(w[80], 350 / 15.0, 1e-6);
	assert_close(w[40], 350 / 40.0, 1e-6);
	assert_close(w[0], 150 / 40.0, 1e-6);
	assert_close(r->weight_mean, 10, 1e-9);
	/* The margins still hold. */
	double area0 = 0, sex0 = 0;
	for (int i = 0; i < 100; i++) {
		area0 += survey_variable(data, 0)[i] == 0 ? w[i] : 0;
		sex0 += survey_variable(data, 1)[i] == 0 ? w[i] : 0;
	}
	assert_close(area0, 500, 1e-6);
	assert_close(sex0, 500, 1e-6);
	survey_design_free(design);

	/* Bounds the margins cannot live with: area 1 needs 500 from 20 people. */
	o.trim_upper = 1.5;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_TRIM_BOUNDS);
	assert_true(problem.value > 1.5);
	assert_non_null(design);
	survey_design_free(design);

	/* An upper bound below 1 × mean is not a bound. */
	o.trim_upper = 0.9;
	assert_int_equal(survey_rake(data, margins, 2, &o, &design, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_ARGUMENT);
	survey_data_free(data);
}

/* Shares near 0 % and 100 %: 1 of 200 and 199 of 200, equal weights. R:
 * svyciprop(~y, svydesign(ids = ~1, weights = ~w, data), method = "logit")
 * gives (0.00069204264359186039, 0.03518084398767979543) and its mirror. */
static void intervals_near_0_and_100_percent(void **state)
{
	static const int levels[] = { 1 };
	int none[200] = { 0 };
	survey_data *data = data_with(200, 1, levels, none);
	survey_design *design;
	survey_problem problem;
	survey_estimate e;
	double y[200];
	survey_estimate_options o = no_minimum();
	survey_domain all = { SURVEY_EVERYONE, 0 };

	assert_int_equal(survey_rake(data, NULL, 0, NULL, &design, &problem), 0);
	for (int i = 0; i < 200; i++)
		y[i] = i == 17;
	assert_int_equal(survey_share(design, y, all, &o, &e, &problem), 0);
	assert_close(e.value, 0.005, 1e-15);
	assert_close(e.se, 0.005, 1e-12);
	assert_close(e.ci_low, 0.00069204264359186039, 1e-10);
	assert_close(e.ci_high, 0.03518084398767979543, 1e-10);
	assert_false(e.ci_boundary);

	for (int i = 0; i < 200; i++)
		y[i] = i != 17;
	assert_int_equal(survey_share(design, y, all, &o, &e, &problem), 0);
	assert_close(e.ci_low, 0.96481915601231860, 1e-10);
	assert_close(e.ci_high, 0.99930795735640821, 1e-10);

	/* Exactly 0 %: no logit interval; the exact binomial bound 1 − 0.025^(1/n). */
	for (int i = 0; i < 200; i++)
		y[i] = 0;
	assert_int_equal(survey_share(design, y, all, &o, &e, &problem), 0);
	assert_true(e.ci_boundary);
	assert_close(e.value, 0, 0);
	assert_close(e.ci_low, 0, 0);
	assert_close(e.ci_high, 1 - pow(0.025, 1 / 200.0), 1e-12);
	for (int i = 0; i < 200; i++)
		y[i] = 1;
	assert_int_equal(survey_share(design, y, all, &o, &e, &problem), 0);
	assert_true(e.ci_boundary);
	assert_close(e.ci_low, pow(0.025, 1 / 200.0), 1e-12);
	assert_close(e.ci_high, 1, 0);

	/* A share needs 0/1 answers. */
	y[5] = 3;
	assert_int_equal(survey_share(design, y, all, &o, &e, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_NOT_INDICATOR);
	assert_int_equal(problem.respondent, 5);
	survey_design_free(design);
	survey_data_free(data);
}

/* qt() and qnorm() as R gives them. */
static void quantiles_match_r(void **state)
{
	static const struct {
		double df, q975;
	} t[] = {
		{ 1, 12.706204736174694 }, { 2, 4.3026527297494619 }, { 3, 3.1824463052837078 },
		{ 10, 2.2281388519862739 }, { 29, 2.0452296421327034 }, { 1199, 1.9619444908394377 },
		{ 99999, 1.9599877077718442 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
		assert_close(survey_t_quantile(0.975, t[k].df), t[k].q975, 1e-9 * t[k].q975);
	assert_close(survey_t_quantile(0.025, 10), -2.2281388519862739, 1e-12);
	assert_close(survey_normal_quantile(0.975), 1.9599639845400536, 1e-15);
	assert_close(survey_normal_upper(1.96), 0.024997895148220428, 1e-16);
	assert_true(isnan(survey_t_quantile(0.975, 0)));
}

/* 40 respondents in area 0, 10 in area 1. */
static survey_design *two_areas(survey_data **data_out, double *y)
{
	static const int levels[] = { 2 };
	int areas[50];
	for (int i = 0; i < 50; i++) {
		areas[i] = i < 40 ? 0 : 1;
		y[i] = i % 3 == 0;
	}
	survey_data *data = data_with(50, 1, levels, areas);
	double population[] = { 800, 200 };
	survey_margin margin = one_variable(0, population);
	survey_design *design;
	survey_problem problem;
	assert_int_equal(survey_rake(data, &margin, 1, NULL, &design, &problem), 0);
	*data_out = data;
	return design;
}

static void small_groups_are_suppressed(void **state)
{
	survey_data *data;
	double y[50];
	survey_design *design = two_areas(&data, y);
	survey_estimate table[2], e;
	survey_problem problem;
	survey_estimate_options o;

	survey_estimate_options_default(&o);
	assert_int_equal(o.min_n, 30);
	assert_int_equal(survey_table(design, y, SURVEY_SHARE, 0, &o, table, &problem), 0);
	assert_int_equal(table[0].status, SURVEY_ESTIMATE_OK);
	assert_int_equal(table[0].n, 40);
	assert_false(isnan(table[0].value));
	assert_int_equal(table[1].status, SURVEY_ESTIMATE_SUPPRESSED);
	assert_int_equal(table[1].n, 10);
	assert_true(isnan(table[1].value));
	assert_true(isnan(table[1].se));
	assert_true(isnan(table[1].ci_low) && isnan(table[1].ci_high));
	assert_string_equal(survey_status_text(table[1].status), "suppressed (too few answers)");

	/* Missing answers do not count towards the minimum. */
	for (int i = 0; i < 15; i++)
		y[i] = NAN;
	assert_int_equal(survey_mean(design, y, (survey_domain){ 0, 0 }, &o, &e, &problem), 0);
	assert_int_equal(e.n, 25);
	assert_int_equal(e.status, SURVEY_ESTIMATE_SUPPRESSED);

	/* The minimum is configurable. */
	o.min_n = 10;
	assert_int_equal(survey_mean(design, y, (survey_domain){ 0, 0 }, &o, &e, &problem), 0);
	assert_int_equal(e.status, SURVEY_ESTIMATE_OK);
	assert_int_equal(survey_mean(design, y, (survey_domain){ 0, 1 }, &o, &e, &problem), 0);
	assert_int_equal(e.status, SURVEY_ESTIMATE_OK);

	/* Nobody answered. */
	for (int i = 40; i < 50; i++)
		y[i] = NAN;
	assert_int_equal(survey_mean(design, y, (survey_domain){ 0, 1 }, &o, &e, &problem), 0);
	assert_int_equal(e.status, SURVEY_ESTIMATE_NO_ANSWERS);
	assert_int_equal(e.n, 0);

	/* A domain that does not exist. */
	assert_int_equal(survey_mean(design, y, (survey_domain){ 0, 2 }, &o, &e, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_ARGUMENT);
	survey_design_free(design);
	survey_data_free(data);
}

static void comparisons_give_a_verdict(void **state)
{
	survey_estimate a = { .status = SURVEY_ESTIMATE_OK, .value = 0.30, .se = 0.02 };
	survey_estimate b = { .status = SURVEY_ESTIMATE_OK, .value = 0.36, .se = 0.02 };
	survey_comparison c;

	survey_compare_rounds(&a, &b, NULL, &c);
	assert_close(c.difference, 0.06, 1e-15);
	assert_close(c.se, sqrt(0.0008), 1e-15);
	assert_close(c.p_value, 2 * survey_normal_upper(0.06 / sqrt(0.0008)), 1e-15);
	assert_int_equal(c.verdict, SURVEY_CLEARLY_HIGHER);
	survey_compare_rounds(&b, &a, NULL, &c);
	assert_int_equal(c.verdict, SURVEY_CLEARLY_LOWER);
	b.value = 0.33;
	survey_compare_rounds(&a, &b, NULL, &c);
	assert_int_equal(c.verdict, SURVEY_NO_CLEAR_DIFFERENCE);
	assert_string_equal(survey_verdict_text(c.verdict), "no clear difference");
	b.status = SURVEY_ESTIMATE_SUPPRESSED;
	survey_compare_rounds(&a, &b, NULL, &c);
	assert_int_equal(c.verdict, SURVEY_NOT_COMPARABLE);
	assert_true(isnan(c.difference));

	/* Between two domains of one round: a suppressed side makes it not comparable. */
	survey_data *data;
	double y[50];
	survey_design *design = two_areas(&data, y);
	survey_problem problem;
	survey_domain first = { 0, 0 }, second = { 0, 1 };
	assert_int_equal(survey_compare_domains(design, y, SURVEY_SHARE, first, second, NULL, &c, &problem), 0);
	assert_int_equal(c.verdict, SURVEY_NOT_COMPARABLE);
	survey_estimate_options o = no_minimum();
	assert_int_equal(survey_compare_domains(design, y, SURVEY_SHARE, first, second, &o, &c, &problem), 0);
	assert_int_equal(c.verdict, SURVEY_NO_CLEAR_DIFFERENCE);
	/* Domains of the raking margin are independent here: the contrast's variance is the sum. */
	survey_estimate one, two;
	assert_int_equal(survey_share(design, y, first, &o, &one, &problem), 0);
	assert_int_equal(survey_share(design, y, second, &o, &two, &problem), 0);
	assert_close(c.difference, two.value - one.value, 1e-15);
	assert_close(c.se * c.se, one.se * one.se + two.se * two.se, 1e-12);
	survey_design_free(design);
	survey_data_free(data);
}

static void indices_follow_their_formulas(void **state)
{
	static const int levels[] = { 1 };
	int none[6] = { 0 };
	survey_data *data = data_with(6, 1, levels, none);
	survey_design *design;
	survey_problem problem;
	survey_estimate e;
	survey_estimate_options o = no_minimum();
	survey_domain all = { SURVEY_EVERYONE, 0 };

	assert_int_equal(survey_rake(data, NULL, 0, NULL, &design, &problem), 0);

	/* Problem index: Nej 0, viss del 3, stor del 6, inget problem 0, vet inte left out. */
	double litter[] = { 1, 2, 3, 4, 5, NAN };
	assert_int_equal(survey_problem_index(design, litter, &survey_problem_scale, all, &o, &e, &problem), 0);
	assert_close(e.value, (0 + 3 + 6 + 0) / 4.0, 1e-15);
	assert_int_equal(e.n, 4);
	double graffiti[] = { 3, 3, 3, 1, 1, 1 };
	const double *items[] = { litter, graffiti };
	assert_int_equal(survey_problem_index_total(design, items, 2, &survey_problem_scale, all, &o, &e, &problem), 0);
	assert_close(e.value, (2.25 + 3) / 2, 1e-15);
	assert_int_equal(e.n, 4);
	double wrong[] = { 1, 2, 9, 1, 1, 1 };
	assert_int_equal(survey_problem_index(design, wrong, &survey_problem_scale, all, &o, &e, &problem), -1);
	assert_int_equal(problem.error, SURVEY_ERR_CODE);
	assert_int_equal(problem.respondent, 2);

	/* Unsafety: ganska/mycket otrygg and "never out because unsafe" count; "never out, other reasons" does not. */
	double evening[] = { 1, 2, 3, 4, 5, 6 };
	assert_int_equal(survey_unsafety_index(design, evening, &survey_unsafety_scale, all, &o, &e, &problem), 0);
	assert_close(e.value, 0.5, 1e-15);

	/* Victimisation: anyone with a "yes"; no "yes" but an unknown answer is left out. */
	double assault[] = { 1, 2, 2, 3, 2, 2 };
	double burglary[] = { 2, 1, 2, 2, 3, 2 };
	const double *crimes[] = { assault, burglary };
	assert_int_equal(survey_victimisation_index(design, crimes, 2, &survey_yes_no_scale, all, &o, &e, &problem), 0);
	assert_close(e.value, 2 / 4.0, 1e-15);
	assert_int_equal(e.n, 4);

	/* Reporting rate: reported crimes over crimes (with a known reporting answer). */
	double assault_reported[] = { 1, NAN, NAN, NAN, NAN, NAN };
	double burglary_reported[] = { NAN, 2, NAN, NAN, NAN, NAN };
	const double *reported[] = { assault_reported, burglary_reported };
	assert_int_equal(survey_reporting_rate(design, crimes, reported, 2, &survey_yes_no_scale, all, &o, &e, &problem),
	                 0);
	assert_close(e.value, 0.5, 1e-15);
	assert_int_equal(e.n, 2);

	for (int k = 0; k < SURVEY_INDEX__MAX; k++)
		assert_true(strlen(survey_index_formula(k)) > 20);
	double top[6];
	survey_indicator(evening, 6, 4, 5, top);
	assert_close(top[3] + top[4], 2, 0);
	assert_close(top[0] + top[5], 0, 0);
	survey_design_free(design);
	survey_data_free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raking_meets_margins_by_hand),
		cmocka_unit_test(post_stratified_variance_by_hand),
		cmocka_unit_test(unweighted_mean_is_textbook),
		cmocka_unit_test(margins_that_cannot_be_met),
		cmocka_unit_test(empty_joint_cell),
		cmocka_unit_test(non_convergence_is_reported),
		cmocka_unit_test(trimming_keeps_weights_within_bounds),
		cmocka_unit_test(intervals_near_0_and_100_percent),
		cmocka_unit_test(quantiles_match_r),
		cmocka_unit_test(small_groups_are_suppressed),
		cmocka_unit_test(comparisons_give_a_verdict),
		cmocka_unit_test(indices_follow_their_formulas),
	};
	return cmocka_run_group_tests_name("survey_stats", tests, NULL, NULL);
}
