/*
 * pages.c — the staff's login, logout and password pages, and the
 * administrators' pages for users and the audit log (see auth.h).
 *
 * Forms that fail are shown again with what the person typed (never a
 * password), an error summary at the top and each message beside its field;
 * the status says what went wrong (400 missing or malformed, 409 conflict,
 * 422 not acceptable, 429 throttled). A failed login always gets the same
 * message, whether the address is unknown, the password wrong or the
 * account disabled. Every change to an account is written to the audit log.
 */
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define HOME_PATH "/personal/"
#define USERS_PATH "/personal/anvandare"
#define AUDIT_PAGE_SIZE 50
#define AUDIT_MAX_PAGE 100000
#define AUDIT_ACTION_MAX 64

auth_hooks auth_password_hooks;

/* The status of a form that failed with each account problem, and the field it concerns. */
static const struct {
	int status;
	const char *field;
} problem_form[ACCOUNT__MAX] = {
	[ACCOUNT_OK] = { 200, "" },
	[ACCOUNT_EMAIL_MISSING] = { 400, "email" },
	[ACCOUNT_EMAIL_INVALID] = { 422, "email" },
	[ACCOUNT_EMAIL_TAKEN] = { 409, "email" },
	[ACCOUNT_NAME_INVALID] = { 422, "name" },
	[ACCOUNT_PASSWORD_SHORT] = { 422, "new_password" },
	[ACCOUNT_PASSWORD_LONG] = { 422, "new_password" },
	[ACCOUNT_PASSWORD_IS_EMAIL] = { 422, "new_password" },
	[ACCOUNT_NOT_FOUND] = { 404, "" },
	[ACCOUNT_DB_ERROR] = { 500, "" },
};

/* What the callbacks of account_each() and audit_read() fill: rows for a page. */
typedef struct page_rows {
	http_req *r;
	json_t *rows;
} page_rows;

/* ---- helpers of every form ---- */

/* A form field exactly as sent (passwords); "" when it was not sent. */
static const char *form_exact(http_req *r, const char *name)
{
	const char *v = http_form(r, name);
	return v ? v : "";
}

/* Writes an audit entry for user_id (who may not be logged in yet). */
static void audit_as(http_req *r, int64_t user_id, const char *action, const char *object, const char *detail)
{
	if (audit_write(web_db(r), user_id, action, object, detail) != 0)
		fprintf(stderr, "trygg: audit log write failed: %s\n", db_errmsg(web_db(r)));
}

static const char *user_object(http_req *r, int64_t id)
{
	return arena_printf(r->arena, "user:%lld", (long long)id);
}

/* ---- roles ---- */

/* The role checkboxes, those in mask ticked. */
static json_t *role_options(http_req *r, unsigned mask)
{
	json_t *list = json_array();
	for (int i = 0; i < ROLE__MAX; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "value", json_string(role_names[i]));
		json_object_set_new(o, "label", json_string(T(r, role_labels[i])));
		json_object_set_new(o, "checked", json_boolean(mask & (1u << i)));
		json_array_append_new(list, o);
	}
	return list;
}

/* The roles in mask for people: "Polis, Administratör" ("–" for none). */
static const char *role_words(http_req *r, unsigned mask)
{
	buf b = BUF_INIT;
	for (int i = 0; i < ROLE__MAX; i++)
		if (mask & (1u << i))
			buf_printf(&b, "%s%s", b.len ? ", " : "", T(r, role_labels[i]));
	const char *out = arena_strdup(r->arena, b.len ? b.data : "–");
	buf_free(&b);
	return out;
}

/* Reads the ticked role checkboxes (field "roles", repeated). 0, or -1 on an unknown role. */
static int form_roles(http_req *r, unsigned *mask)
{
	*mask = 0;
	for (const http_kv *kv = r->form; kv; kv = kv->next) {
		unsigned one;
		if (strcmp(kv->name, "roles") != 0)
			continue;
		if (role_parse(kv->value, &one) != 0 || one == 0)
			return -1;
		*mask |= one;
	}
	return 0;
}

/* ---- logging in and out ---- */

static json_t *login_data(http_req *r, const char *email, const char *next)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Logga in")));
	json_object_set_new(d, "email", json_string(email));
	if (next)
		json_object_set_new(d, "next", json_string(next));
	return d;
}

/* GET /personal/logga-in */
static int login_form(http_req *r)
{
	const char *next = web_local_path(http_query(r, "next"));
	if (web(r)->user)
		return http_redirect(r, next ? next : HOME_PATH);
	return web_render(r, 200, "personal/login", login_data(r, "", next));
}

/* POST /personal/logga-in — checks the throttle before the password, so that a
 * locked account or address costs an attacker nothing and tells nothing. */
static int login_submit(http_req *r)
{
	web_state *w = web(r);
	const config *cfg = web_app(r)->cfg;
	const char *email = account_normalise_email(r->arena, http_form(r, "email"));
	const char *password = form_exact(r, "password");
	const char *next = web_local_path(http_form(r, "next"));
	json_t *d = login_data(r, email, next);
	int64_t now = web_now();
	account acc;

	if (*email == '\0')
		webform_error(r, d, "email", T(r, "Fyll i din e-postadress."));
	if (*password == '\0')
		webform_error(r, d, "password", T(r, "Fyll i ditt lösenord."));
	if (webform_has_errors(d))
		return web_render(r, 400, "personal/login", d);

	const char *keys[] = {
		throttle_account_key(r->arena, email),
		arena_printf(r->arena, "address:%s", web_keyed_hash(r, "address", r->client_addr)),
	};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		int64_t until = 0;
		int locked = throttle_locked(w->db, keys[i], now, &until);
		if (locked < 0)
			return webform_failed(r, d);
		if (locked) {
			audit_as(r, 0, "login.failure", "", "locked");
			http_set_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)(until - now)));
			webform_summary_error(d, "email", T(r, "För många misslyckade inloggningsförsök. Inloggningen är spärrad en stund av säkerhetsskäl. Försök igen om några minuter."));
			return web_render(r, 429, "personal/login", d);
		}
	}

	int ok = account_verify_password(w->db, cfg, r->arena, email, password, &acc);
	if (ok < 0)
		return webform_failed(r, d);
	const char *object = acc.id ? user_object(r, acc.id) : "";
	if (ok == 0) {
		for (size_t i = 0; i < ARRAY_LEN(keys); i++)
			if (throttle_register_failure(w->db, cfg, keys[i], now) < 0)
				return webform_failed(r, d);
		audit_as(r, 0, "login.failure", object,
			 acc.id == 0 ? "unknown account" : acc.disabled ? "disabled account" : "wrong password");
		webform_summary_error(d, "email", T(r, "Fel e-postadress eller lösenord."));
		return web_render(r, 422, "personal/login", d);
	}

	/* A new session for every login: a token planted before it is worth nothing. */
	if (throttle_clear(w->db, keys[0]) != 0 ||
	    (w->session_token && session_destroy(w->db, w->session_token) != 0))
		return webform_failed(r, d);
	const char *token = session_create(w->db, cfg, r->arena, acc.id, now);
	if (token == NULL)
		return webform_failed(r, d);
	session_set_cookie(r, token);
	audit_as(r, acc.id, "login.success", object, "");
	if (auth_password_hooks.login)
		auth_password_hooks.login(r, &acc, token, password);
	json_decref(d);
	return http_redirect(r, next ? next : HOME_PATH);
}

/* POST /personal/logga-ut */
static int logout_submit(http_req *r)
{
	web_state *w = web(r);
	if (w->session_token && w->user) {
		web_audit(r, "logout", user_object(r, w->user->id), "");
		if (session_destroy(w->db, w->session_token) != 0)
			return webform_failed(r, NULL);
		w->session_token = NULL;
		w->user = NULL;
	}
	session_set_cookie(r, NULL);
	return web_redirect_flash(r, "/", T(r, "Du är utloggad."));
}

/* ---- changing one's own password ---- */

static json_t *password_data(http_req *r)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Byt lösenord")));
	json_object_set_new(d, "must_change", json_boolean(web(r)->user->must_change_password));
	json_object_set_new(d, "email", json_string(web(r)->user->email));
	return d;
}

/* GET /personal/losenord */
static int password_form(http_req *r)
{
	return web_render(r, 200, "personal/password", password_data(r));
}

/* POST /personal/losenord — needs the current password, which counts towards
 * the account's login throttle like a login does. */
static int password_submit(http_req *r)
{
	web_state *w = web(r);
	const config *cfg = web_app(r)->cfg;
	const web_user *u = w->user;
	const char *current = form_exact(r, "current_password");
	const char *fresh = form_exact(r, "new_password");
	const char *repeat = form_exact(r, "repeat_password");
	const char *key = throttle_account_key(r->arena, u->email);
	json_t *d = password_data(r);
	int64_t now = web_now(), until = 0;
	int status = 422;
	enum account_problem problem;
	account acc;

	int locked = throttle_locked(w->db, key, now, &until);
	if (locked < 0)
		return webform_failed(r, d);
	if (locked) {
		http_set_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)(until - now)));
		webform_summary_error(d, "current_password", T(r, "För många felaktiga lösenord. Försök igen om några minuter."));
		return web_render(r, 429, "personal/password", d);
	}
	if (*current == '\0') {
		webform_error(r, d, "current_password", T(r, "Fyll i ditt nuvarande lösenord."));
		status = 400;
	} else {
		int ok = account_verify_password(w->db, cfg, r->arena, u->email, current, &acc);
		if (ok < 0)
			return webform_failed(r, d);
		if (ok == 0) {
			if (throttle_register_failure(w->db, cfg, key, now) < 0)
				return webform_failed(r, d);
			webform_error(r, d, "current_password", T(r, "Det nuvarande lösenordet stämmer inte."));
		}
	}
	problem = account_check_password(fresh, u->email);
	if (*fresh == '\0') {
		webform_error(r, d, "new_password", T(r, "Fyll i ett nytt lösenord."));
		status = 400;
	} else if (problem != ACCOUNT_OK) {
		webform_error(r, d, "new_password", T(r, account_problem_text[problem]));
	} else if (strcmp(fresh, current) == 0) {
		webform_error(r, d, "new_password", T(r, "Det nya lösenordet måste vara ett annat än det nuvarande."));
	}
	if (strcmp(repeat, fresh) != 0)
		webform_error(r, d, "repeat_password", T(r, "Lösenorden är inte likadana. Skriv samma nya lösenord två gånger."));
	if (webform_has_errors(d))
		return web_render(r, status, "personal/password", d);

	/* Other browsers logged in as this user are logged out; this one stays. */
	if (account_set_password(w->db, cfg, u->id, fresh, false, w->session_token, &problem) != 0) {
		if (problem == ACCOUNT_DB_ERROR)
			return webform_failed(r, d);
		webform_error(r, d, "new_password", T(r, account_problem_text[problem]));
		return web_render(r, problem_form[problem].status, "personal/password", d);
	}
	web_audit(r, "user.password_change", user_object(r, u->id), "");
	if (auth_password_hooks.password_changed)
		auth_password_hooks.password_changed(r, u->id, current, fresh);
	json_decref(d);
	return web_redirect_flash(r, HOME_PATH, T(r, "Ditt lösenord är bytt."));
}

/* ---- administering users ---- */

static int user_row(void *ud, const account *acc)
{
	page_rows *ur = ud;
	json_t *row = json_object();
	json_object_set_new(row, "id", json_integer(acc->id));
	json_object_set_new(row, "email", json_string(acc->email));
	json_object_set_new(row, "name", json_string(acc->name));
	json_object_set_new(row, "roles", json_string(role_words(ur->r, acc->roles)));
	json_object_set_new(row, "disabled", json_boolean(acc->disabled));
	json_object_set_new(row, "must_change_password", json_boolean(acc->must_change_password));
	json_object_set_new(row, "href", json_string(arena_printf(ur->r->arena, USERS_PATH "/%lld", (long long)acc->id)));
	json_array_append_new(ur->rows, row);
	return 0;
}

/* Renders the list of users with the form for a new one (values and errors in d). */
static int users_render(http_req *r, int status, json_t *d)
{
	page_rows ur = { r, json_array() };
	json_object_set_new(d, "users", ur.rows);
	if (account_each(web_db(r), user_row, &ur) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(T(r, "Användare")));
	return web_render(r, status, "personal/users", d);
}

/* GET /personal/anvandare */
static int users_page(http_req *r)
{
	json_t *d = json_object();
	json_object_set_new(d, "email", json_string(""));
	json_object_set_new(d, "name", json_string(""));
	json_object_set_new(d, "role_options", role_options(r, 0));
	return users_render(r, 200, d);
}

/* Shows a generated password, once. The page must not be kept by any cache. */
static int show_password(http_req *r, const account *acc, const char *password, bool created)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(created ? T(r, "Användaren är skapad") : T(r, "Nytt lösenord")));
	json_object_set_new(d, "created", json_boolean(created));
	json_object_set_new(d, "email", json_string(acc->email));
	json_object_set_new(d, "name", json_string(acc->name));
	json_object_set_new(d, "password", json_string(password));
	json_object_set_new(d, "href", json_string(arena_printf(r->arena, USERS_PATH "/%lld", (long long)acc->id)));
	http_set_header(r, "Cache-Control", "no-store");
	return web_render(r, 200, "personal/user_created", d);
}

/* Reads name and roles of the user forms into d; the roles into *mask.
 * Returns 0, or 400 when a role is unknown (a forged form). */
static int user_form_read(http_req *r, json_t *d, const char **name, unsigned *mask)
{
	*name = webform_trimmed(r, "name");
	if (form_roles(r, mask) != 0)
		return 400;
	json_object_set_new(d, "name", json_string(*name));
	json_object_set_new(d, "role_options", role_options(r, *mask));
	if (account_check_name(*name) != ACCOUNT_OK)
		webform_error(r, d, "name", T(r, account_problem_text[ACCOUNT_NAME_INVALID]));
	if (*mask == 0)
		webform_error(r, d, "roles", T(r, "Välj minst en roll."));
	return 0;
}

/* POST /personal/anvandare — adds a user with a generated password. */
static int user_create_submit(http_req *r)
{
	const char *email = account_normalise_email(r->arena, http_form(r, "email"));
	const char *name;
	unsigned mask;
	char *generated = NULL;
	enum account_problem problem;
	json_t *d = json_object();

	json_object_set_new(d, "email", json_string(email));
	if (user_form_read(r, d, &name, &mask) != 0) {
		json_decref(d);
		return web_error(r, 400, T(r, "Okänd roll."));
	}
	problem = account_check_email(email);
	if (problem != ACCOUNT_OK)
		webform_error(r, d, "email", T(r, account_problem_text[problem]));
	if (webform_has_errors(d))
		return users_render(r, problem == ACCOUNT_EMAIL_MISSING ? 400 : 422, d);

	int64_t id = account_insert(web_db(r), web_app(r)->cfg, email, name, mask, NULL, &generated, &problem);
	if (id < 0) {
		if (problem == ACCOUNT_DB_ERROR)
			return webform_failed(r, d);
		webform_error(r, d, problem_form[problem].field, T(r, account_problem_text[problem]));
		return users_render(r, problem_form[problem].status, d);
	}
	buf roles = BUF_INIT;
	account_roles_text(&roles, mask);
	web_audit(r, "user.create", user_object(r, id), arena_printf(r->arena, "roles=%s", buf_cstr(&roles)));
	buf_free(&roles);
	json_decref(d);
	account acc = { .id = id, .email = email, .name = name, .roles = mask };
	int rc = show_password(r, &acc, generated, true);
	sodium_memzero(generated, strlen(generated));
	free(generated);
	return rc;
}

/* The account named by the path's {id}: 1 with *acc, 0 when there is none, -1 on error. */
static int path_account(http_req *r, account *acc)
{
	int64_t id;
	if (str_to_int64(http_param(r, "id"), &id) != 0 || id <= 0)
		return 0;
	return account_find_by_id(web_db(r), r->arena, id, acc);
}

/* The edit page's data for acc, with name and roles as given. */
static json_t *user_edit_data(http_req *r, const account *acc, const char *name, unsigned roles)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(T(r, "Redigera användare")));
	json_object_set_new(d, "id", json_integer(acc->id));
	json_object_set_new(d, "email", json_string(acc->email));
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "role_options", role_options(r, roles));
	json_object_set_new(d, "disabled", json_boolean(acc->disabled));
	json_object_set_new(d, "must_change_password", json_boolean(acc->must_change_password));
	json_object_set_new(d, "is_self", json_boolean(acc->id == web(r)->user->id));
	json_object_set_new(d, "created_at", json_string(web_format_time(r, acc->created_at)));
	json_object_set_new(d, "password_changed_at", json_string(web_format_time(r, acc->password_changed_at)));
	json_object_set_new(d, "action", json_string(arena_printf(r->arena, USERS_PATH "/%lld", (long long)acc->id)));
	return d;
}

/* GET /personal/anvandare/{id} */
static int user_edit_page(http_req *r)
{
	account acc;
	int found = path_account(r, &acc);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, account_problem_text[ACCOUNT_NOT_FOUND]));
	return web_render(r, 200, "personal/user_edit", user_edit_data(r, &acc, acc.name, acc.roles));
}

/* Redirects back to the edit page of acc with a notice. */
static int user_edit_done(http_req *r, const account *acc, const char *notice)
{
	return web_redirect_flash(r, arena_printf(r->arena, USERS_PATH "/%lld", (long long)acc->id), notice);
}

/* Shows the edit page again with one error (message already translated). */
static int user_edit_refused(http_req *r, const account *acc, int status, const char *field, const char *message)
{
	json_t *d = user_edit_data(r, acc, acc->name, acc->roles);
	webform_error(r, d, field, message);
	return web_render(r, status, "personal/user_edit", d);
}

/* Answers a failed account change: the error page for a database error,
 * otherwise the edit page with the problem. */
static int user_change_failed(http_req *r, const account *acc, enum account_problem problem)
{
	if (problem == ACCOUNT_DB_ERROR)
		return webform_failed(r, NULL);
	if (problem == ACCOUNT_NOT_FOUND)
		return web_error(r, 404, T(r, account_problem_text[problem]));
	return user_edit_refused(r, acc, problem_form[problem].status, problem_form[problem].field,
				 T(r, account_problem_text[problem]));
}

static int user_save(http_req *r, const account *acc)
{
	const char *name;
	unsigned mask;
	enum account_problem problem;
	json_t *d = user_edit_data(r, acc, acc->name, acc->roles);
	if (user_form_read(r, d, &name, &mask) != 0) {
		json_decref(d);
		return web_error(r, 400, T(r, "Okänd roll."));
	}
	int status = webform_has_errors(d) ? 422 : 200;
	/* Someone must stay able to administer users; the safe rule is that no
	 * administrator can take the role from themselves. */
	if (acc->id == web(r)->user->id && !(mask & ROLE_ADMIN)) {
		webform_error(r, d, "roles", T(r, "Du kan inte ta bort din egen administratörsroll. Be en annan administratör om det behövs."));
		status = 409;
	}
	if (webform_has_errors(d))
		return web_render(r, status, "personal/user_edit", d);
	json_decref(d);
	if (account_update(web_db(r), acc->id, name, mask, &problem) != 0)
		return user_change_failed(r, acc, problem);
	buf roles = BUF_INIT;
	account_roles_text(&roles, mask);
	web_audit(r, "user.update", user_object(r, acc->id), arena_printf(r->arena, "roles=%s", buf_cstr(&roles)));
	buf_free(&roles);
	return user_edit_done(r, acc, T(r, "Ändringarna är sparade."));
}

static int user_disable(http_req *r, const account *acc)
{
	enum account_problem problem;
	if (acc->id == web(r)->user->id)
		return user_edit_refused(r, acc, 409, "access", T(r, "Du kan inte inaktivera ditt eget konto."));
	if (account_set_disabled(web_db(r), acc->id, true, &problem) != 0)
		return user_change_failed(r, acc, problem);
	web_audit(r, "user.disable", user_object(r, acc->id), "");
	return user_edit_done(r, acc, T(r, "Kontot är inaktiverat och alla dess inloggningar är avslutade."));
}

static int user_enable(http_req *r, const account *acc)
{
	enum account_problem problem;
	if (account_set_disabled(web_db(r), acc->id, false, &problem) != 0)
		return user_change_failed(r, acc, problem);
	web_audit(r, "user.enable", user_object(r, acc->id), "");
	return user_edit_done(r, acc, T(r, "Kontot är aktiverat igen."));
}

static int user_reset_password(http_req *r, const account *acc)
{
	web_state *w = web(r);
	enum account_problem problem;
	char *password = account_generate_password();
	/* An administrator resetting their own password stays logged in here. */
	const char *keep = acc->id == w->user->id ? w->session_token : NULL;
	int rc;
	if (account_set_password(w->db, web_app(r)->cfg, acc->id, password, true, keep, &problem) != 0) {
		rc = user_change_failed(r, acc, problem);
	} else {
		web_audit(r, "user.reset_password", user_object(r, acc->id), "");
		rc = show_password(r, acc, password, false);
	}
	sodium_memzero(password, strlen(password));
	free(password);
	return rc;
}

/* What the edit page's buttons do, by the value of the form's "action". */
static const struct user_action {
	const char *name;
	int (*run)(http_req *r, const account *acc);
} user_actions[] = {
	{ "save", user_save },
	{ "disable", user_disable },
	{ "enable", user_enable },
	{ "reset_password", user_reset_password },
};

/* POST /personal/anvandare/{id} */
static int user_edit_submit(http_req *r)
{
	account acc;
	const char *action = form_exact(r, "action");
	int found = path_account(r, &acc);
	if (found < 0)
		return webform_failed(r, NULL);
	if (found == 0)
		return web_error(r, 404, T(r, account_problem_text[ACCOUNT_NOT_FOUND]));
	for (size_t i = 0; i < ARRAY_LEN(user_actions); i++)
		if (strcmp(action, user_actions[i].name) == 0)
			return user_actions[i].run(r, &acc);
	return web_error(r, 400, T(r, "Okänd åtgärd."));
}

/* ---- the audit log ---- */

static int audit_row(void *ud, const audit_entry *e)
{
	page_rows *ar = ud;
	http_req *r = ar->r;
	if (json_array_size(ar->rows) >= AUDIT_PAGE_SIZE)
		return 1; /* the one more asked for only tells that there is a next page */
	json_t *row = json_object();
	const char *who = e->user_id == 0 ? T(r, "Systemet")
			  : *e->user_email ? e->user_email
					   : arena_printf(r->arena, "#%lld", (long long)e->user_id);
	json_object_set_new(row, "at", json_string(web_format_time(r, e->at)));
	json_object_set_new(row, "who", json_string(who));
	json_object_set_new(row, "action", json_string(e->action ? e->action : ""));
	json_object_set_new(row, "object", json_string(e->object ? e->object : ""));
	json_object_set_new(row, "detail", json_string(e->detail ? e->detail : ""));
	json_array_append_new(ar->rows, row);
	return 0;
}

typedef struct user_choices {
	json_t *list;
	int64_t selected;
} user_choices;

static int user_choice(void *ud, const account *acc)
{
	user_choices *uc = ud;
	json_t *o = json_object();
	json_object_set_new(o, "value", json_integer(acc->id));
	json_object_set_new(o, "label", json_string(acc->email));
	json_object_set_new(o, "selected", json_boolean(acc->id == uc->selected));
	json_array_append_new(uc->list, o);
	return 0;
}

/* The address of another page of the log with the same filters. */
static const char *audit_page_href(http_req *r, const audit_query *q, int64_t page)
{
	buf b = BUF_INIT;
	buf_puts(&b, "/personal/logg?action=");
	buf_url_escape(&b, q->action_prefix);
	if (q->user_id > 0)
		buf_printf(&b, "&user=%lld", (long long)q->user_id);
	buf_printf(&b, "&page=%lld", (long long)page);
	const char *href = arena_strdup(r->arena, b.data);
	buf_free(&b);
	return href;
}

/* Reads an optional whole number from the query; 0 when absent or empty.
 * Returns 0, or -1 when it is not a number in [min, max]. */
static int query_number(http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *v = http_query(r, name);
	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	return str_to_int64(v, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

/* GET /personal/logg?action=PREFIX&user=ID&page=N */
static int audit_page(http_req *r)
{
	const char *action = http_query(r, "action");
	int64_t user_id, page;
	if (action == NULL)
		action = "";
	if (strlen(action) > AUDIT_ACTION_MAX || query_number(r, "user", 0, INT64_MAX, &user_id) != 0 ||
	    query_number(r, "page", 1, AUDIT_MAX_PAGE, &page) != 0)
		return web_error(r, 400, T(r, "Filtret kunde inte förstås. Välj användare och sida i formuläret."));
	if (page == 0)
		page = 1;

	audit_query q = { action, user_id, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE + 1 };
	page_rows ar = { r, json_array() };
	user_choices uc = { json_array(), user_id };
	json_t *d = json_object();
	json_object_set_new(d, "entries", ar.rows);
	json_object_set_new(d, "user_options", uc.list);
	int count = audit_read(web_db(r), &q, audit_row, &ar);
	if (count < 0 || account_each(web_db(r), user_choice, &uc) != 0)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(T(r, "Granskningslogg")));
	json_object_set_new(d, "action_filter", json_string(action));
	json_object_set_new(d, "page", json_integer(page));
	if (page > 1)
		json_object_set_new(d, "prev_href", json_string(audit_page_href(r, &q, page - 1)));
	if (count > AUDIT_PAGE_SIZE)
		json_object_set_new(d, "next_href", json_string(audit_page_href(r, &q, page + 1)));
	json_object_set_new(d, "has_entries", json_boolean(count > 0));
	json_object_set_new(d, "has_pages", json_boolean(page > 1 || count > AUDIT_PAGE_SIZE));
	return web_render(r, 200, "personal/audit", d);
}

const http_route auth_routes[] = {
	{ "GET", "/personal/logga-in", login_form, 0, 0 },
	{ "POST", "/personal/logga-in", login_submit, 0, 0 },
	{ "POST", "/personal/logga-ut", logout_submit, 0, 0 },
	{ "GET", "/personal/losenord", password_form, ROUTE_STAFF, 0 },
	{ "POST", "/personal/losenord", password_submit, ROUTE_STAFF, 0 },
	{ "GET", USERS_PATH, users_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", USERS_PATH, user_create_submit, ROUTE_STAFF, ROLE_ADMIN },
	{ "GET", USERS_PATH "/{id}", user_edit_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", USERS_PATH "/{id}", user_edit_submit, ROUTE_STAFF, ROLE_ADMIN },
	{ "GET", "/personal/logg", audit_page, ROUTE_STAFF, ROLE_ADMIN },
};
const size_t auth_route_count = ARRAY_LEN(auth_routes);
