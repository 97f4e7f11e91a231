/*
 * survey_stats.h — the statistics of the safety survey (trygghetsundersökningen):
 * answers held as columns, weights raked to population margins and trimmed,
 * weighted shares, means and ratios for everyone and per domain with standard
 * errors by Taylor linearisation that accounts for the raking, intervals,
 * the indices Trygg defines, comparisons with a verdict, and suppression of
 * figures that rest on too few answers.
 *
 * The numbers are those of R's survey package on the design
 *     d0 <- svydesign(ids = ~1, weights = ~base_weight, data = answers)
 *     d  <- rake(d0, list(~age + sex, ~area), list(pop_age_sex, pop_area))
 * (tests/survey/compare_r.sh checks them to 1e-6 against R itself):
 *   survey_mean()   svymean(~y, d, na.rm = TRUE)                    value, SE;
 *                   the interval is confint(): value ± z(level)·SE
 *   survey_share()  svymean() for value and SE; the interval is
 *                   svyciprop(~y, d, method = "logit", na.rm = TRUE):
 *                   expit(logit(p) ± t(level, df)·SE/(p(1−p))), where df is
 *                   degf() of the (domain) design: the respondents in the
 *                   domain, answering or not, minus one. (R fits a glm for
 *                   this, which can diverge on a small domain and then report
 *                   0 % with interval [0, 0]; Trygg uses the weighted share,
 *                   the value the glm has when it converges.)
 *   survey_ratio()  svyratio(~a, ~b, d)                             value, SE;
 *                   interval value ± z(level)·SE
 *   survey_table()  svyby(~y, ~area, d, svymean / svyciprop / svyratio):
 *                   domain estimation on the whole design, never a subset
 *                   of the data raked on its own
 *   survey_compare_domains()  svycontrast() of two domain estimates, with
 *                   their covariance from the same linearisation
 *
 * Variance. A statistic θ = Σ w·a / Σ w·b over the answering respondents of
 * a domain has the influence z_i = w_i (a_i − θ b_i) / Σ w·b (0 outside the
 * domain and for non-answers). For raked weights R's svyrecvar() replaces z
 * by its residual after the margins: ten rounds, margin by margin, of
 *     z ← z − w⁽ᵐ⁾ · ave(z / w⁽ᵐ⁾, cell of margin m)
 * where w⁽ᵐ⁾ are the weights just after margin m was met in the last sweep
 * of the raking (the backfitting form of regressing z on the margins' cell
 * indicators). The variance is then that of a with-replacement sample of all
 * n respondents: n/(n−1) · Σ (r_i − r̄)². Trygg does the same arithmetic in
 * the space of margin cells, which costs one pass over the data per column.
 *
 * Design decisions (each documented where it is configured):
 *   - margin totals that disagree by at most total_tolerance (relative; 0.5 %
 *     by default, the rounding of published population figures) are rescaled
 *     to the first margin's total and the report says so; beyond that raking
 *     is refused (R would silently meet only the last margin);
 *   - a population cell with people but no respondents, respondents in a cell
 *     the population says is empty, a missing or out-of-range category, or a
 *     non-positive base weight: refused, naming the margin and cell;
 *   - trimming holds every weight that crosses [lower, upper] × the mean
 *     weight at that bound and rakes the other weights to the margins less
 *     the held ones, until no weight crosses a bound (clipping and raking
 *     everything again can stall with weights the raking pushes straight
 *     back over the bound). The standard errors then treat the final weights
 *     as calibrated weights: R's rake(svydesign(weights = ~trimmed), …),
 *     which leaves them as they are;
 *   - shares of exactly 0 % or 100 % have no logit interval (R returns a
 *     meaningless one); Trygg gives [0, 1 − (α/2)^(1/n_eff)] (or its mirror),
 *     the exact binomial bound at the effective sample size, and says so
 *     with ci_boundary.
 *
 * Not here: questionnaires, storage, files, HTTP, and the texts users read:
 * every outcome is an enum that the page layer translates. English texts for
 * logs and the command line come from survey_error_text() and friends.
 * Memory: the caller owns what it passes in; a survey_data and a
 * survey_design are freed with their _free() functions. Not thread-safe per
 * object; separate objects may be used from separate threads.
 */
#ifndef TRYGG_SURVEY_STATS_H
#define TRYGG_SURVEY_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* ---- the answers ---- */

/* A background value that is not known (no answer). */
#define SURVEY_NO_CATEGORY (-1)

/*
 * n respondents × item_count items, plus variable_count categorical
 * background variables (age group, sex, area, …) and a base (design) weight
 * each. Columns are contiguous so that every estimate runs down one array.
 */
typedef struct survey_data {
	size_t n;
	size_t item_count;
	size_t variable_count;
	double *items;       /* item j of respondent i at items[j * n + i]; NaN = no answer */
	int *variables;      /* variable v of respondent i at variables[v * n + i]:
	                      * 0 … levels[v] − 1, or SURVEY_NO_CATEGORY */
	int *levels;         /* number of categories of each variable */
	double *base_weight; /* design weights; 1 unless set */
} survey_data;

/* Allocates data for n respondents with every item NaN, every variable
 * SURVEY_NO_CATEGORY and every base weight 1. levels has variable_count
 * entries, each ≥ 1. Returns NULL when a size is 0 or a level count < 1.
 * Free with survey_data_free(). */
survey_data *survey_data_new(size_t n, size_t item_count, size_t variable_count, const int *levels);

/* Frees data (NULL is allowed). */
void survey_data_free(survey_data *data);

/* The column of item j (n values). */
static inline double *survey_data_column(const survey_data *data, size_t j)
{
	return data->items + j * data->n;
}

/* The column of background variable v (n values). */
static inline int *survey_variable(const survey_data *data, size_t v)
{
	return data->variables + v * data->n;
}

/* ---- what can go wrong ---- */

enum survey_error {
	SURVEY_OK,
	SURVEY_ERR_ARGUMENT,        /* an argument out of range: sizes, options, variable numbers */
	SURVEY_ERR_BASE_WEIGHT,     /* a base weight is not a positive finite number (respondent) */
	SURVEY_ERR_CATEGORY,        /* a respondent's category of a margin variable is missing or
	                             * out of range (margin, respondent, value) */
	SURVEY_ERR_POPULATION,      /* a population count is negative or not finite (margin, cell) */
	SURVEY_ERR_EMPTY_CELL,      /* a population cell has people but no respondents (margin, cell) */
	SURVEY_ERR_CELL_NOT_IN_POPULATION, /* respondents in a cell the population says is empty
	                             * (margin, cell) */
	SURVEY_ERR_MARGIN_TOTALS,   /* margin totals disagree by more than total_tolerance
	                             * (margin, value = relative difference to the first margin) */
	SURVEY_ERR_NOT_CONVERGED,   /* max_iterations sweeps were not enough (value = last error) */
	SURVEY_ERR_TRIM_BOUNDS,     /* the trimmed weights could not be kept within the bounds while
	                             * meeting the margins (value = worst weight / mean weight) */
	SURVEY_ERR_CODE,            /* an answer code outside the scale (respondent, value) */
	SURVEY_ERR_NOT_INDICATOR,   /* a share of a column that is not 0, 1 or NaN (respondent, value) */
	SURVEY_ERR__MAX
};

/* What went wrong and where: 0-based numbers; fields that do not apply are 0. */
typedef struct survey_problem {
	enum survey_error error;
	size_t margin;
	size_t cell;       /* cell within the margin, row-major over its variables */
	size_t respondent;
	double value;
} survey_problem;

/* An English sentence for error (for logs and the command line; never NULL). */
const char *survey_error_text(enum survey_error error);

/* Appends an English description of problem, with its numbers, to out. */
void survey_problem_describe(const survey_problem *problem, buf *out);

/* ---- raking ---- */

/* The most variables one margin may cross. */
#define SURVEY_MARGIN_VARIABLES_MAX 4

/*
 * A population margin: counts for every cell of the cross of one or more
 * background variables (age group × sex as one margin, area as another).
 * Cells run row-major: for variables (age, sex) the cell of age a, sex s is
 * a * levels[sex] + s. Cells with population 0 and no respondents are fine.
 */
typedef struct survey_margin {
	size_t variable_count;                         /* 1 … SURVEY_MARGIN_VARIABLES_MAX */
	size_t variables[SURVEY_MARGIN_VARIABLES_MAX]; /* background variable numbers */
	const double *population;                      /* one count per cell */
} survey_margin;

/* When raking stops. */
enum survey_stop_rule {
	/* Every margin cell within `tolerance` (relative) of its population after a sweep. */
	SURVEY_STOP_MARGIN_ERROR,
	/* R's rake(): no cell of the table crossing all margin variables moved by `epsilon`
	 * or more during a sweep; epsilon < 1 is a share of the sum of the base weights. */
	SURVEY_STOP_TABLE_CHANGE,
};

typedef struct survey_rake_options {
	enum survey_stop_rule stop_rule; /* default SURVEY_STOP_MARGIN_ERROR */
	double tolerance;       /* default 1e-10 */
	double epsilon;         /* default 1e-10 (only for SURVEY_STOP_TABLE_CHANGE) */
	int max_iterations;     /* sweeps over all margins; default 100 */
	double total_tolerance; /* largest relative difference between margin totals that is
	                         * rescaled away; default 0.005 */
	double trim_lower;      /* weights at least trim_lower × mean weight; default 0 */
	double trim_upper;      /* weights at most trim_upper × mean weight; 0 = no trimming (default) */
	int trim_max_rounds;    /* hold-and-rake rounds; default 20 */
	double trim_tolerance;  /* a weight this far (relative) past a bound counts as within; 1e-6 */
} survey_rake_options;

/* Fills o with the defaults above. */
void survey_rake_options_default(survey_rake_options *o);

/* What the raking did, for the methods page and the staff view. */
typedef struct survey_rake_report {
	bool converged;
	int iterations;             /* sweeps of the last raking */
	const double *margin_error; /* [iterations]: the largest relative margin error after each
	                             * sweep of the last raking (owned by the design) */
	int total_iterations;       /* sweeps of every raking, trimming rounds included */
	double totals_difference;   /* largest relative difference of a margin total to the first
	                             * margin's, before rescaling (0 when they agree) */
	bool totals_rescaled;       /* margins were rescaled to the first margin's total */
	bool trimmed;               /* trimming was asked for */
	int trim_rounds;            /* hold-and-rake rounds done */
	size_t trimmed_count;       /* weights held at a bound */
	double weight_min, weight_max, weight_mean;
	double weight_ratio;        /* weight_max / weight_min */
	double design_effect;       /* Kish: 1 + CV² = n Σw² / (Σw)² */
	double n_effective;         /* n / design_effect = (Σw)² / Σw² */
} survey_rake_report;

/* The answers with their final weights and what the variance needs. Opaque. */
typedef struct survey_design survey_design;

/*
 * Rakes data's base weights to margin_count margins (0 margins: the base
 * weights as they are), then trims if o asks for it. data must outlive the
 * design. o may be NULL for the defaults.
 * Returns 0 with *out set, or -1 with *problem filled. On
 * SURVEY_ERR_NOT_CONVERGED and SURVEY_ERR_TRIM_BOUNDS *out is set all the same
 * (the last weights and the report, for showing what happened; nothing from it
 * should be published); on every other error *out is NULL.
 */
int survey_rake(const survey_data *data, const survey_margin *margins, size_t margin_count,
                const survey_rake_options *o, survey_design **out, survey_problem *problem);

/* Frees design (NULL is allowed). */
void survey_design_free(survey_design *design);

/* The final weight of every respondent (n values, owned by design). */
const double *survey_design_weights(const survey_design *design);

/* The raking report (owned by design). */
const survey_rake_report *survey_design_report(const survey_design *design);

/* ---- estimates ---- */

/* Everyone, or the respondents with one category of a background variable. */
typedef struct survey_domain {
	int variable; /* background variable number, or SURVEY_EVERYONE */
	int category;
} survey_domain;

#define SURVEY_EVERYONE (-1)

/* Whether a figure may be shown. */
enum survey_status {
	SURVEY_ESTIMATE_OK,
	SURVEY_ESTIMATE_SUPPRESSED, /* fewer than min_n answers: not to be published */
	SURVEY_ESTIMATE_NO_ANSWERS, /* nobody in the domain answered */
	SURVEY_ESTIMATE__MAX
};

typedef struct survey_estimate_options {
	size_t min_n; /* fewest unweighted answers a published figure may rest on; default 30 */
	double level; /* confidence level of intervals and of verdicts; default 0.95 */
} survey_estimate_options;

/* Fills o with the defaults above. */
void survey_estimate_options_default(survey_estimate_options *o);

/*
 * One figure. Unless status is SURVEY_ESTIMATE_OK every double is NaN, so a
 * suppressed figure cannot be printed by mistake; n is always filled.
 */
typedef struct survey_estimate {
	enum survey_status status;
	double value;       /* share (0 … 1), mean or ratio */
	double se;          /* standard error */
	double ci_low, ci_high;
	bool ci_boundary;   /* a share of exactly 0 or 1: the interval is the exact binomial
	                     * bound at n_effective, not a logit interval */
	size_t n;           /* unweighted answers (for a ratio: respondents with a denominator) */
	double n_effective; /* Kish: (Σw)² / Σw² over those answers */
	double weighted_n;  /* Σw over those answers: the population they stand for */
} survey_estimate;

/* The weighted mean of y over the answers (NaN = no answer) in domain.
 * Returns 0 with *out, or -1 with *problem (bad domain). */
int survey_mean(const survey_design *design, const double *y, survey_domain domain,
                const survey_estimate_options *o, survey_estimate *out, survey_problem *problem);

/* The weighted share of y = 1 among the answers in domain, with a logit
 * interval. y holds 0, 1 or NaN. Returns 0 with *out, or -1 with *problem. */
int survey_share(const survey_design *design, const double *y, survey_domain domain,
                 const survey_estimate_options *o, survey_estimate *out, survey_problem *problem);

/* Σw·a / Σw·b over the respondents in domain with both known; n counts those
 * with b ≠ 0. Returns 0 with *out, or -1 with *problem. */
int survey_ratio(const survey_design *design, const double *a, const double *b, survey_domain domain,
                 const survey_estimate_options *o, survey_estimate *out, survey_problem *problem);

enum survey_statistic {
	SURVEY_MEAN,
	SURVEY_SHARE,
	SURVEY__STATISTIC_MAX
};

/* One estimate of y per category of background variable `variable` (out has
 * levels[variable] entries), on the whole design (svyby). Returns 0 or -1
 * with *problem. */
int survey_table(const survey_design *design, const double *y, enum survey_statistic statistic,
                 int variable, const survey_estimate_options *o, survey_estimate *out,
                 survey_problem *problem);

/* ---- recoding answers ---- */

/*
 * A scale turns answer codes first_code … first_code + count − 1 into
 * numbers: score[code − first_code]; a NaN score leaves the answer out
 * ("Vet inte"). Thresholds are data: a coordinator may use other scales.
 */
typedef struct survey_scale {
	int first_code;
	size_t count;
	const double *score;
} survey_scale;

/* Problem items: 1 Nej → 0, 2 Ja, till viss del → 3, 3 Ja, till stor del → 6,
 * 4 Ja, men jag ser det inte som ett problem → 0, 5 Vet inte → left out. */
extern const survey_scale survey_problem_scale;
/* Out alone late in the evening: 1 Mycket trygg → 0, 2 Ganska trygg → 0,
 * 3 Ganska otrygg → 1, 4 Mycket otrygg → 1, 5 Går aldrig ut p.g.a. otrygghet → 1,
 * 6 Går aldrig ut av andra skäl → 0 (part of the population, not unsafe). */
extern const survey_scale survey_unsafety_scale;
/* Yes/no questions (victimised? reported?): 1 Ja → 1, 2 Nej → 0, 3 Vet inte → left out. */
extern const survey_scale survey_yes_no_scale;

/* Writes scale's number for each of the n codes into out (NaN stays NaN).
 * Returns 0, or -1 with *problem (SURVEY_ERR_CODE) for a code not on the scale. */
int survey_recode(const double *codes, size_t n, const survey_scale *scale, double *out,
                  survey_problem *problem);

/* out[i] = 1 when low ≤ values[i] ≤ high, 0 otherwise, NaN when values[i] is
 * NaN: e.g. "answered 4 or 5" on a 1–5 scale. */
void survey_indicator(const double *values, size_t n, double low, double high, double *out);

/* ---- Trygg's indices (formulas in survey_index_formula()) ---- */

enum survey_index {
	SURVEY_INDEX_PROBLEM,
	SURVEY_INDEX_PROBLEM_TOTAL,
	SURVEY_INDEX_UNSAFETY,
	SURVEY_INDEX_VICTIMISATION,
	SURVEY_INDEX_REPORTING_RATE,
	SURVEY_INDEX__MAX
};

/* The index's formula in English (for logs, the command line and as the
 * source of the translated text on the results page). */
const char *survey_index_formula(enum survey_index index);

/* Problem index of one item: the weighted mean of its score on scale (0–6).
 * Returns 0 with *out, or -1 with *problem. */
int survey_problem_index(const survey_design *design, const double *codes, const survey_scale *scale,
                         survey_domain domain, const survey_estimate_options *o,
                         survey_estimate *out, survey_problem *problem);

/* Total problem index: the plain mean of item_count item indices, its
 * standard error from the combined linearisation (the item indices are
 * correlated). n and n_effective are the smallest of the items': the total
 * rests on every item. Returns 0 with *out, or -1 with *problem. */
int survey_problem_index_total(const survey_design *design, const double *const *codes,
                               size_t item_count, const survey_scale *scale, survey_domain domain,
                               const survey_estimate_options *o, survey_estimate *out,
                               survey_problem *problem);

/* Unsafety index: the weighted share scored 1 on the evening question.
 * Returns 0 with *out, or -1 with *problem. */
int survey_unsafety_index(const survey_design *design, const double *codes, const survey_scale *scale,
                          survey_domain domain, const survey_estimate_options *o,
                          survey_estimate *out, survey_problem *problem);

/* Victimisation index: the weighted share victimised by at least one of
 * crime_count crimes (codes on scale, 1 = victimised). Someone with no "yes"
 * and an unknown answer is left out. One crime gives that crime's share.
 * Returns 0 with *out, or -1 with *problem. */
int survey_victimisation_index(const survey_design *design, const double *const *victimised,
                               size_t crime_count, const survey_scale *scale, survey_domain domain,
                               const survey_estimate_options *o, survey_estimate *out,
                               survey_problem *problem);

/* Reporting rate: reported crimes / crimes, over crime_count crimes (codes
 * on scale); a crime counts when its victimisation answer is 1 and its
 * reporting answer is known. A ratio of weighted totals (svyratio); n counts
 * the victims. Returns 0 with *out, or -1 with *problem. */
int survey_reporting_rate(const survey_design *design, const double *const *victimised,
                          const double *const *reported, size_t crime_count,
                          const survey_scale *scale, survey_domain domain,
                          const survey_estimate_options *o, survey_estimate *out,
                          survey_problem *problem);

/* ---- comparisons ---- */

/* The plain-language outcome of a comparison of `second` with `first`. */
enum survey_verdict {
	SURVEY_NO_CLEAR_DIFFERENCE, /* "ingen säker skillnad" */
	SURVEY_CLEARLY_HIGHER,      /* second is higher, significant at the level */
	SURVEY_CLEARLY_LOWER,       /* second is lower, significant at the level */
	SURVEY_NOT_COMPARABLE,      /* one side is suppressed or has no answers */
	SURVEY_VERDICT__MAX
};

typedef struct survey_comparison {
	enum survey_verdict verdict;
	double difference;      /* second − first; NaN when not comparable */
	double se;
	double z;               /* difference / se */
	double p_value;         /* two-sided, normal */
	double ci_low, ci_high; /* difference ± z(level)·se */
} survey_comparison;

/* Compares two rounds (independent samples): se = √(se₁² + se₂²), z-test.
 * Never fails. */
void survey_compare_rounds(const survey_estimate *first, const survey_estimate *second,
                           const survey_estimate_options *o, survey_comparison *out);

/* Compares domain `second` with domain `first` in one round (e.g. two areas)
 * for the mean or share of y: the contrast with the covariance of the two
 * domain estimates from the linearisation (svycontrast). Not comparable when
 * either side is suppressed. Returns 0 with *out, or -1 with *problem. */
int survey_compare_domains(const survey_design *design, const double *y, enum survey_statistic statistic,
                           survey_domain first, survey_domain second,
                           const survey_estimate_options *o, survey_comparison *out,
                           survey_problem *problem);

/* English names for logs and the command line. */
const char *survey_verdict_text(enum survey_verdict verdict);
const char *survey_status_text(enum survey_status status);

#endif
