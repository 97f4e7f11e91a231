/*
 * demo.h — demo data for a fresh installation: Partille's configuration and
 * one staff login per role. Each feature adds its own demo loader here.
 * Loading twice changes nothing.
 */
#ifndef TRYGG_DEMO_DEMO_H
#define TRYGG_DEMO_DEMO_H

#include <stdio.h>

#include "core/config.h"
#include "db/db.h"

/* The demo staff logins, one per role. */
typedef struct demo_login {
	const char *email;
	const char *name;
	const char *roles;
	const char *password;
} demo_login;
extern const demo_login demo_logins[];
extern const size_t demo_login_count;

/* Loads every demo data set and prints the demo logins to out. 0 or -1. */
int demo_load(db *d, const config *cfg, FILE *out);

#endif
