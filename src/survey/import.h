/*
 * import.h — reading the survey's CSV files (answers and population margins)
 * and checking a file of answers against a round's questionnaire. Pure code
 * (no database, no HTTP): the pages (import.c, population.c) and the demo
 * data (demo.c) use it, and tests/unit/survey/test_import.c tests it.
 *
 * Files: import_csv.c (the CSV reader), import_check.c (a file of answers
 * against a questionnaire, row by row), import_areas.c (areas by id, code or
 * name), import_store.c (storing checked rows in batches),
 * import_tolerance.c (the raking's margin total tolerance).
 *
 * The CSV reader takes what spreadsheet programs write: UTF-8 with or
 * without a byte order mark, comma or semicolon as separator (detected from
 * the header line; Swedish Excel writes ';'), RFC 4180 quoting (a quoted
 * field may hold separators, doubled quotes and line breaks), CRLF or LF.
 * It never gives up on the whole file for one bad row: a row with broken
 * quoting or bytes that are not UTF-8 is kept with its problem, so that a
 * report can name every bad row. Blank lines are skipped.
 *
 * Memory: everything read lives in the arena given to the reader.
 */
#ifndef TRYGG_SURVEY_IMPORT_H
#define TRYGG_SURVEY_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "survey/questionnaire.h"

#define SURVEY_CSV_MAX_ROWS 200000
#define SURVEY_CSV_MAX_COLUMNS 600
#define SURVEY_CSV_MAX_FIELD 100000   /* bytes in one field */
#define SURVEY_REF_MAX_CHARS 200
#define SURVEY_IMPORT_ISSUES_MAX 100000 /* issues kept for the report; the rest are counted */

/* What can be wrong with one row of a CSV file as text. */
enum survey_csv_row_problem {
	SURVEY_CSV_ROW_OK,
	SURVEY_CSV_ROW_QUOTING,      /* a quote inside an unquoted field, or text after a closing quote */
	SURVEY_CSV_ROW_UNTERMINATED, /* a quoted field that is never closed (runs to the end of the file) */
	SURVEY_CSV_ROW_ENCODING,     /* bytes that are not UTF-8 (e.g. saved as Windows-1252) */
	SURVEY_CSV_ROW_FIELD_TOO_LONG,
};

typedef struct survey_csv_row {
	size_t line;          /* the file's line (1: the first) where the row starts */
	size_t field_count;
	const char **fields;  /* NUL-terminated; "" for an empty field */
	enum survey_csv_row_problem problem;
} survey_csv_row;

/* What can be wrong with the file as a whole. */
enum survey_csv_error {
	SURVEY_CSV_OK,
	SURVEY_CSV_EMPTY,         /* no header line */
	SURVEY_CSV_UTF16,         /* a UTF-16 byte order mark: saved as "Unicode text" */
	SURVEY_CSV_BINARY,        /* holds NUL bytes: not a text file */
	SURVEY_CSV_TOO_MANY_ROWS, /* more than max_rows data rows */
	SURVEY_CSV_TOO_MANY_COLUMNS,
	SURVEY_CSV_BAD_HEADER,    /* the header row itself has a problem */
	SURVEY_CSV__MAX
};
/* A Swedish sentence for each (translate with T(); N_ texts). */
extern const char *const survey_csv_error_text[SURVEY_CSV__MAX];

typedef struct survey_csv {
	char separator;       /* ',' or ';' */
	bool bom;             /* the file began with a UTF-8 byte order mark */
	survey_csv_row header;
	size_t row_count;     /* data rows, without the header */
	survey_csv_row *rows;
} survey_csv;

/*
 * Reads data (len bytes, need not be NUL-terminated) into *out (in a). The
 * first row is the header; max_rows and max_columns limit the data rows and
 * the header's fields (0: the SURVEY_CSV_ defaults). Returns SURVEY_CSV_OK or
 * the file's problem.
 */
enum survey_csv_error survey_csv_read(arena *a, const char *data, size_t len, size_t max_rows,
                                      size_t max_columns, survey_csv *out);

/* Folds the case of ASCII and of the Latin-1 letters of UTF-8 (Å→å, Ö→ö, É→é)
 * and compares; true when equal. For area names and codes as people type them. */
bool survey_fold_equal(const char *x, const char *y);

/* Reads a count or weight: a decimal number with '.' or ',' as decimal mark,
 * no thousands separators, finite. Returns true with *out. */
bool survey_read_decimal(const char *text, double *out);

/* ---- a file of answers against a questionnaire (import_check.c) ---- */

/* The problems a cell or row can have, beyond the answer errors of
 * questionnaire.h; names (for the stored report) in survey_import_problem_names. */
enum survey_import_problem {
	SURVEY_IMP_ANSWER,        /* see aerror */
	SURVEY_IMP_QUOTING,
	SURVEY_IMP_UNTERMINATED,
	SURVEY_IMP_ENCODING,
	SURVEY_IMP_FIELD_TOO_LONG,
	SURVEY_IMP_FIELD_COUNT,   /* the row has another number of fields than the header */
	SURVEY_IMP_MODE,          /* mode is not phone/telefon or paper/papper */
	SURVEY_IMP_WEIGHT,        /* weight is not a positive number */
	SURVEY_IMP_REF,           /* ref longer than SURVEY_REF_MAX_CHARS or with control characters */
	SURVEY_IMP__MAX
};

typedef struct survey_import_issue {
	size_t line;              /* the file's line of the row */
	const char *column;       /* the column's name, or "" for the row as a whole */
	const char *value;        /* the cell as read ("" when none) */
	enum survey_import_problem problem;
	enum survey_aerror aerror;/* SURVEY_IMP_ANSWER only */
} survey_import_issue;

/* A row that passed: its answers and metadata, ready for survey_response_insert(). */
typedef struct survey_import_row {
	size_t line;
	const char *mode;         /* "phone", "paper", or "import" when the file says nothing */
	const char *ref;          /* "" when none */
	double weight;            /* 0: none given */
	size_t answer_count;
	survey_answer *answers;
} survey_import_row;

typedef struct survey_import_check {
	/* The header: columns that name no item and no optional column (file-level
	 * error: nothing is checked), and columns named twice. */
	size_t unknown_count;
	const char **unknown;
	size_t duplicate_count;
	const char **duplicate;
	size_t rows_total;
	size_t valid_count;
	survey_import_row *valid;
	size_t invalid_rows;      /* rows with at least one issue */
	size_t issue_count;
	survey_import_issue *issues; /* in file order; at most SURVEY_IMPORT_ISSUES_MAX */
	size_t issue_total;       /* issues found (more than issue_count when some were not kept) */
} survey_import_check;

/* The names of the problems and of survey_aerror values, as stored in
 * survey_imports.report ("not_option", "quoting", …). */
extern const char *const survey_import_problem_names[SURVEY_IMP__MAX];
extern const char *const survey_aerror_names[SURVEY_A__MAX];
/* A Swedish sentence for each import problem (translate with T(); N_ texts);
 * for SURVEY_IMP_ANSWER use survey_aerror_message(). */
extern const char *const survey_import_problem_text[SURVEY_IMP__MAX];

/*
 * Checks every row of csv against q: each cell with survey_answer_read()
 * (areas through area_lookup), each row's answers with survey_answers_check(),
 * the optional columns mode, ref and weight. Fills *out (in a). Returns 0
 * when the header is usable (out->unknown_count and duplicate_count are 0),
 * -1 otherwise (no row checked).
 */
int survey_import_check_rows(arena *a, const survey_questionnaire *q, const survey_csv *csv,
                             int64_t (*area_lookup)(void *ud, const char *text), void *ud,
                             survey_import_check *out);


/* ---- the municipality's areas as files name them (import_areas.c) ---- */

#include "db/db.h"

typedef struct survey_area_ref {
	int64_t id;
	const char *code, *name;
	double bbox_w, bbox_s, bbox_e, bbox_n; /* the area's bounding box (demo points) */
	const char *geometry;                  /* GeoJSON (demo points) */
} survey_area_ref;

typedef struct survey_area_list {
	size_t count;
	survey_area_ref *items; /* in a */
} survey_area_list;

/* Reads the areas in use into *out (in a). 0 or -1 (database error). */
int survey_area_list_load(db_conn *c, arena *a, survey_area_list *out);
/* The area (ud: a survey_area_list) named by text: its id, its code or its
 * name, case-insensitive (survey_fold_equal). Returns its id, or 0. */
int64_t survey_area_list_lookup(void *ud, const char *text);
/* The area with id, or NULL. */
const survey_area_ref *survey_area_list_find(const survey_area_list *l, int64_t id);


/* Stores the n checked rows as complete responses of round_id, made by the
 * import import_id (already inserted; no other responses carry it), with
 * multi-row inserts, in the caller's write transaction (import_store.c).
 * source_ref is the row's ref, else "FILENAME:LINE". 0 or -1. */
int survey_import_store(db_conn *c, arena *a, int64_t round_id, const survey_questionnaire *q, int64_t import_id,
                        const survey_import_row *rows, size_t n, const char *filename, int64_t now);

/* Records an import of csv (checked into chk) in survey_imports, with its
 * report (every issue, by name, as JSON), places the valid rows' points in
 * their areas and stores the rows (survey_import_store()). imported_by: a
 * staff account, or 0. Caller's write transaction. Returns the import's id,
 * or -1. */
int64_t survey_import_save(db_conn *c, arena *a, int64_t round_id, const survey_questionnaire *q, const survey_csv *csv,
                           const survey_import_check *chk, const char *filename, int64_t imported_by, int64_t now);


#endif
