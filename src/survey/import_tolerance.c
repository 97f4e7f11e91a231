/*
 * import_tolerance.c — the raking's tolerance for margin totals, for the
 * population page (population.c cannot include survey_stats.h beside
 * questionnaire.h: both name something survey_item).
 */
#include "survey/survey_stats.h"

/* Declared in import.h, which cannot be included here. */
double survey_population_total_tolerance(void);

double survey_population_total_tolerance(void)
{
	survey_rake_options o;
	survey_rake_options_default(&o);
	return o.total_tolerance;
}
