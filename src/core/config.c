/*
 * config.c — defaults, configuration file and option parsing (see config.h).
 * Keys are a table: each names its field, its type and its bounds.
 */
#include "core/config.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_UINT, CONFIG_SIZE, CONFIG_BOOL, CONFIG_ULL };

static const struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
	long long min, max;
} config_keys[] = {
	{ "database", CONFIG_STRING, offsetof(config, database), 0, 0 },
	{ "share_dir", CONFIG_STRING, offsetof(config, share_dir), 0, 0 },
	{ "locale_dir", CONFIG_STRING, offsetof(config, locale_dir), 0, 0 },
	{ "data_dir", CONFIG_STRING, offsetof(config, data_dir), 0, 0 },
	{ "upload_dir", CONFIG_STRING, offsetof(config, upload_dir), 0, 0 },
	{ "public_url", CONFIG_STRING, offsetof(config, public_url), 0, 0 },
	{ "access_log", CONFIG_STRING, offsetof(config, access_log), 0, 0 },
	{ "default_lang", CONFIG_STRING, offsetof(config, default_lang), 0, 0 },
	{ "map_tile_url", CONFIG_STRING, offsetof(config, map_tile_url), 0, 0 },
	{ "timezone", CONFIG_STRING, offsetof(config, timezone), 0, 0 },
	{ "threads", CONFIG_INT, offsetof(config, threads), 1, 256 },
	{ "connection_limit", CONFIG_UINT, offsetof(config, connection_limit), 1, 100000 },
	{ "per_ip_limit", CONFIG_UINT, offsetof(config, per_ip_limit), 1, 100000 },
	{ "timeout_seconds", CONFIG_UINT, offsetof(config, timeout_seconds), 1, 3600 },
	{ "connection_memory", CONFIG_SIZE, offsetof(config, connection_memory), 8192, 16 << 20 },
	{ "body_limit", CONFIG_SIZE, offsetof(config, body_limit), 1024, 64 << 20 },
	{ "upload_limit", CONFIG_SIZE, offsetof(config, upload_limit), 1024, 1LL << 31 },
	{ "upload_file_limit", CONFIG_SIZE, offsetof(config, upload_file_limit), 1024, 1LL << 31 },
	{ "answer_cache_bytes", CONFIG_SIZE, offsetof(config, answer_cache_bytes), 0, 1LL << 32 },
	{ "db_cache_bytes", CONFIG_SIZE, offsetof(config, db_cache_bytes), 1 << 20, 1LL << 36 },
	{ "trust_proxy", CONFIG_BOOL, offsetof(config, trust_proxy), 0, 1 },
	{ "session_idle_minutes", CONFIG_INT, offsetof(config, session_idle_minutes), 1, 60 * 24 * 30 },
	{ "session_absolute_hours", CONFIG_INT, offsetof(config, session_absolute_hours), 1, 24 * 90 },
	{ "login_max_failures", CONFIG_INT, offsetof(config, login_max_failures), 1, 1000 },
	{ "login_max_failures_per_address", CONFIG_INT, offsetof(config, login_max_failures_per_address), 1, 100000 },
	{ "login_window_minutes", CONFIG_INT, offsetof(config, login_window_minutes), 1, 24 * 60 },
	{ "password_memlimit", CONFIG_ULL, offsetof(config, password_memlimit), 8192, 1LL << 32 },
	{ "password_opslimit", CONFIG_ULL, offsetof(config, password_opslimit), 1, 100 },
	{ "photo_helper", CONFIG_STRING, offsetof(config, photo_helper), 0, 0 },
	{ "photo_timeout_seconds", CONFIG_INT, offsetof(config, photo_timeout_seconds), 1, 600 },
	{ "grace_seconds", CONFIG_INT, offsetof(config, grace_seconds), 0, 600 },
};

void config_defaults(config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_addr = xstrdup("127.0.0.1");
	c->port = 8080;
	c->database = xstrdup("sqlite:var/trygg.db");
	c->share_dir = xstrdup(".");
	c->locale_dir = xstrdup("build/locale");
	c->data_dir = xstrdup("var");
	c->upload_dir = xstrdup("var/tmp");
	c->public_url = xstrdup("");
	c->access_log = xstrdup("-");
	c->default_lang = xstrdup("sv");
	c->timezone = xstrdup("Europe/Stockholm");
	c->map_tile_url = xstrdup("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
	c->photo_helper = xstrdup("");
	c->photo_timeout_seconds = 20;
	c->threads = 4;
	c->connection_limit = 1000;
	c->per_ip_limit = 64;
	c->timeout_seconds = 30;
	c->connection_memory = 32 * 1024;
	c->body_limit = 256 * 1024;
	c->upload_limit = 60 * 1024 * 1024;
	c->upload_file_limit = 12 * 1024 * 1024;
	c->answer_cache_bytes = 4 * 1024 * 1024;
	c->db_cache_bytes = 4 * 1024 * 1024;
	c->trust_proxy = false;
	c->session_idle_minutes = 60;
	c->session_absolute_hours = 12;
	c->login_max_failures = 10;
	c->login_max_failures_per_address = 50;
	c->login_window_minutes = 15;
	/* OWASP's argon2id minimum: 19 MiB, 2 passes. */
	c->password_memlimit = 19ULL * 1024 * 1024;
	c->password_opslimit = 2;
	c->grace_seconds = 10;
}

/* Parses sizes with an optional K, M or G suffix (powers of 1024). */
static int parse_size(const char *s, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v < 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': v *= 1024; end++; break;
	case 'M': case 'm': v *= 1024 * 1024; end++; break;
	case 'G': case 'g': v *= 1024LL * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int config_set(config *c, const char *key, const char *value, char **err)
{
	*err = NULL;
	if (strcmp(key, "listen") == 0) {
		if (config_set_listen(c, value) != 0) {
			*err = buf_strdup_printf("listen: '%s' is not ADDRESS:PORT%s", value, "");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(config_keys); i++) {
		const struct config_key *k = &config_keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		void *field = (char *)c + k->offset;
		long long v = 0;
		if (k->type == CONFIG_STRING) {
			free(*(char **)field);
			*(char **)field = xstrdup(value);
			return 0;
		}
		if (k->type == CONFIG_BOOL) {
			if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
				*(bool *)field = true;
			else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
				*(bool *)field = false;
			else
				goto bad;
			return 0;
		}
		if (parse_size(value, &v) != 0 || v < k->min || v > k->max)
			goto bad;
		switch (k->type) {
		case CONFIG_INT: *(int *)field = (int)v; break;
		case CONFIG_UINT: *(unsigned *)field = (unsigned)v; break;
		case CONFIG_SIZE: *(size_t *)field = (size_t)v; break;
		case CONFIG_ULL: *(unsigned long long *)field = (unsigned long long)v; break;
		default: break;
		}
		return 0;
bad:
		*err = buf_strdup_printf("%s: bad value '%s'", key, value);
		return -1;
	}
	*err = buf_strdup_printf("unknown configuration key '%s'%s", key, "");
	return -1;
}

int config_set_listen(config *c, const char *text)
{
	const char *colon = strrchr(text, ':');
	int64_t port;
	if (colon == NULL || str_to_int64(colon + 1, &port) != 0 || port < 0 || port > 65535)
		return -1;
	const char *host = text;
	size_t len = (size_t)(colon - text);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0)
		return -1;
	free(c->listen_addr);
	c->listen_addr = xstrndup(host, len);
	c->port = (int)port;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int config_load_file(config *c, const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = -1;
	*err = NULL;
	if (f == NULL) {
		*err = buf_strdup_printf("cannot read configuration file %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			buf e = BUF_INIT;
			buf_printf(&e, "%s:%d: expected 'key = value'", path, lineno);
			*err = buf_detach(&e);
			goto out;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1), *sub = NULL;
		if (config_set(c, key, value, &sub) != 0) {
			buf e = BUF_INIT;
			buf_printf(&e, "%s:%d: %s", path, lineno, sub);
			free(sub);
			*err = buf_detach(&e);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

void config_free(config *c)
{
	for (size_t i = 0; i < ARRAY_LEN(config_keys); i++)
		if (config_keys[i].type == CONFIG_STRING)
			free(*(char **)((char *)c + config_keys[i].offset));
	free(c->listen_addr);
	memset(c, 0, sizeof(*c));
}
