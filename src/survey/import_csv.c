/*
 * import_csv.c — the CSV reader of the survey's imports (see import.h).
 *
 * One pass over the bytes, one row at a time. A field is either unquoted
 * (up to the next separator or line break) or quoted (RFC 4180: "" is a
 * quote, separators and line breaks are text). A quote where it does not
 * belong marks the row as broken but reading goes on at the row's end, so
 * the rows after it are still read and judged on their own.
 */
#include "survey/import.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

#define N_(msgid) (msgid) /* marks a text for translation (as in web.h) */

const char *const survey_csv_error_text[SURVEY_CSV__MAX] = {
	[SURVEY_CSV_OK] = "",
	[SURVEY_CSV_EMPTY] = N_("Filen är tom: den saknar en rubrikrad."),
	[SURVEY_CSV_UTF16] = N_("Filen är sparad som UTF-16 (\"Unicode-text\"). Spara den som CSV UTF-8."),
	[SURVEY_CSV_BINARY] = N_("Filen är inte en textfil (CSV)."),
	[SURVEY_CSV_TOO_MANY_ROWS] = N_("Filen har för många rader."),
	[SURVEY_CSV_TOO_MANY_COLUMNS] = N_("Filen har för många kolumner."),
	[SURVEY_CSV_BAD_HEADER] = N_("Rubrikraden kan inte läsas (citattecken eller teckenkodning)."),
};

/* The reader's position. */
typedef struct csv_reader {
	const char *p, *end;
	char sep;
	size_t line;
} csv_reader;

/* True at a line break; consumes it (CRLF, LF or a lone CR) and counts the line. */
static bool take_newline(csv_reader *r)
{
	if (r->p < r->end && *r->p == '\r') {
		r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		return true;
	}
	if (r->p < r->end && *r->p == '\n') {
		r->p++;
		r->line++;
		return true;
	}
	return false;
}

/* Copies s with every byte that is not part of valid UTF-8 replaced by U+FFFD. */
static char *utf8_repair(arena *a, const char *s, size_t len)
{
	buf b = BUF_INIT;
	size_t i = 0;
	while (i < len) {
		size_t n = 1;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4;
		if ((c < 0x80) || (i + n <= len && c >= 0xC2 && str_valid_utf8(s + i, n))) {
			buf_append(&b, s + i, c < 0x80 ? 1 : n);
			i += c < 0x80 ? 1 : n;
		} else {
			buf_puts(&b, "\xEF\xBF\xBD");
			i++;
		}
	}
	char *out = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

/* Reads one row (the reader stands at its start, not at the end). */
static void read_row(arena *a, csv_reader *r, survey_csv_row *row)
{
	size_t cap = 16, count = 0;
	const char **fields = xcalloc(cap, sizeof *fields);
	buf field = BUF_INIT;
	row->line = r->line;
	row->problem = SURVEY_CSV_ROW_OK;
	bool row_end = false, bad_utf8 = false;
	while (!row_end) {
		buf_reset(&field);
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			bool closed = false;
			while (r->p < r->end) {
				char c = *r->p;
				if (c == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						buf_putc(&field, '"');
						r->p += 2;
						continue;
					}
					r->p++;
					closed = true;
					break;
				}
				if (c == '\n' || (c == '\r' && !(r->p + 1 < r->end && r->p[1] == '\n')))
					r->line++;
				buf_putc(&field, c);
				r->p++;
			}
			if (!closed)
				row->problem = SURVEY_CSV_ROW_UNTERMINATED;
			else if (r->p < r->end && *r->p != r->sep && *r->p != '\n' && *r->p != '\r' &&
			         row->problem == SURVEY_CSV_ROW_OK)
				row->problem = SURVEY_CSV_ROW_QUOTING;
		}
		/* The unquoted field, or what follows a closing quote (kept: a broken row). */
		while (r->p < r->end && *r->p != r->sep && *r->p != '\n' && *r->p != '\r') {
			if (*r->p == '"' && row->problem == SURVEY_CSV_ROW_OK)
				row->problem = SURVEY_CSV_ROW_QUOTING;
			buf_putc(&field, *r->p);
			r->p++;
		}
		if (field.len > SURVEY_CSV_MAX_FIELD) {
			field.len = SURVEY_CSV_MAX_FIELD;
			if (row->problem == SURVEY_CSV_ROW_OK)
				row->problem = SURVEY_CSV_ROW_FIELD_TOO_LONG;
		}
		const char *text = field.data ? field.data : "";
		char *value;
		if (str_valid_utf8(text, field.len)) {
			value = arena_strndup(a, text, field.len);
		} else {
			value = utf8_repair(a, text, field.len);
			bad_utf8 = true;
		}
		if (count == cap) {
			cap *= 2;
			fields = xrealloc(fields, cap * sizeof *fields);
		}
		fields[count++] = value;
		if (r->p < r->end && *r->p == r->sep)
			r->p++;
		else
			row_end = true;
	}
	take_newline(r);
	if (bad_utf8 && row->problem == SURVEY_CSV_ROW_OK)
		row->problem = SURVEY_CSV_ROW_ENCODING;
	row->field_count = count;
	row->fields = arena_alloc(a, count * sizeof *row->fields);
	memcpy(row->fields, fields, count * sizeof *fields);
	free(fields);
	buf_free(&field);
}

/* The separator: the more frequent of ';' and ',' outside quotes on the first line. */
static char detect_separator(const char *p, const char *end)
{
	size_t commas = 0, semicolons = 0;
	bool quoted = false;
	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '\n' || *p == '\r'))
			break;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semicolons++;
	}
	return semicolons > commas ? ';' : ',';
}

enum survey_csv_error survey_csv_read(arena *a, const char *data, size_t len, size_t max_rows,
                                      size_t max_columns, survey_csv *out)
{
	memset(out, 0, sizeof *out);
	if (max_rows == 0)
		max_rows = SURVEY_CSV_MAX_ROWS;
	if (max_columns == 0)
		max_columns = SURVEY_CSV_MAX_COLUMNS;
	if (len >= 2 && (((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE) ||
	                 ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF)))
		return SURVEY_CSV_UTF16;
	if (memchr(data, '\0', len) != NULL)
		return SURVEY_CSV_BINARY;
	csv_reader r = { .p = data, .end = data + len, .line = 1 };
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		out->bom = true;
		r.p += 3;
	}
	/* Blank lines before the header. */
	while (take_newline(&r))
		;
	if (r.p >= r.end)
		return SURVEY_CSV_EMPTY;
	r.sep = out->separator = detect_separator(r.p, r.end);
	read_row(a, &r, &out->header);
	for (size_t i = 0; i < out->header.field_count; i++) {
		/* Header names without surrounding blanks. */
		const char *s = out->header.fields[i];
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		out->header.fields[i] = arena_strndup(a, s, n);
	}
	if (out->header.problem != SURVEY_CSV_ROW_OK)
		return SURVEY_CSV_BAD_HEADER;
	if (out->header.field_count > max_columns)
		return SURVEY_CSV_TOO_MANY_COLUMNS;

	size_t cap = 64;
	survey_csv_row *rows = xcalloc(cap, sizeof *rows);
	enum survey_csv_error rc = SURVEY_CSV_OK;
	while (r.p < r.end) {
		if (take_newline(&r))
			continue; /* a blank line */
		if (out->row_count == max_rows) {
			rc = SURVEY_CSV_TOO_MANY_ROWS;
			break;
		}
		if (out->row_count == cap) {
			cap *= 2;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		read_row(a, &r, &rows[out->row_count++]);
	}
	out->rows = arena_alloc(a, (out->row_count ? out->row_count : 1) * sizeof *rows);
	memcpy(out->rows, rows, out->row_count * sizeof *rows);
	free(rows);
	return rc;
}

/* The next code point of s, case-folded for ASCII and Latin-1 letters; advances *s. */
static unsigned fold_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned c = p[0];
	if (c >= 'A' && c <= 'Z') {
		(*s)++;
		return c + 32;
	}
	if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
		unsigned cp = 0xC0 + (p[1] - 0x80);
		*s += 2;
		if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
			cp += 0x20;
		return cp;
	}
	(*s)++;
	return c;
}

bool survey_fold_equal(const char *x, const char *y)
{
	while (*x && *y)
		if (fold_next(&x) != fold_next(&y))
			return false;
	return *x == '\0' && *y == '\0';
}

bool survey_read_decimal(const char *text, double *out)
{
	char tmp[64];
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	while (n > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		n--;
	}
	if (n == 0 || n >= sizeof tmp)
		return false;
	bool mark = false;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (c == ',' || c == '.') {
			if (mark || i == 0 || i + 1 == n)
				return false;
			mark = true;
			c = '.';
		} else if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-')) {
			return false;
		}
		tmp[i] = c;
	}
	tmp[n] = '\0';
	char *end = NULL;
	double v = strtod(tmp, &end);
	if (end == NULL || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}
