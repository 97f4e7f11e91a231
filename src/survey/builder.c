/*
 * builder.c — the staff side of a survey round (samordnare, admin):
 *   /personal/trygghetsundersokning           the rounds; a new round from the
 *                                             question bank, a copy of an earlier
 *                                             round's questionnaire, or a file
 *   /personal/trygghetsundersokning/ID        settings, status, links to the rest
 *   …/ID/koder                                one-time codes for invitation letters
 * and the route table, which also holds the questionnaire builder
 * (…/ID/enkat, …/ID/enkat.json: builder_questionnaire.c). Round creation,
 * settings, status changes and codes go to the audit log. It does not
 * collect, import or analyse answers (answer.c, entry.c, import.c, results*.c do).
 */
#include "survey/survey.h"
#include "survey/builder_internal.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	{ "/vikter", N_("Viktning"), false },
	{ "/kodbok.csv", N_("Kodbok (CSV)"), false },
	{ "/fritext", N_("Granska fritextsvar"), false },
	{ "", N_("Resultaten (offentliga)"), true },
	{ "/svara", N_("Enkäten för de svarande"), true },
};

/* ---- helpers ---- */

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
char *builder_pretty_json(json_t *doc)
{
	return json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

/* Checks text as a questionnaire. Returns 0 with *stored (in r's arena: the
 * pretty form), or the status for the problem (*message translated). */
int builder_questionnaire_check(http_req *r, const char *text, size_t len, const char **stored, const char **message)
{
	survey_qproblem p;
	const survey_questionnaire *q;
	memset(&p, 0, sizeof p);
	if (survey_questionnaire_parse(r->arena, text, len, &q, &p) != 0) {
		*message = qproblem_text(r, &p);
		return p.error == SURVEY_Q_JSON || p.error == SURVEY_Q_FORMAT ? 400 : 422;
	}
	json_t *doc = json_loadb(text, len, 0, NULL);
	char *pretty = doc ? builder_pretty_json(doc) : NULL;
	json_decref(doc);
	if (pretty == NULL)
		fatal("out of memory");
	*stored = arena_strdup(r->arena, pretty);
	free(pretty);
	return 0;
}

/* Reads an uploaded file into the arena. Returns its text, or NULL. */
const char *builder_file_text(http_req *r, const http_file *f, size_t *len)
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
int builder_round_locked(db_conn *c, int64_t round_id)
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
int builder_path_round(http_req *r, survey_round *round)
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

const char *builder_round_path(http_req *r, const survey_round *round, const char *suffix)
{
	return arena_printf(r->arena, ROUNDS_PATH "/%lld%s", (long long)round->id, suffix);
}

/* A page that shows one round: renders it with render, or answers 404. */
int builder_round_show(http_req *r, builder_renderer render)
{
	survey_round round;
	int status = builder_path_round(r, &round);
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
bool builder_text_ok(const char *s, size_t max, bool multiline)
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
		const http_file *f = http_upload(r, "file");
		size_t len = 0;
		const char *text = f ? builder_file_text(r, f, &len) : NULL;
		if (text == NULL) {
			webform_error(r, d, "file", T(r, "Välj en enkätfil (JSON) att läsa in."));
			return 422;
		}
		int status = builder_questionnaire_check(r, text, len, json, &message);
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
	if (!*title_sv || !builder_text_ok(title_sv, 200, false))
		webform_error(r, d, "title_sv", T(r, "Skriv undersökningens namn på svenska (högst 200 tecken)."));
	if (!builder_text_ok(title_en, 200, false))
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
	int locked = builder_round_locked(web_db(r), round->id);
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
	json_object_set_new(d, "action", json_string(builder_round_path(r, round, "")));
	json_t *links = json_array(), *buttons = json_array();
	for (size_t i = 0; i < ARRAY_LEN(round_links); i++) {
		json_t *l = json_object();
		const char *href = round_links[i].is_public ?
			arena_printf(r->arena, "/trygghetsundersokning/%s%s", round->slug, round_links[i].suffix) :
			builder_round_path(r, round, round_links[i].suffix);
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
	json_object_set_new(d, "status_action", json_string(builder_round_path(r, round, "/status")));
	return web_render(r, status, "survey/staff_round", d);
}

/* GET /personal/trygghetsundersokning/{id} */
static int round_page(http_req *r)
{
	return builder_round_show(r, round_render);
}

/* POST /personal/trygghetsundersokning/{id} — the settings: title_sv,
 * title_en, year, slug, opens_at, closes_at, open_link, margins, min_n,
 * trim_upper, method_sv, method_en. */
static int round_settings(http_req *r)
{
	survey_round round;
	int status = builder_path_round(r, &round);
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

	if (!*title_sv || !builder_text_ok(title_sv, 200, false))
		webform_error(r, d, "title_sv", T(r, "Skriv undersökningens namn på svenska (högst 200 tecken)."));
	else
		round.title_sv = title_sv;
	if (!builder_text_ok(title_en, 200, false))
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
	if (!builder_text_ok(margins, 200, false) || !margins_valid(r->arena, margins, survey_round_questionnaire(r->arena, &round)))
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
	if (!builder_text_ok(method_sv, METHOD_MAX, true) || !builder_text_ok(method_en, METHOD_MAX, true))
		webform_error(r, d, "method_sv", T(r, "Metodtexten får vara högst 20 000 tecken."));
	else {
		round.method_sv = method_sv;
		round.method_en = method_en;
	}
	round.open_link = strcmp(webform_trimmed(r, "open_link"), "1") == 0;
	if (webform_has_errors(d))
		return round_render(r, 422, &round, d);

	/* Written onto the round as it is now, so that a questionnaire or status
	 * saved meanwhile is kept. */
	db_conn *c = web_db(r);
	survey_round now;
	int rc = db_begin_write(c) == 0 ? survey_round_get(c, r->arena, round.id, NULL, &now) : -1;
	if (rc == 1) {
		now.title_sv = round.title_sv;
		now.title_en = round.title_en;
		now.year = round.year;
		now.slug = round.slug;
		now.opens_at = round.opens_at;
		now.closes_at = round.closes_at;
		now.open_link = round.open_link;
		now.margins = round.margins;
		now.min_n = round.min_n;
		now.trim_upper = round.trim_upper;
		now.method_sv = round.method_sv;
		now.method_en = round.method_en;
		rc = survey_round_update(c, &now, web_now());
	}
	if (rc != 1) {
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
	return web_redirect_flash(r, builder_round_path(r, &round, ""), T(r, "Inställningarna är sparade."));
}

/* POST /personal/trygghetsundersokning/{id}/status — to (a status name). */
static int round_status(http_req *r)
{
	survey_round round;
	int status = builder_path_round(r, &round);
	if (status)
		return status;
	int to = survey_round_status_find(webform_trimmed(r, "to"));
	db_conn *c = web_db(r);
	/* Read and written in one transaction: two clicks cannot both pass the check. */
	if (db_begin_write(c) != 0 || survey_round_get(c, r->arena, round.id, NULL, &round) != 1)
		goto failed;
	bool allowed = false;
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++)
		allowed |= transitions[i].from == round.status && (int)transitions[i].to == to;
	if (!allowed) {
		db_rollback(c);
		return web_error(r, 409, T(r, "Undersökningen kan inte få den statusen nu."));
	}
	enum survey_round_status from = round.status;
	round.status = (enum survey_round_status)to;
	int64_t now = web_now();
	if (round.status == SURVEY_ROUND_PUBLISHED)
		round.published_at = now;
	if (survey_round_update(c, &round, now) != 1 || db_commit(c) != 0)
		goto failed;
	web_audit(r, "survey.round_status", arena_printf(r->arena, "survey_round:%lld", (long long)round.id),
		  arena_printf(r->arena, "%s -> %s", survey_round_status_names[from], survey_round_status_names[to]));
	return web_redirect_flash(r, builder_round_path(r, &round, ""), T(r, "Statusen är ändrad."));
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
	json_object_set_new(d, "round_href", json_string(builder_round_path(r, round, "")));
	json_object_set_new(d, "action", json_string(builder_round_path(r, round, "/koder")));
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Engångskoder"), round->title_sv)));
	return web_render(r, status, "survey/staff_codes", d);
}

/* GET /personal/trygghetsundersokning/{id}/koder */
static int codes_page(http_req *r)
{
	return builder_round_show(r, codes_render);
}

/* POST /personal/trygghetsundersokning/{id}/koder — count (1…20000), batch.
 * Answers with the codes as a CSV file: the only time they exist in the clear. */
static int codes_create(http_req *r)
{
	survey_round round;
	int status = builder_path_round(r, &round);
	if (status)
		return status;
	json_t *d = json_object();
	const char *batch = webform_trimmed(r, "batch");
	int64_t count;
	if (str_to_int64(webform_trimmed(r, "count"), &count) != 0 || count < 1 || count > CODES_MAX)
		webform_error(r, d, "count", T(r, "Skriv hur många koder som ska skapas: ett heltal från 1 till 20 000."));
	if (!*batch || !builder_text_ok(batch, 100, false))
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
