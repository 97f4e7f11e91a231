/*
 * config.h — Trygg's configuration: defaults, then the configuration file
 * (lines "key = value", '#' comments), then command-line options. After start
 * the configuration is read-only and shared by every thread.
 *
 * What belongs to the municipality (name, areas, contact details) is data in
 * the database, set by an administrator; this file holds only what the
 * operator of the server decides.
 */
#ifndef TRYGG_CORE_CONFIG_H
#define TRYGG_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct config {
	char *listen_addr;    /* "127.0.0.1" */
	int port;             /* 8080 */
	char *database;       /* "sqlite:var/trygg.db" */
	char *share_dir;      /* folder holding templates/, static/, migrations/ ("." by default) */
	char *locale_dir;     /* compiled translations, "build/locale" */
	char *data_dir;       /* uploaded files and other state on disk, "var" */
	char *upload_dir;     /* request bodies in transit, "var/tmp" */
	char *public_url;     /* "https://trygg.partille.se"; "" = taken from the request */
	char *access_log;     /* file path, "-" for standard error, "" for none */
	char *default_lang;   /* "sv" */
	char *map_tile_url;   /* map tiles, "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; "" for none */
	char *timezone;       /* how times are shown: "Europe/Stockholm" (stored in UTC) */
	int threads;
	unsigned connection_limit;
	unsigned per_ip_limit;
	unsigned timeout_seconds;
	size_t connection_memory;
	size_t body_limit;
	size_t upload_limit;
	size_t upload_file_limit;
	size_t answer_cache_bytes; /* memory for cached public answers (web/answer_cache.c); 0 = none */
	size_t db_cache_bytes;     /* SQLite: memory of all connections' page caches together (soft limit) */
	bool trust_proxy;     /* behind a reverse proxy that sets X-Forwarded-For/-Proto */
	int session_idle_minutes;
	int session_absolute_hours;
	int login_max_failures;   /* failed logins per account within the window */
	int login_max_failures_per_address; /* failed logins from one address (offices share one) */
	int login_window_minutes;
	unsigned long long password_memlimit; /* argon2id memory in bytes */
	unsigned long long password_opslimit; /* argon2id passes */
	char *photo_helper;   /* the program that decodes photos; "" = trygg-photo beside trygg */
	int photo_timeout_seconds; /* wall-clock limit of one photo's decoding */
	int grace_seconds;    /* how long SIGTERM waits for requests in flight */
} config;

/* Fills c with the defaults. Strings are owned by c (free with config_free). */
void config_defaults(config *c);
/* Reads a configuration file. Returns 0, or -1 with *err (caller frees). */
int config_load_file(config *c, const char *path, char **err);
/* Sets one key from text. Returns 0, or -1 with *err (caller frees) for an
 * unknown key or a bad value. */
int config_set(config *c, const char *key, const char *value, char **err);
/* Parses "ADDR:PORT" (or "[v6]:PORT") into listen_addr and port. 0 or -1. */
int config_set_listen(config *c, const char *text);
void config_free(config *c);

#endif
