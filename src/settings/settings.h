/*
 * settings.h — the municipality as configuration: its name, logo, colour,
 * public contact details, the police area's name, and how mail is sent.
 * These are data in the settings table, set by an administrator on
 * /personal/installningar or with `trygg settings set KEY VALUE`; both go
 * through the one table of keys and validators here (settings_defs[]).
 *
 * Files: settings.c (the keys, validation, storage, the logo file),
 * pages.c (the admin page, /tema.css, the logo), cli.c (`trygg settings`),
 * demo.c (Partille's public details for the demo).
 *
 * What this module does not do: the server's own configuration (listen
 * address, database, folders), which is src/core/config.c.
 */
#ifndef TRYGG_SETTINGS_SETTINGS_H
#define TRYGG_SETTINGS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

/* Every setting an administrator can change, in the order of the page. */
enum setting_key {
	SETTING_SITE_NAME,
	SETTING_MUNICIPALITY_NAME,
	SETTING_POLICE_AREA,
	SETTING_BRAND_COLOUR,
	SETTING_LOGO,
	SETTING_CONTACT_PHONE,
	SETTING_CONTACT_EMAIL,
	SETTING_CONTACT_ADDRESS,
	SETTING_CONTACT_HOURS,
	SETTING_SMTP_URL,
	SETTING_SMTP_USERNAME,
	SETTING_SMTP_PASSWORD,
	SETTING_MAIL_FROM,
	SETTING_COORDINATOR_EMAIL,
	SETTING_CONTACT_RETENTION_MONTHS,
	SETTING_REPORT_RETENTION_MONTHS,
	SETTING_OPEN311_JURISDICTION,
	SETTING_MAIL_RETRY_SECONDS,
	SETTING__MAX
};

/* What can be wrong with a value; setting_problem_text[] holds the Swedish
 * message for pages (translate with T()), setting_problem_english[] the one
 * for the command line. */
enum setting_problem {
	SETTING_OK,
	SETTING_UNKNOWN_KEY,
	SETTING_TOO_LONG,
	SETTING_CONTROL_CHARS,
	SETTING_REQUIRED,
	SETTING_EMAIL_INVALID,
	SETTING_PHONE_INVALID,
	SETTING_COLOUR_INVALID,
	SETTING_COLOUR_CONTRAST,
	SETTING_SMTP_URL_INVALID,
	SETTING_NUMBER_INVALID,
	SETTING_LOGO_TYPE,
	SETTING_LOGO_SVG,
	SETTING_LOGO_TOO_LARGE,
	SETTING_LOGO_UNREADABLE,
	SETTING_STORAGE_ERROR,
	SETTING_PROBLEM__MAX
};
extern const char *const setting_problem_text[SETTING_PROBLEM__MAX];
extern const char *const setting_problem_english[SETTING_PROBLEM__MAX];

enum setting_flag {
	SETTING_SECRET = 1u << 0,    /* stored, never shown back: only whether it is set */
	SETTING_MULTILINE = 1u << 1, /* a text area; line breaks allowed */
	SETTING_CLI_ONLY = 1u << 2,  /* operators' tuning, not on the admin page */
	SETTING_FILE = 1u << 3,      /* the value names a file under data_dir (the logo) */
	SETTING_PUBLIC = 1u << 4,    /* shown on public pages */
};

/* The admin page's sections, in order; settings_group_titles[] names them. */
enum setting_group { GROUP_MUNICIPALITY, GROUP_LOOKS, GROUP_CONTACT, GROUP_MAIL, GROUP_PRIVACY, GROUP__MAX };
extern const char *const settings_group_titles[GROUP__MAX];

typedef struct setting_def {
	const char *name;        /* key in the settings table and on the command line */
	const char *label;       /* Swedish, for the page */
	const char *hint;        /* Swedish help text, or NULL */
	const char *input_type;  /* HTML input type: text, email, tel, url, password, number */
	const char *fallback;    /* value when unset */
	size_t max_chars;
	unsigned flags;          /* enum setting_flag */
	enum setting_group group;
	/* Checks and normalises a value ("" means unset and is always allowed).
	 * Sets *normalised (in a) and returns SETTING_OK or the problem. */
	enum setting_problem (*check)(arena *a, const char *value, const char **normalised);
} setting_def;

extern const setting_def settings_defs[SETTING__MAX];

/* The key named name, or SETTING__MAX when there is none. */
enum setting_key settings_find(const char *name);

/* Checks value for key k: length, control characters, then the key's own
 * validator. Returns SETTING_OK with *normalised (in a), or the problem. */
enum setting_problem settings_check(arena *a, enum setting_key k, const char *value, const char **normalised);

/* The stored value of k in a, or its fallback when unset. NULL on a database error. */
const char *settings_get(db_conn *c, arena *a, enum setting_key k);
/* The value of a numeric setting (its fallback when unset or unreadable). */
int64_t settings_get_int(db_conn *c, arena *a, enum setting_key k);
/* True when k has a stored, non-empty value. */
bool settings_is_set(db_conn *c, enum setting_key k);

/* Stores value for k inside the caller's write transaction ("" removes it).
 * The value must have passed settings_check(). 0 or -1. */
int settings_put(db_conn *c, enum setting_key k, const char *value);
/* Checks value, then stores it in a transaction of its own. Returns SETTING_OK,
 * the problem, or SETTING_STORAGE_ERROR. */
enum setting_problem settings_set(db_conn *c, arena *a, enum setting_key k, const char *value);

/* WCAG contrast ratio of white text on colour "#rrggbb" (1 to 21); 0 when malformed. */
double settings_contrast_on_white(const char *colour);

/* Stores a logo image (PNG or JPEG, recognised by its first bytes; SVG is
 * refused) from the file at path under cfg->data_dir/logo/ and sets *name
 * (in a) to the file's name there, for the logo setting. SETTING_OK or the problem. */
enum setting_problem settings_logo_import(const config *cfg, arena *a, const char *path, const char **name);
/* The path (in a) and content type of stored logo name; NULL when the name is not one we make. */
const char *settings_logo_path(const config *cfg, arena *a, const char *name, const char **content_type);

/* `trygg settings list|set KEY VALUE`. Returns the exit status (2: usage). */
int settings_command(const config *cfg, int argc, char **argv);
extern const char settings_usage[];

/* Demo data: Partille's name and public contact details, unless set. 0 or -1. */
int settings_demo_load(db_conn *c, const config *cfg, FILE *out);

/* The admin page, /tema.css and the logo. */
extern const http_route settings_routes[];
extern const size_t settings_route_count;

#endif
