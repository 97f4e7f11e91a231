/*
 * survey_internal.h — what survey_rake.c (which builds a design) and
 * survey_stats.c (which estimates from it) share: the layout of a design and
 * the residual of an influence column after the raking. Internal to
 * src/survey/; everything else goes through survey_stats.h.
 */
#ifndef TRYGG_SURVEY_INTERNAL_H
#define TRYGG_SURVEY_INTERNAL_H

#include <stddef.h>

#include "survey/survey_stats.h"

/* One margin of the last raking, as the variance needs it. */
typedef struct survey_design_margin {
	size_t cells;
	int *cell;          /* [n] each respondent's cell */
	double *respondents;/* [cells] unweighted count of respondents per cell */
	double *step_weight;/* [n] the weights just after this margin was met in the last sweep
	                     * (R: attr(postStrata[[m]], "weights")) */
	double *step_inverse;/* [n] 1 / step_weight */
	/* cross[k] (cells × margins[k].cells, row-major): Σ over the respondents in
	 * cell c of this margin and cell c' of margin k of step_weight_k / step_weight. */
	double **cross;
} survey_design_margin;

struct survey_design {
	const survey_data *data; /* borrowed */
	size_t n;
	double *weight;          /* [n] final weights */
	size_t margin_count;
	survey_design_margin *margins;
	double *margin_error;    /* [max_iterations] history of the last raking */
	survey_rake_report report;
};

/* The number of backfitting rounds R's svyrecvar() makes for a raking. */
#define SURVEY_RAKING_VARIANCE_ROUNDS 10

/* Writes into r (n values; may be z itself) the residual of the influence
 * column z after the raking margins, exactly as R's svyrecvar() does for a
 * raked design. */
void survey_design_residual(const survey_design *design, const double *z, double *r);

#endif
