/*
 * pages.c — the resident's side of Felanmälan: the form /felanmalan (works
 * without JavaScript; place chooser from src/areas/; up to five photos,
 * whose GPS position gives the place only when the resident ticks "Använd
 * bildens position" and chooses no place),
 * "is it one of these?" before sending, the private follow-up link
 * /felanmalan/folj/{token} (add information, withdraw), support for an
 * existing report, and the photos themselves.
 *
 * The follow-up token is random, shown only to the resident and stored only
 * as a hash; its pages are never in the access log (ROUTE_NO_LOG).
 */
#include "reports/report_internal.h"
#include "areas/area.h"
#include "core/util.h"
#include "mail/mail.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>

#define FORM_PATH "/felanmalan"
#define FOLLOW_PATH "/felanmalan/folj/"
#define NEARBY_METRES 200.0
#define NEARBY_MAX 10
#define RATE_MAX 10
#define RATE_WINDOW_SECONDS 600

const char *report_site_origin(http_req *r)
{
	const char *pub = web_app(r)->cfg->public_url;
	if (pub && *pub)
		return pub[strlen(pub) - 1] == '/' ? arena_strndup(r->arena, pub, strlen(pub) - 1) : pub;
	const char *host = http_header(r, "Host");
	return arena_printf(r->arena, "%s://%s", r->https ? "https" : "http", host ? host : "localhost");
}

bool report_english(http_req *r)
{
	return strcmp(web(r)->lang, "en") == 0;
}

/* The categories grouped for the form, with the chosen one checked and its questions. */
static json_t *categories_json(http_req *r, report_category *list, int n, const char *chosen)
{
	json_t *groups = json_array();
	for (size_t g = 0; g < ARRAY_LEN(report_group_codes); g++) {
		json_t *items = json_array();
		for (int i = 0; i < n; i++) {
			if (strcmp(list[i].group, report_group_codes[g]) != 0)
				continue;
			report_category full;
			json_t *c = json_object(), *attrs = json_array();
			json_object_set_new(c, "code", json_string(list[i].code));
			json_object_set_new(c, "name", json_string(report_english(r) ? list[i].name_en : list[i].name_sv));
			json_object_set_new(c, "description",
					    json_string(report_english(r) ? list[i].description_en : list[i].description_sv));
			json_object_set_new(c, "checked", json_boolean(strcmp(chosen, list[i].code) == 0));
			if (list[i].attribute_count > 0 &&
			    report_category_get(web_db(r), r->arena, list[i].id, &full) == 1) {
				for (size_t k = 0; k < full.attribute_count; k++) {
					const report_attribute *at = &full.attributes[k];
					json_t *a = json_object(), *choices = json_array();
					const char *field = arena_printf(r->arena, "attr-%s-%s", list[i].code, at->code);
					const char *value = webform_trimmed(r, field);
					json_object_set_new(a, "field", json_string(field));
					json_object_set_new(a, "label", json_string(report_english(r) ? at->name_en : at->name_sv));
					json_object_set_new(a, "hint", json_string(report_english(r) ? at->hint_en : at->hint_sv));
					json_object_set_new(a, "required", json_boolean(at->required));
					json_object_set_new(a, "value", json_string(value));
					for (size_t v = 0; v < at->choice_count; v++) {
						json_t *ch = json_object();
						json_object_set_new(ch, "key", json_string(at->choices[v].key));
						json_object_set_new(ch, "name", json_string(report_english(r) ? at->choices[v].name_en
												     : at->choices[v].name_sv));
						json_object_set_new(ch, "selected",
								    json_boolean(strcmp(value, at->choices[v].key) == 0));
						json_array_append_new(choices, ch);
					}
					json_object_set_new(a, "is_list", json_boolean(at->choice_count > 0));
					if (at->choice_count > 0)
						json_object_set_new(a, "choices", choices);
					else
						json_decref(choices);
					json_array_append_new(attrs, a);
				}
			}
			json_object_set_new(c, "attributes", attrs);
			json_array_append_new(items, c);
		}
		json_t *grp = json_object();
		json_object_set_new(grp, "name", json_string(T(r, report_group_labels[g])));
		json_object_set_new(grp, "has_categories", json_boolean(json_array_size(items) > 0));
		json_object_set_new(grp, "categories", items);
		json_array_append_new(groups, grp);
	}
	return groups;
}

/* The form's data, with what was typed. NULL on a database error. */
static json_t *form_data(http_req *r, const area_place *place, const char *place_error)
{
	report_category *list;
	int n = report_category_list(web_db(r), r->arena, &list);
	json_t *p = area_place_json(r, place, place_error);
	if (n < 0 || p == NULL) {
		json_decref(p);
		return NULL;
	}
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Felanmälan")));
	json_object_set_new(d, "groups", categories_json(r, list, n, webform_trimmed(r, "category")));
	json_object_set_new(d, "place", p);
	json_object_set_new(d, "description", json_string(webform_trimmed(r, "description")));
	json_object_set_new(d, "name", json_string(webform_trimmed(r, "name")));
	json_object_set_new(d, "email", json_string(webform_trimmed(r, "email")));
	json_object_set_new(d, "phone", json_string(webform_trimmed(r, "phone")));
	json_object_set_new(d, "photo_place", json_boolean(strcmp(webform_trimmed(r, "photo_place"), "1") == 0));
	return d;
}

/* GET /felanmalan */
static int form_page(http_req *r)
{
	json_t *d = form_data(r, NULL, NULL);
	return d ? web_render(r, 200, "reports/form", d) : webform_failed(r, NULL);
}

typedef struct nearby_state {
	http_req *r;
	json_t *list;
} nearby_state;

static int add_nearby(void *ud, const report *rep)
{
	nearby_state *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "description", json_string(rep->description));
	json_object_set_new(o, "address", json_string(rep->address));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[rep->status].label)));
	json_object_set_new(o, "requested", json_string(web_format_time(st->r, rep->requested_at)));
	json_array_append_new(st->list, o);
	return 0;
}

static const char *const form_photo_fields[] = { "photos", NULL };

/* The uploaded photos, re-encoded into data_dir/reports/ under new names (in
 * *names). Returns the count, or -1 with an error added to d. */
static int store_photos(http_req *r, json_t *d, const char ***names)
{
	size_t n;
	switch (report_photos_receive(r, form_photo_fields, REPORT_PHOTOS_MAX + 1, names, &n)) {
	case REPORT_UPLOAD_OK:
		return (int)n;
	case REPORT_UPLOAD_TOO_MANY:
		webform_error(r, d, "photos", T(r, "Du kan skicka högst fem bilder."));
		return -1;
	case REPORT_UPLOAD_NOT_IMAGE:
		webform_error(r, d, "photos", T(r, "En av bilderna kunde inte läsas. Skicka JPEG, PNG, WebP eller HEIC."));
		return -1;
	default:
		webform_error(r, d, "photos", T(r, "Bilderna kunde inte sparas. Försök igen."));
		return -1;
	}
}

/* "Använd bildens position": when the resident has ticked it and chosen no
 * point or area, the place comes from the GPS data of the first photo that
 * has any, read before the photos are stripped. Returns NULL, or the problem
 * (Swedish, translate with T()); place is changed only when it returns NULL. */
static const char *place_from_photos(http_req *r, area_place *place)
{
	if (strcmp(webform_trimmed(r, "photo_place"), "1") != 0 || place->has_point || place->area_id > 0)
		return NULL;
	double lat = 0, lon = 0;
	bool found = false;
	for (const http_file *f = r->files; f && !found; f = f->next)
		found = report_upload_field(form_photo_fields, f->field) && f->size > 0 &&
			report_photo_gps(web_app(r)->cfg, f->path, &lat, &lon) == 1;
	if (!found) /* a description of the place is enough; without one, say why nothing was taken */
		return *place->text ? NULL : N_("Bilden har ingen position. Välj område i listan eller klicka på kartan.");
	area_match m;
	int where = area_locate(web_db(r), lat, lon, &m);
	if (where < 0)
		return area_place_problem_text[AREA_PLACE_DB_ERROR];
	if (where == AREA_OUTSIDE)
		return N_("Bildens position ligger utanför kommunen. Välj område i listan eller klicka på kartan.");
	place->has_point = true;
	place->lat = lat;
	place->lon = lon;
	place->area_id = where == AREA_FOUND ? m.id : 0;
	return NULL;
}

/* Queues the receipt with the follow-up link to the resident. 0 or -1. */
static int queue_receipt(http_req *r, int64_t id, const char *link)
{
	buf body = BUF_INIT;
	buf_printf(&body, "%s\n\n%s %lld\n\n%s\n%s\n", T(r, "Tack för din felanmälan. Vi har tagit emot den."),
		   T(r, "Referensnummer:"), (long long)id, T(r, "Här kan du följa ärendet, komplettera eller återkalla det:"),
		   link);
	const char *subject = arena_printf(r->arena, "%s (%lld)", T(r, "Vi har tagit emot din felanmälan"), (long long)id);
	int rc = mail_enqueue(web_db(r), webform_trimmed(r, "email"), subject, body.data);
	buf_free(&body);
	return rc;
}

/* POST /felanmalan */
static int form_submit(http_req *r)
{
	db_conn *c = web_db(r);
	area_place place;
	enum area_place_problem pp = area_place_read(r, false, &place);
	const char *place_error = pp == AREA_PLACE_OK ? place_from_photos(r, &place) : area_place_problem_text[pp];
	if (place_error == NULL && !place.has_point && place.area_id == 0 && *place.text == '\0')
		place_error = area_place_problem_text[AREA_PLACE_MISSING];
	json_t *d = form_data(r, &place, place_error ? T(r, place_error) : NULL);
	if (d == NULL)
		return webform_failed(r, NULL);
	if (place_error)
		webform_summary_error(d, "place_area", T(r, place_error));
	report_category cat;
	report_new n = { .source = "web", .lang = web(r)->lang };
	const char *code = webform_trimmed(r, "category");
	int found = report_code_valid(code) ? report_category_find(c, r->arena, code, &cat) : 0;
	if (found < 0)
		return webform_failed(r, d);
	if (found == 0 || !cat.active) {
		webform_error(r, d, "category", T(r, "Välj vad felet gäller."));
	} else {
		/* The chosen category's questions, as the API names them. */
		http_kv *fields = NULL;
		for (size_t i = 0; i < cat.attribute_count; i++) {
			const char *v = webform_trimmed(r, arena_printf(r->arena, "attr-%s-%s", cat.code, cat.attributes[i].code));
			http_kv_add(r->arena, &fields, arena_printf(r->arena, "attribute[%s]", cat.attributes[i].code), v,
				    strlen(v));
		}
		n.category = &cat;
		if (report_check_values(r->arena, &cat, fields, &n) != NULL)
			webform_error(r, d, "category", T(r, "Svara på frågorna om felet; de som är obligatoriska är markerade."));
	}
	n.description = webform_trimmed(r, "description");
	if (*n.description == '\0')
		webform_error(r, d, "description", T(r, "Beskriv felet."));
	else if (webform_has_control(n.description, true) || webform_chars(n.description) > REPORT_DESCRIPTION_MAX_CHARS)
		webform_error(r, d, "description", T(r, "Beskrivningen får vara högst 4 000 tecken."));
	n.name = webform_trimmed(r, "name");
	n.email = webform_trimmed(r, "email");
	n.phone = webform_trimmed(r, "phone");
	if (webform_has_control(n.name, false) || webform_chars(n.name) > REPORT_LINE_MAX_CHARS)
		webform_error(r, d, "name", T(r, "Namnet får vara högst 200 tecken."));
	if (*n.email && (strchr(n.email, '@') == NULL || webform_has_control(n.email, false) || strlen(n.email) > 254))
		webform_error(r, d, "email", T(r, "Skriv e-postadressen i formen namn@exempel.se, eller lämna fältet tomt."));
	if (webform_has_control(n.phone, false) || webform_chars(n.phone) > 40)
		webform_error(r, d, "phone", T(r, "Telefonnumret får vara högst 40 tecken."));
	if (webform_has_errors(d))
		return web_render(r, 422, "reports/form", d);

	/* "Is it one of these?" — open reports of the same category nearby, once. */
	if (place.has_point && strcmp(webform_trimmed(r, "confirmed"), "1") != 0) {
		report_query q = { .start = 0, .end = INT64_MAX, .updated_after = INT64_MIN, .updated_before = INT64_MAX,
				   .codes = arena_printf(r->arena, ",%s,", cat.code), .open = 1, .radius = true,
				   .lat = place.lat, .lon = place.lon, .metres = NEARBY_METRES, .limit = NEARBY_MAX };
		nearby_state st = { r, json_array() };
		if (report_search(c, &q, add_nearby, &st) != 0) {
			json_decref(st.list);
			return webform_failed(r, d);
		}
		if (json_array_size(st.list) > 0) {
			json_object_set_new(d, "has_nearby", json_true());
			json_object_set_new(d, "nearby", st.list);
			json_object_set_new(d, "confirmed", json_true());
			return web_render(r, 200, "reports/form", d);
		}
		json_decref(st.list);
	}
	int limited = web_rate_limit(r, "report", RATE_MAX, RATE_WINDOW_SECONDS);
	if (limited != 0) {
		if (limited < 0)
			return webform_failed(r, d);
		webform_summary_error(d, "description", T(r, "Du har skickat många anmälningar på kort tid. Vänta en stund och försök igen."));
		return web_render(r, 429, "reports/form", d);
	}
	const char **photos;
	int photo_count = store_photos(r, d, &photos);
	if (photo_count < 0)
		return web_render(r, 422, "reports/form", d);
	n.area_id = place.area_id;
	n.has_point = place.has_point;
	n.lat = place.lat;
	n.lon = place.lon;
	n.address = place.text;
	int64_t id, now = web_now();
	const char *token, *follow;
	if (db_begin_write(c) != 0 || report_insert(c, r->arena, &n, now, &id, &token, &follow) != 0)
		goto failed;
	if (report_photos_attach(c, id, now, photos, (size_t)photo_count) != 0)
		goto failed;
	const char *link = arena_printf(r->arena, "%s" FOLLOW_PATH "%s", report_site_origin(r), follow);
	if ((*n.email && queue_receipt(r, id, link) != 0) || db_commit(c) != 0)
		goto failed;
	json_decref(d);
	http_set_cookie(r, web_cookie_name(r, "felanmalan-ny"), "1", 600);
	return http_redirect(r, arena_printf(r->arena, FOLLOW_PATH "%s", follow));
failed:
	db_rollback(c);
	return webform_failed(r, d);
}

/* ---- the follow-up link ---- */

/* The report of the token in the path. 1, 0 (none: 404 answered), -1. */
static int follow_report(http_req *r, report *rep)
{
	int64_t id;
	const char *token = http_param(r, "token");
	int rc = report_code_valid(token) ? report_by_follow_token(web_db(r), token, &id) : 0;
	if (rc == 1)
		rc = report_get(web_db(r), r->arena, id, rep);
	return rc;
}

/* The public view of a report (no personal data), for the follow-up page. NULL on error. */
static json_t *report_json(http_req *r, const report *rep)
{
	json_t *o = json_object(), *photos = json_array();
	int64_t *ids;
	const char **urls;
	int n = report_photos(web_db(r), r->arena, rep->id, &ids, &urls);
	json_t *history = n < 0 ? NULL : report_history_json(r, rep->id);
	if (history == NULL) {
		json_decref(o);
		json_decref(photos);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (ids[i] == 0)
			continue;
		json_t *p = json_object();
		json_object_set_new(p, "full", json_string(arena_printf(r->arena, "/felanmalan/foto/%lld.jpg", (long long)ids[i])));
		json_object_set_new(p, "thumb", json_string(arena_printf(r->arena, "/felanmalan/foto/%lld-t.jpg", (long long)ids[i])));
		json_array_append_new(photos, p);
	}
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "category", json_string(report_english(r) ? rep->category_name_en : rep->category_name_sv));
	json_object_set_new(o, "status", json_string(T(r, report_statuses[rep->status].label)));
	json_object_set_new(o, "open", json_boolean(report_statuses[rep->status].open));
	json_object_set_new(o, "description", json_string(rep->description));
	json_object_set_new(o, "address", json_string(rep->address));
	json_object_set_new(o, "area", json_string(rep->area_name));
	json_object_set_new(o, "requested", json_string(web_format_time(r, rep->requested_at)));
	json_object_set_new(o, "has_photos", json_boolean(json_array_size(photos) > 0));
	json_object_set_new(o, "photos", photos);
	json_object_set_new(o, "history", history);
	return o;
}

/* GET /felanmalan/folj/{token} */
static int follow_page(http_req *r)
{
	report rep;
	int rc = follow_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Länken gäller ingen felanmälan. Kontrollera att du har fått med hela länken."));
	json_t *d = json_object(), *rj = report_json(r, &rep);
	if (rj == NULL)
		return webform_failed(r, d);
	const char *fresh = http_cookie(r, web_cookie_name(r, "felanmalan-ny"));
	if (fresh && *fresh) {
		json_object_set_new(d, "new", json_true());
		http_set_cookie(r, web_cookie_name(r, "felanmalan-ny"), "", 0);
	}
	json_object_set_new(d, "title", json_string(T(r, "Din felanmälan")));
	json_object_set_new(d, "report", rj);
	json_object_set_new(d, "token", json_string(http_param(r, "token")));
	json_object_set_new(d, "withdrawn", json_boolean(rep.status == REPORT_WITHDRAWN));
	return web_render(r, 200, "reports/follow", d);
}

/* POST /felanmalan/folj/{token}/komplettera: more information (kept from the public). */
static int follow_add(http_req *r)
{
	report rep;
	int rc = follow_report(r, &rep);
	const char *text = webform_trimmed(r, "text");
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Länken gäller ingen felanmälan. Kontrollera att du har fått med hela länken."));
	if (*text == '\0' || webform_has_control(text, true) || webform_chars(text) > REPORT_DESCRIPTION_MAX_CHARS)
		return web_error(r, 422, T(r, "Skriv det du vill lägga till, högst 4 000 tecken."));
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || report_add_update(c, rep.id, web_now(), "resident", -1, text, false, 0) != 0 ||
	    db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	return web_redirect_flash(r, arena_printf(r->arena, FOLLOW_PATH "%s", http_param(r, "token")),
				  T(r, "Tack, det du skrev är tillagt i ärendet."));
}

/* POST /felanmalan/folj/{token}/aterkalla */
static int follow_withdraw(http_req *r)
{
	report rep;
	int rc = follow_report(r, &rep);
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Länken gäller ingen felanmälan. Kontrollera att du har fått med hela länken."));
	db_conn *c = web_db(r);
	if (rep.status != REPORT_WITHDRAWN &&
	    (db_begin_write(c) != 0 ||
	     report_add_update(c, rep.id, web_now(), "withdrawn", REPORT_WITHDRAWN, "", true, 0) != 0 || db_commit(c) != 0)) {
		db_rollback(c);
		return webform_failed(r, NULL);
	}
	return web_redirect_flash(r, arena_printf(r->arena, FOLLOW_PATH "%s", http_param(r, "token")),
				  T(r, "Din felanmälan är återkallad."));
}

static const char SQL_SUPPORT[] = "UPDATE reports SET supporters = supporters + 1 WHERE id = ? AND is_open = 1";

/* POST /felanmalan/{id}/stod: "it is this one" — support an open report instead of a new one. */
static int support(http_req *r)
{
	int64_t id;
	db_conn *c = web_db(r);
	if (str_to_int64(http_param(r, "id"), &id) != 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	int limited = web_rate_limit(r, "report-support", RATE_MAX, RATE_WINDOW_SECONDS);
	if (limited < 0)
		return webform_failed(r, NULL);
	if (limited)
		return web_error(r, 429, T(r, "Du har skickat många anmälningar på kort tid. Vänta en stund och försök igen."));
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_SUPPORT)) == NULL)
		goto failed;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_DONE)
		goto failed;
	if (db_changes(s) == 0) {
		db_rollback(c);
		return web_error(r, 404, T(r, "Felanmälan finns inte eller är redan avslutad."));
	}
	if (report_add_update(c, id, web_now(), "support", -1, "", false, 0) != 0 || db_commit(c) != 0)
		goto failed;
	return web_redirect_flash(r, FORM_PATH, T(r, "Tack! Vi har noterat att du också har sett felet."));
failed:
	db_rollback(c);
	return webform_failed(r, NULL);
}

static const char SQL_PHOTO_FILE[] = "SELECT file FROM report_photos WHERE id = ? AND file <> ''";

/* GET /felanmalan/foto/{file}: "12.jpg" or "12-t.jpg" (thumbnail). */
static int photo(http_req *r)
{
	const char *file = http_param(r, "file");
	bool thumb = strstr(file, "-t.jpg") != NULL;
	const char *end = strchr(file, thumb ? '-' : '.');
	int64_t id;
	if (end == NULL || str_to_int64(arena_strndup(r->arena, file, (size_t)(end - file)), &id) != 0 ||
	    strcmp(end, thumb ? "-t.jpg" : ".jpg") != 0)
		return 404;
	db_stmt *s = db_prepare(web_db(r), SQL_PHOTO_FILE);
	if (s == NULL)
		return 500;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_ROW)
		return 404;
	const char *name = arena_strdup(r->arena, db_column_text(s, 0));
	db_step(s);
	http_set_header(r, "Cache-Control", "public, max-age=86400");
	return http_send_file(r, arena_printf(r->arena, "%s/reports/%s%s.jpg", web_app(r)->cfg->data_dir, name, thumb ? "-t" : ""),
			      "image/jpeg");
}

const http_route report_routes[] = {
	{ "GET", FORM_PATH, form_page, 0, 0 },
	{ "POST", FORM_PATH, form_submit, ROUTE_UPLOAD, 0 },
	{ "GET", FOLLOW_PATH "{token}", follow_page, ROUTE_NO_LOG, 0 },
	{ "POST", FOLLOW_PATH "{token}/komplettera", follow_add, ROUTE_NO_LOG, 0 },
	{ "POST", FOLLOW_PATH "{token}/aterkalla", follow_withdraw, ROUTE_NO_LOG, 0 },
	{ "POST", "/felanmalan/{id}/stod", support, 0, 0 },
	{ "GET", "/felanmalan/foto/{file}", photo, 0, 0 },
};
const size_t report_route_count = ARRAY_LEN(report_routes);
