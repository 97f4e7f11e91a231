/*
 * builder.c — the staff side of a survey round (samordnare, admin):
 *   /personal/trygghetsundersokning           the rounds; a new round from the
 *                                             question bank, a copy of an earlier
 *                                             round's questionnaire, or a file
 *   /personal/trygghetsundersokning/ID        settings, status, links to the rest
 *   /personal/trygghetsundersokning/ID/enkat  the questionnaire builder
 *   …/ID/enkat.json                           export (GET) and import (POST)
 *   …/ID/koder                                one-time codes for invitation letters
 *
 * The builder edits the questionnaire as its JSON document: each action
 * changes the document, and the result is saved only when
 * survey_questionnaire_parse() accepts it; otherwise the page shows why. Once
 * a round has answers its questionnaire is locked structurally (items, order,
 * routing, whether required): only texts may still be corrected. Every change
 * goes to the audit log. It does not collect, import or analyse answers
 * (answer.c, entry.c, import.c, results*.c do).
 */
#include "survey/survey.h"
#include "survey/survey_store.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS_PATH "/personal/trygghetsundersokning"
#define MANAGER_ROLES (ROLE_SAMORDNARE | ROLE_ADMIN)
#define BANK_FILE "data/survey/bank.json"
#define SLUG_MAX 80
#define CODES_MAX 20000
#define METHOD_MAX 20000

static const char SQL_RESPONSES_ANY[] = "SELECT COUNT(*) FROM survey_responses WHERE round_id = ?";
static const char SQL_CODE_BATCHES[] =
	"SELECT batch, COUNT(*), COUNT(used_at), MIN(created_at) FROM survey_codes WHERE round_id = ? "
	"GROUP BY batch ORDER BY MIN(created_at), batch";

/* What each status is called on pages. */
static const char *const status_labels[SURVEY_ROUND_STATUS__MAX] = {
	[SURVEY_ROUND_DRAFT] = N_("Utkast"),
	[SURVEY_ROUND_OPEN] = N_("Öppen för svar"),
	[SURVEY_ROUND_CLOSED] = N_("Stängd"),
	[SURVEY_ROUND_PUBLISHED] = N_("Publicerad"),
};

/* The status changes a coordinator may make, and the button for each. */
static const struct {
	enum survey_round_status from, to;
	const char *label;
} transitions[] = {
	{ SURVEY_ROUND_DRAFT, SURVEY_ROUND_OPEN, N_("Öppna för svar") },
	{ SURVEY_ROUND_OPEN, SURVEY_ROUND_CLOSED, N_("Stäng för svar") },
	{ SURVEY_ROUND_CLOSED, SURVEY_ROUND_OPEN, N_("Öppna igen") },
	{ SURVEY_ROUND_CLOSED, SURVEY_ROUND_PUBLISHED, N_("Publicera resultaten") },
};

/* The other parts of a round, built by the other pages of the module. */
static const struct {
	const char *suffix;
	const char *label;
	bool is_public;
} round_links[] = {
	{ "/enkat", N_("Enkäten"), false },
	{ "/koder", N_("Engångskoder"), false },
	{ "/registrera", N_("Registrera svar från telefon eller papper"), false },
	{ "/import", N_("Läs in svar från fil"), false },
	{ "/befolkning", N_("Befolkningsuppgifter för viktning"), false },
	{ "/fritext", N_("Granska fritextsvar"), false },
	{ "", N_("Resultaten (offentliga)"), true },
	{ "/svara", N_("Enkäten för de svarande"), true },
};

/* ---- helpers ---- */

/* The text in exactly lang, or "" (no fallback to Swedish). */
static const char *text_exact(const survey_text *t, const char *lang)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->lang[i], lang) == 0)
			return t->text[i];
	return "";
}

/* The translated problem of a questionnaire, with where it is. */
static const char *qproblem_text(http_req *r, const survey_qproblem *p)
{
	const char *m = T(r, survey_qerror_message(p->error));
	if (p->where[0] && p->detail[0])
		return arena_printf(r->arena, "%s (%s: %s)", m, p->where, p->detail);
	if (p->where[0] || p->detail[0])
		return arena_printf(r->arena, "%s (%s)", m, p->where[0] ? p->where : p->detail);
	return m;
}

/* Re-reads a JSON document into the form Trygg stores and exports: indented,
 * keys in their order. Returns a malloc'd string the caller frees, or NULL. */
static char *pretty_json(json_t *doc)
{
	return json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

/* Checks text as a questionnaire. Returns 0 with *stored (in r's arena: the
 * pretty form), or the status for the problem (*message translated). */
static int questionnaire_check(http_req *r, const char *text, size_t len, const char **stored, const char **message)
{
	survey_qproblem p;
	const survey_questionnaire *q;
	memset(&p, 0, sizeof p);
	if (survey_questionnaire_parse(r->arena, text, len, &q, &p) != 0) {
		*message = qproblem_text(r, &p);
		return p.error == SURVEY_Q_JSON || p.error == SURVEY_Q_FORMAT ? 400 : 422;
	}
	json_t *doc = json_loadb(text, len, 0, NULL);
	char *pretty = doc ? pretty_json(doc) : NULL;
	json_decref(doc);
	if (pretty == NULL)
		fatal("out of memory");
	*stored = arena_strdup(r->arena, pretty);
	free(pretty);
	return 0;
}

/* The uploaded file of field name (non-empty), or NULL. */
static const http_file *uploaded(http_req *r, const char *name)
{
	for (const http_file *f = r->files; f; f = f->next)
		if (strcmp(f->field, name) == 0 && f->size > 0)
			return f;
	return NULL;
}

/* Reads an uploaded file into the arena. Returns its text, or NULL. */
static const char *file_text(http_req *r, const http_file *f, size_t *len)
{
	buf b;
	buf_init(&b);
	if (buf_read_file(&b, f->path) != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	char *text = arena_strndup(r->arena, buf_cstr(&b), b.len);
	buf_free(&b);
	return text;
}

/* Whether the round has any responses (complete or in progress): its
 * questionnaire is then locked structurally. 1, 0, or -1 on error. */
static int round_locked(db_conn *c, int64_t round_id)
{
	db_stmt *s = db_prepare(c, SQL_RESPONSES_ANY);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	if (db_step(s) != DB_ROW)
		return -1;
	int locked = db_column_int(s, 0) > 0;
	return db_step(s) == DB_DONE ? locked : -1; /* finished, so that a write transaction can commit */
}

/* Reads the round of the path's {id}. Returns 0, or the status answered
 * (error page set). */
static int path_round(http_req *r, survey_round *round)
{
	int64_t id;
	int found = 0;
	if (str_to_int64(http_param(r, "id"), &id) == 0 && id > 0)
		found = survey_round_get(web_db(r), r->arena, id, NULL, round);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Undersökningen finns inte."));
	return 0;
}

static const char *round_path(http_req *r, const survey_round *round, const char *suffix)
{
	return arena_printf(r->arena, ROUNDS_PATH "/%lld%s", (long long)round->id, suffix);
}

/* A page that shows one round: renders it with render, or answers 404. */
typedef int (*round_renderer)(http_req *r, int status, const survey_round *round, json_t *d);
static int round_show(http_req *r, round_renderer render)
{
	survey_round round;
	int status = path_round(r, &round);
	return status ? status : render(r, 200, &round, json_object());
}

/* A slug from text: a–z, 0–9 and single dashes (å, ä → a, ö → o, é → e). */
static const char *slug_from(arena *a, const char *text)
{
	static const struct {
		const char *from, *to;
	} folds[] = { { "å", "a" }, { "ä", "a" }, { "ö", "o" }, { "é", "e" }, { "ü", "u" },
		      { "Å", "a" }, { "Ä", "a" }, { "Ö", "o" }, { "É", "e" }, { "Ü", "u" } };
	buf b;
	buf_init(&b);
	bool dash = false;
	for (const char *p = text; *p && b.len < SLUG_MAX;) {
		const char *add = NULL;
		size_t step = 1;
		for (size_t i = 0; i < ARRAY_LEN(folds) && add == NULL; i++)
			if (strncmp(p, folds[i].from, strlen(folds[i].from)) == 0) {
				add = folds[i].to;
				step = strlen(folds[i].from);
			}
		char c = *p;
		char lower[2] = { 0, 0 };
		if (add == NULL && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			lower[0] = c;
			add = lower;
		} else if (add == NULL && c >= 'A' && c <= 'Z') {
			lower[0] = (char)(c - 'A' + 'a');
			add = lower;
		}
		if (add != NULL) {
			if (dash && b.len > 0)
				buf_putc(&b, '-');
			buf_puts(&b, add);
			dash = false;
		} else {
			dash = true;
		}
		p += step;
	}
	const char *out = arena_strdup(a, b.len ? buf_cstr(&b) : "");
	buf_free(&b);
	return out;
}

/* A slug is 1–80 of a–z, 0–9 and inner dashes, and not a word the public
 * addresses use themselves. */
static bool slug_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SLUG_MAX || s[0] == '-' || s[n - 1] == '-' || strcmp(s, "metod") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* A field holding plain text of at most max characters (newlines when
 * multiline). */
static bool text_field_ok(const char *s, size_t max, bool multiline)
{
	return !webform_has_control(s, multiline) && webform_chars(s) <= max;
}

/* "YYYY-MM-DD" as seconds: the start of that day in the server's time zone
 * (Europe/Stockholm), or with end_of_day the start of the next day; "" is 0.
 * Returns 0 or -1. */
static int date_parse(const char *s, bool end_of_day, int64_t *out)
{
	*out = 0;
	if (*s == '\0')
		return 0;
	int y, m, d;
	char extra;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || y < 2000 || y > 2100 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1 };
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d) /* 31 February */
		return -1;
	if (end_of_day) {
		struct tm next = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1 };
		t = mktime(&next);
	}
	*out = (int64_t)t;
	return 0;
}

/* The day of t as "YYYY-MM-DD" (with end_of_day: the day that ends at t). */
static const char *date_text(arena *a, int64_t t, bool end_of_day)
{
	if (t == 0)
		return "";
	time_t tt = (time_t)(t - (end_of_day ? 1 : 0));
	struct tm tm;
	localtime_r(&tt, &tm);
	return arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The raking margins "age_group*sex,area": every key a background key of q.
 * Returns true when valid ("" is). */
static bool margins_valid(arena *a, const char *margins, const survey_questionnaire *q)
{
	if (*margins == '\0')
		return true;
	const char *p = margins;
	while (true) {
		size_t n = strcspn(p, ",*");
		const char *key = arena_strndup(a, p, n);
		if (n == 0 || q == NULL || survey_background_item(q, key) == NULL)
			return false;
		p += n;
		if (*p == '\0')
			return true;
		p++;
	}
}

/* ---- the rounds ---- */

typedef struct round_row {
	json_t *list;
	arena *a;
	http_req *r;
} round_row;

static int round_row_add(void *ud, const survey_round *rd)
{
	round_row *rr = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rd->id));
	json_object_set_new(o, "title", json_string(rd->title_sv));
	json_object_set_new(o, "year", json_integer(rd->year));
	json_object_set_new(o, "slug", json_string(rd->slug));
	json_object_set_new(o, "status", json_string(T(rr->r, status_labels[rd->status])));
	json_object_set_new(o, "href", json_string(arena_printf(rr->a, ROUNDS_PATH "/%lld", (long long)rd->id)));
	json_object_set_new(o, "public_href", json_string(arena_printf(rr->a, "/trygghetsundersokning/%s", rd->slug)));
	json_object_set_new(o, "published", json_boolean(rd->status == SURVEY_ROUND_PUBLISHED));
	json_array_append_new(rr->list, o);
	return 0;
}

/* The rounds, newest first, with their number of answers. NULL on a database error. */
static json_t *rounds_json(http_req *r)
{
	round_row rr = { json_array(), r->arena, r };
	if (survey_round_list(web_db(r), round_row_add, &rr) != 0) {
		json_decref(rr.list);
		return NULL;
	}
	size_t i;
	json_t *o;
	json_array_foreach(rr.list, i, o) {
		int64_t n = survey_response_count(web_db(r), json_integer_value(json_object_get(o, "id")));
		if (n < 0) {
			json_decref(rr.list);
			return NULL;
		}
		json_object_set_new(o, "answers", json_integer(n));
	}
	return rr.list;
}

/* Renders the rounds page with d (the form's values and errors). Takes d. */
static int rounds_render(http_req *r, int status, json_t *d)
{
	json_t *list = rounds_json(r);
	if (list == NULL)
		return webform_failed(r, d);
	json_object_set_new(d, "copy_from", json_deep_copy(list));
	json_object_set_new(d, "has_rounds", json_boolean(json_array_size(list) > 0));
	json_object_set_new(d, "rounds", list);
	if (json_object_get(d, "start") == NULL)
		json_object_set_new(d, "start_bank", json_true());
	json_object_set_new(d, "title", json_string(T(r, "Trygghetsundersökningar")));
	return web_render(r, status, "survey/staff_rounds", d);
}

/* GET /personal/trygghetsundersokning */
static int rounds_page(http_req *r)
{
	return rounds_render(r, 200, json_object());
}

/* Reads the questionnaire a new round starts from (field "start": bank,
 * copy with "copy_from", or file with the upload "file"). Returns 0 with
 * *json (arena), or the status with the error added to d (field, message). */
static int create_source(http_req *r, json_t *d, const char **json, int64_t *copied_from)
{
	const char *start = webform_trimmed(r, "start"), *message = NULL;
	*copied_from = 0;
	if (strcmp(start, "copy") == 0) {
		int64_t id;
		survey_round from;
		int found = 0;
		if (str_to_int64(webform_trimmed(r, "copy_from"), &id) == 0 && id > 0)
			found = survey_round_get(web_db(r), r->arena, id, NULL, &from);
		if (found < 0)
			return -1;
		if (found == 0) {
			webform_error(r, d, "copy_from", T(r, "Välj den undersökning vars enkät ska kopieras."));
			return 422;
		}
		*json = from.questionnaire_json;
		*copied_from = id;
		return 0;
	}
	if (strcmp(start, "file") == 0) {
		const http_file *f = uploaded(r, "file");
		size_t len = 0;
		const char *text = f ? file_text(r, f, &len) : NULL;
		if (text == NULL) {
			webform_error(r, d, "file", T(r, "Välj en enkätfil (JSON) att läsa in."));
			return 422;
		}
		int status = questionnaire_check(r, text, len, json, &message);
		if (status != 0)
			webform_error(r, d, "file", message);
		return status;
	}
	if (strcmp(start, "bank") != 0) {
		webform_summary_error(d, "start-bank", T(r, "Välj vad enkäten ska utgå från."));
		return 422;
	}
	buf b;
	buf_init(&b);
	const char *path = arena_printf(r->arena, "%s/" BANK_FILE, web_app(r)->cfg->share_dir);
	int rc = buf_read_file(&b, path);
	*json = rc == 0 ? arena_strndup(r->arena, buf_cstr(&b), b.len) : NULL;
	buf_free(&b);
	return rc == 0 ? 0 : -1;
}

/* POST /personal/trygghetsundersokning — title_sv, title_en, year, slug
 * (empty: made from the title and year), start (bank, copy, file), copy_from, file. */
static int round_create(http_req *r)
{
	json_t *d = json_object(), *form = json_object();
	const char *title_sv = webform_trimmed(r, "title_sv"), *title_en = webform_trimmed(r, "title_en");
	const char *year_text = webform_trimmed(r, "year"), *slug = webform_trimmed(r, "slug");
	const char *start = webform_trimmed(r, "start");
	json_object_set_new(form, "title_sv", json_string(title_sv));
	json_object_set_new(form, "title_en", json_string(title_en));
	json_object_set_new(form, "year", json_string(year_text));
	json_object_set_new(form, "slug", json_string(slug));
	json_object_set_new(d, "form", form);
	json_object_set_new(d, "start", json_string(start));
	json_object_set_new(d, arena_printf(r->arena, "start_%s", strcmp(start, "copy") == 0 ? "copy" :
					    strcmp(start, "file") == 0 ? "file" : "bank"), json_true());

	int64_t year = 0;
	if (!*title_sv || !text_field_ok(title_sv, 200, false))
		webform_error(r, d, "title_sv", T(r, "Skriv undersökningens namn på svenska (högst 200 tecken)."));
	if (!text_field_ok(title_en, 200, false))
		webform_error(r, d, "title_en", T(r, "Namnet på engelska får vara högst 200 tecken."));
	if (str_to_int64(year_text, &year) != 0 || year < 1990 || year > 2100)
		webform_error(r, d, "year", T(r, "Skriv året som undersökningen gäller, till exempel 2026."));
	if (*slug == '\0' && *title_sv)
		slug = slug_from(r->arena, strstr(title_sv, year_text) || year == 0 ? title_sv :
					   arena_printf(r->arena, "%s %lld", title_sv, (long long)year));
	if (!slug_valid(slug))
		webform_error(r, d, "slug", T(r, "Adressnamnet får bara innehålla a–z, 0–9 och bindestreck."));
	if (webform_has_errors(d))
		return rounds_render(r, 422, d);

	const char *json = NULL;
	int64_t copied_from = 0;
	int status = create_source(r, d, &json, &copied_from);
	if (status < 0)
		return webform_failed(r, d);
	if (status > 0)
		return rounds_render(r, status, d);

	survey_round round = {
		.slug = slug, .title_sv = title_sv, .title_en = title_en, .year = (int)year,
		.status = SURVEY_ROUND_DRAFT, .questionnaire_json = json, .min_n = 30, .trim_upper = 5,
		.margins = "", .method_sv = "", .method_en = "",
	};
	/* A copy keeps the earlier round's way of weighting too. */
	if (copied_from > 0) {
		survey_round from;
		if (survey_round_get(web_db(r), r->arena, copied_from, NULL, &from) == 1) {
			round.margins = from.margins;
			round.min_n = from.min_n;
			round.trim_upper = from.trim_upper;
		}
	}
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0)
		return webform_failed(r, d);
	int64_t id = survey_round_create(c, &round, web_now());
	if (id < 0) {
		bool conflict = db_error_is_conflict(c);
		db_rollback(c);
		if (!conflict)
			return webform_failed(r, d);
		webform_error(r, d, "slug", T(r, "Det finns redan en undersökning med det adressnamnet."));
		return rounds_render(r, 409, d);
	}
	if (db_commit(c) != 0)
		return webform_failed(r, d);
	json_decref(d);
	const char *detail = copied_from > 0 ? arena_printf(r->arena, "%s (copy of %lld)", slug, (long long)copied_from) :
			     arena_printf(r->arena, "%s (%s)", slug, *start ? start : "bank");
	web_audit(r, "survey.round_create", arena_printf(r->arena, "survey_round:%lld", (long long)id), detail);
	return web_redirect_flash(r, arena_printf(r->arena, ROUNDS_PATH "/%lld", (long long)id),
				  T(r, "Undersökningen är skapad."));
}

/* ---- one round ---- */

/* Renders the round's page. values: the settings form as posted (or NULL:
 * from the round). Takes d. */
static int round_render(http_req *r, int status, const survey_round *round, json_t *d)
{
	int locked = round_locked(web_db(r), round->id);
	int64_t answers = survey_response_count(web_db(r), round->id);
	if (locked < 0 || answers < 0)
		return webform_failed(r, d);
	json_object_set_new(d, "id", json_integer(round->id));
	json_object_set_new(d, "title", json_string(round->title_sv));
	json_object_set_new(d, "title_sv", json_string(round->title_sv));
	json_object_set_new(d, "title_en", json_string(round->title_en));
	json_object_set_new(d, "slug", json_string(round->slug));
	json_object_set_new(d, "year", json_integer(round->year));
	json_object_set_new(d, "status_label", json_string(T(r, status_labels[round->status])));
	json_object_set_new(d, "answers", json_integer(answers));
	json_object_set_new(d, "locked", json_boolean(locked));
	json_object_set_new(d, "generated", json_boolean(round->generated));
	json_object_set_new(d, "open_link", json_boolean(round->open_link));
	json_object_set_new(d, "opens_at", json_string(date_text(r->arena, round->opens_at, false)));
	json_object_set_new(d, "closes_at", json_string(date_text(r->arena, round->closes_at, true)));
	json_object_set_new(d, "margins", json_string(round->margins));
	json_object_set_new(d, "min_n", json_integer(round->min_n));
	json_object_set_new(d, "trim_upper", json_string(arena_printf(r->arena, "%g", round->trim_upper)));
	json_object_set_new(d, "method_sv", json_string(round->method_sv));
	json_object_set_new(d, "method_en", json_string(round->method_en));
	json_object_set_new(d, "action", json_string(round_path(r, round, "")));
	json_t *links = json_array(), *buttons = json_array();
	for (size_t i = 0; i < ARRAY_LEN(round_links); i++) {
		json_t *l = json_object();
		const char *href = round_links[i].is_public ?
			arena_printf(r->arena, "/trygghetsundersokning/%s%s", round->slug, round_links[i].suffix) :
			round_path(r, round, round_links[i].suffix);
		json_object_set_new(l, "href", json_string(href));
		json_object_set_new(l, "label", json_string(T(r, round_links[i].label)));
		json_array_append_new(links, l);
	}
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++) {
		if (transitions[i].from != round->status)
			continue;
		json_t *b = json_object();
		json_object_set_new(b, "to", json_string(survey_round_status_names[transitions[i].to]));
		json_object_set_new(b, "label", json_string(T(r, transitions[i].label)));
		json_array_append_new(buttons, b);
	}
	json_object_set_new(d, "links", links);
	json_object_set_new(d, "has_transitions", json_boolean(json_array_size(buttons) > 0));
	json_object_set_new(d, "transitions", buttons);
	json_object_set_new(d, "status_action", json_string(round_path(r, round, "/status")));
	return web_render(r, status, "survey/staff_round", d);
}

/* GET /personal/trygghetsundersokning/{id} */
static int round_page(http_req *r)
{
	return round_show(r, round_render);
}

/* POST /personal/trygghetsundersokning/{id} — the settings: title_sv,
 * title_en, year, slug, opens_at, closes_at, open_link, margins, min_n,
 * trim_upper, method_sv, method_en. */
static int round_settings(http_req *r)
{
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	json_t *d = json_object();
	const char *title_sv = webform_trimmed(r, "title_sv"), *title_en = webform_trimmed(r, "title_en");
	const char *slug = webform_trimmed(r, "slug"), *margins = webform_trimmed(r, "margins");
	const char *method_sv = webform_trimmed(r, "method_sv"), *method_en = webform_trimmed(r, "method_en");
	int64_t year, opens_at, closes_at, min_n;
	char *end = NULL;
	const char *trim_text = webform_trimmed(r, "trim_upper");
	double trim = strtod(trim_text, &end);

	if (!*title_sv || !text_field_ok(title_sv, 200, false))
		webform_error(r, d, "title_sv", T(r, "Skriv undersökningens namn på svenska (högst 200 tecken)."));
	else
		round.title_sv = title_sv;
	if (!text_field_ok(title_en, 200, false))
		webform_error(r, d, "title_en", T(r, "Namnet på engelska får vara högst 200 tecken."));
	else
		round.title_en = title_en;
	if (str_to_int64(webform_trimmed(r, "year"), &year) != 0 || year < 1990 || year > 2100)
		webform_error(r, d, "year", T(r, "Skriv året som undersökningen gäller, till exempel 2026."));
	else
		round.year = (int)year;
	if (!slug_valid(slug))
		webform_error(r, d, "slug", T(r, "Adressnamnet får bara innehålla a–z, 0–9 och bindestreck."));
	else
		round.slug = slug;
	if (date_parse(webform_trimmed(r, "opens_at"), false, &opens_at) != 0)
		webform_error(r, d, "opens_at", T(r, "Skriv datumet som ÅÅÅÅ-MM-DD."));
	else
		round.opens_at = opens_at;
	if (date_parse(webform_trimmed(r, "closes_at"), true, &closes_at) != 0)
		webform_error(r, d, "closes_at", T(r, "Skriv datumet som ÅÅÅÅ-MM-DD."));
	else if (closes_at != 0 && round.opens_at != 0 && closes_at <= round.opens_at)
		webform_error(r, d, "closes_at", T(r, "Slutdatumet måste komma efter startdatumet."));
	else
		round.closes_at = closes_at;
	if (!text_field_ok(margins, 200, false) || !margins_valid(r->arena, margins, survey_round_questionnaire(r->arena, &round)))
		webform_error(r, d, "margins",
			      T(r, "Marginalerna ska vara bakgrundsfrågornas nycklar, med * inom en marginal och komma mellan marginaler, till exempel age_group*sex,area."));
	else
		round.margins = margins;
	if (str_to_int64(webform_trimmed(r, "min_n"), &min_n) != 0 || min_n < 1 || min_n > 100000)
		webform_error(r, d, "min_n", T(r, "Minsta antal svar ska vara ett heltal från 1."));
	else
		round.min_n = (int)min_n;
	if (*trim_text == '\0' || end == NULL || *end != '\0' || !(trim == 0 || (trim >= 1 && trim <= 100)))
		webform_error(r, d, "trim_upper", T(r, "Gränsen för vikterna ska vara 0 (ingen) eller ett tal från 1 till 100."));
	else
		round.trim_upper = trim;
	if (!text_field_ok(method_sv, METHOD_MAX, true) || !text_field_ok(method_en, METHOD_MAX, true))
		webform_error(r, d, "method_sv", T(r, "Metodtexten får vara högst 20 000 tecken."));
	else {
		round.method_sv = method_sv;
		round.method_en = method_en;
	}
	round.open_link = strcmp(webform_trimmed(r, "open_link"), "1") == 0;
	if (webform_has_errors(d))
		return round_render(r, 422, &round, d);

	db_conn *c = web_db(r);
	int rc = db_begin_write(c) == 0 ? survey_round_update(c, &round, web_now()) : -1;
	if (rc < 0) {
		bool conflict = db_error_is_conflict(c);
		db_rollback(c);
		if (!conflict)
			return webform_failed(r, d);
		webform_error(r, d, "slug", T(r, "Det finns redan en undersökning med det adressnamnet."));
		return round_render(r, 409, &round, d);
	}
	if (db_commit(c) != 0)
		return webform_failed(r, d);
	json_decref(d);
	web_audit(r, "survey.round_settings", arena_printf(r->arena, "survey_round:%lld", (long long)round.id), round.slug);
	return web_redirect_flash(r, round_path(r, &round, ""), T(r, "Inställningarna är sparade."));
}

/* POST /personal/trygghetsundersokning/{id}/status — to (a status name). */
static int round_status(http_req *r)
{
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	int to = survey_round_status_find(webform_trimmed(r, "to"));
	bool allowed = false;
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++)
		allowed |= transitions[i].from == round.status && (int)transitions[i].to == to;
	if (!allowed)
		return web_error(r, 409, T(r, "Undersökningen kan inte få den statusen nu."));
	enum survey_round_status from = round.status;
	round.status = (enum survey_round_status)to;
	int64_t now = web_now();
	if (round.status == SURVEY_ROUND_PUBLISHED)
		round.published_at = now;
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || survey_round_update(c, &round, now) != 1 || db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	web_audit(r, "survey.round_status", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  arena_printf(r->arena, "%s -> %s", survey_round_status_names[from], survey_round_status_names[to]));
	return web_redirect_flash(r, round_path(r, &round, ""), T(r, "Statusen är ändrad."));
}

/* ---- the questionnaire builder ---- */

/* The choices of an item form: sections, types, roles, scales. */
static void builder_choices(json_t *d, const survey_questionnaire *q)
{
	json_t *sections = json_array(), *types = json_array(), *roles = json_array(), *scales = json_array();
	for (size_t i = 0; i < q->section_count; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(q->sections[i].code));
		json_object_set_new(o, "title", json_string(survey_text_get(&q->sections[i].title, "sv")));
		json_array_append_new(sections, o);
	}
	for (size_t i = 0; i < SURVEY_ITEM_TYPE__MAX; i++)
		json_array_append_new(types, json_string(survey_item_type_names[i]));
	for (size_t i = 0; i < SURVEY_ROLE__MAX; i++)
		json_array_append_new(roles, json_string(survey_role_names[i]));
	for (size_t i = 0; i < q->scale_count; i++)
		json_array_append_new(scales, json_string(q->scales[i].name));
	json_object_set_new(d, "section_choices", sections);
	json_object_set_new(d, "types", types);
	json_object_set_new(d, "roles", roles);
	json_object_set_new(d, "scales", scales);
}

/* The items of from that q lacks (and that skip does not hold either),
 * grouped by section: [{title, items[] of {code, text}}]. */
static json_t *missing_items(const survey_questionnaire *from, const survey_questionnaire *q,
			     const survey_questionnaire *skip)
{
	json_t *groups = json_array();
	for (size_t s = 0; s < from->section_count; s++) {
		const survey_section *sec = &from->sections[s];
		json_t *items = json_array();
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &from->items[i];
			if (survey_item_find(q, it->code) != NULL || (skip != NULL && survey_item_find(skip, it->code) != NULL))
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "code", json_string(it->code));
			json_object_set_new(o, "text", json_string(survey_text_get(&it->text, "sv")));
			json_array_append_new(items, o);
		}
		if (json_array_size(items) == 0) {
			json_decref(items);
			continue;
		}
		json_t *g = json_object();
		json_object_set_new(g, "title", json_string(survey_text_get(&sec->title, "sv")));
		json_object_set_new(g, "items", items);
		json_array_append_new(groups, g);
	}
	return groups;
}

/* The default question bank, parsed into a. NULL when it cannot be read. */
static const survey_questionnaire *bank_load(http_req *r, const char **json)
{
	buf b;
	buf_init(&b);
	const survey_questionnaire *q = NULL;
	survey_qproblem p;
	const char *path = arena_printf(r->arena, "%s/" BANK_FILE, web_app(r)->cfg->share_dir);
	if (buf_read_file(&b, path) == 0 && survey_questionnaire_parse(r->arena, buf_cstr(&b), b.len, &q, &p) != 0)
		q = NULL;
	if (json != NULL)
		*json = q ? arena_strndup(r->arena, buf_cstr(&b), b.len) : NULL;
	buf_free(&b);
	return q;
}

typedef struct earlier_collect {
	int64_t self;
	json_t *list; /* [{id, title}] */
} earlier_collect;

static int earlier_add(void *ud, const survey_round *rd)
{
	earlier_collect *e = ud;
	if (rd->id == e->self)
		return 0;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rd->id));
	json_object_set_new(o, "title", json_string(rd->title_sv));
	json_array_append_new(e->list, o);
	return 0;
}

/* Sets heading_sv, heading_en, intro_sv and intro_en of o (for the headings form). */
static void headings_json(json_t *o, const survey_text *title, const survey_text *intro)
{
	json_object_set_new(o, "heading_sv", json_string(text_exact(title, "sv")));
	json_object_set_new(o, "heading_en", json_string(text_exact(title, "en")));
	json_object_set_new(o, "intro_sv", json_string(text_exact(intro, "sv")));
	json_object_set_new(o, "intro_en", json_string(text_exact(intro, "en")));
}

/* Renders the builder of round with d (errors). Takes d. */
static int builder_render(http_req *r, int status, const survey_round *round, json_t *d)
{
	db_conn *c = web_db(r);
	int locked = round_locked(c, round->id);
	const survey_questionnaire *q = survey_round_questionnaire(r->arena, round);
	if (locked < 0)
		return webform_failed(r, d);
	if (q == NULL) {
		json_decref(d);
		return web_error(r, 500, T(r, "Enkäten i databasen är inte giltig."));
	}
	json_t *sections = json_array(), *singles = json_array();
	for (size_t s = 0; s < q->section_count; s++) {
		const survey_section *sec = &q->sections[s];
		json_t *so = json_object(), *items = json_array();
		json_object_set_new(so, "code", json_string(sec->code));
		json_object_set_new(so, "title", json_string(survey_text_get(&sec->title, "sv")));
		headings_json(so, &sec->title, &sec->intro);
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &q->items[i];
			json_t *o = json_object();
			json_object_set_new(o, "n", json_integer((json_int_t)i));
			json_object_set_new(o, "code", json_string(it->code));
			json_object_set_new(o, "type", json_string(survey_item_type_names[it->type]));
			json_object_set_new(o, "role", json_string(survey_role_names[it->role]));
			json_object_set_new(o, "scale", json_string(it->scale ? it->scale->name : ""));
			if (it->scale != NULL) {
				/* The options with their codes: what routing conditions name. */
				buf b;
				buf_init(&b);
				for (size_t k = 0; k < it->scale->option_count; k++)
					buf_printf(&b, "%s%d = %s", k ? ", " : "", it->scale->options[k].code,
						   survey_text_get(&it->scale->options[k].label, "sv"));
				json_object_set_new(o, "options", json_string(buf_cstr(&b)));
				buf_free(&b);
			}
			json_object_set_new(o, "text_sv", json_string(text_exact(&it->text, "sv")));
			json_object_set_new(o, "text_en", json_string(text_exact(&it->text, "en")));
			json_object_set_new(o, "help_sv", json_string(text_exact(&it->help, "sv")));
			json_object_set_new(o, "help_en", json_string(text_exact(&it->help, "en")));
			json_object_set_new(o, "required", json_boolean(it->required));
			json_object_set_new(o, "first", json_boolean(i == sec->first_item));
			json_object_set_new(o, "last", json_boolean(i + 1 == sec->first_item + sec->item_count));
			if (it->show_if_item != NULL) {
				buf b;
				buf_init(&b);
				for (size_t k = 0; k < it->show_if_count; k++)
					buf_printf(&b, "%s%d", k ? ", " : "", it->show_if_codes[k]);
				json_object_set_new(o, "show_if_item", json_string(it->show_if_item));
				json_object_set_new(o, "show_if_codes", json_string(buf_cstr(&b)));
				buf_free(&b);
			}
			json_array_append_new(items, o);
			if (it->type == SURVEY_SINGLE) {
				json_t *si = json_object();
				json_object_set_new(si, "code", json_string(it->code));
				json_array_append_new(singles, si);
			}
		}
		json_object_set_new(so, "items", items);
		json_array_append_new(sections, so);
	}
	/* Each item's routing choice: the single items before it, the chosen one marked. */
	size_t si_count = json_array_size(singles);
	size_t k;
	json_t *so;
	json_array_foreach(sections, k, so) {
		size_t j;
		json_t *io;
		json_array_foreach(json_object_get(so, "items"), j, io) {
			json_t *choices = json_array();
			const char *code = json_string_value(json_object_get(io, "code"));
			const char *chosen = json_string_value(json_object_get(io, "show_if_item"));
			int self = survey_item_index(q, code);
			for (size_t m = 0; m < si_count; m++) {
				const char *cand = json_string_value(json_object_get(json_array_get(singles, m), "code"));
				if (survey_item_index(q, cand) >= self)
					break;
				json_t *ch = json_object();
				json_object_set_new(ch, "code", json_string(cand));
				json_object_set_new(ch, "selected", json_boolean(chosen && strcmp(chosen, cand) == 0));
				json_array_append_new(choices, ch);
			}
			json_object_set_new(io, "show_if_choices", choices);
		}
	}
	json_decref(singles);

	const survey_questionnaire *bank = bank_load(r, NULL);
	json_t *bank_groups = bank ? missing_items(bank, q, NULL) : json_array();
	json_object_set_new(d, "has_bank", json_boolean(json_array_size(bank_groups) > 0));
	json_object_set_new(d, "bank_groups", bank_groups);
	earlier_collect e = { round->id, json_array() };
	if (survey_round_list(c, earlier_add, &e) != 0) {
		json_decref(e.list);
		json_decref(sections);
		return webform_failed(r, d);
	}
	json_t *earlier = json_array(), *o;
	json_array_foreach(e.list, k, o) {
		survey_round other;
		if (survey_round_get(c, r->arena, json_integer_value(json_object_get(o, "id")), NULL, &other) != 1)
			continue;
		const survey_questionnaire *oq = survey_round_questionnaire(r->arena, &other);
		json_t *groups = oq ? missing_items(oq, q, bank) : json_array();
		if (json_array_size(groups) == 0) {
			json_decref(groups);
			continue;
		}
		json_object_set_new(o, "groups", groups);
		json_array_append(earlier, o);
	}
	json_decref(e.list);
	json_object_set_new(d, "earlier", earlier);
	builder_choices(d, q);
	json_object_set_new(d, "sections", sections);
	headings_json(d, &q->title, &q->intro);
	json_object_set_new(d, "locked", json_boolean(locked));
	json_object_set_new(d, "id", json_integer(round->id));
	json_object_set_new(d, "round_title", json_string(round->title_sv));
	json_object_set_new(d, "round_href", json_string(round_path(r, round, "")));
	json_object_set_new(d, "base", json_string(round_path(r, round, "/enkat")));
	json_object_set_new(d, "item_count", json_integer((json_int_t)q->item_count));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Enkäten"), round->title_sv)));
	return web_render(r, status, "survey/staff_builder", d);
}

/* GET /personal/trygghetsundersokning/{id}/enkat */
static int builder_page(http_req *r)
{
	return round_show(r, builder_render);
}

/* One builder action on the questionnaire document. */
typedef struct edit {
	http_req *r;
	json_t *doc;        /* the round's questionnaire, changed in place */
	bool locked;        /* the round has answers */
	int64_t round_id;
	const char *field;  /* the builder page's id where a problem belongs */
	const char *detail; /* for the audit log */
	int status;         /* of a problem: 404, 409, 422 */
} edit;

/* Returns NULL when the change is made, else the problem (translated) with e->status. */
typedef const char *(*edit_fn)(edit *e);

static const char *edit_fail(edit *e, int status, const char *message)
{
	e->status = status;
	return message;
}

/* The items array holding code, and the item's index in it; NULL when none. */
static json_t *items_holding(json_t *doc, const char *code, size_t *index, size_t *section)
{
	size_t s, i;
	json_t *sec, *it;
	json_array_foreach(json_object_get(doc, "sections"), s, sec) {
		json_t *items = json_object_get(sec, "items");
		json_array_foreach(items, i, it) {
			if (json_is_string(json_object_get(it, "code")) &&
			    strcmp(json_string_value(json_object_get(it, "code")), code) == 0) {
				*index = i;
				if (section)
					*section = s;
				return items;
			}
		}
	}
	return NULL;
}

/* The item named by the form's "code", or NULL with the problem set. */
static json_t *edit_item(edit *e, json_t **items, size_t *index, const char **problem)
{
	const char *code = webform_trimmed(e->r, "code");
	*items = items_holding(e->doc, code, index, NULL);
	e->detail = code;
	if (*items == NULL) {
		*problem = edit_fail(e, 404, T(e->r, "Frågan finns inte i enkäten."));
		return NULL;
	}
	e->field = arena_printf(e->r->arena, "item-%s", code);
	return json_array_get(*items, *index);
}

/* Sets text[lang] = value, or removes it when value is "". */
static void text_set(json_t *text, const char *lang, const char *value)
{
	if (*value)
		json_object_set_new(text, lang, json_string(value));
	else
		json_object_del(text, lang);
}

/* lagg-till: source ("bank" or a round id), code — an item with its section
 * (if the round lacks it) and scale (likewise), at the end of its section. */
static const char *edit_add(edit *e)
{
	http_req *r = e->r;
	const char *source = webform_trimmed(r, "source"), *code = webform_trimmed(r, "code");
	const char *json = NULL;
	int64_t from_id = 0;
	e->field = strcmp(source, "bank") == 0 ? "add-bank" : arena_printf(r->arena, "add-round-%s", source);
	e->detail = arena_printf(r->arena, "%s from %s", code, source);
	if (strcmp(source, "bank") == 0) {
		if (bank_load(r, &json) == NULL)
			return edit_fail(e, 500, T(r, "Frågebanken kunde inte läsas."));
	} else {
		survey_round from;
		if (str_to_int64(source, &from_id) != 0 || from_id == e->round_id ||
		    survey_round_get(web_db(r), r->arena, from_id, NULL, &from) != 1)
			return edit_fail(e, 404, T(r, "Undersökningen finns inte."));
		json = from.questionnaire_json;
	}
	json_t *src = json_loads(json, 0, NULL);
	size_t index, section;
	json_t *src_items = src ? items_holding(src, code, &index, &section) : NULL;
	const char *problem = NULL;
	if (src_items == NULL) {
		problem = edit_fail(e, 404, T(r, "Frågan finns inte i frågebanken eller den valda undersökningen."));
		goto out;
	}
	size_t dummy;
	if (items_holding(e->doc, code, &dummy, NULL) != NULL) {
		problem = edit_fail(e, 409, T(r, "Frågan finns redan i enkäten."));
		goto out;
	}
	json_t *src_section = json_array_get(json_object_get(src, "sections"), section);
	const char *section_code = json_string_value(json_object_get(src_section, "code"));
	json_t *sections = json_object_get(e->doc, "sections"), *target = NULL, *sec;
	size_t s;
	json_array_foreach(sections, s, sec)
		if (section_code && json_is_string(json_object_get(sec, "code")) &&
		    strcmp(json_string_value(json_object_get(sec, "code")), section_code) == 0)
			target = sec;
	if (target == NULL) {
		target = json_deep_copy(src_section);
		json_object_set_new(target, "items", json_array());
		json_array_append_new(sections, target);
	}
	json_array_append_new(json_object_get(target, "items"), json_deep_copy(json_array_get(src_items, index)));
	json_t *item = json_array_get(src_items, index), *scale = json_object_get(item, "scale");
	json_t *scales = json_object_get(e->doc, "scales");
	if (json_is_string(scale) && json_is_object(scales) && json_object_get(scales, json_string_value(scale)) == NULL) {
		json_t *def = json_object_get(json_object_get(src, "scales"), json_string_value(scale));
		if (def)
			json_object_set_new(scales, json_string_value(scale), json_deep_copy(def));
	}
	e->field = arena_printf(r->arena, "item-%s", code);
out:
	json_decref(src);
	return problem;
}

/* ta-bort: code. A section left without items goes too. */
static const char *edit_remove(edit *e)
{
	json_t *items;
	size_t index;
	const char *problem = NULL;
	if (edit_item(e, &items, &index, &problem) == NULL)
		return problem;
	json_array_remove(items, index);
	json_t *sections = json_object_get(e->doc, "sections");
	for (size_t s = json_array_size(sections); s-- > 0;)
		if (json_array_size(json_object_get(json_array_get(sections, s), "items")) == 0)
			json_array_remove(sections, s);
	e->field = "sections";
	return NULL;
}

/* flytta: code, direction (up, down) — within its section. */
static const char *edit_move(edit *e)
{
	json_t *items;
	size_t index;
	const char *problem = NULL, *direction = webform_trimmed(e->r, "direction");
	if (edit_item(e, &items, &index, &problem) == NULL)
		return problem;
	bool up = strcmp(direction, "up") == 0;
	if ((!up && strcmp(direction, "down") != 0) || (up && index == 0) || (!up && index + 1 >= json_array_size(items)))
		return edit_fail(e, 422, T(e->r, "Frågan kan inte flyttas åt det hållet."));
	size_t other = up ? index - 1 : index + 1;
	json_t *item = json_incref(json_array_get(items, index));
	json_array_remove(items, index);
	json_array_insert_new(items, other, item);
	e->detail = arena_printf(e->r->arena, "%s %s", e->detail, direction);
	return NULL;
}

/* texter: code, text_sv, text_en, help_sv, help_en, required. Texts may be
 * corrected in a locked questionnaire; whether required may not. */
static const char *edit_texts(edit *e)
{
	json_t *items;
	size_t index;
	const char *problem = NULL;
	json_t *item = edit_item(e, &items, &index, &problem);
	if (item == NULL)
		return problem;
	http_req *r = e->r;
	static const char *const names[] = { "text_sv", "text_en", "help_sv", "help_en" };
	const char *v[4];
	for (size_t i = 0; i < 4; i++) {
		v[i] = webform_trimmed(r, names[i]);
		if (!text_field_ok(v[i], 1000, true))
			return edit_fail(e, 422, T(r, "En text är för lång (högst 1 000 tecken) eller innehåller tecken som inte är tillåtna."));
	}
	if (!*v[0])
		return edit_fail(e, 422, T(r, "Skriv frågan på svenska."));
	bool required = strcmp(webform_trimmed(r, "required"), "1") == 0;
	if (e->locked && required != json_is_true(json_object_get(item, "required")))
		return edit_fail(e, 409, T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	json_t *text = json_object_get(item, "text");
	if (!json_is_object(text)) {
		text = json_object();
		json_object_set_new(item, "text", text);
	}
	text_set(text, "sv", v[0]);
	text_set(text, "en", v[1]);
	json_t *help = json_object_get(item, "help");
	if (*v[2] || *v[3]) {
		if (!json_is_object(help)) {
			help = json_object();
			json_object_set_new(item, "help", help);
		}
		text_set(help, "sv", v[2]);
		text_set(help, "en", v[3]);
	} else {
		json_object_del(item, "help");
	}
	if (required)
		json_object_set_new(item, "required", json_true());
	else
		json_object_del(item, "required");
	return NULL;
}

/* rubriker: section (a section's code, or "" for the questionnaire itself),
 * heading_sv, heading_en, intro_sv, intro_en — its title and introduction. */
static const char *edit_headings(edit *e)
{
	http_req *r = e->r;
	const char *section = webform_trimmed(r, "section");
	json_t *target = e->doc, *sec;
	size_t s;
	e->field = "headings";
	e->detail = *section ? section : "questionnaire";
	if (*section) {
		target = NULL;
		json_array_foreach(json_object_get(e->doc, "sections"), s, sec)
			if (json_is_string(json_object_get(sec, "code")) &&
			    strcmp(json_string_value(json_object_get(sec, "code")), section) == 0)
				target = sec;
		if (target == NULL)
			return edit_fail(e, 404, T(r, "Avsnittet finns inte i enkäten."));
		e->field = arena_printf(r->arena, "section-%s", section);
	}
	static const char *const names[] = { "heading_sv", "heading_en", "intro_sv", "intro_en" };
	const char *v[4];
	for (size_t i = 0; i < 4; i++) {
		v[i] = webform_trimmed(r, names[i]);
		if (!text_field_ok(v[i], i < 2 ? 200 : 4000, i >= 2))
			return edit_fail(e, 422, T(r, "En rubrik får vara högst 200 tecken och en inledning högst 4 000."));
	}
	if (!*v[0])
		return edit_fail(e, 422, T(r, "Skriv rubriken på svenska."));
	json_t *title = json_object_get(target, "title");
	if (!json_is_object(title)) {
		title = json_object();
		json_object_set_new(target, "title", title);
	}
	text_set(title, "sv", v[0]);
	text_set(title, "en", v[1]);
	if (*v[2] || *v[3]) {
		json_t *intro = json_object();
		text_set(intro, "sv", v[2]);
		text_set(intro, "en", v[3]);
		json_object_set_new(target, "intro", intro);
	} else {
		json_object_del(target, "intro");
	}
	return NULL;
}

/* An optional whole number field: "" leaves *set false. Returns 0 or -1. */
static int optional_int(http_req *r, const char *name, bool *set, int64_t *v)
{
	const char *s = webform_trimmed(r, name);
	*set = *s != '\0';
	return *set ? str_to_int64(s, v) : 0;
}

/* ny: section, code, type, scale, role, crime, background, text_sv,
 * text_en, required, min, max, max_chars — a new item at the end of its section. */
static const char *edit_new(edit *e)
{
	http_req *r = e->r;
	const char *section = webform_trimmed(r, "section"), *code = webform_trimmed(r, "code");
	e->field = "new-code";
	e->detail = code;
	static const char *const plain[] = { "type", "scale", "role", "crime", "background" };
	json_t *item = json_object();
	json_object_set_new(item, "code", json_string(code));
	for (size_t i = 0; i < ARRAY_LEN(plain); i++) {
		const char *v = webform_trimmed(r, plain[i]);
		if (!text_field_ok(v, 64, false)) {
			json_decref(item);
			return edit_fail(e, 422, T(r, "Fälten för typ, skala, roll, brott och bakgrund får vara högst 64 tecken."));
		}
		/* scale is left out unless the type is single; the parser refuses it otherwise */
		if (*v && !(strcmp(plain[i], "scale") == 0 && strcmp(webform_trimmed(r, "type"), "single") != 0))
			json_object_set_new(item, plain[i], json_string(v));
	}
	const char *sv = webform_trimmed(r, "text_sv"), *en = webform_trimmed(r, "text_en");
	if (!*sv || !text_field_ok(sv, 1000, true) || !text_field_ok(en, 1000, true)) {
		json_decref(item);
		e->field = "new-text_sv";
		return edit_fail(e, 422, T(r, "Skriv frågan på svenska (högst 1 000 tecken)."));
	}
	json_t *text = json_object();
	text_set(text, "sv", sv);
	text_set(text, "en", en);
	json_object_set_new(item, "text", text);
	if (strcmp(webform_trimmed(r, "required"), "1") == 0)
		json_object_set_new(item, "required", json_true());
	static const char *const numbers[] = { "min", "max", "max_chars" };
	for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
		bool set;
		int64_t v;
		if (optional_int(r, numbers[i], &set, &v) != 0) {
			json_decref(item);
			e->field = arena_printf(r->arena, "new-%s", numbers[i]);
			return edit_fail(e, 422, T(r, "Min, max och högsta antal tecken ska vara heltal."));
		}
		if (set)
			json_object_set_new(item, numbers[i], json_integer(v));
	}
	json_t *sec, *target = NULL;
	size_t s;
	json_array_foreach(json_object_get(e->doc, "sections"), s, sec)
		if (json_is_string(json_object_get(sec, "code")) && strcmp(json_string_value(json_object_get(sec, "code")), section) == 0)
			target = sec;
	if (target == NULL) {
		json_decref(item);
		e->field = "new-section";
		return edit_fail(e, 422, T(r, "Välj ett avsnitt i enkäten."));
	}
	json_array_append_new(json_object_get(target, "items"), item);
	return NULL;
}

/* villkor: code, show_if_item ("" removes the condition), show_if_codes ("1, 2"). */
static const char *edit_show_if(edit *e)
{
	json_t *items;
	size_t index;
	const char *problem = NULL;
	json_t *item = edit_item(e, &items, &index, &problem);
	if (item == NULL)
		return problem;
	http_req *r = e->r;
	const char *target = webform_trimmed(r, "show_if_item"), *codes = webform_trimmed(r, "show_if_codes");
	if (*target == '\0') {
		json_object_del(item, "show_if");
		e->detail = arena_printf(r->arena, "%s show_if none", e->detail);
		return NULL;
	}
	json_t *list = json_array();
	for (const char *p = codes; *p;) {
		p += strspn(p, " ,");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " ,");
		int64_t v;
		if (str_to_int64(arena_strndup(r->arena, p, n), &v) != 0 || v < -1000000 || v > 1000000) {
			json_decref(list);
			return edit_fail(e, 422, T(r, "Svarskoderna i villkoret ska vara heltal med komma emellan, till exempel 1, 2."));
		}
		json_array_append_new(list, json_integer(v));
		p += n;
	}
	json_t *si = json_object();
	json_object_set_new(si, "item", json_string(target));
	json_object_set_new(si, "codes", list);
	json_object_set_new(item, "show_if", si);
	e->detail = arena_printf(r->arena, "%s show_if %s %s", e->detail, target, codes);
	return NULL;
}

/* The builder's actions: the last segment of POST …/enkat/{action}. */
static const struct {
	const char *name;
	edit_fn fn;
	bool structural; /* refused once the round has answers */
} edits[] = {
	{ "lagg-till", edit_add, true },
	{ "ta-bort", edit_remove, true },
	{ "flytta", edit_move, true },
	{ "texter", edit_texts, false },
	{ "rubriker", edit_headings, false },
	{ "ny", edit_new, true },
	{ "villkor", edit_show_if, true },
};

/* Shows the builder again with message at field. */
static int builder_refuse(http_req *r, int status, const survey_round *round, const char *field, const char *message)
{
	json_t *d = json_object();
	webform_error(r, d, field ? field : "sections", message);
	return builder_render(r, status, round, d);
}

/* POST /personal/trygghetsundersokning/{id}/enkat/{action} */
static int builder_edit(http_req *r)
{
	const char *action = http_param(r, "action");
	size_t k = 0;
	while (k < ARRAY_LEN(edits) && strcmp(edits[k].name, action) != 0)
		k++;
	if (k == ARRAY_LEN(edits))
		return web_error(r, 404, T(r, "Sidan finns inte."));
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	db_conn *c = web_db(r);
	/* Read, check the lock and write in one transaction: no answer may slip in between. */
	if (db_begin_write(c) != 0 || survey_round_get(c, r->arena, round.id, NULL, &round) != 1)
		goto failed;
	int locked = round_locked(c, round.id);
	if (locked < 0)
		goto failed;
	if (locked && edits[k].structural) {
		db_rollback(c);
		return builder_refuse(r, 409, &round, NULL, T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	}
	edit e = { .r = r, .doc = json_loads(round.questionnaire_json, 0, NULL), .locked = locked, .round_id = round.id };
	if (e.doc == NULL)
		goto failed;
	const char *problem = edits[k].fn(&e);
	char *changed = problem ? NULL : pretty_json(e.doc);
	json_decref(e.doc);
	if (problem != NULL) {
		db_rollback(c);
		if (e.status >= 500)
			return web_error(r, e.status, problem);
		return builder_refuse(r, e.status, &round, e.field, problem);
	}
	if (changed == NULL)
		fatal("out of memory");
	const char *stored = NULL, *message = NULL;
	status = questionnaire_check(r, changed, strlen(changed), &stored, &message);
	free(changed);
	if (status != 0) {
		db_rollback(c);
		return builder_refuse(r, 422, &round, e.field, message);
	}
	round.questionnaire_json = stored;
	if (survey_round_update(c, &round, web_now()) != 1 || db_commit(c) != 0)
		goto failed;
	web_audit(r, "survey.questionnaire", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  arena_printf(r->arena, "%s %s", action, e.detail ? e.detail : ""));
	return web_redirect_flash(r, arena_printf(r->arena, "%s#%s", round_path(r, &round, "/enkat"), e.field ? e.field : "sections"),
				  T(r, "Enkäten är sparad."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

/* GET /personal/trygghetsundersokning/{id}/enkat.json — the questionnaire as a file. */
static int questionnaire_export(http_req *r)
{
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	json_t *doc = json_loads(round.questionnaire_json, 0, NULL);
	char *text = doc ? pretty_json(doc) : NULL;
	json_decref(doc);
	if (text == NULL)
		return web_error(r, 500, T(r, "Enkäten i databasen är inte giltig."));
	buf_puts(&r->body, text);
	buf_putc(&r->body, '\n');
	free(text);
	r->content_type = "application/json; charset=utf-8";
	http_set_header(r, "Content-Disposition",
			arena_printf(r->arena, "attachment; filename=\"enkat-%s.json\"", round.slug));
	return 200;
}

/* POST /personal/trygghetsundersokning/{id}/enkat.json — a questionnaire
 * file (field "file") replaces the round's, when valid and the round has no answers. */
static int questionnaire_import(http_req *r)
{
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	const http_file *f = uploaded(r, "file");
	size_t len = 0;
	const char *text = f ? file_text(r, f, &len) : NULL;
	if (text == NULL)
		return builder_refuse(r, 400, &round, "file", T(r, "Välj en enkätfil (JSON) att läsa in."));
	const char *stored = NULL, *message = NULL;
	status = questionnaire_check(r, text, len, &stored, &message);
	if (status != 0)
		return builder_refuse(r, status, &round, "file", message);
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || survey_round_get(c, r->arena, round.id, NULL, &round) != 1)
		goto failed;
	int locked = round_locked(c, round.id);
	if (locked < 0)
		goto failed;
	if (locked) {
		db_rollback(c);
		return builder_refuse(r, 409, &round, "file", T(r, "Enkäten har redan svar: bara texterna kan ändras."));
	}
	round.questionnaire_json = stored;
	if (survey_round_update(c, &round, web_now()) != 1 || db_commit(c) != 0)
		goto failed;
	web_audit(r, "survey.questionnaire_import", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  f->filename);
	return web_redirect_flash(r, round_path(r, &round, "/enkat"), T(r, "Enkäten är inläst."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

/* ---- one-time codes ---- */

/* Renders the codes page of round. Takes d. */
static int codes_render(http_req *r, int status, const survey_round *round, json_t *d)
{
	db_stmt *s = db_prepare(web_db(r), SQL_CODE_BATCHES);
	if (s == NULL)
		return webform_failed(r, d);
	db_bind_int(s, 1, round->id);
	json_t *batches = json_array();
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *o = json_object();
		int64_t total = db_column_int(s, 1), used = db_column_int(s, 2);
		json_object_set_new(o, "batch", json_string(db_column_text(s, 0)));
		json_object_set_new(o, "total", json_integer(total));
		json_object_set_new(o, "used", json_integer(used));
		json_object_set_new(o, "unused", json_integer(total - used));
		json_object_set_new(o, "created_at", json_string(web_format_time(r, db_column_int(s, 3))));
		json_array_append_new(batches, o);
	}
	if (rc != DB_DONE) {
		json_decref(batches);
		return webform_failed(r, d);
	}
	json_object_set_new(d, "batches", batches);
	json_object_set_new(d, "round_title", json_string(round->title_sv));
	json_object_set_new(d, "round_href", json_string(round_path(r, round, "")));
	json_object_set_new(d, "action", json_string(round_path(r, round, "/koder")));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Engångskoder"), round->title_sv)));
	return web_render(r, status, "survey/staff_codes", d);
}

/* GET /personal/trygghetsundersokning/{id}/koder */
static int codes_page(http_req *r)
{
	return round_show(r, codes_render);
}

/* POST /personal/trygghetsundersokning/{id}/koder — count (1…20000), batch.
 * Answers with the codes as a CSV file: the only time they exist in the clear. */
static int codes_create(http_req *r)
{
	survey_round round;
	int status = path_round(r, &round);
	if (status)
		return status;
	json_t *d = json_object();
	const char *batch = webform_trimmed(r, "batch");
	int64_t count;
	if (str_to_int64(webform_trimmed(r, "count"), &count) != 0 || count < 1 || count > CODES_MAX)
		webform_error(r, d, "count", T(r, "Skriv hur många koder som ska skapas: ett heltal från 1 till 20 000."));
	if (!*batch || !text_field_ok(batch, 100, false))
		webform_error(r, d, "batch", T(r, "Skriv en benämning för utskicket (högst 100 tecken)."));
	if (webform_has_errors(d)) {
		json_object_set_new(d, "count", json_string(webform_trimmed(r, "count")));
		json_object_set_new(d, "batch", json_string(batch));
		return codes_render(r, 422, &round, d);
	}
	json_decref(d);
	db_conn *c = web_db(r);
	const char **codes = NULL;
	if (db_begin_write(c) != 0 ||
	    survey_codes_create(c, r->arena, round.id, (size_t)count, batch, web_now(), &codes) != (int)count ||
	    db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	web_audit(r, "survey.codes", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  arena_printf(r->arena, "%lld codes, batch %s", (long long)count, batch));
	for (size_t i = 0; codes[i] != NULL; i++) {
		buf_puts(&r->body, codes[i]);
		buf_puts(&r->body, "\r\n");
	}
	r->content_type = "text/csv; charset=utf-8";
	http_set_header(r, "Content-Disposition",
			arena_printf(r->arena, "attachment; filename=\"koder-%s-%s.csv\"", round.slug, slug_from(r->arena, batch)));
	http_set_header(r, "Cache-Control", "no-store");
	return 200;
}

const http_route survey_builder_routes[] = {
	{ "GET", ROUNDS_PATH, rounds_page, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH, round_create, ROUTE_STAFF | ROUTE_UPLOAD, MANAGER_ROLES },
	{ "GET", ROUNDS_PATH "/{id}", round_page, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH "/{id}", round_settings, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH "/{id}/status", round_status, ROUTE_STAFF, MANAGER_ROLES },
	{ "GET", ROUNDS_PATH "/{id}/enkat", builder_page, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH "/{id}/enkat/{action}", builder_edit, ROUTE_STAFF, MANAGER_ROLES },
	{ "GET", ROUNDS_PATH "/{id}/enkat.json", questionnaire_export, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH "/{id}/enkat.json", questionnaire_import, ROUTE_STAFF | ROUTE_UPLOAD, MANAGER_ROLES },
	{ "GET", ROUNDS_PATH "/{id}/koder", codes_page, ROUTE_STAFF, MANAGER_ROLES },
	{ "POST", ROUNDS_PATH "/{id}/koder", codes_create, ROUTE_STAFF, MANAGER_ROLES },
};
const size_t survey_builder_route_count = ARRAY_LEN(survey_builder_routes);
