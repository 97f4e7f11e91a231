/*
 * questionnaire.h — a survey round's questionnaire as data: the JSON format
 * "trygg-survey/1", its validation, routing, and the checking of one answer.
 * Pure code (no database, no HTTP): the web answering, staff entry, CSV
 * import, builder and results all go through it, so an answer is judged the
 * same way whichever way it came in.
 *
 * The format (data/survey/bank.json is the default question bank in it):
 *   { "format": "trygg-survey/1",
 *     "title": {"sv": "…", "en": "…"}, "intro": {…},      texts: "sv" required,
 *     "languages": ["sv", "en"],                           others optional
 *     "scales": { "NAME": { "label": {…}, "options": [
 *         { "code": 1, "key": "nej", "label": {…}, "score": 0 }, … ] } },
 *     "sections": [ { "code": "problem", "title": {…}, "intro": {…},
 *         "items": [ { "code": "problem.klotter", "type": "single",
 *                      "scale": "problem", "role": "problem",
 *                      "text": {…}, "help": {…}, "required": false,
 *                      "show_if": { "item": "utsatt.ran", "codes": [1] },
 *                      "crime": "ran", "background": "age_group",
 *                      "min": 0, "max": 120, "max_chars": 2000 } ] } ] }
 *   - item codes: 1–64 of [a-z0-9_.-], unique; an item keeps its code across
 *     rounds, which is what makes rounds comparable;
 *   - types: single (one option of the scale), number (an integer in
 *     min…max), text (free text up to max_chars, default 2000), area (one of
 *     the municipality's areas), place (a point on the map or an area, with
 *     optional text);
 *   - option codes are integers, unique in the scale; keys (default: the
 *     code as text) name cells of population margins ("25-44", "kvinna");
 *     score is the option's number in indices (null: left out, "Vet inte");
 *   - roles: problem, unsafety, avoid, worry, victim, reported, trust,
 *     background, open, place, other (default). victim and reported name a
 *     "crime" (pairs give the reporting rate). background names a key
 *     (age_group, sex, area, …) used by the raking margins; an item of type
 *     area with background "area" is the respondent's area;
 *   - show_if: the item is asked only when an earlier item was answered with
 *     one of the codes; answers to items not asked are refused.
 *
 * Memory: a questionnaire lives in the arena given to the parser; every
 * string and array in it is owned by that arena.
 */
#ifndef TRYGG_SURVEY_QUESTIONNAIRE_H
#define TRYGG_SURVEY_QUESTIONNAIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define SURVEY_FORMAT "trygg-survey/1"
#define SURVEY_CODE_MAX 64
#define SURVEY_TEXT_MAX_DEFAULT 2000
#define SURVEY_ITEMS_MAX 500
#define SURVEY_OPTIONS_MAX 50
#define SURVEY_LANGS_MAX 8

/* A text in several languages. */
typedef struct survey_text {
	size_t count;
	const char *lang[SURVEY_LANGS_MAX];
	const char *text[SURVEY_LANGS_MAX];
} survey_text;

/* The text in lang, else in Swedish, else "" (never NULL). */
const char *survey_text_get(const survey_text *t, const char *lang);

typedef struct survey_option {
	int code;
	const char *key;
	survey_text label;
	bool has_score;
	double score;
} survey_option;

typedef struct survey_scale_def {
	const char *name;
	survey_text label;
	size_t option_count;
	survey_option *options;
} survey_scale_def;

enum survey_item_type {
	SURVEY_SINGLE,
	SURVEY_NUMBER,
	SURVEY_TEXT,
	SURVEY_AREA,
	SURVEY_PLACE,
	SURVEY_ITEM_TYPE__MAX
};

enum survey_role {
	SURVEY_ROLE_OTHER,
	SURVEY_ROLE_PROBLEM,
	SURVEY_ROLE_UNSAFETY,
	SURVEY_ROLE_AVOID,
	SURVEY_ROLE_WORRY,
	SURVEY_ROLE_VICTIM,
	SURVEY_ROLE_REPORTED,
	SURVEY_ROLE_TRUST,
	SURVEY_ROLE_BACKGROUND,
	SURVEY_ROLE_OPEN,
	SURVEY_ROLE_PLACE,
	SURVEY_ROLE__MAX
};

/* The names used in the JSON ("single", "problem", …). */
extern const char *const survey_item_type_names[SURVEY_ITEM_TYPE__MAX];
extern const char *const survey_role_names[SURVEY_ROLE__MAX];

#define SURVEY_SHOW_IF_CODES_MAX 16

typedef struct survey_item {
	const char *code;
	enum survey_item_type type;
	enum survey_role role;
	size_t section;                 /* index into sections */
	const survey_scale_def *scale;  /* SURVEY_SINGLE only */
	survey_text text, help;
	bool required;
	const char *crime;              /* victim/reported; else NULL */
	const char *background;         /* role background; else NULL */
	int64_t min, max;               /* number */
	size_t max_chars;               /* text and place */
	const char *show_if_item;       /* NULL: always asked */
	size_t show_if_count;
	int show_if_codes[SURVEY_SHOW_IF_CODES_MAX];
} survey_item;

typedef struct survey_section {
	const char *code;
	survey_text title, intro;
	size_t first_item, item_count;  /* items[first_item … first_item + item_count − 1] */
} survey_section;

typedef struct survey_questionnaire {
	survey_text title, intro;
	size_t language_count;
	const char *languages[SURVEY_LANGS_MAX];
	size_t scale_count;
	survey_scale_def *scales;
	size_t section_count;
	survey_section *sections;
	size_t item_count;
	survey_item *items;             /* in order, section by section */
} survey_questionnaire;

/* What is wrong with a questionnaire document. */
enum survey_qerror {
	SURVEY_Q_OK,
	SURVEY_Q_JSON,            /* not JSON (detail: the parser's message, line) */
	SURVEY_Q_FORMAT,          /* "format" is not "trygg-survey/1" */
	SURVEY_Q_MISSING,         /* a required field is missing or of the wrong kind (where) */
	SURVEY_Q_TEXT,            /* a text without Swedish, or not a string (where) */
	SURVEY_Q_CODE,            /* an item, section or option code is not valid (where) */
	SURVEY_Q_DUPLICATE,       /* an item, section, scale or option code used twice (where) */
	SURVEY_Q_TYPE,            /* an unknown item type (where) */
	SURVEY_Q_ROLE,            /* an unknown role, or a role without its crime/background (where) */
	SURVEY_Q_SCALE,           /* an unknown scale, or a scale without options (where) */
	SURVEY_Q_SHOW_IF,         /* show_if names an item that is not an earlier single item, or a
	                           * code not on its scale (where) */
	SURVEY_Q_RANGE,           /* min > max, or max_chars out of 1…20000 (where) */
	SURVEY_Q_TOO_MANY,        /* more than the limits above (where) */
	SURVEY_Q_EMPTY,           /* no items at all */
	SURVEY_Q__MAX
};

typedef struct survey_qproblem {
	enum survey_qerror error;
	char where[160];          /* e.g. "sections[2].items[4] (utsatt.ran): show_if" */
	char detail[160];
} survey_qproblem;

/* A Swedish sentence for error (translate with T(); N_ texts). */
const char *survey_qerror_message(enum survey_qerror error);

/* Parses and checks a questionnaire document. Returns 0 with *out (in a), or
 * -1 with *problem filled. */
int survey_questionnaire_parse(arena *a, const char *json, size_t len, const survey_questionnaire **out,
                               survey_qproblem *problem);

/* The item called code, or NULL. */
const survey_item *survey_item_find(const survey_questionnaire *q, const char *code);
/* Its index in q->items, or -1. */
int survey_item_index(const survey_questionnaire *q, const char *code);
/* The option with code on the item's scale, or NULL. */
const survey_option *survey_option_find(const survey_item *item, int code);
/* The first item with role background and this background key, or NULL. */
const survey_item *survey_background_item(const survey_questionnaire *q, const char *key);

/* ---- answers ---- */

/* One answer as stored. */
typedef struct survey_answer {
	const char *item_code;
	bool has_code;       /* single: option code; number: the number; area: area id */
	int64_t code;
	const char *text;    /* text and place (may be NULL) */
	bool has_point;      /* place */
	double lat, lon;
	int64_t area_id;     /* area and place (0: none) */
} survey_answer;

enum survey_aerror {
	SURVEY_A_OK,
	SURVEY_A_REQUIRED,    /* a required item without an answer */
	SURVEY_A_NOT_OPTION,  /* not one of the scale's codes or keys */
	SURVEY_A_NOT_NUMBER,  /* not a whole number */
	SURVEY_A_RANGE,       /* a number outside min…max */
	SURVEY_A_TOO_LONG,    /* text longer than max_chars characters */
	SURVEY_A_BAD_TEXT,    /* text that is not valid UTF-8 or holds control characters */
	SURVEY_A_BAD_PLACE,   /* a point that is not "lat,lon" with real coordinates */
	SURVEY_A_NOT_AREA,    /* an area that does not exist */
	SURVEY_A_NOT_ASKED,   /* an answer to an item that routing leaves out */
	SURVEY_A_UNKNOWN_ITEM,/* an answer to no item of the questionnaire */
	SURVEY_A__MAX
};

/* A Swedish sentence for error (translate with T(); N_ texts). */
const char *survey_aerror_message(enum survey_aerror error);

/*
 * Reads raw (what a person typed or a file held; surrounding blanks are
 * ignored; "" = no answer) as an answer to item into *out (out->item_code is
 * set; text points into a). single: the option code ("3") or key ("stor",
 * case-insensitive); number: an integer; text: the text; area: an area id
 * or code, resolved by area_lookup (may be NULL: ids only); place: "lat,lon"
 * (decimal degrees, WGS84). Returns SURVEY_A_OK with *answered = whether
 * there was an answer, or the error.
 */
enum survey_aerror survey_answer_read(arena *a, const survey_item *item, const char *raw,
                                      int64_t (*area_lookup)(void *ud, const char *text), void *ud,
                                      survey_answer *out, bool *answered);

/* Whether item is asked given the answers so far (routing). */
bool survey_item_asked(const survey_questionnaire *q, const survey_item *item, const survey_answer *answers,
                       size_t answer_count);

/*
 * Checks a whole set of answers: every answer names an item that is asked,
 * at most one answer per item, every required item that is asked has an
 * answer. Returns SURVEY_A_OK, or the first error with *item_code naming the
 * item (owned by q or answers).
 */
enum survey_aerror survey_answers_check(const survey_questionnaire *q, const survey_answer *answers,
                                        size_t answer_count, const char **item_code);

#endif
