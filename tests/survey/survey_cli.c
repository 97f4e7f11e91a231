/*
 * survey_cli.c — runs Trygg's survey statistics from a plain spec file, so
 * that tests/survey/compare_r.sh and bench/survey.sh can put the same
 * questions to Trygg and to R's survey package and compare the answers.
 *
 *     survey_cli SPEC > RESULTS
 *
 * SPEC has one directive per line ('#' starts a comment):
 *     data PATH                     CSV with a header; NA = missing; all numeric
 *     weight COLUMN                 base weights (default 1)
 *     variable COLUMN LEVELS        a background variable coded 1 … LEVELS
 *     margin VAR[*VAR…] COUNT…      population per cell, the last variable fastest
 *     rake margin_error TOL MAXIT   or: rake table_change EPSILON MAXIT (R's rule)
 *     trim LOWER UPPER ROUNDS TOL   trimming bounds as multiples of the mean weight
 *     min_n N                       level L
 *     weights                       every final weight, and the raking report
 *     mean ITEM [BY]                share ITEM [BY]        ratio NUM DEN [BY]
 *     contrast mean|share ITEM VAR A B
 *     problem ITEM [BY]             unsafety ITEM [BY]
 *     problem_total BY|- ITEM…      victimisation BY|- ITEM…
 *     reporting BY|- VICTIM… / REPORTED…
 * Directives up to the first estimate set up the design; raking happens
 * before the first estimate. BY is a background variable: one result per
 * category, as svyby(). Each result is a line "KEY VALUE", KEY being
 * kind/item/domain/field with the domain "all" or VAR=CODE; a value that is
 * suppressed or missing prints as NA. The time spent raking and estimating
 * (not reading) goes to stderr. Exit status: 0, 1 on a statistics error
 * (printed), 2 on a bad spec or file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/util.h"
#include "survey/survey_stats.h"

#define MAX_TOKENS 4096
#define MAX_MARGINS 8

typedef struct table {
	size_t rows, cols;
	char **names;
	double *values; /* column-major: values[c * rows + r] */
} table;

typedef struct cli {
	table csv;
	int weight_col;
	size_t variable_count;
	int variable_col[64];
	int variable_levels[64];
	char *variable_name[64];
	survey_margin margins[MAX_MARGINS];
	double *populations[MAX_MARGINS];
	size_t margin_count;
	survey_rake_options rake;
	survey_estimate_options est;
	survey_data *data;
	survey_design *design;
	double seconds_rake, seconds_estimates;
	int status;
} cli;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "survey_cli: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	buf b = BUF_INIT;
	char chunk[65536];
	size_t got;
	if (!f)
		die("cannot open", path);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Reads a numeric CSV with a header line (no quoting; NA = missing). */
static void read_csv(const char *path, table *t)
{
	size_t len, cap = 1024;
	char *text = read_file(path, &len), *p = text, *line;
	char *end_of_header = strchr(text, '\n');
	if (!end_of_header)
		die("no header line in", path);
	*end_of_header = '\0';
	t->names = xmalloc(MAX_TOKENS * sizeof *t->names);
	t->cols = 0;
	for (char *name = p;;) {
		char *comma = strchr(name, ',');
		if (comma)
			*comma = '\0';
		if (t->cols == MAX_TOKENS)
			die("too many columns in", path);
		name[strcspn(name, "\r")] = '\0';
		t->names[t->cols++] = xstrdup(name[0] == '"' ? name + 1 : name);
		char *q = strchr(t->names[t->cols - 1], '"');
		if (q)
			*q = '\0';
		if (!comma)
			break;
		name = comma + 1;
	}
	double *rows = xmalloc(cap * t->cols * sizeof *rows); /* row-major while reading */
	t->rows = 0;
	for (line = end_of_header + 1; *line; ) {
		char *next = strchr(line, '\n');
		if (next)
			*next = '\0';
		if (*line && *line != '\r') {
			if (t->rows == cap) {
				cap *= 2;
				rows = xrealloc(rows, cap * t->cols * sizeof *rows);
			}
			char *field = line;
			for (size_t c = 0; c < t->cols; c++) {
				char *end;
				if (strncmp(field, "NA", 2) == 0) {
					rows[t->rows * t->cols + c] = NAN;
					end = field + 2;
				} else {
					errno = 0;
					rows[t->rows * t->cols + c] = strtod(field, &end);
					if (end == field || errno)
						die("not a number in", path);
				}
				if (c + 1 < t->cols) {
					if (*end != ',')
						die("too few fields in", path);
					field = end + 1;
				}
			}
			t->rows++;
		}
		if (!next)
			break;
		line = next + 1;
	}
	t->values = xmalloc(t->rows * t->cols * sizeof *t->values);
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++)
			t->values[c * t->rows + r] = rows[r * t->cols + c];
	free(rows);
	free(text);
}

static int column(const cli *c, const char *name)
{
	for (size_t i = 0; i < c->csv.cols; i++)
		if (strcmp(c->csv.names[i], name) == 0)
			return (int)i;
	die("no such column", name);
	return -1;
}

static int variable(const cli *c, const char *name)
{
	for (size_t v = 0; v < c->variable_count; v++)
		if (strcmp(c->variable_name[v], name) == 0)
			return (int)v;
	die("not a background variable", name);
	return -1;
}

static const double *item(const cli *c, const char *name)
{
	return c->csv.values + (size_t)column(c, name) * c->csv.rows;
}

static double number(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		die("not a number", s);
	return v;
}

static void report_failure(cli *c, const survey_problem *problem)
{
	buf b = BUF_INIT;
	survey_problem_describe(problem, &b);
	fprintf(stderr, "survey_cli: %s\n", buf_cstr(&b));
	buf_free(&b);
	c->status = 1;
}

/* Builds the data and rakes it (once, before the first estimate). */
static void ensure_design(cli *c)
{
	survey_problem problem;
	if (c->design)
		return;
	if (!c->csv.rows)
		die("no data", NULL);
	c->data = survey_data_new(c->csv.rows, 0, c->variable_count, c->variable_levels);
	if (!c->data)
		die("cannot make the data", NULL);
	for (size_t v = 0; v < c->variable_count; v++) {
		const double *codes = c->csv.values + (size_t)c->variable_col[v] * c->csv.rows;
		int *out = survey_variable(c->data, v);
		for (size_t i = 0; i < c->csv.rows; i++)
			out[i] = isnan(codes[i]) ? SURVEY_NO_CATEGORY : (int)codes[i] - 1;
	}
	if (c->weight_col >= 0)
		memcpy(c->data->base_weight, c->csv.values + (size_t)c->weight_col * c->csv.rows,
		       c->csv.rows * sizeof(double));
	double start = now();
	int rc = survey_rake(c->data, c->margins, c->margin_count, &c->rake, &c->design, &problem);
	c->seconds_rake = now() - start;
	if (rc < 0) {
		/* Not converged or bounds not met still leave a design, as R does
		 * with a warning: the results go on, after a line saying so. */
		printf("rake/error %d\n", (int)problem.error);
		report_failure(c, &problem);
		if (!c->design)
			exit(1);
		c->status = 0;
	}
}

static void print_number(const char *key, double v)
{
	if (isnan(v))
		printf("%s NA\n", key);
	else
		printf("%s %.17g\n", key, v);
}

static void print_estimate(const char *kind, const char *name, const char *domain, const survey_estimate *e)
{
	char key[512];
	snprintf(key, sizeof key, "%s/%s/%s/value", kind, name, domain);
	print_number(key, e->value);
	snprintf(key, sizeof key, "%s/%s/%s/se", kind, name, domain);
	print_number(key, e->se);
	snprintf(key, sizeof key, "%s/%s/%s/ci_low", kind, name, domain);
	print_number(key, e->ci_low);
	snprintf(key, sizeof key, "%s/%s/%s/ci_high", kind, name, domain);
	print_number(key, e->ci_high);
	snprintf(key, sizeof key, "%s/%s/%s/n", kind, name, domain);
	print_number(key, (double)e->n);
	snprintf(key, sizeof key, "%s/%s/%s/n_effective", kind, name, domain);
	print_number(key, e->n_effective);
	snprintf(key, sizeof key, "%s/%s/%s/status", kind, name, domain);
	printf("%s %s\n", key, e->status == SURVEY_ESTIMATE_OK ? "ok" :
	                       e->status == SURVEY_ESTIMATE_SUPPRESSED ? "suppressed" : "none");
}

/* Everything one estimate directive needs: which figure, of what. */
typedef int estimate_fn(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                        survey_problem *problem);

static int run_mean(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                    survey_problem *problem)
{
	return survey_mean(c->design, item(c, args[0]), domain, &c->est, out, problem);
}

static int run_share(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                     survey_problem *problem)
{
	return survey_share(c->design, item(c, args[0]), domain, &c->est, out, problem);
}

static int run_ratio(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                     survey_problem *problem)
{
	return survey_ratio(c->design, item(c, args[0]), item(c, args[1]), domain, &c->est, out, problem);
}

static int run_problem(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                       survey_problem *problem)
{
	return survey_problem_index(c->design, item(c, args[0]), &survey_problem_scale, domain, &c->est, out,
	                            problem);
}

static int run_unsafety(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                        survey_problem *problem)
{
	return survey_unsafety_index(c->design, item(c, args[0]), &survey_unsafety_scale, domain, &c->est, out,
	                             problem);
}

static int run_problem_total(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                             survey_problem *problem)
{
	const double *cols[MAX_TOKENS];
	for (size_t k = 0; k < nargs; k++)
		cols[k] = item(c, args[k]);
	return survey_problem_index_total(c->design, cols, nargs, &survey_problem_scale, domain, &c->est, out,
	                                  problem);
}

static int run_victimisation(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                             survey_problem *problem)
{
	const double *cols[MAX_TOKENS];
	for (size_t k = 0; k < nargs; k++)
		cols[k] = item(c, args[k]);
	return survey_victimisation_index(c->design, cols, nargs, &survey_yes_no_scale, domain, &c->est, out,
	                                  problem);
}

static int run_reporting(cli *c, char **args, size_t nargs, survey_domain domain, survey_estimate *out,
                         survey_problem *problem)
{
	const double *victims[MAX_TOKENS], *reports[MAX_TOKENS];
	size_t half = nargs / 2;
	if (nargs % 2 != 1 || strcmp(args[half], "/") != 0)
		die("reporting needs VICTIM… / REPORTED… of equal length", NULL);
	for (size_t k = 0; k < half; k++) {
		victims[k] = item(c, args[k]);
		reports[k] = item(c, args[half + 1 + k]);
	}
	return survey_reporting_rate(c->design, victims, reports, half, &survey_yes_no_scale, domain, &c->est,
	                             out, problem);
}

/* The estimate directives: name, handler, whether BY comes first (list forms), fewest arguments. */
static const struct {
	const char *name;
	estimate_fn *fn;
	bool by_first;
	size_t min_args;
} estimates[] = {
	{ "mean", run_mean, false, 1 },
	{ "share", run_share, false, 1 },
	{ "ratio", run_ratio, false, 2 },
	{ "problem", run_problem, false, 1 },
	{ "unsafety", run_unsafety, false, 1 },
	{ "problem_total", run_problem_total, true, 1 },
	{ "victimisation", run_victimisation, true, 1 },
	{ "reporting", run_reporting, true, 3 },
};

/* Runs one estimate directive for everyone or for every category of BY. */
static void run_estimate(cli *c, size_t which, char **tok, size_t ntok)
{
	survey_estimate e;
	survey_problem problem;
	char **args = tok + 1;
	size_t nargs = ntok - 1;
	const char *by = NULL;
	char name[256] = "";

	if (estimates[which].by_first) {
		if (nargs < 1)
			die("missing BY", tok[0]);
		by = strcmp(args[0], "-") == 0 ? NULL : args[0];
		args++;
		nargs--;
	} else if (nargs > estimates[which].min_args) {
		by = args[nargs - 1];
		nargs--;
	}
	if (nargs < estimates[which].min_args)
		die("too few arguments", tok[0]);
	/* The name in the key: the arguments joined by '+' (only the first for list forms). */
	str_copy(name, args[0], sizeof name);
	if (!estimates[which].by_first)
		for (size_t k = 1; k < nargs; k++) {
			size_t len = strlen(name);
			snprintf(name + len, sizeof name - len, "+%s", args[k]);
		}
	ensure_design(c);
	double start = now();
	if (!by) {
		if (estimates[which].fn(c, args, nargs, (survey_domain){ SURVEY_EVERYONE, 0 }, &e, &problem) < 0)
			report_failure(c, &problem);
		else
			print_estimate(tok[0], name, "all", &e);
	} else {
		int v = variable(c, by);
		for (int level = 0; level < c->variable_levels[v]; level++) {
			char domain[128];
			snprintf(domain, sizeof domain, "%s=%d", by, level + 1);
			if (estimates[which].fn(c, args, nargs, (survey_domain){ v, level }, &e, &problem) < 0) {
				report_failure(c, &problem);
				break;
			}
			print_estimate(tok[0], name, domain, &e);
		}
	}
	c->seconds_estimates += now() - start;
}

static void run_contrast(cli *c, char **tok, size_t ntok)
{
	survey_comparison cmp;
	survey_problem problem;
	char key[512];
	if (ntok != 6)
		die("contrast mean|share ITEM VAR A B", NULL);
	enum survey_statistic statistic = strcmp(tok[1], "share") == 0 ? SURVEY_SHARE : SURVEY_MEAN;
	int v = variable(c, tok[3]);
	ensure_design(c);
	double start = now();
	survey_domain a = { v, (int)number(tok[4]) - 1 }, b = { v, (int)number(tok[5]) - 1 };
	if (survey_compare_domains(c->design, item(c, tok[2]), statistic, a, b, &c->est, &cmp, &problem) < 0) {
		report_failure(c, &problem);
		return;
	}
	c->seconds_estimates += now() - start;
	snprintf(key, sizeof key, "contrast/%s/%s=%s-%s/difference", tok[2], tok[3], tok[5], tok[4]);
	print_number(key, cmp.difference);
	snprintf(key, sizeof key, "contrast/%s/%s=%s-%s/se", tok[2], tok[3], tok[5], tok[4]);
	print_number(key, cmp.se);
	snprintf(key, sizeof key, "contrast/%s/%s=%s-%s/p", tok[2], tok[3], tok[5], tok[4]);
	print_number(key, cmp.p_value);
	printf("contrast/%s/%s=%s-%s/verdict %s\n", tok[2], tok[3], tok[5], tok[4], survey_verdict_text(cmp.verdict));
}

static void print_weights(cli *c)
{
	ensure_design(c);
	const double *w = survey_design_weights(c->design);
	const survey_rake_report *r = survey_design_report(c->design);
	char key[64];
	for (size_t i = 0; i < c->data->n; i++) {
		snprintf(key, sizeof key, "weight/%zu", i + 1);
		print_number(key, w[i]);
	}
	printf("report/converged %d\n", r->converged);
	printf("report/iterations %d\n", r->iterations);
	printf("report/trim_rounds %d\n", r->trim_rounds);
	print_number("report/weight_min", r->weight_min);
	print_number("report/weight_max", r->weight_max);
	print_number("report/design_effect", r->design_effect);
	print_number("report/n_effective", r->n_effective);
	for (int k = 0; k < r->iterations; k++)
		printf("report/margin_error/%d %.3g\n", k + 1, r->margin_error[k]);
}

static void add_margin(cli *c, char **tok, size_t ntok)
{
	survey_margin *m = &c->margins[c->margin_count];
	size_t cells = 1;
	char vars[256];
	if (c->margin_count == MAX_MARGINS || ntok < 3)
		die("bad margin", NULL);
	str_copy(vars, tok[1], sizeof vars);
	m->variable_count = 0;
	for (char *v = vars, *star; v; v = star ? star + 1 : NULL) {
		star = strchr(v, '*');
		if (star)
			*star = '\0';
		if (m->variable_count == SURVEY_MARGIN_VARIABLES_MAX)
			die("too many variables in a margin", tok[1]);
		int var = variable(c, v);
		m->variables[m->variable_count++] = (size_t)var;
		cells *= (size_t)c->variable_levels[var];
	}
	if (ntok - 2 != cells)
		die("wrong number of population counts for", tok[1]);
	double *pop = xmalloc(cells * sizeof *pop);
	for (size_t k = 0; k < cells; k++)
		pop[k] = number(tok[2 + k]);
	m->population = pop;
	c->populations[c->margin_count++] = pop;
}

static void directive(cli *c, char **tok, size_t ntok)
{
	const char *d = tok[0];
	for (size_t k = 0; k < ARRAY_LEN(estimates); k++)
		if (strcmp(d, estimates[k].name) == 0) {
			run_estimate(c, k, tok, ntok);
			return;
		}
	if (strcmp(d, "data") == 0 && ntok == 2) {
		read_csv(tok[1], &c->csv);
	} else if (strcmp(d, "weight") == 0 && ntok == 2) {
		c->weight_col = column(c, tok[1]);
	} else if (strcmp(d, "variable") == 0 && ntok == 3) {
		if (c->variable_count == ARRAY_LEN(c->variable_col))
			die("too many variables", NULL);
		c->variable_col[c->variable_count] = column(c, tok[1]);
		c->variable_levels[c->variable_count] = (int)number(tok[2]);
		c->variable_name[c->variable_count++] = xstrdup(tok[1]);
	} else if (strcmp(d, "margin") == 0) {
		add_margin(c, tok, ntok);
	} else if (strcmp(d, "rake") == 0 && ntok == 4) {
		c->rake.stop_rule = strcmp(tok[1], "table_change") == 0 ? SURVEY_STOP_TABLE_CHANGE : SURVEY_STOP_MARGIN_ERROR;
		if (c->rake.stop_rule == SURVEY_STOP_TABLE_CHANGE)
			c->rake.epsilon = number(tok[2]);
		else
			c->rake.tolerance = number(tok[2]);
		c->rake.max_iterations = (int)number(tok[3]);
	} else if (strcmp(d, "trim") == 0 && ntok == 5) {
		c->rake.trim_lower = number(tok[1]);
		c->rake.trim_upper = number(tok[2]);
		c->rake.trim_max_rounds = (int)number(tok[3]);
		c->rake.trim_tolerance = number(tok[4]);
	} else if (strcmp(d, "min_n") == 0 && ntok == 2) {
		c->est.min_n = (size_t)number(tok[1]);
	} else if (strcmp(d, "level") == 0 && ntok == 2) {
		c->est.level = number(tok[1]);
	} else if (strcmp(d, "weights") == 0) {
		print_weights(c);
	} else if (strcmp(d, "contrast") == 0) {
		run_contrast(c, tok, ntok);
	} else {
		die("unknown or malformed directive", d);
	}
}

int main(int argc, char **argv)
{
	cli c = { .weight_col = -1 };
	size_t len;
	char *tok[MAX_TOKENS];

	if (argc != 2) {
		fprintf(stderr, "usage: survey_cli SPEC\n");
		return 2;
	}
	survey_rake_options_default(&c.rake);
	survey_estimate_options_default(&c.est);
	char *text = read_file(argv[1], &len);
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		size_t ntok = 0;
		for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
			if (ntok == MAX_TOKENS)
				die("line too long", NULL);
			tok[ntok++] = t;
		}
		if (ntok)
			directive(&c, tok, ntok);
	}
	fprintf(stderr, "survey_cli: %zu respondents, rake %.3f s, estimates %.3f s\n", c.csv.rows, c.seconds_rake,
	        c.seconds_estimates);
	survey_design_free(c.design);
	survey_data_free(c.data);
	for (size_t m = 0; m < c.margin_count; m++)
		free(c.populations[m]);
	for (size_t v = 0; v < c.variable_count; v++)
		free(c.variable_name[v]);
	for (size_t k = 0; k < c.csv.cols; k++)
		free(c.csv.names[k]);
	free(c.csv.names);
	free(c.csv.values);
	free(text);
	return c.status;
}
