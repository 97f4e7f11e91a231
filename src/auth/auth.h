/*
 * auth.h — staff accounts, login sessions, login throttling and the audit log.
 *
 * Passwords are hashed with argon2id (libsodium). A login session is a random
 * token in a cookie; the database keeps only its hash, so a copy of the
 * database does not let anyone in. Sessions expire when idle and after an
 * absolute lifetime. Failed logins are counted per account and per (hashed)
 * address, and logins are refused for a while past the limit.
 */
#ifndef TRYGG_AUTH_AUTH_H
#define TRYGG_AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

struct web_state;

/* Creates a staff account. password NULL generates one, returned in
 * *generated (caller frees). Returns the new id, or -1 with *err (caller frees):
 * the address is taken, the address or password is not acceptable. */
int64_t account_create(db_conn *c, const config *cfg, const char *email, const char *name,
		       unsigned roles, const char *password, char **generated, char **err);

/* Prints every account (id, e-mail, name, roles, disabled) to out. 0 or -1. */
int account_list_print(db_conn *c, FILE *out);

/* Loads the login session named by the request's session cookie into w
 * (w->user, w->session_token), enforcing idle and absolute expiry.
 * Returns 0 (logged in or not), -1 on a database error. */
int auth_load_session(http_req *r, struct web_state *w);

/* Routes of the login, logout, password and admin pages. */
extern const http_route auth_routes[];
extern const size_t auth_route_count;

/* Writes one audit entry. user_id 0 means the system. 0 or -1. */
int audit_write(db_conn *c, int64_t user_id, const char *action, const char *object, const char *detail);

#endif
