/*
 * review.c — the review of free-text answers before anything of them is
 * published (/personal/trygghetsundersokning/ID/fritext). A samordnare or
 * admin reads each pending text and approves it as it is, approves an edited
 * version without names (text_public), or rejects it. Only approved texts
 * ever appear on a public page (results_pages.c reads text_public, or the
 * text itself when it was approved unedited). Every decision goes to the
 * audit log, naming the answer but not its text.
 */
#include "survey/survey.h"

#include <string.h>

#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#define STAFF_PATH "/personal/trygghetsundersokning"
#define REVIEW_ROLES (ROLE_SAMORDNARE | ROLE_ADMIN)
#define PUBLIC_TEXT_MAX_CHARS 2000
#define LIST_LIMIT 200

static const char SQL_PENDING[] =
	"SELECT a.id, a.item_code, a.value_text, a.text_review, COALESCE(a.text_public, '') "
	"FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id "
	"WHERE s.round_id = ? AND s.status = 'complete' AND a.text_review = ? "
	"AND a.value_text IS NOT NULL AND a.value_text <> '' ORDER BY a.id LIMIT " "200";
static const char SQL_COUNTS[] =
	"SELECT a.text_review, COUNT(*) FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id "
	"WHERE s.round_id = ? AND s.status = 'complete' AND a.text_review IS NOT NULL GROUP BY a.text_review";
static const char SQL_DECIDE[] =
	"UPDATE survey_answers SET text_review = ?, text_public = ?, reviewed_by = ?, reviewed_at = ? "
	"WHERE id = ? AND text_review IS NOT NULL AND response_id IN "
	"(SELECT id FROM survey_responses WHERE round_id = ? AND status = 'complete')";

static int round_param(http_req *r, survey_round *round)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return 0;
	return survey_round_get(web_db(r), r->arena, id, NULL, round);
}

/* GET /personal/trygghetsundersokning/{id}/fritext[?visa=godkanda|avvisade][&en=1] */
static int review_page(http_req *r)
{
	survey_round round;
	int found = round_param(r, &round);
	if (found < 0)
		return 500;
	if (found == 0)
		return web_error(r, 404, T(r, "Omgången finns inte."));
	const survey_questionnaire *q = survey_round_questionnaire(r->arena, &round);
	const char *show = http_query(r, "visa");
	const char *state = show && strcmp(show, "godkanda") == 0 ? "approved"
	                    : show && strcmp(show, "avvisade") == 0 ? "rejected"
	                                                            : "pending";
	bool one = http_query(r, "en") != NULL && strcmp(state, "pending") == 0;
	json_t *d = json_object(), *list = json_array();
	db_stmt *s = db_prepare(web_db(r), SQL_PENDING);
	if (s == NULL) {
		json_decref(d);
		json_decref(list);
		return 500;
	}
	db_bind_int(s, 1, round.id);
	db_bind_text(s, 2, state);
	while (db_step(s) == DB_ROW) {
		json_t *o = json_object();
		int64_t aid = db_column_int(s, 0);
		const char *code = db_column_text(s, 1);
		const survey_item *it = q ? survey_item_find(q, code) : NULL;
		json_object_set_new(o, "id", json_integer(aid));
		json_object_set_new(o, "question", json_string(it ? survey_text_get(&it->text, web(r)->lang) : code));
		json_object_set_new(o, "text", json_string(db_column_text(s, 2)));
		json_object_set_new(o, "public", json_string(db_column_text(s, 4)));
		json_object_set_new(o, "action", json_string(arena_printf(r->arena, STAFF_PATH "/%lld/fritext/%lld",
		                                                            (long long)round.id, (long long)aid)));
		json_array_append_new(list, o);
		if (one)
			break;
	}
	db_stmt *c = db_prepare(web_db(r), SQL_COUNTS);
	json_t *counts = json_object();
	if (c != NULL) {
		db_bind_int(c, 1, round.id);
		while (db_step(c) == DB_ROW)
			json_object_set_new(counts, db_column_text(c, 0), json_integer(db_column_int(c, 1)));
	}
	json_object_set_new(d, "counts", counts);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s: %s", T(r, "Granskning av fritextsvar"),
	                                                           strcmp(web(r)->lang, "en") == 0 && *round.title_en
	                                                                   ? round.title_en
	                                                                   : round.title_sv)));
	json_object_set_new(d, "answers", list);
	json_object_set_new(d, "pending", json_boolean(strcmp(state, "pending") == 0));
	json_object_set_new(d, "one", json_boolean(one));
	json_object_set_new(d, "base", json_string(arena_printf(r->arena, STAFF_PATH "/%lld/fritext", (long long)round.id)));
	json_object_set_new(d, "weights_href", json_string(arena_printf(r->arena, STAFF_PATH "/%lld/vikter", (long long)round.id)));
	return web_render(r, 200, "survey/review", d);
}

/* POST /personal/trygghetsundersokning/{id}/fritext/{answer}: beslut =
 * godkann | godkann_redigerad | avvisa; text_public for the edited version. */
static int review_decide(http_req *r)
{
	survey_round round;
	int found = round_param(r, &round);
	int64_t aid;
	if (found < 0)
		return 500;
	if (found == 0 || str_to_int64(http_param(r, "answer"), &aid) != 0 || aid <= 0)
		return web_error(r, 404, T(r, "Svaret finns inte."));
	const char *decision = webform_trimmed(r, "beslut");
	const char *edited = webform_trimmed(r, "text_public");
	const char *state = NULL, *public_text = NULL;
	if (strcmp(decision, "godkann") == 0)
		state = "approved";
	else if (strcmp(decision, "godkann_redigerad") == 0) {
		state = "approved";
		public_text = edited;
		if (*edited == '\0' || webform_chars(edited) > PUBLIC_TEXT_MAX_CHARS || webform_has_control(edited, true))
			return web_error(r, 422, T(r, "Skriv den redigerade texten (högst 2000 tecken) eller godkänn texten som den är."));
	} else if (strcmp(decision, "avvisa") == 0)
		state = "rejected";
	else
		return web_error(r, 422, T(r, "Välj om texten ska godkännas, godkännas redigerad eller avvisas."));
	db_conn *c = web_db(r);
	db_stmt *s = db_begin_write(c) == 0 ? db_prepare(c, SQL_DECIDE) : NULL;
	if (s == NULL) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	db_bind_text(s, 1, state);
	if (public_text)
		db_bind_text(s, 2, public_text);
	else
		db_bind_null(s, 2);
	db_bind_int(s, 3, web(r)->user->id);
	db_bind_int(s, 4, web_now());
	db_bind_int(s, 5, aid);
	db_bind_int(s, 6, round.id);
	if (db_step(s) != DB_DONE) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	bool changed = db_changes(s) > 0;
	if (db_commit(c) != 0)
		return webform_failed(r, NULL);
	if (!changed)
		return web_error(r, 404, T(r, "Svaret finns inte."));
	web_audit(r, "survey.text_review", arena_printf(r->arena, "survey_answer:%lld", (long long)aid),
	          public_text ? "approved_edited" : state);
	const char *back = arena_printf(r->arena, STAFF_PATH "/%lld/fritext%s", (long long)round.id,
	                                strcmp(webform_trimmed(r, "en"), "1") == 0 ? "?en=1" : "");
	return web_redirect_flash(r, back, T(r, "Beslutet är sparat."));
}

const http_route survey_review_routes[] = {
	{ "GET", STAFF_PATH "/{id}/fritext", review_page, ROUTE_STAFF, REVIEW_ROLES },
	{ "POST", STAFF_PATH "/{id}/fritext/{answer}", review_decide, ROUTE_STAFF, REVIEW_ROLES },
};
const size_t survey_review_route_count = ARRAY_LEN(survey_review_routes);
