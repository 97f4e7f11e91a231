/*
 * import_check.c — a CSV file of answers against a round's questionnaire,
 * row by row (see import.h). Every cell goes through survey_answer_read() and
 * every row's answers through survey_answers_check(), the same rules as the
 * web form and staff entry; nothing is coerced: a cell that is not exactly
 * an answer is an issue of its row.
 */
#include "survey/import.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

#define N_(msgid) (msgid) /* marks a text for translation (as in web.h) */

const char *const survey_import_problem_names[SURVEY_IMP__MAX] = {
	[SURVEY_IMP_ANSWER] = "answer",
	[SURVEY_IMP_QUOTING] = "quoting",
	[SURVEY_IMP_UNTERMINATED] = "unterminated",
	[SURVEY_IMP_ENCODING] = "encoding",
	[SURVEY_IMP_FIELD_TOO_LONG] = "field_too_long",
	[SURVEY_IMP_FIELD_COUNT] = "field_count",
	[SURVEY_IMP_MODE] = "mode",
	[SURVEY_IMP_WEIGHT] = "weight",
	[SURVEY_IMP_REF] = "ref",
};

const char *const survey_aerror_names[SURVEY_A__MAX] = {
	[SURVEY_A_OK] = "ok",
	[SURVEY_A_REQUIRED] = "required",
	[SURVEY_A_NOT_OPTION] = "not_option",
	[SURVEY_A_NOT_NUMBER] = "not_number",
	[SURVEY_A_RANGE] = "range",
	[SURVEY_A_TOO_LONG] = "too_long",
	[SURVEY_A_BAD_TEXT] = "bad_text",
	[SURVEY_A_BAD_PLACE] = "bad_place",
	[SURVEY_A_NOT_AREA] = "not_area",
	[SURVEY_A_NOT_ASKED] = "not_asked",
	[SURVEY_A_UNKNOWN_ITEM] = "unknown_item",
};

const char *const survey_import_problem_text[SURVEY_IMP__MAX] = {
	[SURVEY_IMP_ANSWER] = "",
	[SURVEY_IMP_QUOTING] = N_("Citattecknen på raden är felaktiga: ett citattecken mitt i ett fält, eller text efter ett avslutande citattecken."),
	[SURVEY_IMP_UNTERMINATED] = N_("Ett citattecken på raden avslutas aldrig: resten av filen blev ett enda fält."),
	[SURVEY_IMP_ENCODING] = N_("Raden är inte UTF-8 (filen är kanske sparad som Windows-1252). Spara filen som CSV UTF-8."),
	[SURVEY_IMP_FIELD_TOO_LONG] = N_("Ett fält på raden är för långt."),
	[SURVEY_IMP_FIELD_COUNT] = N_("Raden har ett annat antal fält än rubrikraden."),
	[SURVEY_IMP_MODE] = N_("Sättet (mode) ska vara phone eller paper (telefon eller papper)."),
	[SURVEY_IMP_WEIGHT] = N_("Vikten (weight) ska vara ett positivt tal."),
	[SURVEY_IMP_REF] = N_("Referensen (ref) är för lång eller innehåller styrtecken."),
};

enum column_kind { COL_ITEM, COL_MODE, COL_REF, COL_WEIGHT };

typedef struct column {
	enum column_kind kind;
	const survey_item *item;
} column;

/* Appends an issue (the array grows by doubling; freed by the caller's free()). */
typedef struct issue_list {
	size_t count, cap;
	size_t total;            /* issues found, kept or not */
	survey_import_issue *items;
} issue_list;

static void add_issue(issue_list *l, size_t line, const char *column_name, const char *value,
                      enum survey_import_problem problem, enum survey_aerror aerror)
{
	l->total++;
	if (l->count == SURVEY_IMPORT_ISSUES_MAX)
		return;
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xrealloc(l->items, l->cap * sizeof *l->items);
	}
	l->items[l->count++] = (survey_import_issue){ .line = line, .column = column_name, .value = value ? value : "",
	                                              .problem = problem, .aerror = aerror };
}

static const char *read_mode(const char *v)
{
	if (*v == '\0')
		return "import";
	if (strcasecmp(v, "phone") == 0 || strcasecmp(v, "telefon") == 0)
		return "phone";
	if (strcasecmp(v, "paper") == 0 || strcasecmp(v, "papper") == 0)
		return "paper";
	return NULL;
}

static bool ref_ok(const char *v)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xC0) != 0x80)
			chars++;
	}
	return chars <= SURVEY_REF_MAX_CHARS;
}

/* The value of column j's cell, without surrounding blanks. */
static const char *cell(arena *a, const survey_csv_row *row, size_t j)
{
	const char *s = j < row->field_count ? row->fields[j] : "";
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s), n = len;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == len ? s : arena_strndup(a, s, n);
}

/* Checks one row; adds its issues; returns true when it has none (with *ok filled). */
static bool check_row(arena *a, const survey_questionnaire *q, const survey_csv *csv, const column *cols,
                      const survey_csv_row *row, int64_t (*area_lookup)(void *ud, const char *text), void *ud,
                      issue_list *issues, survey_answer *scratch, survey_import_row *ok)
{
	size_t before = issues->total;
	static const enum survey_import_problem row_problem[] = {
		[SURVEY_CSV_ROW_OK] = SURVEY_IMP__MAX,
		[SURVEY_CSV_ROW_QUOTING] = SURVEY_IMP_QUOTING,
		[SURVEY_CSV_ROW_UNTERMINATED] = SURVEY_IMP_UNTERMINATED,
		[SURVEY_CSV_ROW_ENCODING] = SURVEY_IMP_ENCODING,
		[SURVEY_CSV_ROW_FIELD_TOO_LONG] = SURVEY_IMP_FIELD_TOO_LONG,
	};
	if (row->problem != SURVEY_CSV_ROW_OK) {
		/* The cells cannot be trusted: name the row's problem only. */
		add_issue(issues, row->line, "", "", row_problem[row->problem], SURVEY_A_OK);
		return false;
	}
	size_t ncol = csv->header.field_count;
	if (row->field_count != ncol) {
		add_issue(issues, row->line, "", arena_printf(a, "%zu / %zu", row->field_count, ncol),
		          SURVEY_IMP_FIELD_COUNT, SURVEY_A_OK);
		return false;
	}
	memset(ok, 0, sizeof *ok);
	ok->line = row->line;
	ok->mode = "import";
	ok->ref = "";
	ok->answers = scratch; /* copied into the arena at the end */
	for (size_t j = 0; j < ncol; j++) {
		const char *name = csv->header.fields[j];
		const char *v = cell(a, row, j);
		switch (cols[j].kind) {
		case COL_MODE:
			ok->mode = read_mode(v);
			if (ok->mode == NULL)
				add_issue(issues, row->line, name, v, SURVEY_IMP_MODE, SURVEY_A_OK);
			break;
		case COL_REF:
			if (!ref_ok(v))
				add_issue(issues, row->line, name, v, SURVEY_IMP_REF, SURVEY_A_OK);
			ok->ref = v;
			break;
		case COL_WEIGHT:
			if (*v != '\0' && (!survey_read_decimal(v, &ok->weight) || !(ok->weight > 0) || ok->weight > 1e9))
				add_issue(issues, row->line, name, v, SURVEY_IMP_WEIGHT, SURVEY_A_OK);
			break;
		case COL_ITEM: {
			bool answered = false;
			survey_answer ans;
			enum survey_aerror e = survey_answer_read(a, cols[j].item, v, area_lookup, ud, &ans, &answered);
			if (e != SURVEY_A_OK)
				add_issue(issues, row->line, name, v, SURVEY_IMP_ANSWER, e);
			else if (answered)
				ok->answers[ok->answer_count++] = ans;
			break;
		}
		}
	}
	if (issues->total > before)
		return false;
	ok->answers = arena_alloc(a, (ok->answer_count ? ok->answer_count : 1) * sizeof *ok->answers);
	memcpy(ok->answers, scratch, ok->answer_count * sizeof *ok->answers);
	/* The row as a whole: routing and required items. An answer to an item
	 * not asked is reported and left out to look for more; a missing
	 * required answer ends the search. */
	survey_answer *left = arena_alloc(a, (ok->answer_count ? ok->answer_count : 1) * sizeof *left);
	memcpy(left, ok->answers, ok->answer_count * sizeof *left);
	size_t n = ok->answer_count;
	for (int round = 0; round < SURVEY_ITEMS_MAX; round++) {
		const char *code = NULL;
		enum survey_aerror e = survey_answers_check(q, left, n, &code);
		if (e == SURVEY_A_OK)
			break;
		const char *value = "";
		for (size_t j = 0; j < ncol && code; j++)
			if (cols[j].kind == COL_ITEM && strcmp(cols[j].item->code, code) == 0)
				value = cell(a, row, j);
		add_issue(issues, row->line, code ? code : "", value, SURVEY_IMP_ANSWER, e);
		size_t k = 0;
		while (code && k < n && strcmp(left[k].item_code, code) != 0)
			k++;
		if (e == SURVEY_A_REQUIRED || code == NULL || k == n)
			break;
		memmove(&left[k], &left[k + 1], (n - k - 1) * sizeof *left);
		n--;
	}
	return issues->total == before;
}

int survey_import_check_rows(arena *a, const survey_questionnaire *q, const survey_csv *csv,
                             int64_t (*area_lookup)(void *ud, const char *text), void *ud,
                             survey_import_check *out)
{
	memset(out, 0, sizeof *out);
	size_t ncol = csv->header.field_count;
	column *cols = arena_alloc(a, (ncol ? ncol : 1) * sizeof *cols);
	out->unknown = arena_alloc(a, (ncol ? ncol : 1) * sizeof *out->unknown);
	out->duplicate = arena_alloc(a, (ncol ? ncol : 1) * sizeof *out->duplicate);
	for (size_t j = 0; j < ncol; j++) {
		const char *name = csv->header.fields[j];
		const survey_item *it = NULL;
		for (size_t i = 0; i < q->item_count && it == NULL; i++)
			if (strcasecmp(q->items[i].code, name) == 0)
				it = &q->items[i];
		if (it != NULL)
			cols[j] = (column){ COL_ITEM, it };
		else if (strcasecmp(name, "mode") == 0)
			cols[j] = (column){ COL_MODE, NULL };
		else if (strcasecmp(name, "ref") == 0)
			cols[j] = (column){ COL_REF, NULL };
		else if (strcasecmp(name, "weight") == 0)
			cols[j] = (column){ COL_WEIGHT, NULL };
		else {
			out->unknown[out->unknown_count++] = *name ? name : "\"\"";
			continue;
		}
		for (size_t k = 0; k < j; k++)
			if (strcasecmp(csv->header.fields[k], name) == 0) {
				out->duplicate[out->duplicate_count++] = name;
				break;
			}
	}
	out->rows_total = csv->row_count;
	if (out->unknown_count > 0 || out->duplicate_count > 0)
		return -1;

	issue_list issues = { 0 };
	survey_answer *scratch = xcalloc(ncol ? ncol : 1, sizeof *scratch);
	out->valid = arena_alloc(a, (csv->row_count ? csv->row_count : 1) * sizeof *out->valid);
	for (size_t i = 0; i < csv->row_count; i++) {
		if (check_row(a, q, csv, cols, &csv->rows[i], area_lookup, ud, &issues, scratch, &out->valid[out->valid_count]))
			out->valid_count++;
		else
			out->invalid_rows++;
	}
	out->issue_count = issues.count;
	out->issue_total = issues.total;
	out->issues = arena_alloc(a, (issues.count ? issues.count : 1) * sizeof *out->issues);
	if (issues.count)
		memcpy(out->issues, issues.items, issues.count * sizeof *issues.items);
	free(issues.items);
	free(scratch);
	return 0;
}
