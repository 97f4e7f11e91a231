/*
 * tipster_pages.c — the tipster's side of "Tipsa polisen": the form on
 * /tipsa, the receipt shown once, and the conversation on /tipsa/svar that
 * the receipt code and passphrase open (see tips.h).
 *
 * What these pages never do: write the client's address, browser or any
 * header anywhere (the routes are ROUTE_NO_LOG; the rate limit keeps only a
 * rotating keyed hash, see web_rate_limit()); print request data to the
 * error log; set a cookie that outlives the visit (the only one of ours is a
 * browser-session cookie for an open conversation, emptied when it ends; the
 * platform's CSRF cookie is one too); keep a time finer than the day; send a
 * Referer from these pages (tip_private_headers()), which would put /tipsa
 * into another page's log line. The page in the header's language switch
 * goes back to the front page for the same reason; these pages carry their
 * own switch, which keeps the language in the address instead of a cookie.
 *
 * Uploads: the platform's form decoder writes each file to a temporary file
 * in upload_dir while the request arrives. This file reads each photo into
 * memory at once, overwrites the temporary file with zeros, syncs and
 * removes it, re-encodes the photo (photo.c) and stores it only encrypted.
 * What a file system or disk may keep of the overwritten blocks is beyond a
 * program's reach: put upload_dir on a tmpfs (README).
 */
#include "tips/tip_pages.h"
#include "tips/tips.h"
#include "areas/area.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FORM_PATH "/tipsa"
#define REPLY_PATH "/tipsa/svar"
#define VISIT_COOKIE "trygg-tips"
#define VISIT_MINUTES 30
#define FORM_RATE_MAX 5
#define FORM_RATE_WINDOW 3600
#define REPLY_RATE_MAX 10
#define REPLY_RATE_WINDOW 600

/* How the tipster knows: value as stored in the tip, label in Swedish. */
static const struct how_option {
	const char *value;
	const char *label;
} how_options[] = {
	{ "saw", N_("Jag såg eller hörde det själv") },
	{ "told", N_("Någon berättade det för mig") },
	{ "online", N_("Jag såg det på internet eller i sociala medier") },
	{ "other", N_("På annat sätt") },
};

/* What the form holds, as typed (trimmed). */
typedef struct tip_form {
	const char *what;
	const char *when;
	const char *how;
	const char *contact;
	area_place place;
} tip_form;

/* "?lang=xx" when the page was asked for in a language by its address, else "". */
static const char *lang_query(http_req *r)
{
	const char *lang = i18n_language(http_query(r, "lang"));
	return lang ? arena_printf(r->arena, "?lang=%s", lang) : "";
}

/* The data every tipster page has: our own language switch, and the header's
 * switch pointed at the front page (see the top of this file). */
static json_t *page_data(http_req *r, const char *title, const char *path)
{
	json_t *d = json_object();
	const char *other = strcmp(web(r)->lang, "sv") == 0 ? "en" : "sv";
	json_object_set_new(d, "title", json_string(title));
	json_object_set_new(d, "here", json_string("%2F"));
	json_object_set_new(d, "lang_query", json_string(lang_query(r)));
	json_object_set_new(d, "switch_href", json_string(arena_printf(r->arena, "%s?lang=%s", path, other)));
	json_object_set_new(d, "switch_lang", json_string(other));
	json_object_set_new(d, "switch_label", json_string(strcmp(other, "en") == 0 ? "Read this page in English"
										   : "Läs sidan på svenska"));
	return d;
}

/* Overwrites every form value in memory once it has been sealed. */
static void wipe_form(http_req *r)
{
	for (http_kv *kv = r->form; kv; kv = kv->next)
		if (kv->value)
			sodium_memzero((char *)kv->value, strlen(kv->value));
}

/* ---- the form ---- */

static json_t *form_data(http_req *r, const tip_form *f, const char *place_error)
{
	json_t *d = page_data(r, T(r, "Tipsa polisen"), FORM_PATH), *how = json_array();
	for (size_t i = 0; i < ARRAY_LEN(how_options); i++) {
		json_t *o = json_object();
		json_object_set_new(o, "value", json_string(how_options[i].value));
		json_object_set_new(o, "label", json_string(T(r, how_options[i].label)));
		json_object_set_new(o, "checked", json_boolean(strcmp(f->how, how_options[i].value) == 0));
		json_array_append_new(how, o);
	}
	json_object_set_new(d, "how_options", how);
	json_object_set_new(d, "what", json_string(f->what));
	json_object_set_new(d, "when", json_string(f->when));
	json_object_set_new(d, "contact", json_string(f->contact));
	json_object_set_new(d, "text_max", json_integer(TIP_TEXT_MAX_CHARS));
	json_object_set_new(d, "photo_max", json_integer(TIP_MAX_PHOTOS));
	json_t *place = area_place_json(r, &f->place, place_error);
	if (place) {
		/* No map here: its tiles come from another server, which would learn the
		 * tipster's address and what place they look at. */
		json_t *map = json_object_get(place, "map");
		if (map)
			json_object_set_new(map, "available", json_false());
		json_object_set_new(d, "place", place);
	}
	json_object_set_new(d, "place_partial", json_boolean(tpl_exists(web_app(r)->templates, "partials/place")));
	return d;
}

int tip_form_page(http_req *r)
{
	tip_private_headers(r);
	tip_form f = { "", "", "", "", { 0 } };
	f.place.text = "";
	return web_render(r, 200, "tips/form", form_data(r, &f, NULL));
}

/* Checks a text field: required (missing is its message) or not, at most
 * max characters (too_long), line breaks allowed or not. Errors go into d. */
static void check_text(http_req *r, json_t *d, const char *field, const char *value, size_t max, bool multiline,
		       const char *missing, const char *too_long)
{
	if (missing && *value == '\0')
		webform_error(r, d, field, missing);
	else if (webform_has_control(value, multiline))
		webform_error(r, d, field, T(r, "Texten innehåller tecken som inte är tillåtna."));
	else if (webform_chars(value) > max)
		webform_error(r, d, field, too_long);
}

/* The photos of the form, re-encoded, into photos/store (wiped by the caller).
 * Every uploaded temporary file is scrubbed once its photo is re-encoded (or
 * refused). Errors go into d. */
static void read_photos(http_req *r, json_t *d, buf store[TIP_MAX_PHOTOS], size_t *count)
{
	size_t given = 0;
	*count = 0;
	for (const http_file *f = r->files; f; f = f->next) {
		if (strcmp(f->field, "photos") != 0 || f->size == 0) {
			tip_plaintext_scrub(f->path);
			continue;
		}
		given++;
		if (f->size > TIP_PHOTO_MAX_BYTES) {
			webform_error(r, d, "photos", T(r, "En bild är för stor. Varje bild får vara högst 10 MB."));
		} else if (given > TIP_MAX_PHOTOS) {
			if (given == TIP_MAX_PHOTOS + 1)
				webform_error(r, d, "photos", T(r, "Du kan skicka högst tre bilder."));
		} else if (tip_photo_reencode(web_app(r)->cfg, f->path, &store[*count]) != 0) {
			tip_buf_wipe(&store[*count]);
			webform_error(r, d, "photos", T(r, "En av filerna kunde inte läsas som en bild. Skicka foton i JPEG-, PNG- eller WebP-format."));
		} else {
			(*count)++;
		}
		tip_plaintext_scrub(f->path);
	}
}

/* The tip as it is sealed: JSON of what the tipster gave, nothing else. Caller wipes. */
static void content_json(http_req *r, const tip_form *f, size_t photos, buf *out)
{
	json_t *o = json_object();
	json_object_set_new(o, "what", json_string(f->what));
	json_object_set_new(o, "when", json_string(f->when));
	json_object_set_new(o, "how", json_string(f->how));
	json_object_set_new(o, "contact", json_string(f->contact));
	json_object_set_new(o, "place", json_string(f->place.text));
	if (f->place.area_id > 0) {
		json_object_set_new(o, "area_id", json_integer(f->place.area_id));
		json_object_set_new(o, "area", json_string(tip_area_name(r, f->place.area_id)));
	}
	if (f->place.has_point) {
		json_object_set_new(o, "lat", json_real(f->place.lat));
		json_object_set_new(o, "lon", json_real(f->place.lon));
	}
	json_object_set_new(o, "photos", json_integer((json_int_t)photos));
	json_object_set_new(o, "lang", json_string(web(r)->lang));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		fatal("out of memory for a tip");
	buf_puts(out, text);
	sodium_memzero(text, strlen(text));
	free(text);
}

/* Shows the receipt code and passphrase, once. */
static int show_receipt(http_req *r, const char *receipt, const char *passphrase)
{
	json_t *d = page_data(r, T(r, "Tack för ditt tips"), FORM_PATH);
	json_object_set_new(d, "receipt", json_string(receipt));
	json_object_set_new(d, "passphrase", json_string(passphrase));
	return web_render(r, 200, "tips/receipt", d);
}

int tip_form_submit(http_req *r)
{
	tip_form f = {
		.what = webform_trimmed(r, "what"),
		.when = webform_trimmed(r, "when"),
		.how = webform_trimmed(r, "how"),
		.contact = webform_trimmed(r, "contact"),
	};
	buf photos[TIP_MAX_PHOTOS] = { BUF_INIT, BUF_INIT, BUF_INIT };
	buf content = BUF_INIT, passphrase = BUF_INIT;
	size_t photo_count = 0;
	const char *place_error = NULL;
	int status = 422, rc;
	json_t *errors = json_object();

	tip_private_headers(r);
	/* Photos first: their temporary files are scrubbed whatever happens next. */
	read_photos(r, errors, photos, &photo_count);
	enum area_place_problem place = area_place_read(r, false, &f.place);
	if (place == AREA_PLACE_DB_ERROR) {
		rc = 503;
		goto out;
	}
	if (place != AREA_PLACE_OK)
		place_error = T(r, area_place_problem_text[place]);
	check_text(r, errors, "what", f.what, TIP_TEXT_MAX_CHARS, true, T(r, "Beskriv vad som har hänt eller händer."),
		   T(r, "Texten är för lång: högst 5 000 tecken."));
	if (*f.what == '\0')
		status = 400;
	check_text(r, errors, "when", f.when, TIP_LINE_MAX_CHARS, false, NULL, T(r, "Texten är för lång: högst 300 tecken."));
	check_text(r, errors, "contact", f.contact, TIP_LINE_MAX_CHARS, true, NULL,
		   T(r, "Texten är för lång: högst 300 tecken."));
	bool how_known = *f.how == '\0';
	for (size_t i = 0; i < ARRAY_LEN(how_options); i++)
		how_known |= strcmp(f.how, how_options[i].value) == 0;
	if (!how_known) {
		rc = web_error(r, 400, T(r, "Okänt svarsalternativ."));
		goto out;
	}
	/* Shown beside the place chooser through area_place_json(); here only in the summary. */
	if (place_error)
		webform_summary_error(errors, "place_area", place_error);
	if (webform_has_errors(errors)) {
		json_t *d = form_data(r, &f, place_error);
		json_object_update(d, errors);
		if (photo_count > 0)
			json_object_set_new(d, "photos_again", json_true());
		rc = web_render(r, status, "tips/form", d);
		goto out;
	}

	/* Only tips that would be stored count: a form sent back for a mistake does not. */
	int limited = web_rate_limit(r, "tips", FORM_RATE_MAX, FORM_RATE_WINDOW);
	if (limited != 0) {
		rc = limited < 0 ? 503 : 429;
		goto out;
	}
	tip_unit u;
	int ready = tip_unit_current(web_db(r), &u);
	if (ready <= 0) {
		rc = ready < 0 ? 503 : web_error(r, 503, T(r, "Tipstjänsten är inte i gång ännu. Ring 114 14 för att lämna ditt tips, eller 112 om det är akut."));
		goto out;
	}
	char receipt[TIP_RECEIPT_CHARS + 1], digits[TIP_RECEIPT_DIGITS + 1];
	tip_receipt_new(receipt);
	tip_receipt_digits(receipt, digits);
	tip_passphrase_new(&passphrase);
	tip_tipster tipster;
	if (tip_tipster_prepare(web_app(r)->cfg, passphrase.data, &tipster) != 0) {
		rc = 503;
		goto out;
	}
	tip_photo list[TIP_MAX_PHOTOS];
	for (size_t i = 0; i < photo_count; i++)
		list[i] = (tip_photo){ photos[i].data, photos[i].len };
	content_json(r, &f, photo_count, &content);
	int64_t id;
	int stored = tip_create(web_db(r), web_app(r)->cfg, web_keyed_hash(r, "tip-receipt", digits), &tipster,
				content.data, content.len, list, photo_count, web_now(), &id);
	if (stored != 0) {
		rc = 503;
		goto out;
	}
	wipe_form(r);
	rc = show_receipt(r, receipt, passphrase.data);
	sodium_memzero(receipt, sizeof(receipt));
	sodium_memzero(digits, sizeof(digits));
out:
	json_decref(errors);
	for (size_t i = 0; i < TIP_MAX_PHOTOS; i++)
		tip_buf_wipe(&photos[i]);
	tip_buf_wipe(&content);
	tip_buf_wipe(&passphrase);
	return rc;
}

/* ---- the conversation ---- */

/* The open visit of the request's cookie: 1 with *tip_id, pk and sk, 0 when
 * there is none (the cookie, if any, is emptied), -1 on error. */
static int current_visit(http_req *r, int64_t *tip_id, unsigned char *pk, unsigned char *sk)
{
	const char *name = web_cookie_name(r, VISIT_COOKIE);
	const char *token = http_cookie(r, name);
	if (token == NULL || *token == '\0')
		return 0;
	int found = tip_visit_find(web_db(r), token, web_now(), tip_id, pk, sk);
	if (found == 0)
		http_set_cookie(r, name, "", -1);
	return found;
}

typedef struct message_rows {
	http_req *r;
	json_t *rows;
} message_rows;

static int message_row(void *ud, const tip_message *m)
{
	message_rows *mr = ud;
	json_t *row = json_object();
	json_object_set_new(row, "day", json_string(tip_day_text(mr->r, m->day)));
	json_object_set_new(row, "from_police", json_boolean(m->from_police));
	json_object_set_new(row, "text", json_string(m->text));
	json_array_append_new(mr->rows, row);
	return 0;
}

/* Renders the conversation of tip_id (with an answer error, or a notice). */
static int show_conversation(http_req *r, int status, int64_t tip_id, const unsigned char *pk, const unsigned char *sk,
			     json_t *d)
{
	message_rows mr = { r, json_array() };
	json_object_set_new(d, "messages", mr.rows);
	int count = tip_messages_each(web_db(r), tip_id, false, pk, sk, message_row, &mr);
	if (count < 0) {
		json_decref(d);
		return 503;
	}
	json_object_set_new(d, "has_messages", json_boolean(count > 0));
	json_object_set_new(d, "text_max", json_integer(TIP_TEXT_MAX_CHARS));
	json_object_set_new(d, "visit_minutes", json_integer(VISIT_MINUTES));
	return web_render(r, status, "tips/conversation", d);
}

/* The login form of the conversation, with an error when one is given. */
static int show_reply_login(http_req *r, int status, const char *receipt, const char *error)
{
	json_t *d = page_data(r, T(r, "Läs svar på ditt tips"), REPLY_PATH);
	json_object_set_new(d, "receipt", json_string(receipt));
	if (error)
		webform_error(r, d, "receipt", error);
	return web_render(r, status, "tips/reply_login", d);
}

int tip_reply_page(http_req *r)
{
	unsigned char pk[TIP_PUBLIC_BYTES], *sk = tip_secret_new();
	int64_t tip_id;
	tip_private_headers(r);
	int rc, found = current_visit(r, &tip_id, pk, sk);
	if (found < 0)
		rc = 503;
	else if (found == 0)
		rc = show_reply_login(r, 200, "", NULL);
	else {
		json_t *d = page_data(r, T(r, "Ditt tips"), REPLY_PATH);
		if (http_query(r, "skickat"))
			json_object_set_new(d, "notice", json_string(T(r, "Ditt svar är skickat till polisen.")));
		rc = show_conversation(r, 200, tip_id, pk, sk, d);
	}
	tip_secret_free(sk);
	return rc;
}

int tip_reply_open(http_req *r)
{
	const char *typed_receipt = webform_trimmed(r, "receipt");
	char digits[TIP_RECEIPT_DIGITS + 1];
	buf phrase = BUF_INIT;
	unsigned char pk[TIP_PUBLIC_BYTES], *sk = tip_secret_new();
	int64_t tip_id = 0;
	int rc;
	tip_private_headers(r);
	tip_passphrase_normalise(http_form(r, "passphrase"), &phrase);
	int limited = web_rate_limit(r, "tips-reply", REPLY_RATE_MAX, REPLY_RATE_WINDOW);
	if (limited != 0) {
		rc = limited < 0 ? 503 : 429;
		goto out;
	}
	if (tip_receipt_digits(typed_receipt, digits) != 0 || phrase.len == 0) {
		rc = show_reply_login(r, 400, typed_receipt, T(r, "Skriv kvittonumret (16 siffror) och lösenfrasen som du fick när du skickade tipset."));
		goto out;
	}
	int found = tip_tipster_open(web_db(r), web_app(r)->cfg, web_keyed_hash(r, "tip-receipt", digits),
				     phrase.data, &tip_id, pk, sk);
	if (found <= 0) {
		rc = found < 0 ? 503 : show_reply_login(r, 422, typed_receipt, T(r, "Kvittonumret eller lösenfrasen stämmer inte. Kontrollera dem och försök igen."));
		goto out;
	}
	const char *token = tip_visit_start(web_db(r), r->arena, tip_id, sk, web_now(), VISIT_MINUTES);
	if (token == NULL) {
		rc = 503;
		goto out;
	}
	/* A browser-session cookie: no Max-Age, so it never outlives the visit. */
	http_set_cookie(r, web_cookie_name(r, VISIT_COOKIE), token, -1);
	rc = http_redirect(r, arena_printf(r->arena, REPLY_PATH "%s", lang_query(r)));
out:
	sodium_memzero(digits, sizeof(digits));
	tip_buf_wipe(&phrase);
	tip_secret_free(sk);
	wipe_form(r);
	return rc;
}

int tip_reply_answer(http_req *r)
{
	unsigned char pk[TIP_PUBLIC_BYTES], *sk = tip_secret_new();
	int64_t tip_id;
	tip_private_headers(r);
	int rc, found = current_visit(r, &tip_id, pk, sk);
	const char *answer = webform_trimmed(r, "answer");
	if (found <= 0) {
		rc = found < 0 ? 503 : show_reply_login(r, 403, "", T(r, "Besöket har tagit slut. Skriv kvittonumret och lösenfrasen igen."));
		goto out;
	}
	json_t *errors = json_object();
	check_text(r, errors, "answer", answer, TIP_TEXT_MAX_CHARS, true, T(r, "Skriv ditt svar."),
		   T(r, "Texten är för lång: högst 5 000 tecken."));
	if (webform_has_errors(errors)) {
		json_t *d = page_data(r, T(r, "Ditt tips"), REPLY_PATH);
		json_object_update(d, errors);
		json_object_set_new(d, "answer", json_string(answer));
		json_decref(errors);
		rc = show_conversation(r, *answer ? 422 : 400, tip_id, pk, sk, d);
		goto out;
	}
	json_decref(errors);
	if (tip_message_add(web_db(r), tip_id, 0, answer, web_now()) != 0) {
		rc = 503;
		goto out;
	}
	wipe_form(r);
	const char *q = lang_query(r);
	rc = http_redirect(r, arena_printf(r->arena, REPLY_PATH "%s%sskickat=1", q, *q ? "&" : "?"));
out:
	tip_secret_free(sk);
	return rc;
}

int tip_reply_end(http_req *r)
{
	const char *name = web_cookie_name(r, VISIT_COOKIE);
	const char *token = http_cookie(r, name);
	tip_private_headers(r);
	if (token && *token && tip_visit_end(web_db(r), token) != 0)
		return 503;
	/* Emptied, still without Max-Age: the browser drops it when it closes. */
	http_set_cookie(r, name, "", -1);
	return web_render(r, 200, "tips/ended", page_data(r, T(r, "Du har loggat ut"), REPLY_PATH));
}
