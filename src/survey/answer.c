/*
 * answer.c — answering a survey round on the web, without an account:
 * /trygghetsundersokning/SLUG/svara… (see the address scheme in survey.h).
 *
 * A person starts with the one-time code of an invitation letter, or with a
 * button when the round has an open link. Starting makes a response in
 * progress (answer_store.h) and gives a resume code, kept in a cookie limited
 * to the round's answering pages and shown to the person with a link, so
 * that they can go on later or on another device; the one-time code itself
 * also resumes (it then replaces the resume code).
 *
 * The questionnaire is answered one section per page; every page is saved as
 * it is left. Routing (show_if) works without JavaScript: a follow-up on the
 * same page is sent hidden and, when an answer calls for it, the page comes
 * back with it shown; survey-answer.js shows and hides them at once. Answers
 * to questions that routing leaves out are dropped (a person who changes
 * their mind is not told off). A review page, then submit: the whole response
 * is checked with survey_answers_check() and stored complete in one
 * transaction that uses up the code.
 *
 * Nothing identifying is kept: the routes are ROUTE_NO_LOG (no address in
 * the access log), no address or browser is stored, the rate limit on codes
 * uses web_rate_limit()'s rotating hashes, and the times that could pair a
 * response with its code are kept to the day (answer_store.c).
 *
 * A place question uses the place chooser (templates/partials/place.html,
 * fields place_*): a section holds at most one of them (the default bank has
 * one); a second one on the same page would share its fields.
 */
#include "survey/survey.h"

#include <ctype.h>
#include <string.h>

#include "areas/area.h"
#include "core/util.h"
#include "survey/answer_areas.h"
#include "survey/answer_store.h"
#include "survey/survey_store.h"
#include "web/web.h"
#include "web/webform.h"

#define ROUND_PATH "/trygghetsundersokning/{slug}/svara"
#define RESUME_COOKIE "trygg-svar"
#define RESUME_SECONDS (60L * 24 * 3600)
#define CODE_RATE_MAX 20
#define CODE_RATE_WINDOW_SECONDS 900

/* What every answering page works on. Strings and arrays in r->arena. */
typedef struct answer_ctx {
	survey_round round;
	const survey_questionnaire *q;
	const char *base;          /* /trygghetsundersokning/SLUG/svara */
	bool has_progress;
	survey_progress progress;
	survey_answer *answers;    /* room for q->item_count */
	size_t answer_count;
} answer_ctx;

static const char *lang(http_req *r)
{
	return web(r)->lang;
}

static const char *round_title(http_req *r, const survey_round *round)
{
	return strcmp(lang(r), "en") == 0 && round->title_en && *round->title_en ? round->title_en : round->title_sv;
}

/* A resume code as typed (any case, blanks, dashes) in its printed form,
 * XXXX-XXXX-XXXX, so that only that form reaches the cookie (in r's arena). */
static const char *canonical_token(http_req *r, const char *typed)
{
	char out[SURVEY_CODE_TEXT_SIZE];
	size_t n = 0, k = 0;
	for (const char *p = typed; *p && k + 1 < sizeof out; p++) {
		if (*p == ' ' || *p == '-' || *p == '\t')
			continue;
		if (n > 0 && n % 4 == 0)
			out[k++] = '-';
		out[k++] = (char)toupper((unsigned char)*p);
		n++;
	}
	out[k] = '\0';
	return arena_strdup(r->arena, out);
}

/* Sets (token) or removes (NULL) the resume cookie, limited to the round's
 * answering pages. */
static void set_resume_cookie(http_req *r, const answer_ctx *x, const char *token)
{
	http_set_header(r, "Set-Cookie",
	                arena_printf(r->arena, "%s=%s; Path=%s; HttpOnly; SameSite=Lax; Max-Age=%ld%s", RESUME_COOKIE,
	                             token ? token : "", x->base, token ? RESUME_SECONDS : 0L, r->https ? "; Secure" : ""));
}

static json_t *page_data(http_req *r, const answer_ctx *x)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(round_title(r, &x->round)));
	json_object_set_new(d, "round_title", json_string(round_title(r, &x->round)));
	json_object_set_new(d, "base", json_string(x->base));
	return d;
}

/* The page for a round that does not take answers now. */
static int closed_page(http_req *r, const answer_ctx *x, int status)
{
	json_t *d = page_data(r, x);
	int64_t now = web_now();
	bool not_yet = x->round.status == SURVEY_ROUND_OPEN && x->round.opens_at != 0 && now < x->round.opens_at;
	json_object_set_new(d, "not_yet", json_boolean(not_yet));
	if (not_yet)
		json_object_set_new(d, "opens", json_string(web_format_time(r, x->round.opens_at)));
	return web_render(r, status, "survey/answer_closed", d);
}

/*
 * Loads the round of the address (and, with progress, the response in
 * progress of the resume cookie with its answers). Returns 0, or the status
 * the handler answers with (the page is then rendered).
 */
static int load(http_req *r, answer_ctx *x, bool progress)
{
	memset(x, 0, sizeof *x);
	const char *slug = http_param(r, "slug");
	int found = survey_round_get(web_db(r), r->arena, 0, slug, &x->round);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0 || x->round.status == SURVEY_ROUND_DRAFT)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	x->base = arena_printf(r->arena, "/trygghetsundersokning/%s/svara", x->round.slug);
	x->q = survey_round_questionnaire(r->arena, &x->round);
	if (x->q == NULL) {
		fprintf(stderr, "trygg: survey round %lld: stored questionnaire does not parse\n", (long long)x->round.id);
		return 500;
	}
	x->answers = arena_alloc(r->arena, (x->q->item_count + 1) * sizeof *x->answers);
	if (!survey_round_accepting(&x->round, web_now()))
		return closed_page(r, x, strcmp(r->method, "POST") == 0 ? 409 : 200);
	if (!progress)
		return 0;
	const char *token = http_cookie(r, RESUME_COOKIE);
	if (token != NULL && *token) {
		int rc = survey_progress_by_token(web_db(r), x->round.id, token, &x->progress);
		if (rc < 0)
			return webform_failed(r, NULL);
		x->has_progress = rc == 1;
	}
	if (!x->has_progress)
		return 0;
	survey_answer *stored;
	size_t n;
	if (survey_progress_answers(web_db(r), r->arena, x->progress.id, &stored, &n) != 0)
		return webform_failed(r, NULL);
	/* Only answers to items of the questionnaire, one each. */
	for (size_t i = 0; i < n && x->answer_count < x->q->item_count; i++)
		if (survey_item_find(x->q, stored[i].item_code) != NULL)
			x->answers[x->answer_count++] = stored[i];
	return 0;
}

/* As load(), for pages that need a response in progress: without one the
 * person is sent to the start page. */
static int load_progress(http_req *r, answer_ctx *x)
{
	int rc = load(r, x, true);
	if (rc != 0)
		return rc;
	if (!x->has_progress)
		return web_redirect_flash(r, x->base, T(r, "Vi hittar inga påbörjade svar i den här webbläsaren. Skriv din kod för att börja eller fortsätta."));
	return 0;
}

static const survey_answer *answer_of(const survey_answer *answers, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(answers[i].item_code, code) == 0)
			return &answers[i];
	return NULL;
}

/* The section (1-based) to go on with: the first where nothing asked is
 * answered yet; 0 when every section has answers (the review). */
static size_t resume_section(const answer_ctx *x)
{
	for (size_t s = 0; s < x->q->section_count; s++) {
		const survey_section *sec = &x->q->sections[s];
		bool any = false, asked = false;
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &x->q->items[i];
			if (!survey_item_asked(x->q, it, x->answers, x->answer_count))
				continue;
			asked = true;
			any |= answer_of(x->answers, x->answer_count, it->code) != NULL;
		}
		if (asked && !any)
			return s + 1;
	}
	return 0;
}

static const char *resume_path(http_req *r, const answer_ctx *x)
{
	size_t s = resume_section(x);
	return s ? arena_printf(r->arena, "%s/del/%zu", x->base, s) : arena_printf(r->arena, "%s/granska", x->base);
}

/* ---- start ---- */

static int start_render(http_req *r, answer_ctx *x, int status, json_t *d)
{
	if (d == NULL)
		d = page_data(r, x);
	json_object_set_new(d, "intro", json_string(survey_text_get(&x->q->intro, lang(r))));
	json_object_set_new(d, "open_link", json_boolean(x->round.open_link));
	if (x->has_progress)
		json_object_set_new(d, "resume", json_string(resume_path(r, x)));
	json_object_set_new(d, "sections", json_integer((json_int_t)x->q->section_count));
	return web_render(r, status, "survey/answer_start", d);
}

/* GET …/svara */
static int start_page(http_req *r)
{
	answer_ctx x;
	int rc = load(r, &x, true);
	return rc ? rc : start_render(r, &x, 200, NULL);
}

/* The page after starting or resuming with a code: the resume code to note. */
static int started_page(http_req *r, answer_ctx *x, const char *token, bool again)
{
	set_resume_cookie(r, x, token);
	json_t *d = page_data(r, x);
	json_object_set_new(d, "token", json_string(token));
	json_object_set_new(d, "again", json_boolean(again));
	json_object_set_new(d, "resume_link", json_string(arena_printf(r->arena, "%s/fortsatt/%s", x->base, token)));
	json_object_set_new(d, "next", json_string(resume_path(r, x)));
	return web_render(r, 200, "survey/answer_started", d);
}

/* Makes a response in progress (code_id 0: open link) and shows its resume code. */
static int start_new(http_req *r, answer_ctx *x, int64_t code_id)
{
	char token[SURVEY_CODE_TEXT_SIZE];
	survey_code_new(token);
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0)
		return webform_failed(r, NULL);
	int64_t id = survey_progress_create(c, x->round.id, code_id, token, web_now());
	if (id < 0 || db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	x->has_progress = true;
	x->answer_count = 0;
	return started_page(r, x, token, false);
}

#define RATE_LIMITED N_("Du har provat många koder på kort tid. Vänta en stund och försök igen.")

/* Counts a try of a one-time or resume code (form or link) against the
 * limit. Every try counts, right or wrong: otherwise the limit would not slow
 * down guessing. 0 allowed, 1 limited, -1 database error. */
static int code_rate_limited(http_req *r)
{
	return web_rate_limit(r, "survey-code", CODE_RATE_MAX, CODE_RATE_WINDOW_SECONDS);
}

/* A code form that failed: the start page again with message beside the field. */
static int code_refused(http_req *r, answer_ctx *x, int status, const char *code, const char *message)
{
	json_t *d = page_data(r, x);
	json_object_set_new(d, "code", json_string(code));
	webform_error(r, d, "code", message);
	return start_render(r, x, status, d);
}

/* POST …/svara/kod: a one-time code or a resume code. */
static int code_submit(http_req *r)
{
	answer_ctx x;
	int rc = load(r, &x, false);
	if (rc)
		return rc;
	const char *code = webform_trimmed(r, "code");
	if (*code == '\0')
		return code_refused(r, &x, 400, code, T(r, "Skriv koden från brevet, eller din fortsättningskod."));
	if (webform_chars(code) > 40 || webform_has_control(code, false))
		return code_refused(r, &x, 422, "", T(r, "Koden finns inte. Kontrollera att du har skrivit den som den står."));
	int limited = code_rate_limited(r);
	if (limited < 0)
		return webform_failed(r, NULL);
	if (limited)
		return code_refused(r, &x, 429, code, T(r, RATE_LIMITED));

	db_conn *c = web_db(r);
	int64_t code_id = 0;
	bool used = false;
	int found = survey_progress_code_find(c, x.round.id, code, &code_id, &used);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 1 && used)
		return code_refused(r, &x, 409, code, T(r, "Koden har redan använts: svaren som hör till den är inskickade. Varje kod kan bara användas en gång."));
	if (found == 1) {
		rc = survey_progress_by_code(c, code_id, &x.progress);
		if (rc < 0)
			return webform_failed(r, NULL);
		if (rc == 0)
			return start_new(r, &x, code_id);
		/* Resumed with the code (maybe on another device): a new resume code. */
		char token[SURVEY_CODE_TEXT_SIZE];
		survey_code_new(token);
		if (db_begin_write(c) != 0 || survey_progress_set_token(c, x.progress.id, token, web_now()) != 0 ||
		    db_commit(c) != 0) {
			db_rollback(c);
			return webform_failed(r, NULL);
		}
		x.has_progress = true;
		if (survey_progress_answers(c, r->arena, x.progress.id, &x.answers, &x.answer_count) != 0)
			return webform_failed(r, NULL);
		return started_page(r, &x, token, true);
	}
	/* A resume code? */
	rc = survey_progress_by_token(c, x.round.id, code, &x.progress);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return code_refused(r, &x, 422, code, T(r, "Koden finns inte. Kontrollera att du har skrivit den som den står."));
	set_resume_cookie(r, &x, canonical_token(r, code));
	x.has_progress = true;
	if (survey_progress_answers(c, r->arena, x.progress.id, &x.answers, &x.answer_count) != 0)
		return webform_failed(r, NULL);
	return http_redirect(r, resume_path(r, &x));
}

/* POST …/svara/starta: start with the open link. */
static int open_submit(http_req *r)
{
	answer_ctx x;
	int rc = load(r, &x, false);
	if (rc)
		return rc;
	if (!x.round.open_link)
		return web_error(r, 403, T(r, "Den här undersökningen besvaras med koden i brevet du har fått."));
	return start_new(r, &x, 0);
}

/* GET …/svara/fortsatt/{token}: the resume link. */
static int resume_link(http_req *r)
{
	answer_ctx x;
	int rc = load(r, &x, false);
	if (rc)
		return rc;
	int limited = code_rate_limited(r);
	if (limited < 0)
		return webform_failed(r, NULL);
	if (limited)
		return web_error(r, 429, T(r, RATE_LIMITED));
	const char *token = http_param(r, "token");
	rc = survey_progress_by_token(web_db(r), x.round.id, token, &x.progress);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Länken leder inte till några påbörjade svar. Svaren kan redan vara inskickade."));
	set_resume_cookie(r, &x, canonical_token(r, token));
	x.has_progress = true;
	if (survey_progress_answers(web_db(r), r->arena, x.progress.id, &x.answers, &x.answer_count) != 0)
		return webform_failed(r, NULL);
	return http_redirect(r, resume_path(r, &x));
}

/* ---- one section per page ---- */

/* The section number of the address (1-based), or 0. */
static size_t section_param(const answer_ctx *x, http_req *r)
{
	int64_t n;
	if (str_to_int64(http_param(r, "n"), &n) != 0 || n < 1 || (size_t)n > x->q->section_count)
		return 0;
	return (size_t)n;
}

static json_t *item_json(http_req *r, const survey_item *it, const survey_answer *a,
                         const char *typed, const char *error, bool hidden)
{
	json_t *o = json_object();
	const char *code = it->code;
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "id", json_string(arena_printf(r->arena, "q-%s", code)));
	json_object_set_new(o, "text", json_string(survey_text_get(&it->text, lang(r))));
	const char *help = survey_text_get(&it->help, lang(r));
	if (*help)
		json_object_set_new(o, "help", json_string(help));
	json_object_set_new(o, "required", json_boolean(it->required));
	json_object_set_new(o, "hidden", json_boolean(hidden));
	json_object_set_new(o, "group", json_boolean(it->type == SURVEY_SINGLE || it->type == SURVEY_PLACE));
	if (it->show_if_item) {
		buf codes = BUF_INIT;
		for (size_t k = 0; k < it->show_if_count; k++)
			buf_printf(&codes, "%s%d", k ? " " : "", it->show_if_codes[k]);
		json_object_set_new(o, "show_if_item", json_string(it->show_if_item));
		json_object_set_new(o, "show_if_codes", json_string(codes.data ? codes.data : ""));
		buf_free(&codes);
	}
	/* A place's error is shown by the place chooser itself, beside its list. */
	if (error && it->type != SURVEY_PLACE)
		json_object_set_new(o, "error", json_string(error));
	const char *id = arena_printf(r->arena, "q-%s", code);
	const char *describedby = arena_printf(r->arena, "%s%s%s%s", *help ? id : "", *help ? "-help" : "",
	                                       error && *help ? " " : "", error ? arena_printf(r->arena, "%s-error", id) : "");
	if (*describedby && it->type != SURVEY_PLACE)
		json_object_set_new(o, "describedby", json_string(describedby));
	switch (it->type) {
	case SURVEY_SINGLE: {
		json_t *opts = json_array();
		for (size_t k = 0; k < it->scale->option_count; k++) {
			const survey_option *op = &it->scale->options[k];
			json_t *oo = json_object();
			json_object_set_new(oo, "id", json_string(arena_printf(r->arena, "q-%s-%d", code, op->code)));
			json_object_set_new(oo, "value", json_integer(op->code));
			json_object_set_new(oo, "label", json_string(survey_text_get(&op->label, lang(r))));
			json_object_set_new(oo, "checked", json_boolean(a && a->has_code && a->code == op->code));
			json_array_append_new(opts, oo);
		}
		json_object_set_new(o, "is_single", json_true());
		json_object_set_new(o, "options", opts);
		json_object_set_new(o, "first_id", json_string(arena_printf(r->arena, "q-%s-%d", code,
		                                                             it->scale->options[0].code)));
		break;
	}
	case SURVEY_NUMBER:
		json_object_set_new(o, "is_number", json_true());
		json_object_set_new(o, "value", json_string(typed ? typed : a && a->has_code
		                                                ? arena_printf(r->arena, "%lld", (long long)a->code) : ""));
		json_object_set_new(o, "first_id", json_string(arena_printf(r->arena, "q-%s-input", code)));
		break;
	case SURVEY_TEXT:
		json_object_set_new(o, "is_text", json_true());
		json_object_set_new(o, "value", json_string(typed ? typed : a && a->text ? a->text : ""));
		json_object_set_new(o, "max", json_integer((json_int_t)it->max_chars));
		json_object_set_new(o, "first_id", json_string(arena_printf(r->arena, "q-%s-input", code)));
		break;
	case SURVEY_AREA: {
		json_t *areas = survey_areas_json(r, a ? a->area_id : 0);
		json_object_set_new(o, "is_area", json_true());
		json_object_set_new(o, "areas", areas ? areas : json_array());
		json_object_set_new(o, "first_id", json_string(arena_printf(r->arena, "q-%s-input", code)));
		break;
	}
	case SURVEY_PLACE:
		json_object_set_new(o, "is_place", json_true());
		json_object_set_new(o, "first_id", json_string("place_area"));
		break;
	case SURVEY_ITEM_TYPE__MAX:
		break;
	}
	return o;
}

/* "Del 2 av 6" in the request's language. */
static const char *progress_text(http_req *r, size_t n, size_t total)
{
	const char *t = T(r, "Del {n} av {total}");
	const char *a = strstr(t, "{n}"), *b = a ? strstr(a, "{total}") : NULL;
	if (a == NULL || b == NULL)
		return arena_printf(r->arena, "%zu / %zu", n, total);
	return arena_printf(r->arena, "%.*s%zu%.*s%zu%s", (int)(a - t), t, n, (int)(b - a - 3), a + 3, total, b + 7);
}

/*
 * Renders section n (1-based) with answers; errors[i] (may be NULL) is the
 * message for q->items[i], typed what was typed into number and text fields
 * when the page comes back after a failed save.
 */
static int section_render(http_req *r, answer_ctx *x, size_t n, int status, const char *const *errors,
                          bool from_form)
{
	const survey_questionnaire *q = x->q;
	const survey_section *sec = &q->sections[n - 1];
	json_t *d = page_data(r, x), *items = json_array();
	bool has_place = false;
	for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
		const survey_item *it = &q->items[i];
		bool asked = survey_item_asked(q, it, x->answers, x->answer_count);
		const survey_item *target = it->show_if_item ? survey_item_find(q, it->show_if_item) : NULL;
		/* Left out by an answer on an earlier page: not on this page at all. */
		if (!asked && (target == NULL || target->section != n - 1))
			continue;
		const survey_answer *a = answer_of(x->answers, x->answer_count, it->code);
		const char *typed = NULL;
		if (from_form && (it->type == SURVEY_NUMBER || it->type == SURVEY_TEXT))
			typed = http_form(r, it->code) ? http_form(r, it->code) : "";
		const char *error = errors ? errors[i] : NULL;
		json_t *o = item_json(r, it, a, typed, error, !asked);
		if (error)
			webform_summary_error(d, json_string_value(json_object_get(o, "first_id")), error);
		if (it->type == SURVEY_PLACE && !has_place) {
			area_place pl = { 0 };
			if (a) {
				pl.area_id = a->area_id;
				pl.has_point = a->has_point;
				pl.lat = a->lat;
				pl.lon = a->lon;
				pl.text = a->text ? a->text : "";
			}
			area_place fromform;
			if (from_form)
				(void)area_place_read(r, false, &fromform);
			json_t *place = area_place_json(r, from_form ? &fromform : a ? &pl : NULL, error);
			if (place == NULL) {
				json_decref(items);
				json_decref(o);
				return webform_failed(r, d);
			}
			json_object_set_new(d, "place", place);
			has_place = true;
		}
		json_array_append_new(items, o);
	}
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "number", json_integer((json_int_t)n));
	json_object_set_new(d, "total", json_integer((json_int_t)q->section_count));
	json_object_set_new(d, "progress", json_string(progress_text(r, n, q->section_count)));
	json_object_set_new(d, "section_title", json_string(survey_text_get(&sec->title, lang(r))));
	const char *intro = survey_text_get(&sec->intro, lang(r));
	if (*intro)
		json_object_set_new(d, "section_intro", json_string(intro));
	json_object_set_new(d, "first", json_boolean(n == 1));
	return web_render(r, status, "survey/answer_section", d);
}

/* GET …/svara/del/{n} */
static int section_page(http_req *r)
{
	answer_ctx x;
	int rc = load_progress(r, &x);
	if (rc)
		return rc;
	size_t n = section_param(&x, r);
	if (n == 0)
		return web_error(r, 404, T(r, "Den delen finns inte i enkäten."));
	return section_render(r, &x, n, 200, NULL, false);
}

static bool in_section(const survey_item *it, size_t n)
{
	return it->section == n - 1;
}

/* Whether code was on the page when it was sent (a "shown" field). */
static bool was_shown(http_req *r, const char *code)
{
	for (const http_kv *kv = r->form; kv; kv = kv->next)
		if (strcmp(kv->name, "shown") == 0 && strcmp(kv->value, code) == 0)
			return true;
	return false;
}

/* Reads the answer to a place item from the place chooser's fields. Returns
 * NULL (with *answered) or the error message; *status 500 on a database error. */
static const char *read_place(http_req *r, const survey_item *it, survey_answer *out, bool *answered, int *status)
{
	area_place pl;
	enum area_place_problem p = area_place_read(r, false, &pl);
	*answered = false;
	if (p == AREA_PLACE_DB_ERROR) {
		*status = 500;
		return "";
	}
	if (p != AREA_PLACE_OK)
		return T(r, area_place_problem_text[p]);
	if (webform_has_control(pl.text, false))
		return T(r, survey_aerror_message(SURVEY_A_BAD_TEXT));
	if (webform_chars(pl.text) > it->max_chars)
		return T(r, survey_aerror_message(SURVEY_A_TOO_LONG));
	memset(out, 0, sizeof *out);
	out->item_code = it->code;
	out->area_id = pl.area_id;
	out->has_point = pl.has_point;
	out->lat = pl.lat;
	out->lon = pl.lon;
	out->text = *pl.text ? pl.text : NULL;
	*answered = pl.area_id > 0 || pl.has_point || *pl.text;
	return NULL;
}

/* POST …/svara/del/{n}: saves the page, then goes on (go=next) or back (go=back). */
static int section_submit(http_req *r)
{
	answer_ctx x;
	int rc = load_progress(r, &x);
	if (rc)
		return rc;
	size_t n = section_param(&x, r);
	if (n == 0)
		return web_error(r, 404, T(r, "Den delen finns inte i enkäten."));
	const survey_questionnaire *q = x.q;
	const survey_section *sec = &q->sections[n - 1];
	bool back = strcmp(webform_trimmed(r, "go"), "back") == 0;
	bool js = strcmp(webform_trimmed(r, "js"), "1") == 0;

	/* The answers of the other pages, then this page's as sent. */
	survey_answer *all = arena_alloc(r->arena, (q->item_count + 1) * sizeof *all);
	size_t count = 0;
	for (size_t i = 0; i < x.answer_count; i++)
		if (!in_section(survey_item_find(q, x.answers[i].item_code), n))
			all[count++] = x.answers[i];
	const char **errors = arena_alloc(r->arena, q->item_count * sizeof *errors);
	memset(errors, 0, q->item_count * sizeof *errors);
	bool failed = false;
	for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
		const survey_item *it = &q->items[i];
		survey_answer a;
		bool answered = false;
		const char *error = NULL;
		if (it->type == SURVEY_PLACE) {
			int status = 0;
			error = read_place(r, it, &a, &answered, &status);
			if (status == 500)
				return webform_failed(r, NULL);
		} else {
			const char *raw = http_form(r, it->code);
			enum survey_aerror e = survey_answer_read(r->arena, it, raw, survey_area_lookup, r, &a, &answered);
			if (e != SURVEY_A_OK)
				error = T(r, survey_aerror_message(e));
		}
		if (error) {
			errors[i] = error;
			failed = true;
		} else if (answered) {
			all[count++] = a;
		}
	}
	/* Routing, in the questionnaire's order: answers to items not asked go. */
	survey_answer *kept = arena_alloc(r->arena, (q->item_count + 1) * sizeof *kept);
	size_t kept_count = 0;
	for (size_t i = 0; i < q->item_count; i++) {
		const survey_answer *a = answer_of(all, count, q->items[i].code);
		if (a && survey_item_asked(q, &q->items[i], kept, kept_count))
			kept[kept_count++] = *a;
	}
	bool unseen = false;
	for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
		const survey_item *it = &q->items[i];
		if (errors[i] || !survey_item_asked(q, it, kept, kept_count) ||
		    answer_of(kept, kept_count, it->code) != NULL)
			continue;
		if (!js && !was_shown(r, it->code)) {
			unseen = true;
		} else if (it->required && !back) {
			errors[i] = T(r, survey_aerror_message(SURVEY_A_REQUIRED));
			failed = true;
		}
	}
	x.answers = kept;
	x.answer_count = kept_count;
	if (failed)
		return section_render(r, &x, n, 422, errors, true);

	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || survey_progress_save(c, x.progress.id, kept, kept_count, web_now()) != 0 ||
	    db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	if (unseen && !back)
		return web_redirect_flash(r, arena_printf(r->arena, "%s/del/%zu#q-form", x.base, n),
		                          T(r, "Dina svar är sparade. Utifrån dem finns det fler frågor på den här sidan."));
	if (back)
		return http_redirect(r, n > 1 ? arena_printf(r->arena, "%s/del/%zu", x.base, n - 1) : x.base);
	return http_redirect(r, n < q->section_count ? arena_printf(r->arena, "%s/del/%zu", x.base, n + 1)
	                                             : arena_printf(r->arena, "%s/granska", x.base));
}

/* ---- review, submit, thanks ---- */

/* The answer to it as people read it ("" when there is none). */
static const char *answer_text(http_req *r, const survey_item *it, const survey_answer *a)
{
	if (a == NULL)
		return "";
	switch (it->type) {
	case SURVEY_SINGLE: {
		const survey_option *op = a->has_code ? survey_option_find(it, (int)a->code) : NULL;
		return op ? survey_text_get(&op->label, lang(r)) : "";
	}
	case SURVEY_NUMBER:
		return a->has_code ? arena_printf(r->arena, "%lld", (long long)a->code) : "";
	case SURVEY_TEXT:
		return a->text ? a->text : "";
	case SURVEY_AREA:
		return survey_area_name(r, a->area_id);
	case SURVEY_PLACE: {
		buf b = BUF_INIT;
		const char *area_name = survey_area_name(r, a->area_id);
		if (*area_name)
			buf_puts(&b, area_name);
		if (a->has_point)
			buf_printf(&b, "%s%s", b.len ? " · " : "", T(r, "en punkt på kartan"));
		if (a->text && *a->text)
			buf_printf(&b, "%s%s", b.len ? " · " : "", a->text);
		const char *out = arena_strdup(r->arena, b.data ? b.data : "");
		buf_free(&b);
		return out;
	}
	case SURVEY_ITEM_TYPE__MAX:
		break;
	}
	return "";
}

static int review_render(http_req *r, answer_ctx *x, int status, const char *problem_item, const char *problem)
{
	const survey_questionnaire *q = x->q;
	json_t *d = page_data(r, x), *sections = json_array();
	for (size_t s = 0; s < q->section_count; s++) {
		const survey_section *sec = &q->sections[s];
		json_t *so = json_object(), *items = json_array();
		json_object_set_new(so, "title", json_string(survey_text_get(&sec->title, lang(r))));
		json_object_set_new(so, "href", json_string(arena_printf(r->arena, "%s/del/%zu", x->base, s + 1)));
		for (size_t i = sec->first_item; i < sec->first_item + sec->item_count; i++) {
			const survey_item *it = &q->items[i];
			if (!survey_item_asked(q, it, x->answers, x->answer_count))
				continue;
			json_t *io = json_object();
			json_object_set_new(io, "text", json_string(survey_text_get(&it->text, lang(r))));
			json_object_set_new(io, "answer", json_string(answer_text(r, it, answer_of(x->answers, x->answer_count, it->code))));
			if (problem_item && strcmp(problem_item, it->code) == 0) {
				json_object_set_new(io, "error", json_string(problem));
				json_object_set_new(io, "id", json_string(arena_printf(r->arena, "r-%s", it->code)));
				webform_summary_error(d, arena_printf(r->arena, "r-%s", it->code), problem);
			}
			json_array_append_new(items, io);
		}
		json_object_set_new(so, "items", items);
		json_array_append_new(sections, so);
	}
	json_object_set_new(d, "sections", sections);
	return web_render(r, status, "survey/answer_review", d);
}

/* GET …/svara/granska */
static int review_page(http_req *r)
{
	answer_ctx x;
	int rc = load_progress(r, &x);
	return rc ? rc : review_render(r, &x, 200, NULL, NULL);
}

/* POST …/svara/skicka */
static int submit(http_req *r)
{
	answer_ctx x;
	int rc = load_progress(r, &x);
	if (rc)
		return rc;
	const char *item = NULL;
	enum survey_aerror e = survey_answers_check(x.q, x.answers, x.answer_count, &item);
	if (e != SURVEY_A_OK)
		return review_render(r, &x, 422, item, T(r, survey_aerror_message(e)));
	int64_t id = survey_progress_submit(web_db(r), x.q, &x.progress, x.answers, x.answer_count, web_now());
	if (id < 0)
		return webform_failed(r, NULL);
	set_resume_cookie(r, &x, NULL);
	if (id == 0)
		return web_error(r, 409, T(r, "Svaren är redan inskickade, eller koden har redan använts."));
	return http_redirect(r, arena_printf(r->arena, "%s/tack", x.base));
}

/* GET …/svara/tack */
static int thanks_page(http_req *r)
{
	answer_ctx x;
	memset(&x, 0, sizeof x);
	int found = survey_round_get(web_db(r), r->arena, 0, http_param(r, "slug"), &x.round);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0 || x.round.status == SURVEY_ROUND_DRAFT)
		return web_error(r, 404, T(r, "Det finns ingen sådan undersökning."));
	x.base = arena_printf(r->arena, "/trygghetsundersokning/%s/svara", x.round.slug);
	return web_render(r, 200, "survey/answer_thanks", page_data(r, &x));
}

const http_route survey_answer_routes[] = {
	{ "GET", ROUND_PATH, start_page, ROUTE_NO_LOG, 0 },
	{ "POST", ROUND_PATH "/kod", code_submit, ROUTE_NO_LOG, 0 },
	{ "POST", ROUND_PATH "/starta", open_submit, ROUTE_NO_LOG, 0 },
	{ "GET", ROUND_PATH "/fortsatt/{token}", resume_link, ROUTE_NO_LOG, 0 },
	{ "GET", ROUND_PATH "/del/{n}", section_page, ROUTE_NO_LOG, 0 },
	{ "POST", ROUND_PATH "/del/{n}", section_submit, ROUTE_NO_LOG, 0 },
	{ "GET", ROUND_PATH "/granska", review_page, ROUTE_NO_LOG, 0 },
	{ "POST", ROUND_PATH "/skicka", submit, ROUTE_NO_LOG, 0 },
	{ "GET", ROUND_PATH "/tack", thanks_page, ROUTE_NO_LOG, 0 },
};
const size_t survey_answer_route_count = ARRAY_LEN(survey_answer_routes);
