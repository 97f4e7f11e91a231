/*
 * police_pages.c — the police's side of "Tipsa polisen" (ROLE_POLIS only;
 * the routes say so, and an administrator or coordinator gets 403 on every
 * one of them): the inbox, a tip with its conversation and photos, keys and
 * access, the service's settings, and a view of the counts that leave the
 * police's view for the lägesbild.
 *
 * Reading anything a tipster wrote needs the unit key, unlocked for this
 * officer's login session (tip_unlock_session()); without it the page says
 * why and what to do. The inbox shows only the police's own metadata, which
 * needs no key. Every opening of a tip or a photo is written to the audit
 * log, with the tip's number and never its content.
 */
#include "tips/tip_pages.h"
#include "tips/tips.h"
#include "areas/area.h"
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>

#define INBOX_PATH "/personal/tips"
#define KEYS_PATH "/personal/tips/nycklar"
#define SETTINGS_PATH "/personal/tips/installningar"
#define RETENTION_DAYS_MAX 3650
#define THRESHOLD_MIN 2
#define THRESHOLD_MAX 100

/* Why the tips cannot be read, for each enum tip_lock. */
static const char *const lock_texts[TIP_LOCK__MAX] = {
	[TIP_UNLOCKED] = "",
	[TIP_LOCK_NO_UNIT_KEY] = N_("Tipstjänsten har ingen nyckel ännu. Den som driftar servern skapar den med kommandot trygg tips init-key --officer E-POST för den första polisen."),
	[TIP_LOCK_NO_SESSION] = N_("Tipsen kan inte låsas upp i den här inloggningen. Logga ut och logga in igen. Det behövs till exempel om du fick polisrollen medan du var inloggad."),
	[TIP_LOCK_PENDING] = N_("Du har ännu inte åtkomst till tipsen. En polis som redan har åtkomst behöver godkänna dig på sidan Nycklar och åtkomst. Jämför fingeravtrycket nedan med det som kollegan ser innan hen godkänner."),
};

/* Logs a database failure and answers 503. */
static int police_failed(http_req *r, json_t *d)
{
	fprintf(stderr, "trygg: %s %s: database error: %s\n", r->method, r->route->pattern, db_errmsg(web_db(r)));
	json_decref(d);
	return 503;
}

static const char *tip_object(http_req *r, int64_t id)
{
	return arena_printf(r->arena, "tip:%lld", (long long)id);
}

/* Sets "lock" (why the tips are locked) and "fingerprint" (of the officer's own key) in d. */
static int lock_data(http_req *r, json_t *d, int state)
{
	char fingerprint[TIP_FINGERPRINT_CHARS + 1];
	if (state > TIP_UNLOCKED && state < TIP_LOCK__MAX)
		json_object_set_new(d, "lock", json_string(T(r, lock_texts[state])));
	int found = tip_officer_fingerprint(web_db(r), web(r)->user->id, fingerprint);
	if (found < 0)
		return -1;
	if (found == 1)
		json_object_set_new(d, "fingerprint", json_string(fingerprint));
	return 0;
}

/* Unlocks the unit key for this officer into u. Returns 0, or answers with
 * the page that says why it is locked (403) and returns its status. */
static int unlock(http_req *r, tip_unit *u)
{
	web_state *w = web(r);
	int state = tip_unlock_session(w->db, w->user->id, w->session_token, u);
	if (state == TIP_UNLOCKED)
		return 0;
	if (state < 0)
		return police_failed(r, NULL);
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Tipsen är låsta")));
	if (lock_data(r, d, state) != 0)
		return police_failed(r, d);
	return web_render(r, 403, "tips/locked", d);
}

/* The path's {name} as a positive id, or 0. */
static int64_t path_id(http_req *r, const char *name)
{
	int64_t id;
	return str_to_int64(http_param(r, name), &id) == 0 && id > 0 ? id : 0;
}

/* The labels of comma-separated crime type names, comma-separated, in r's arena. */
static const char *tag_labels(http_req *r, const char *tags)
{
	buf b = BUF_INIT;
	for (size_t i = 0; i < tip_crime_type_count; i++)
		if (tip_tags_have(tags, tip_crime_types[i].name))
			buf_printf(&b, "%s%s", b.len ? ", " : "", T(r, tip_crime_types[i].label));
	const char *out = arena_strdup(r->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* ---- the inbox ---- */

typedef struct inbox_rows {
	http_req *r;
	json_t *rows;
} inbox_rows;

static int inbox_row(void *ud, const tip_meta *m)
{
	inbox_rows *ir = ud;
	http_req *r = ir->r;
	json_t *row = json_object();
	json_object_set_new(row, "id", json_integer(m->id));
	json_object_set_new(row, "href", json_string(arena_printf(r->arena, INBOX_PATH "/%lld", (long long)m->id)));
	json_object_set_new(row, "day", json_string(tip_day_text(r, m->received_day)));
	json_object_set_new(row, "status", json_string(T(r, tip_status_labels[m->status])));
	json_object_set_new(row, "is_new", json_boolean(m->status == TIP_NEW));
	json_object_set_new(row, "tags", json_string(tag_labels(r, m->tags)));
	json_object_set_new(row, "area", json_string(tip_area_name(r, m->area_id)));
	json_object_set_new(row, "assigned", json_string(m->assigned_name));
	json_object_set_new(row, "unread", json_boolean(m->police_unread));
	json_array_append_new(ir->rows, row);
	return 0;
}

int tip_inbox_page(http_req *r)
{
	web_state *w = web(r);
	const char *filter = http_query(r, "status");
	enum tip_status status = tip_status_parse(filter);
	json_t *d = json_object(), *filters = json_array();
	inbox_rows ir = { r, json_array() };
	tip_unit u = { 0 };
	tip_private_headers(r);
	json_object_set_new(d, "rows", ir.rows);
	json_object_set_new(d, "filters", filters);
	for (int i = -1; i < TIP_STATUS__MAX; i++) {
		json_t *f = json_object();
		json_object_set_new(f, "href", json_string(i < 0 ? INBOX_PATH : arena_printf(r->arena, INBOX_PATH "?status=%s", tip_status_names[i])));
		json_object_set_new(f, "label", json_string(i < 0 ? T(r, "Alla") : T(r, tip_status_labels[i])));
		json_object_set_new(f, "current", json_boolean(i < 0 ? status == TIP_STATUS__MAX : (int)status == i));
		json_array_append_new(filters, f);
	}
	int state = tip_unlock_session(w->db, w->user->id, w->session_token, &u);
	tip_unit_release(&u);
	int count = state < 0 ? -1 : tip_each(w->db, status, inbox_row, &ir);
	if (count < 0 || lock_data(r, d, state) != 0)
		return police_failed(r, d);
	json_object_set_new(d, "has_rows", json_boolean(count > 0));
	json_object_set_new(d, "title", json_string(T(r, "Tips från allmänheten")));
	return web_render(r, 200, "tips/inbox", d);
}

/* ---- one tip ---- */

typedef struct choice_list {
	http_req *r;
	json_t *list;
	int64_t selected;
} choice_list;

static int area_choice(void *ud, const area *a)
{
	choice_list *cl = ud;
	json_t *o = json_object();
	json_object_set_new(o, "value", json_integer(a->id));
	json_object_set_new(o, "label", json_string(a->name));
	json_object_set_new(o, "selected", json_boolean(a->id == cl->selected));
	json_array_append_new(cl->list, o);
	return 0;
}

static int officer_choice(void *ud, const tip_officer *o)
{
	choice_list *cl = ud;
	if (!o->has_access || !o->is_officer)
		return 0;
	json_t *item = json_object();
	json_object_set_new(item, "value", json_integer(o->user_id));
	json_object_set_new(item, "label", json_string(*o->name ? o->name : o->email));
	json_object_set_new(item, "selected", json_boolean(o->user_id == cl->selected));
	json_array_append_new(cl->list, item);
	return 0;
}

typedef struct conversation {
	http_req *r;
	json_t *rows;
} conversation;

static int conversation_row(void *ud, const tip_message *m)
{
	conversation *cv = ud;
	http_req *r = cv->r;
	json_t *row = json_object();
	json_object_set_new(row, "day", json_string(tip_day_text(r, m->day)));
	json_object_set_new(row, "from_police", json_boolean(m->from_police));
	json_object_set_new(row, "who", json_string(m->from_police ? m->author : T(r, "Tipsaren")));
	json_object_set_new(row, "text", json_string(m->text));
	json_array_append_new(cv->rows, row);
	return 0;
}

/* The handling form's choices for m into d: statuses, crime types, areas, officers. 0 or -1. */
static int handling_data(http_req *r, json_t *d, const tip_meta *m)
{
	json_t *statuses = json_array(), *types = json_array();
	for (int i = 0; i < TIP_STATUS__MAX; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "value", json_string(tip_status_names[i]));
		json_object_set_new(o, "label", json_string(T(r, tip_status_labels[i])));
		json_object_set_new(o, "selected", json_boolean((int)m->status == i));
		json_array_append_new(statuses, o);
	}
	for (size_t i = 0; i < tip_crime_type_count; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "value", json_string(tip_crime_types[i].name));
		json_object_set_new(o, "label", json_string(T(r, tip_crime_types[i].label)));
		json_object_set_new(o, "checked", json_boolean(tip_tags_have(m->tags, tip_crime_types[i].name)));
		json_array_append_new(types, o);
	}
	json_object_set_new(d, "statuses", statuses);
	json_object_set_new(d, "crime_types", types);
	choice_list areas = { r, json_array(), m->area_id }, officers = { r, json_array(), m->assigned_to };
	json_object_set_new(d, "areas", areas.list);
	json_object_set_new(d, "officers", officers.list);
	if (area_each(web_db(r), 0, area_choice, &areas) != 0 || tip_officers_each(web_db(r), officer_choice, &officers) != 0)
		return -1;
	return 0;
}

/* What the tipster wrote, from the opened JSON, into d. Returns the area the
 * tipster chose (0: none), to suggest in the handling form. */
static int64_t content_data(http_req *r, json_t *d, const buf *content)
{
	static const struct {
		const char *key;
		const char *label;
	} hows[] = {
		{ "saw", N_("Såg eller hörde det själv") },
		{ "told", N_("Någon berättade det") },
		{ "online", N_("På internet eller i sociala medier") },
		{ "other", N_("På annat sätt") },
	};
	json_t *c = json_loadb(content->data ? content->data : "", content->len, 0, NULL);
	static const char *const fields[] = { "what", "when", "contact", "place", "area" };
	for (size_t i = 0; c && i < ARRAY_LEN(fields); i++) {
		const char *v = json_string_value(json_object_get(c, fields[i]));
		json_object_set_new(d, arena_printf(r->arena, "tip_%s", fields[i]), json_string(v ? v : ""));
	}
	const char *how = c ? json_string_value(json_object_get(c, "how")) : NULL;
	for (size_t i = 0; how && i < ARRAY_LEN(hows); i++)
		if (strcmp(how, hows[i].key) == 0)
			json_object_set_new(d, "tip_how", json_string(T(r, hows[i].label)));
	json_t *lat = c ? json_object_get(c, "lat") : NULL, *lon = c ? json_object_get(c, "lon") : NULL;
	if (json_is_number(lat) && json_is_number(lon))
		json_object_set_new(d, "tip_point", json_string(arena_printf(r->arena, "%.5f, %.5f", json_number_value(lat),
									      json_number_value(lon))));
	if (c == NULL)
		json_object_set_new(d, "broken", json_true());
	json_int_t chosen = c ? json_integer_value(json_object_get(c, "area_id")) : 0;
	json_decref(c);
	return chosen > 0 ? (int64_t)chosen : 0;
}

/* Renders tip id for an unlocked officer (d: errors and typed values, or NULL). */
static int show_tip(http_req *r, int status, const tip_unit *u, int64_t id, json_t *d)
{
	db_conn *c = web_db(r);
	tip_meta m;
	buf content = BUF_INIT;
	int64_t photo_ids[TIP_MAX_PHOTOS];
	if (d == NULL)
		d = json_object();
	int found = tip_find(c, r->arena, id, &m);
	if (found <= 0) {
		json_decref(d);
		return found < 0 ? police_failed(r, NULL) : web_error(r, 404, T(r, "Tipset finns inte. Det kan ha raderats."));
	}
	if (tip_read_content(c, u, id, &content) != 0) {
		tip_buf_wipe(&content);
		return police_failed(r, d);
	}
	int64_t suggested_area = content_data(r, d, &content);
	tip_buf_wipe(&content);
	/* Until an officer sets the area, the tipster's choice is offered (it is stored only when saved). */
	if (m.area_id == 0)
		m.area_id = suggested_area;
	conversation cv = { r, json_array() };
	json_object_set_new(d, "messages", cv.rows);
	int photos = tip_photo_ids(c, id, photo_ids, TIP_MAX_PHOTOS);
	if (tip_messages_each(c, id, true, u->pk, u->sk, conversation_row, &cv) < 0 || photos < 0 ||
	    handling_data(r, d, &m) != 0)
		return police_failed(r, d);
	json_t *photo_list = json_array();
	for (int i = 0; i < photos; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "href", json_string(arena_printf(r->arena, INBOX_PATH "/%lld/bild/%lld", (long long)id,
									 (long long)photo_ids[i])));
		json_object_set_new(p, "number", json_integer(i + 1));
		json_array_append_new(photo_list, p);
	}
	json_object_set_new(d, "photos", photo_list);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %lld", T(r, "Tips"), (long long)id)));
	json_object_set_new(d, "id", json_integer(id));
	json_object_set_new(d, "action", json_string(arena_printf(r->arena, INBOX_PATH "/%lld", (long long)id)));
	json_object_set_new(d, "day", json_string(tip_day_text(r, m.received_day)));
	json_object_set_new(d, "status", json_string(T(r, tip_status_labels[m.status])));
	json_object_set_new(d, "closed", json_boolean(m.status == TIP_CLOSED));
	if (m.closed_day)
		json_object_set_new(d, "erase_day", json_string(tip_day_text(r, m.closed_day + tip_setting_retention_days(c) * TIP_DAY_SECONDS)));
	json_object_set_new(d, "text_max", json_integer(TIP_TEXT_MAX_CHARS));
	return web_render(r, status, "tips/show", d);
}

int tip_show_page(http_req *r)
{
	tip_unit u = { 0 };
	int64_t id = path_id(r, "id");
	tip_private_headers(r);
	if (id == 0)
		return 404;
	int rc = unlock(r, &u);
	if (rc != 0)
		return rc;
	tip_meta m;
	int found = tip_find(web_db(r), r->arena, id, &m);
	if (found == 1) {
		web_audit(r, "tip.open", tip_object(r, id), "");
		if (tip_mark_opened(web_db(r), id) != 0)
			found = -1;
	}
	if (found < 0)
		rc = police_failed(r, NULL);
	else if (found == 0)
		rc = web_error(r, 404, T(r, "Tipset finns inte. Det kan ha raderats."));
	else
		rc = show_tip(r, 200, &u, id, NULL);
	tip_unit_release(&u);
	return rc;
}

/* Reads the handling form into f. Returns 0, or -1 when a value is not one
 * the form offers (a forged form). */
static int handling_read(http_req *r, tip_update_fields *f)
{
	const char *area_text = webform_trimmed(r, "area"), *assigned = webform_trimmed(r, "assigned");
	memset(f, 0, sizeof(*f));
	f->status = tip_status_parse(http_form(r, "status"));
	if (f->status == TIP_STATUS__MAX)
		return -1;
	if ((*area_text && (str_to_int64(area_text, &f->area_id) != 0 || f->area_id < 0)) ||
	    (*assigned && (str_to_int64(assigned, &f->assigned_to) != 0 || f->assigned_to < 0)))
		return -1;
	for (const http_kv *kv = r->form; kv; kv = kv->next) {
		if (strcmp(kv->name, "tags") != 0)
			continue;
		const tip_crime_type *t = tip_crime_type_find(kv->value);
		if (t == NULL || f->tag_count == TIP_MAX_TAGS)
			return -1;
		bool seen = false;
		for (size_t i = 0; i < f->tag_count; i++)
			seen |= strcmp(f->tags[i], t->name) == 0;
		if (!seen)
			f->tags[f->tag_count++] = t->name;
	}
	if (f->area_id > 0) {
		area a;
		int found = area_find(web_db(r), r->arena, f->area_id, &a);
		if (found < 0)
			return -2;
		if (found == 0 || a.boundary)
			return -1;
	}
	return 0;
}

static int tip_handle(http_req *r, const tip_unit *u, int64_t id)
{
	tip_update_fields f;
	int read = handling_read(r, &f);
	if (read == -2)
		return police_failed(r, NULL);
	if (read != 0)
		return web_error(r, 400, T(r, "Formuläret innehöll ett värde som inte finns. Ladda om sidan och försök igen."));
	int done = tip_update(web_db(r), id, &f, web_now());
	if (done < 0)
		return police_failed(r, NULL);
	if (done == 0)
		return web_error(r, 404, T(r, "Tipset finns inte. Det kan ha raderats."));
	buf detail = BUF_INIT;
	buf_printf(&detail, "status=%s area=%lld assigned=%lld tags=", tip_status_names[f.status], (long long)f.area_id,
		   (long long)f.assigned_to);
	for (size_t i = 0; i < f.tag_count; i++)
		buf_printf(&detail, "%s%s", i ? "," : "", f.tags[i]);
	web_audit(r, "tip.update", tip_object(r, id), detail.data);
	buf_free(&detail);
	(void)u;
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)id), T(r, "Ändringarna är sparade."));
}

static int tip_ask(http_req *r, const tip_unit *u, int64_t id)
{
	const char *question = webform_trimmed(r, "question");
	json_t *d = json_object();
	if (*question == '\0')
		webform_error(r, d, "question", T(r, "Skriv frågan till tipsaren."));
	else if (webform_has_control(question, true))
		webform_error(r, d, "question", T(r, "Texten innehåller tecken som inte är tillåtna."));
	else if (webform_chars(question) > TIP_TEXT_MAX_CHARS)
		webform_error(r, d, "question", T(r, "Texten är för lång: högst 5 000 tecken."));
	if (webform_has_errors(d)) {
		json_object_set_new(d, "question", json_string(question));
		return show_tip(r, *question ? 422 : 400, u, id, d);
	}
	json_decref(d);
	if (tip_message_add(web_db(r), id, web(r)->user->id, question, web_now()) != 0)
		return police_failed(r, NULL);
	web_audit(r, "tip.question", tip_object(r, id), "");
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)id),
				  T(r, "Frågan är skickad. Tipsaren ser den när hen loggar in med sitt kvitto."));
}

static int tip_erase_now(http_req *r, const tip_unit *u, int64_t id)
{
	tip_meta m;
	(void)u;
	int found = tip_find(web_db(r), r->arena, id, &m);
	if (found < 0)
		return police_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Tipset finns inte. Det kan ha raderats."));
	if (m.status != TIP_CLOSED)
		return web_error(r, 409, T(r, "Bara avslutade tips kan raderas. Avsluta tipset först."));
	if (tip_erase(web_db(r), web_app(r)->cfg, id) < 0)
		return police_failed(r, NULL);
	web_audit(r, "tip.erase", tip_object(r, id), "by hand");
	return web_redirect_flash(r, INBOX_PATH, T(r, "Tipset är raderat för gott."));
}

/* What the tip page's forms do, by the value of "action". */
static const struct tip_action {
	const char *name;
	int (*run)(http_req *r, const tip_unit *u, int64_t id);
} tip_actions[] = {
	{ "update", tip_handle },
	{ "question", tip_ask },
	{ "erase", tip_erase_now },
};

int tip_show_submit(http_req *r)
{
	tip_unit u = { 0 };
	int64_t id = path_id(r, "id");
	const char *action = http_form(r, "action");
	tip_private_headers(r);
	if (id == 0)
		return 404;
	int rc = unlock(r, &u);
	if (rc != 0)
		return rc;
	const struct tip_action *chosen = NULL;
	for (size_t i = 0; i < ARRAY_LEN(tip_actions); i++)
		if (action && strcmp(action, tip_actions[i].name) == 0)
			chosen = &tip_actions[i];
	rc = chosen ? chosen->run(r, &u, id) : web_error(r, 400, T(r, "Okänd åtgärd."));
	tip_unit_release(&u);
	return rc;
}

int tip_photo_page(http_req *r)
{
	tip_unit u = { 0 };
	int64_t id = path_id(r, "id"), photo = path_id(r, "photo");
	buf image = BUF_INIT;
	tip_private_headers(r);
	if (id == 0 || photo == 0)
		return 404;
	int rc = unlock(r, &u);
	if (rc != 0)
		return rc;
	int found = tip_photo_read(web_db(r), web_app(r)->cfg, &u, id, photo, &image);
	tip_unit_release(&u);
	if (found <= 0) {
		tip_buf_wipe(&image);
		return found < 0 ? police_failed(r, NULL) : 404;
	}
	web_audit(r, "tip.photo", tip_object(r, id), arena_printf(r->arena, "photo=%lld", (long long)photo));
	/* The response owns the bytes now; libmicrohttpd frees them after sending. */
	buf_free(&r->body);
	r->body = image;
	r->content_type = "image/jpeg";
	http_set_header(r, "Content-Disposition", "inline");
	return 200;
}

/* ---- keys and access ---- */

typedef struct officer_rows {
	http_req *r;
	json_t *with_access;
	json_t *pending;
} officer_rows;

static int officer_row(void *ud, const tip_officer *o)
{
	officer_rows *or = ud;
	http_req *r = or->r;
	json_t *row = json_object();
	json_object_set_new(row, "id", json_integer(o->user_id));
	json_object_set_new(row, "name", json_string(*o->name ? o->name : o->email));
	json_object_set_new(row, "email", json_string(o->email));
	json_object_set_new(row, "fingerprint", json_string(o->fingerprint));
	json_object_set_new(row, "is_officer", json_boolean(o->is_officer));
	json_object_set_new(row, "is_self", json_boolean(o->user_id == web(r)->user->id));
	if (o->has_access)
		json_object_set_new(row, "granted", json_string(web_format_time(r, o->granted_at)));
	json_array_append_new(o->has_access ? or->with_access : or->pending, row);
	return 0;
}

int tip_keys_page(http_req *r)
{
	web_state *w = web(r);
	tip_unit u = { 0 };
	json_t *d = json_object();
	officer_rows or = { r, json_array(), json_array() };
	tip_private_headers(r);
	json_object_set_new(d, "with_access", or.with_access);
	json_object_set_new(d, "pending", or.pending);
	int state = tip_unlock_session(w->db, w->user->id, w->session_token, &u);
	tip_unit_release(&u);
	if (state < 0 || lock_data(r, d, state) != 0 || tip_officers_each(w->db, officer_row, &or) != 0)
		return police_failed(r, d);
	if (state != TIP_LOCK_NO_UNIT_KEY) {
		char fingerprint[TIP_FINGERPRINT_CHARS + 1];
		tip_fingerprint(u.pk, fingerprint);
		json_object_set_new(d, "unit_fingerprint", json_string(fingerprint));
	}
	json_object_set_new(d, "unlocked", json_boolean(state == TIP_UNLOCKED));
	json_object_set_new(d, "has_pending", json_boolean(json_array_size(or.pending) > 0));
	json_object_set_new(d, "title", json_string(T(r, "Nycklar och åtkomst")));
	return web_render(r, 200, "tips/keys", d);
}

/* The account of the form's "user", when it holds the polis role: 1, 0 when not, -1 on error. */
static int form_officer(http_req *r, account *acc)
{
	int64_t id;
	if (str_to_int64(http_form(r, "user"), &id) != 0 || id <= 0)
		return 0;
	int found = account_find_by_id(web_db(r), r->arena, id, acc);
	return found == 1 && !(acc->roles & ROLE_POLIS) ? 0 : found;
}

static int keys_grant(http_req *r, tip_unit *u)
{
	account acc;
	int found = form_officer(r, &acc);
	if (found < 0)
		return police_failed(r, NULL);
	if (found == 0 || acc.disabled)
		return web_error(r, 409, T(r, "Bara den som har polisrollen kan få åtkomst till tipsen."));
	int rc = tip_officer_grant(web_db(r), u, acc.id, web(r)->user->id, web_now());
	if (rc < 0)
		return police_failed(r, NULL);
	if (rc == 1)
		return web_error(r, 409, T(r, "Personen har ingen begäran om åtkomst. Hen behöver logga in först."));
	web_audit(r, "tips.grant", arena_printf(r->arena, "user:%lld", (long long)acc.id), "");
	return web_redirect_flash(r, KEYS_PATH, T(r, "Åtkomsten är godkänd."));
}

static int keys_remove(http_req *r, tip_unit *u)
{
	int64_t id;
	(void)u;
	if (str_to_int64(http_form(r, "user"), &id) != 0 || id <= 0)
		return web_error(r, 400, T(r, "Okänd användare."));
	int rc = tip_officer_remove(web_db(r), id);
	if (rc < 0)
		return police_failed(r, NULL);
	if (rc == 2)
		return web_error(r, 409, T(r, "Det går inte att ta bort den sista polisen med åtkomst: då kunde ingen läsa tipsen. Ge först någon annan åtkomst."));
	web_audit(r, "tips.remove", arena_printf(r->arena, "user:%lld", (long long)id), "");
	return web_redirect_flash(r, KEYS_PATH, T(r, "Åtkomsten är borttagen."));
}

static int keys_rotate(http_req *r, tip_unit *u)
{
	int rc = tip_keyring_rotate(web_db(r), web_app(r)->cfg, u, web_now());
	if (rc < 0)
		return police_failed(r, NULL);
	if (rc == 1)
		return web_error(r, 409, T(r, "Nyckeln byttes precis av någon annan. Ladda om sidan."));
	web_audit(r, "tips.rotate", "", "");
	return web_redirect_flash(r, KEYS_PATH, T(r, "Enhetens nyckel är bytt. Alla tips är krypterade med den nya nyckeln."));
}

static const struct keys_action {
	const char *name;
	int (*run)(http_req *r, tip_unit *u);
} keys_actions[] = {
	{ "grant", keys_grant },
	{ "remove", keys_remove },
	{ "rotate", keys_rotate },
};

int tip_keys_submit(http_req *r)
{
	tip_unit u = { 0 };
	const char *action = http_form(r, "action");
	tip_private_headers(r);
	int rc = unlock(r, &u);
	if (rc != 0)
		return rc;
	const struct keys_action *chosen = NULL;
	for (size_t i = 0; i < ARRAY_LEN(keys_actions); i++)
		if (action && strcmp(action, keys_actions[i].name) == 0)
			chosen = &keys_actions[i];
	rc = chosen ? chosen->run(r, &u) : web_error(r, 400, T(r, "Okänd åtgärd."));
	tip_unit_release(&u);
	return rc;
}

/* ---- settings ---- */

static json_t *settings_data(http_req *r, const char *days, const char *threshold)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Inställningar för tips")));
	json_object_set_new(d, "retention_days", json_string(days));
	json_object_set_new(d, "threshold", json_string(threshold));
	return d;
}

int tip_settings_page(http_req *r)
{
	db_conn *c = web_db(r);
	tip_private_headers(r);
	return web_render(r, 200, "tips/settings",
			  settings_data(r, arena_printf(r->arena, "%lld", (long long)tip_setting_retention_days(c)),
					arena_printf(r->arena, "%lld", (long long)tip_setting_threshold(c))));
}

int tip_settings_submit(http_req *r)
{
	tip_unit u = { 0 };
	const char *days_text = webform_trimmed(r, "retention_days"), *threshold_text = webform_trimmed(r, "threshold");
	int64_t days, threshold;
	tip_private_headers(r);
	int rc = unlock(r, &u);
	tip_unit_release(&u);
	if (rc != 0)
		return rc;
	json_t *d = settings_data(r, days_text, threshold_text);
	if (str_to_int64(days_text, &days) != 0 || days < 1 || days > RETENTION_DAYS_MAX)
		webform_error(r, d, "retention_days", T(r, "Skriv ett antal dagar mellan 1 och 3650."));
	if (str_to_int64(threshold_text, &threshold) != 0 || threshold < THRESHOLD_MIN || threshold > THRESHOLD_MAX)
		webform_error(r, d, "threshold", T(r, "Skriv ett tal mellan 2 och 100."));
	if (webform_has_errors(d))
		return web_render(r, 422, "tips/settings", d);
	json_decref(d);
	if (tip_settings_save(web_db(r), days, threshold) != 0)
		return police_failed(r, NULL);
	web_audit(r, "tips.settings", "", arena_printf(r->arena, "retention_days=%lld threshold=%lld", (long long)days,
						      (long long)threshold));
	return web_redirect_flash(r, SETTINGS_PATH, T(r, "Inställningarna är sparade."));
}

/* ---- the lägesbild ---- */

static int lagesbild_row(void *ud, const tips_count *cell)
{
	choice_list *cl = ud;
	http_req *r = cl->r;
	const tip_crime_type *t = tip_crime_type_find(cell->crime_type);
	json_t *row = json_object();
	json_object_set_new(row, "type", json_string(t ? T(r, t->label) : cell->crime_type));
	json_object_set_new(row, "area", json_string(cell->area_id ? tip_area_name(r, cell->area_id) : T(r, "Inget område")));
	json_object_set_new(row, "month", json_string(arena_printf(r->arena, "%04d-%02d", cell->year, cell->month)));
	json_object_set_new(row, "count", json_integer(cell->count));
	json_array_append_new(cl->list, row);
	return 0;
}

int tip_lagesbild_page(http_req *r)
{
	choice_list cl = { r, json_array(), 0 };
	json_t *d = json_object();
	tip_private_headers(r);
	json_object_set_new(d, "cells", cl.list);
	if (tips_lagesbild_each(web_db(r), lagesbild_row, &cl) != 0)
		return police_failed(r, d);
	json_object_set_new(d, "has_cells", json_boolean(json_array_size(cl.list) > 0));
	json_object_set_new(d, "threshold", json_integer(tip_setting_threshold(web_db(r))));
	json_object_set_new(d, "title", json_string(T(r, "Tips i lägesbilden")));
	return web_render(r, 200, "tips/lagesbild", d);
}
