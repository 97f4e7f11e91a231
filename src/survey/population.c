/*
 * population.c — a round's population margins for the weighting (staff pages):
 *
 *   GET  /personal/trygghetsundersokning/ID/befolkning   the margins, their totals, the form
 *   POST /personal/trygghetsundersokning/ID/befolkning   a CSV file of one margin
 *
 * A file holds one margin: a column per background key of the questionnaire
 * (age_group, sex, area, …; the margin is those keys, e.g. "age_group*sex")
 * and a count column called antal or count. Every cell is checked against the
 * questionnaire: an option's key (or code) of the background item, or for an
 * area its code, name or id. An unknown value, a cell given twice, a count
 * that is not a number of at least 0, an unknown column or a margin the round
 * does not weight by is an error, and nothing is stored. Cells the file does
 * not name are listed as a warning: they count as 0. A good file replaces
 * that margin (survey_population_replace) and is audit-logged.
 *
 * The page shows every margin with its total and whether the totals agree
 * within the raking's total_tolerance (survey_stats.h); if they do not, the
 * raking will be refused, and the page says so.
 */
#include "survey/survey.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "survey/import.h"
#include "survey/survey_stats.h"
#include "web/web.h"
#include "web/webform.h"

#define STAFF_BASE "/personal/trygghetsundersokning"
#define MAX_KEYS 4
#define MISSING_SHOWN_MAX 60
#define POPULATION_MAX_ROWS 10000     /* cells in one margin file */
#define MISSING_CHECK_MAX 200000      /* combinations looked at for missing cells */

/* ---- the margins as stored ---- */

typedef struct margin_view {
	json_t *margins;   /* array of {margin, cells[] of {cell, count}, total} */
	json_t *current;   /* the margin being filled */
	const char *name;
	double total;
} margin_view;

static int collect_cell(void *ud, const char *margin, const char *cell, double count)
{
	margin_view *v = ud;
	if (v->current == NULL || strcmp(v->name, margin) != 0) {
		if (v->current)
			json_object_set_new(v->current, "total_value", json_real(v->total));
		v->current = json_object();
		json_object_set_new(v->current, "margin", json_string(margin));
		json_object_set_new(v->current, "cells", json_array());
		json_array_append_new(v->margins, v->current);
		v->name = json_string_value(json_object_get(v->current, "margin"));
		v->total = 0;
	}
	json_t *c = json_object();
	json_object_set_new(c, "cell", json_string(cell));
	json_array_append_new(json_object_get(v->current, "cells"), c);
	json_object_set_new(c, "count_value", json_real(count));
	v->total += count;
	return 0;
}

/* Formats a count for people: whole numbers without decimals. */
static const char *format_count(http_req *r, double v)
{
	if (fabs(v - round(v)) < 1e-9)
		return arena_printf(r->arena, "%.0f", v);
	return arena_printf(r->arena, "%.2f", v);
}

/* The stored margins with totals and the agreement of the totals. */
static int margins_data(http_req *r, int64_t round_id, json_t *d)
{
	margin_view v = { .margins = json_array() };
	if (survey_population_each(web_db(r), round_id, collect_cell, &v) != 0) {
		json_decref(v.margins);
		return -1;
	}
	if (v.current)
		json_object_set_new(v.current, "total_value", json_real(v.total));
	survey_rake_options rake;
	survey_rake_options_default(&rake);
	double tolerance = rake.total_tolerance; /* what the raking rescales away */
	survey_area_list areas;
	if (survey_area_list_load(web_db(r), r->arena, &areas) != 0) {
		json_decref(v.margins);
		return -1;
	}
	double first = 0;
	bool all_agree = true;
	size_t i;
	json_t *m;
	json_array_foreach(v.margins, i, m) {
		json_t *cells = json_object_get(m, "cells"), *c;
		size_t k;
		bool by_area = strcmp(json_string_value(json_object_get(m, "margin")), "area") == 0;
		json_array_foreach(cells, k, c) {
			int64_t id = by_area ? survey_area_list_lookup(&areas, json_string_value(json_object_get(c, "cell"))) : 0;
			const survey_area_ref *ar = id ? survey_area_list_find(&areas, id) : NULL;
			if (ar)
				json_object_set_new(c, "label", json_string(ar->name));
			json_object_set_new(c, "count", json_string(format_count(r, json_real_value(json_object_get(c, "count_value")))));
			json_object_del(c, "count_value");
		}
		double total = json_real_value(json_object_get(m, "total_value"));
		json_object_del(m, "total_value");
		json_object_set_new(m, "total", json_string(format_count(r, total)));
		json_object_set_new(m, "id", json_string(arena_printf(r->arena, "margin-%zu", i)));
		if (i == 0) {
			first = total;
			continue;
		}
		double diff = first > 0 ? fabs(total - first) / first : (total > 0 ? 1 : 0);
		bool agree = diff <= tolerance;
		all_agree = all_agree && agree;
		json_object_set_new(m, "difference", json_string(arena_printf(r->arena, "%.2f %%", 100 * diff)));
		json_object_set_new(m, "disagrees", json_boolean(!agree));
	}
	json_object_set_new(d, "has_margins", json_boolean(json_array_size(v.margins) > 0));
	json_object_set_new(d, "several_margins", json_boolean(json_array_size(v.margins) > 1));
	json_object_set_new(d, "totals_agree", json_boolean(all_agree));
	json_object_set_new(d, "tolerance", json_string(arena_printf(r->arena, "%.1f %%", 100 * tolerance)));
	json_object_set_new(d, "margins", v.margins);
	return 0;
}

static int render(http_req *r, int status, const survey_round *round, json_t *d)
{
	if (margins_data(r, round->id, d) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s – %s", T(r, "Befolkningsmarginaler"),
	                                                         survey_page_round_title(r, round))));
	json_object_set_new(d, "round_title", json_string(survey_page_round_title(r, round)));
	json_object_set_new(d, "base", json_string(arena_printf(r->arena, STAFF_BASE "/%lld", (long long)round->id)));
	json_object_set_new(d, "round_margins", json_string(round->margins));
	json_object_set_new(d, "published", json_boolean(round->status == SURVEY_ROUND_PUBLISHED));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, status, "survey/population", d);
}

/* GET …/ID/befolkning */
static int population_page(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	return render(r, 200, &round, json_object());
}

/* ---- checking a file ---- */

typedef struct pop_key {
	const char *key;
	const survey_item *item;
	size_t column;
} pop_key;

static void add_issue(http_req *r, json_t *issues, size_t line, const char *column, const char *value,
                      const char *message)
{
	json_t *o = json_object();
	json_object_set_new(o, "line", line ? json_integer((json_int_t)line) : json_string(""));
	json_object_set_new(o, "column", json_string(column ? column : ""));
	json_object_set_new(o, "value", json_string(value ? value : ""));
	json_object_set_new(o, "message", json_string(message));
	json_array_append_new(issues, o);
}

/* Orders keys as the round's margin of the same keys ("age_group*sex"), if
 * there is one. Returns the margin's name, or NULL when the round names
 * margins and none has these keys. */
static const char *margin_name(http_req *r, const survey_round *round, pop_key *keys, size_t n)
{
	const char *list = round->margins ? round->margins : "";
	if (*list == '\0') {
		buf b = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i ? "*" : "", keys[i].key);
		const char *name = arena_strdup(r->arena, b.data);
		buf_free(&b);
		return name;
	}
	char *copy = arena_strdup(r->arena, list);
	for (char *save = NULL, *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		while (*m == ' ')
			m++;
		char *parts[MAX_KEYS + 1];
		size_t count = 0;
		char *mc = arena_strdup(r->arena, m);
		for (char *s2 = NULL, *p = strtok_r(mc, "*", &s2); p && count <= MAX_KEYS; p = strtok_r(NULL, "*", &s2))
			parts[count++] = p;
		if (count != n)
			continue;
		pop_key ordered[MAX_KEYS];
		size_t found = 0;
		for (size_t i = 0; i < count; i++)
			for (size_t k = 0; k < n; k++)
				if (strcmp(parts[i], keys[k].key) == 0)
					ordered[found++] = keys[k];
		if (found == n) {
			memcpy(keys, ordered, n * sizeof *keys);
			return arena_strdup(r->arena, m);
		}
	}
	return NULL;
}

/* The canonical cell value of raw for key: an option's key, or an area's code. NULL: unknown. */
static const char *cell_value(const pop_key *k, const char *raw, survey_area_list *areas)
{
	if (k->item->type == SURVEY_AREA) {
		int64_t id = survey_area_list_lookup(areas, raw);
		const survey_area_ref *a = id ? survey_area_list_find(areas, id) : NULL;
		return a ? a->code : NULL;
	}
	if (k->item->type != SURVEY_SINGLE)
		return NULL;
	for (size_t i = 0; i < k->item->scale->option_count; i++) {
		const survey_option *o = &k->item->scale->options[i];
		char code[24];
		snprintf(code, sizeof code, "%d", o->code);
		if (strcasecmp(o->key, raw) == 0 || strcmp(code, raw) == 0)
			return o->key;
	}
	return NULL;
}

/* The values a key can take (for the missing cells). */
static size_t key_values(const pop_key *k, const survey_area_list *areas, const char **out, size_t max)
{
	size_t n = 0;
	if (k->item->type == SURVEY_AREA)
		for (size_t i = 0; i < areas->count && n < max; i++)
			out[n++] = areas->items[i].code;
	else if (k->item->type == SURVEY_SINGLE)
		for (size_t i = 0; i < k->item->scale->option_count && n < max; i++)
			out[n++] = k->item->scale->options[i].key;
	return n;
}

static int compare_text(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* POST …/ID/befolkning — field "file". */
static int population_submit(http_req *r)
{
	survey_round round;
	const survey_questionnaire *q;
	int st = survey_page_round(r, &round, &q);
	if (st)
		return st;
	if ((st = survey_page_round_unpublished(r, &round)) != 0)
		return st;
	json_t *d = json_object(), *issues = json_array();
	const http_file *file = http_upload(r, "file");
	if (file == NULL) {
		json_decref(issues);
		webform_error(r, d, "file", T(r, "Välj en CSV-fil att läsa in."));
		return render(r, 400, &round, d);
	}
	buf data = BUF_INIT;
	if (buf_read_file(&data, file->path) != 0) {
		buf_free(&data);
		json_decref(issues);
		return webform_failed(r, d);
	}
	survey_csv csv;
	enum survey_csv_error ce =
		survey_csv_read(r->arena, data.data ? data.data : "", data.len, POPULATION_MAX_ROWS, 0, &csv);
	buf_free(&data);
	survey_area_list areas;
	if (survey_area_list_load(web_db(r), r->arena, &areas) != 0) {
		json_decref(issues);
		return webform_failed(r, d);
	}
	if (ce != SURVEY_CSV_OK) {
		json_decref(issues);
		webform_error(r, d, "file", T(r, survey_csv_error_text[ce]));
		return render(r, 422, &round, d);
	}

	/* The header: keys and the count column. */
	pop_key keys[MAX_KEYS];
	size_t nkeys = 0, count_col = SIZE_MAX;
	bool header_ok = true;
	for (size_t j = 0; j < csv.header.field_count; j++) {
		const char *name = csv.header.fields[j];
		if (strcasecmp(name, "antal") == 0 || strcasecmp(name, "count") == 0) {
			if (count_col != SIZE_MAX) {
				add_issue(r, issues, 1, name, name, T(r, "Kolumnen för antal finns två gånger."));
				header_ok = false;
			}
			count_col = j;
			continue;
		}
		const survey_item *it = survey_background_item(q, name);
		bool repeated = false;
		for (size_t k = 0; k < nkeys; k++)
			repeated = repeated || strcmp(keys[k].key, name) == 0;
		if (it == NULL || (it->type != SURVEY_SINGLE && it->type != SURVEY_AREA)) {
			add_issue(r, issues, 1, name, name, T(r, "Kolumnen är ingen bakgrundsfråga i enkäten (t.ex. age_group, sex, area)."));
			header_ok = false;
		} else if (repeated) {
			add_issue(r, issues, 1, name, name, T(r, "Kolumnen finns två gånger."));
			header_ok = false;
		} else if (nkeys == MAX_KEYS) {
			add_issue(r, issues, 1, name, name, T(r, "För många bakgrundskolumner i en marginal."));
			header_ok = false;
		} else {
			keys[nkeys++] = (pop_key){ .key = it->background, .item = it, .column = j };
		}
	}
	if (count_col == SIZE_MAX) {
		add_issue(r, issues, 1, "", "", T(r, "Filen saknar kolumnen antal (eller count)."));
		header_ok = false;
	}
	if (header_ok && nkeys == 0) {
		add_issue(r, issues, 1, "", "", T(r, "Filen saknar bakgrundskolumner (t.ex. age_group, sex, area)."));
		header_ok = false;
	}
	const char *margin = header_ok ? margin_name(r, &round, keys, nkeys) : NULL;
	if (header_ok && margin == NULL) {
		add_issue(r, issues, 1, "", "", arena_printf(r->arena, "%s %s", T(r, "Undersökningen viktar inte efter den här marginalen. Dess marginaler:"),
		                                           round.margins));
		header_ok = false;
	}

	/* The rows. */
	size_t n = 0;
	const char **cells = arena_alloc(r->arena, (csv.row_count ? csv.row_count : 1) * sizeof *cells);
	double *counts = arena_alloc(r->arena, (csv.row_count ? csv.row_count : 1) * sizeof *counts);
	size_t *lines = arena_alloc(r->arena, (csv.row_count ? csv.row_count : 1) * sizeof *lines);
	for (size_t i = 0; header_ok && i < csv.row_count; i++) {
		const survey_csv_row *row = &csv.rows[i];
		if (row->problem != SURVEY_CSV_ROW_OK) {
			static const enum survey_import_problem map[] = {
				[SURVEY_CSV_ROW_OK] = SURVEY_IMP_QUOTING, [SURVEY_CSV_ROW_QUOTING] = SURVEY_IMP_QUOTING,
				[SURVEY_CSV_ROW_UNTERMINATED] = SURVEY_IMP_UNTERMINATED, [SURVEY_CSV_ROW_ENCODING] = SURVEY_IMP_ENCODING,
				[SURVEY_CSV_ROW_FIELD_TOO_LONG] = SURVEY_IMP_FIELD_TOO_LONG,
			};
			add_issue(r, issues, row->line, "", "", T(r, survey_import_problem_text[map[row->problem]]));
			continue;
		}
		if (row->field_count != csv.header.field_count) {
			add_issue(r, issues, row->line, "", "", T(r, survey_import_problem_text[SURVEY_IMP_FIELD_COUNT]));
			continue;
		}
		buf cell = BUF_INIT;
		bool ok = true;
		for (size_t k = 0; k < nkeys; k++) {
			const char *raw = row->fields[keys[k].column];
			const char *v = cell_value(&keys[k], raw, &areas);
			if (v == NULL) {
				add_issue(r, issues, row->line, keys[k].key, raw,
				          keys[k].item->type == SURVEY_AREA ? T(r, "Området finns inte.")
				                                            : T(r, "Värdet är inget av frågans svarsalternativ."));
				ok = false;
			}
			buf_printf(&cell, "%s%s", k ? "|" : "", v ? v : "");
		}
		double count;
		const char *raw_count = row->fields[count_col];
		if (!survey_read_decimal(raw_count, &count) || count < 0 || count > 1e12) {
			add_issue(r, issues, row->line, csv.header.fields[count_col], raw_count,
			          T(r, "Antalet ska vara ett tal som är 0 eller större."));
			ok = false;
		}
		const char *text = arena_strdup(r->arena, cell.data ? cell.data : "");
		buf_free(&cell);
		if (!ok)
			continue;
		bool repeated = false;
		for (size_t k = 0; k < n && !repeated; k++)
			if (strcmp(cells[k], text) == 0) {
				add_issue(r, issues, row->line, "", text,
				          arena_printf(r->arena, "%s %zu.", T(r, "Cellen finns redan på rad"), lines[k]));
				repeated = true;
			}
		if (repeated)
			continue;
		cells[n] = text;
		counts[n] = count;
		lines[n++] = row->line;
	}
	if (json_array_size(issues) > 0) {
		json_object_set_new(d, "issues", issues);
		json_object_set_new(d, "has_issues", json_true());
		webform_summary_error(d, "population-report", T(r, "Filen har fel. Ingenting har sparats."));
		return render(r, 422, &round, d);
	}
	json_decref(issues);
	if (n == 0) {
		webform_error(r, d, "file", T(r, "Filen har inga rader med antal."));
		return render(r, 422, &round, d);
	}

	/* The cells the file does not name: a warning. */
	json_t *missing = json_array();
	size_t missing_count = 0;
	{
		const char *values[MAX_KEYS][256];
		size_t value_count[MAX_KEYS], idx[MAX_KEYS] = { 0 };
		bool any = true;
		for (size_t k = 0; k < nkeys; k++) {
			value_count[k] = key_values(&keys[k], &areas, values[k], 256);
			any = any && value_count[k] > 0;
		}
		const char **sorted = arena_alloc(r->arena, (n ? n : 1) * sizeof *sorted);
		memcpy(sorted, cells, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, compare_text);
		for (size_t looked = 0; any && looked < MISSING_CHECK_MAX; looked++) {
			buf cell = BUF_INIT;
			for (size_t k = 0; k < nkeys; k++)
				buf_printf(&cell, "%s%s", k ? "|" : "", values[k][idx[k]]);
			const char *key = cell.data;
			bool named = bsearch(&key, sorted, n, sizeof *sorted, compare_text) != NULL;
			if (!named && missing_count++ < MISSING_SHOWN_MAX)
				json_array_append_new(missing, json_string(cell.data));
			buf_free(&cell);
			size_t k = nkeys;
			while (k > 0 && ++idx[k - 1] == value_count[k - 1])
				idx[--k] = 0;
			any = k > 0;
		}
	}

	db_conn *c = web_db(r);
	const char *source = arena_printf(r->arena, "%.200s", file->filename ? file->filename : "");
	if (!str_valid_utf8(source, strlen(source)))
		source = "";
	if (db_begin_write(c) != 0 || survey_population_replace(c, round.id, margin, cells, counts, n, source, web_now()) != 0 ||
	    db_commit(c) != 0) {
		db_rollback(c);
		json_decref(missing);
		return webform_failed(r, d);
	}
	web_audit(r, "survey.population", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
	          arena_printf(r->arena, "margin=%s cells=%zu missing=%zu", margin, n, missing_count));
	json_object_set_new(d, "saved_margin", json_string(margin));
	json_object_set_new(d, "saved_cells", json_integer((json_int_t)n));
	if (missing_count > 0) {
		json_object_set_new(d, "missing", missing);
		json_object_set_new(d, "missing_count", json_integer((json_int_t)missing_count));
		if (missing_count > MISSING_SHOWN_MAX)
			json_object_set_new(d, "missing_more", json_integer((json_int_t)(missing_count - MISSING_SHOWN_MAX)));
	} else {
		json_decref(missing);
	}
	return render(r, 200, &round, d);
}

#define MANAGE (ROLE_SAMORDNARE | ROLE_ADMIN)

const http_route survey_population_routes[] = {
	{ "GET", STAFF_BASE "/{id}/befolkning", population_page, ROUTE_STAFF, MANAGE },
	{ "POST", STAFF_BASE "/{id}/befolkning", population_submit, ROUTE_STAFF | ROUTE_UPLOAD, MANAGE },
};
const size_t survey_population_route_count = ARRAY_LEN(survey_population_routes);
