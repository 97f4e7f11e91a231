/*
 * pages.c — the outbox page for administrators (/personal/utkorg): how many
 * mails wait, are being tried again, were sent or were given up, and the
 * latest errors. It never shows what a mail says or whom it is to in full:
 * addresses are masked.
 */
#include "mail/outbox.h"
#include "core/util.h"
#include "settings/settings.h"
#include "web/web.h"
#include "web/webform.h"

#include <stdio.h>
#include <string.h>

#define OUTBOX_PATH "/personal/utkorg"
#define OUTBOX_ROWS 50

static const char SQL_COUNTS[] =
	"SELECT"
	" COALESCE(SUM(CASE WHEN sent_at IS NULL AND given_up_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END), 0),"
	" COALESCE(SUM(CASE WHEN sent_at IS NULL AND given_up_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0),"
	" COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),"
	" COALESCE(SUM(CASE WHEN given_up_at IS NOT NULL THEN 1 ELSE 0 END), 0)"
	" FROM mail_outbox";
static const char SQL_UNSENT[] =
	"SELECT id, created_at, recipient, attempts, last_error, next_attempt_at, given_up_at FROM mail_outbox"
	" WHERE sent_at IS NULL ORDER BY id DESC LIMIT ?";

static const char *const count_labels[] = {
	N_("Väntar på att skickas"),
	N_("Misslyckades, försöks igen"),
	N_("Skickade (de senaste 30 dagarna)"),
	N_("Gav upp efter fem dagar"),
};


/* GET /personal/utkorg */
static int outbox_page(http_req *r)
{
	db_conn *c = web_db(r);
	json_t *d = json_object(), *counts = json_array(), *rows = json_array();
	json_object_set_new(d, "counts", counts);
	json_object_set_new(d, "rows", rows);
	if (db_begin_read(c) != 0)
		return webform_failed(r, d);
	db_stmt *s = db_prepare(c, SQL_COUNTS);
	if (s == NULL || db_step(s) != DB_ROW)
		goto fail;
	int64_t unsent = 0;
	for (int i = 0; i < 4; i++) {
		json_t *item = json_object();
		json_object_set_new(item, "label", json_string(T(r, count_labels[i])));
		json_object_set_new(item, "count", json_integer(db_column_int(s, i)));
		json_array_append_new(counts, item);
		if (i != 2)
			unsent += db_column_int(s, i);
	}
	db_step(s);
	s = db_prepare(c, SQL_UNSENT);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, OUTBOX_ROWS);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *row = json_object();
		json_object_set_new(row, "id", json_integer(db_column_int(s, 0)));
		json_object_set_new(row, "created_at", json_string(web_format_time(r, db_column_int(s, 1))));
		json_object_set_new(row, "to", json_string(mail_mask_address(r->arena, db_column_text(s, 2))));
		json_object_set_new(row, "attempts", json_integer(db_column_int(s, 3)));
		json_object_set_new(row, "error", json_string(db_column_text(s, 4)));
		if (db_column_is_null(s, 6))
			json_object_set_new(row, "next", json_string(web_format_time(r, db_column_int(s, 5))));
		else
			json_object_set_new(row, "given_up", json_true());
		json_array_append_new(rows, row);
	}
	if (rc != DB_DONE)
		goto fail;
	db_commit(c);
	bool configured = settings_is_set(c, SETTING_SMTP_URL) && settings_is_set(c, SETTING_MAIL_FROM);
	json_object_set_new(d, "title", json_string(T(r, "Utkorg för e-post")));
	json_object_set_new(d, "configured", json_boolean(configured));
	json_object_set_new(d, "has_unsent", json_boolean(unsent > 0));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, 200, "mail/outbox", d);
fail:
	db_rollback(c);
	return webform_failed(r, d);
}

/* POST /personal/utkorg — try every unsent mail again now, given up ones too. */
static int outbox_retry(http_req *r)
{
	int64_t n = outbox_retry_all(web_db(r), web_now());
	if (n < 0)
		return webform_failed(r, NULL);
	web_audit(r, "mail.retry", "", arena_printf(r->arena, "%lld", (long long)n));
	mail_wake();
	return web_redirect_flash(r, OUTBOX_PATH, T(r, "All e-post som inte har skickats försöks igen nu."));
}

const http_route mail_routes[] = {
	{ "GET", OUTBOX_PATH, outbox_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", OUTBOX_PATH, outbox_retry, ROUTE_STAFF, ROLE_ADMIN },
};
const size_t mail_route_count = ARRAY_LEN(mail_routes);
