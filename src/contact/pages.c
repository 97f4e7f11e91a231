/*
 * pages.c — "Hör av dig": the public contact form (/kontakt), its receipt
 * page, and the coordinator's inbox (/personal/kontakt) with answering,
 * handling and reopening (see contact.h).
 *
 * Against abuse the form has a rate limit per address (without storing
 * addresses, see web_rate_limit()), and a trap field that people never see
 * or hear: when it is filled in, the sender is shown the usual receipt and
 * nothing is stored. The receipt mail says only that the message arrived and
 * its reference, never what the form held, so the form cannot be used to
 * send someone else's text to an address of one's choosing.
 *
 * Reading a message in the inbox is written to the audit log, as is every
 * change: it is personal data.
 */
#include "contact/contact.h"
#include "auth/auth.h"
#include "core/util.h"
#include "mail/mail.h"
#include "settings/settings.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>

#define CONTACT_PATH "/kontakt"
#define THANKS_PATH "/kontakt/tack"
#define INBOX_PATH "/personal/kontakt"
#define TRAP_FIELD "webbplats"
#define RECEIPT_COOKIE "kontakt-kvitto"
#define RECEIPT_SECONDS 3600
#define RATE_MAX 5
#define RATE_WINDOW_SECONDS 600
#define INBOX_LIMIT 200

/* A setting's value ("" on a database error, which the write that follows reports). */
static const char *setting(http_req *r, enum setting_key k)
{
	const char *v = settings_get(web_db(r), r->arena, k);
	return v ? v : "";
}

/* ---- the public form ---- */

/* What the form holds (as typed, trimmed). */
typedef struct contact_form {
	const char *topic;
	const char *area;
	const char *name;
	const char *email;
	const char *message;
} contact_form;

static json_t *form_data(http_req *r, const contact_form *f)
{
	json_t *d = json_object(), *topics = json_array();
	for (size_t i = 0; i < contact_topic_count; i++) {
		json_t *t = json_object();
		json_object_set_new(t, "value", json_string(contact_topics[i].name));
		json_object_set_new(t, "label", json_string(T(r, contact_topics[i].label)));
		json_object_set_new(t, "checked", json_boolean(strcmp(f->topic, contact_topics[i].name) == 0));
		json_array_append_new(topics, t);
	}
	json_object_set_new(d, "title", json_string(T(r, "Hör av dig")));
	json_object_set_new(d, "topics", topics);
	json_object_set_new(d, "area", json_string(f->area));
	json_object_set_new(d, "name", json_string(f->name));
	json_object_set_new(d, "email", json_string(f->email));
	json_object_set_new(d, "message", json_string(f->message));
	json_object_set_new(d, "message_max", json_integer(CONTACT_MESSAGE_MAX_CHARS));
	return d;
}

/* GET /kontakt */
static int contact_page(http_req *r)
{
	contact_form f = { "", "", "", "", "" };
	return web_render(r, 200, "contact/form", form_data(r, &f));
}

/* Checks one optional one-line text field. */
static void check_line(http_req *r, json_t *d, const char *field, const char *value, size_t max, const char *too_long)
{
	if (webform_has_control(value, false))
		webform_error(r, d, field, T(r, "Texten innehåller tecken som inte är tillåtna."));
	else if (webform_chars(value) > max)
		webform_error(r, d, field, too_long);
}

/* Checks the form; errors go into d. Returns the status for a failure: 400
 * when something required is missing or forged, else 422. */
static int contact_check(http_req *r, json_t *d, contact_form *f)
{
	int status = 422;
	if (*f->topic == '\0' || contact_topic_find(f->topic) == NULL) {
		webform_error(r, d, "topic", T(r, "Välj vad ditt meddelande gäller."));
		status = 400;
	}
	if (*f->message == '\0') {
		webform_error(r, d, "message", T(r, "Skriv ditt meddelande."));
		status = 400;
	} else if (webform_has_control(f->message, true)) {
		webform_error(r, d, "message", T(r, "Texten innehåller tecken som inte är tillåtna."));
	} else if (webform_chars(f->message) > CONTACT_MESSAGE_MAX_CHARS) {
		webform_error(r, d, "message", T(r, "Meddelandet är för långt. Det får vara högst 5 000 tecken; korta det eller dela upp det på flera meddelanden."));
	}
	check_line(r, d, "name", f->name, CONTACT_NAME_MAX_CHARS, T(r, "Namnet får vara högst 200 tecken."));
	check_line(r, d, "area", f->area, CONTACT_AREA_MAX_CHARS, T(r, "Platsen får vara högst 200 tecken."));
	if (*f->email) {
		f->email = account_normalise_email(r->arena, f->email);
		if (account_check_email(f->email) != ACCOUNT_OK)
			webform_error(r, d, "email", T(r, "Skriv e-postadressen i formen namn@exempel.se, eller lämna fältet tomt."));
	}
	return status;
}

/* Sends the sender to the receipt page of reference (also for the trap, with a made-up one). */
static int show_receipt(http_req *r, const char *reference, bool mailed)
{
	http_set_cookie(r, web_cookie_name(r, RECEIPT_COOKIE), arena_printf(r->arena, "%s.%d", reference, mailed ? 1 : 0),
			RECEIPT_SECONDS);
	return http_redirect(r, THANKS_PATH);
}

/* The address of this site for links in mail: public_url, else from the request. */
static const char *site_origin(http_req *r)
{
	const char *pub = web_app(r)->cfg->public_url;
	if (pub && *pub)
		return pub[strlen(pub) - 1] == '/' ? arena_strndup(r->arena, pub, strlen(pub) - 1) : pub;
	const char *host = http_header(r, "Host");
	return arena_printf(r->arena, "%s://%s", r->https ? "https" : "http", host ? host : "localhost");
}

/* Queues the receipt to the sender (in the request's language). 0 or -1. */
static int queue_receipt(http_req *r, const contact_message *m)
{
	buf body = BUF_INIT;
	const char *site = setting(r, SETTING_SITE_NAME);
	buf_printf(&body, "%s\n\n%s %s\n%s %s\n\n%s\n\n%s\n",
		   T(r, "Tack för att du hörde av dig. Vi har tagit emot ditt meddelande och läser det så snart vi kan."),
		   T(r, "Referensnummer:"), m->reference, T(r, "Ämne:"), T(r, contact_topic_find(m->topic)->label),
		   T(r, "Det här meddelandet skickades automatiskt och går inte att svara på. Om du inte har skrivit till oss kan du bortse från det."),
		   site);
	const char *subject = arena_printf(r->arena, "%s (%s)", T(r, "Vi har tagit emot ditt meddelande"), m->reference);
	int rc = mail_enqueue(web_db(r), m->email, subject, body.data);
	buf_free(&body);
	return rc;
}

/* Queues the copy to the coordinator's address, in Swedish (staff's language). 0 or -1. */
static int queue_coordinator_copy(http_req *r, const contact_message *m, const char *to)
{
	buf body = BUF_INIT;
	buf_printf(&body, "Ett nytt meddelande har kommit via kontaktformuläret.\n\n"
			  "Referensnummer: %s\nÄmne: %s\nOmråde eller plats: %s\nNamn: %s\nE-post: %s\nSkickat: %s\n\n%s\n\n"
			  "Läs, svara och markera som hanterat i inkorgen:\n%s" INBOX_PATH "/%lld\n",
		   m->reference, contact_topic_find(m->topic)->label, *m->area ? m->area : "–", *m->name ? m->name : "–",
		   *m->email ? m->email : "–", web_format_time(r, m->created_at), m->message, site_origin(r),
		   (long long)m->id);
	const char *subject = arena_printf(r->arena, "Hör av dig: %s (%s)", contact_topic_find(m->topic)->label, m->reference);
	int rc = mail_enqueue(web_db(r), to, subject, body.data);
	buf_free(&body);
	return rc;
}


/* POST /kontakt */
static int contact_submit(http_req *r)
{
	db_conn *c = web_db(r);
	contact_form f = {
		webform_trimmed(r, "topic"), webform_trimmed(r, "area"), webform_trimmed(r, "name"),
		webform_trimmed(r, "email"), webform_trimmed(r, "message"),
	};
	json_t *d = form_data(r, &f);
	int status = contact_check(r, d, &f);
	if (webform_has_errors(d))
		return web_render(r, status, "contact/form", d);

	int limited = web_rate_limit(r, "contact", RATE_MAX, RATE_WINDOW_SECONDS);
	if (limited < 0)
		return webform_failed(r, d);
	if (limited) {
		webform_summary_error(d, "message", T(r, "Du har skickat många meddelanden på kort tid. Vänta en stund och försök igen; det du skrev finns kvar i formuläret."));
		return web_render(r, 429, "contact/form", d);
	}
	const char *trap = http_form(r, TRAP_FIELD);
	if (trap && *trap) {
		/* A robot: it is shown what a person would see, and nothing is kept. */
		json_decref(d);
		return show_receipt(r, contact_new_reference(r->arena), *f.email != '\0');
	}

	contact_message m = { .topic = f.topic, .area = f.area, .name = f.name, .email = f.email,
			      .message = f.message, .lang = web(r)->lang };
	const char *coordinator = setting(r, SETTING_COORDINATOR_EMAIL);
	if (db_begin_write(c) != 0 || contact_insert(c, r->arena, &m, web_now()) != 0 ||
	    (*m.email && queue_receipt(r, &m) != 0) || (*coordinator && queue_coordinator_copy(r, &m, coordinator) != 0) ||
	    db_commit(c) != 0) {
		db_rollback(c);
		return webform_failed(r, d);
	}
	mail_wake();
	json_decref(d);
	web_audit(r, "contact.create", arena_printf(r->arena, "contact:%lld", (long long)m.id), m.topic);
	return show_receipt(r, m.reference, *m.email != '\0');
}

/* GET /kontakt/tack — the receipt, from the cookie the form set. */
static int thanks_page(http_req *r)
{
	const char *value = http_cookie(r, web_cookie_name(r, RECEIPT_COOKIE));
	size_t ref_len = value ? strcspn(value, ".") : 0;
	if (value == NULL || ref_len < 4 || ref_len > 20 || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != ref_len)
		return http_redirect(r, CONTACT_PATH);
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Tack för ditt meddelande")));
	json_object_set_new(d, "reference", json_stringn(value, ref_len));
	json_object_set_new(d, "mailed", json_boolean(strcmp(value + ref_len, ".1") == 0));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, 200, "contact/thanks", d);
}

/* ---- the coordinator's inbox ---- */

static const struct {
	const char *kind;
	const char *label;
} event_labels[] = {
	{ "received", N_("Mottaget") },
	{ "answered", N_("Besvarat") },
	{ "handled", N_("Markerat som hanterat") },
	{ "reopened", N_("Öppnat igen") },
	{ "erased", N_("Personuppgifterna raderade (gallring)") },
};

typedef struct inbox_rows {
	http_req *r;
	json_t *rows;
} inbox_rows;

static const char *topic_label(http_req *r, const char *name)
{
	const contact_topic *t = contact_topic_find(name);
	return t ? T(r, t->label) : name;
}

static int inbox_row(void *ud, const contact_message *m)
{
	inbox_rows *ir = ud;
	http_req *r = ir->r;
	json_t *row = json_object();
	json_object_set_new(row, "href", json_string(arena_printf(r->arena, INBOX_PATH "/%lld", (long long)m->id)));
	json_object_set_new(row, "reference", json_string(m->reference));
	json_object_set_new(row, "created_at", json_string(web_format_time(r, m->created_at)));
	json_object_set_new(row, "topic", json_string(topic_label(r, m->topic)));
	json_object_set_new(row, "area", json_string(m->area));
	json_object_set_new(row, "status", json_string(T(r, contact_status_labels[m->status])));
	json_array_append_new(ir->rows, row);
	return 0;
}

/* GET /personal/kontakt?status=new|answered|handled|all */
static int inbox_page(http_req *r)
{
	const char *filter = http_query(r, "status");
	if (filter == NULL || *filter == '\0')
		filter = "new";
	enum contact_status status = contact_status_parse(filter);
	if (status == CONTACT_STATUS__MAX && strcmp(filter, "all") != 0)
		return web_error(r, 400, T(r, "Okänt filter. Välj ett av filtren på sidan."));
	json_t *d = json_object(), *filters = json_array();
	static const char *const filter_names[] = { "new", "answered", "handled", "all" };
	static const char *const filter_labels[] = { N_("Nya"), N_("Besvarade"), N_("Hanterade"), N_("Alla") };
	for (size_t i = 0; i < ARRAY_LEN(filter_names); i++) {
		json_t *item = json_object();
		json_object_set_new(item, "href", json_string(arena_printf(r->arena, INBOX_PATH "?status=%s", filter_names[i])));
		json_object_set_new(item, "label", json_string(T(r, filter_labels[i])));
		json_object_set_new(item, "current", json_boolean(strcmp(filter, filter_names[i]) == 0));
		json_array_append_new(filters, item);
	}
	inbox_rows ir = { r, json_array() };
	json_object_set_new(d, "filters", filters);
	json_object_set_new(d, "rows", ir.rows);
	int count = contact_each(web_db(r), status, INBOX_LIMIT, inbox_row, &ir);
	if (count < 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(T(r, "Inkorg för Hör av dig")));
	json_object_set_new(d, "has_rows", json_boolean(count > 0));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, 200, "contact/inbox", d);
}

static int history_row(void *ud, const contact_event *e)
{
	inbox_rows *ir = ud;
	http_req *r = ir->r;
	const char *label = e->kind;
	for (size_t i = 0; i < ARRAY_LEN(event_labels); i++)
		if (strcmp(event_labels[i].kind, e->kind) == 0)
			label = T(r, event_labels[i].label);
	json_t *row = json_object();
	json_object_set_new(row, "at", json_string(web_format_time(r, e->at)));
	json_object_set_new(row, "what", json_string(label));
	json_object_set_new(row, "who", json_string(e->user_name));
	json_object_set_new(row, "text", json_string(e->text));
	json_array_append_new(ir->rows, row);
	return 0;
}

/* The message named by the path's {id}: 1 with *m, 0 when there is none, -1 on error. */
static int path_message(http_req *r, contact_message *m)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return 0;
	return contact_find(web_db(r), r->arena, id, m);
}

static const char *message_object(http_req *r, const contact_message *m)
{
	return arena_printf(r->arena, "contact:%lld", (long long)m->id);
}

/* Renders one message with its history; answer is the answer form's text. */
static int message_render(http_req *r, int status, const contact_message *m, json_t *d, const char *answer)
{
	inbox_rows history = { r, json_array() };
	json_object_set_new(d, "history", history.rows);
	if (contact_history(web_db(r), m->id, history_row, &history) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %s", T(r, "Meddelande"), m->reference)));
	json_object_set_new(d, "action", json_string(arena_printf(r->arena, INBOX_PATH "/%lld", (long long)m->id)));
	json_object_set_new(d, "reference", json_string(m->reference));
	json_object_set_new(d, "created_at", json_string(web_format_time(r, m->created_at)));
	json_object_set_new(d, "topic", json_string(topic_label(r, m->topic)));
	json_object_set_new(d, "area", json_string(m->area));
	json_object_set_new(d, "name", json_string(m->name));
	json_object_set_new(d, "email", json_string(m->email));
	json_object_set_new(d, "message", json_string(m->message));
	json_object_set_new(d, "status", json_string(T(r, contact_status_labels[m->status])));
	json_object_set_new(d, "erased", json_boolean(m->erased));
	json_object_set_new(d, "handled", json_boolean(m->status == CONTACT_HANDLED));
	json_object_set_new(d, "can_answer", json_boolean(*m->email && !m->erased));
	json_object_set_new(d, "answer", json_string(answer));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, status, "contact/message", d);
}

/* GET /personal/kontakt/{id} — reading it is audited. */
static int message_page(http_req *r)
{
	contact_message m;
	int found = path_message(r, &m);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Det finns inget sådant meddelande."));
	web_audit(r, "contact.view", message_object(r, &m), "");
	return message_render(r, 200, &m, json_object(), "");
}

/* A status change with its history entry and, for an answer, the mail to the sender. */
static int message_change(http_req *r, const contact_message *m, enum contact_status status, const char *kind,
			  const char *text)
{
	db_conn *c = web_db(r);
	if (db_begin_write(c) != 0 || contact_record(c, m->id, status, kind, web(r)->user->id, text, web_now()) != 0)
		goto fail;
	if (strcmp(kind, "answered") == 0) {
		const i18n *tr = web_app(r)->i18n;
		const web_user *u = web(r)->user;
		buf body = BUF_INIT;
		buf_printf(&body, "%s\n\n%s\n%s\n\n%s %s\n", text, *u->name ? u->name : u->email,
			   setting(r, SETTING_SITE_NAME), i18n_translate(tr, m->lang, N_("Referensnummer:")), m->reference);
		const char *subject = arena_printf(r->arena, "%s (%s)", i18n_translate(tr, m->lang, N_("Svar på ditt meddelande")),
						   m->reference);
		int rc = mail_enqueue(c, m->email, subject, body.data);
		buf_free(&body);
		if (rc != 0)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	mail_wake();
	web_audit(r, arena_printf(r->arena, "contact.%s", kind), message_object(r, m), "");
	return 0;
fail:
	db_rollback(c);
	return -1;
}

static int message_answer(http_req *r, const contact_message *m)
{
	const char *answer = webform_trimmed(r, "answer");
	json_t *d = json_object();
	if (!*m->email || m->erased)
		webform_error(r, d, "answer", T(r, "Meddelandet har ingen e-postadress att svara till."));
	else if (*answer == '\0')
		webform_error(r, d, "answer", T(r, "Skriv ett svar."));
	else if (webform_has_control(answer, true))
		webform_error(r, d, "answer", T(r, "Texten innehåller tecken som inte är tillåtna."));
	else if (webform_chars(answer) > CONTACT_ANSWER_MAX_CHARS)
		webform_error(r, d, "answer", T(r, "Svaret får vara högst 10 000 tecken."));
	if (webform_has_errors(d))
		return message_render(r, *answer ? 422 : 400, m, d, answer);
	json_decref(d);
	if (message_change(r, m, CONTACT_ANSWERED, "answered", answer) != 0)
		return webform_failed(r, NULL);
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)m->id),
				  T(r, "Svaret är sparat och skickas med e-post."));
}

static int message_handle(http_req *r, const contact_message *m)
{
	if (message_change(r, m, CONTACT_HANDLED, "handled", "") != 0)
		return webform_failed(r, NULL);
	return web_redirect_flash(r, INBOX_PATH, T(r, "Meddelandet är markerat som hanterat."));
}

static int message_reopen(http_req *r, const contact_message *m)
{
	if (message_change(r, m, CONTACT_NEW, "reopened", "") != 0)
		return webform_failed(r, NULL);
	return web_redirect_flash(r, arena_printf(r->arena, INBOX_PATH "/%lld", (long long)m->id),
				  T(r, "Meddelandet är öppnat igen."));
}

/* What the message page's buttons do, by the form's "action". */
static const struct message_action {
	const char *name;
	int (*run)(http_req *r, const contact_message *m);
} message_actions[] = {
	{ "answer", message_answer },
	{ "handle", message_handle },
	{ "reopen", message_reopen },
};

/* POST /personal/kontakt/{id} */
static int message_submit(http_req *r)
{
	contact_message m;
	const char *action = http_form(r, "action");
	int found = path_message(r, &m);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, "Det finns inget sådant meddelande."));
	for (size_t i = 0; action && i < ARRAY_LEN(message_actions); i++)
		if (strcmp(action, message_actions[i].name) == 0)
			return message_actions[i].run(r, &m);
	return web_error(r, 400, T(r, "Okänd åtgärd."));
}

const http_route contact_routes[] = {
	{ "GET", CONTACT_PATH, contact_page, 0, 0 },
	{ "POST", CONTACT_PATH, contact_submit, 0, 0 },
	{ "GET", THANKS_PATH, thanks_page, 0, 0 },
	{ "GET", INBOX_PATH, inbox_page, ROUTE_STAFF, ROLE_SAMORDNARE },
	{ "GET", INBOX_PATH "/{id}", message_page, ROUTE_STAFF, ROLE_SAMORDNARE },
	{ "POST", INBOX_PATH "/{id}", message_submit, ROUTE_STAFF, ROLE_SAMORDNARE },
};
const size_t contact_route_count = ARRAY_LEN(contact_routes);
