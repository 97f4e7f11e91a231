/*
 * survey_distribution.h — the few distribution functions the survey
 * statistics need, to full double precision: the normal and Student t
 * quantiles (for intervals, as R's qnorm() and qt()) and the normal tail
 * (for p-values). Internal to src/survey/.
 */
#ifndef TRYGG_SURVEY_DISTRIBUTION_H
#define TRYGG_SURVEY_DISTRIBUTION_H

/* The p-quantile of the standard normal distribution, 0 < p < 1 (R: qnorm(p)). */
double survey_normal_quantile(double p);

/* P(Z > z) for a standard normal Z (R: pnorm(z, lower.tail = FALSE)). */
double survey_normal_upper(double z);

/* The p-quantile of Student's t with df > 0 degrees of freedom, 0 < p < 1
 * (R: qt(p, df)). Returns NaN for df ≤ 0. */
double survey_t_quantile(double p, double df);

/* P(T > t) for Student's t with df > 0 degrees of freedom (R: pt(t, df, lower.tail = FALSE)). */
double survey_t_upper(double t, double df);

#endif
