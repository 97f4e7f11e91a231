/*
 * asset.c — static files held in memory with fingerprints (see asset.h).
 */
#include "web/asset.h"
#include "core/util.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ASSET_HASH_BYTES 8

typedef struct asset {
	char *path;         /* owned: "css/site.css" */
	char *url;          /* owned: "/assets/HASH/css/site.css" */
	char *etag;         /* owned: "\"HASH\"" */
	char fingerprint[ASSET_HASH_BYTES * 2 + 1];
	char *data;         /* owned */
	size_t size;
	const char *content_type;
	struct asset *next;
} asset;

struct asset_set {
	asset *list;
};

static const struct {
	const char *ext;
	const char *type;
} asset_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".geojson", "application/geo+json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".ico", "image/x-icon" },
	{ ".webp", "image/webp" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".map", "application/json" },
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot)
		for (size_t i = 0; i < ARRAY_LEN(asset_types); i++)
			if (strcmp(dot, asset_types[i].ext) == 0)
				return asset_types[i].type;
	return NULL;
}

asset_set *asset_set_new(void)
{
	return xcalloc(1, sizeof(asset_set));
}

void asset_set_free(asset_set *s)
{
	if (s == NULL)
		return;
	asset *a = s->list;
	while (a) {
		asset *next = a->next;
		free(a->path);
		free(a->url);
		free(a->etag);
		free(a->data);
		free(a);
		a = next;
	}
	free(s);
}

static int add_file(asset_set *s, const char *full, const char *rel)
{
	const char *type = type_of(rel);
	if (type == NULL)
		return 0; /* only known types are served (no .gz, no sources) */
	FILE *f = fopen(full, "rb");
	if (f == NULL)
		return -1;
	buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	asset *a = xcalloc(1, sizeof(*a));
	a->size = b.len;
	a->data = buf_detach(&b);
	a->path = xstrdup(rel);
	a->content_type = type;
	unsigned char hash[ASSET_HASH_BYTES];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)a->data, a->size, NULL, 0);
	sodium_bin2hex(a->fingerprint, sizeof(a->fingerprint), hash, sizeof(hash));
	buf u = BUF_INIT;
	buf_printf(&u, "/assets/%s/%s", a->fingerprint, rel);
	a->url = buf_detach(&u);
	buf_printf(&u, "\"%s\"", a->fingerprint);
	a->etag = buf_detach(&u);
	a->next = s->list;
	s->list = a;
	return 0;
}

static int mount_dir(asset_set *s, const char *dir, const char *rel, char **err)
{
	int rc = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		buf e = BUF_INIT;
		buf_printf(&e, "cannot open static folder %s", dir);
		*err = buf_detach(&e);
		return -1;
	}
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf full = BUF_INIT, sub = BUF_INIT;
		buf_printf(&full, "%s/%s", dir, de->d_name);
		buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		struct stat st;
		if (stat(full.data, &st) == 0 && S_ISDIR(st.st_mode))
			rc = mount_dir(s, full.data, sub.data, err);
		else if (add_file(s, full.data, sub.data) != 0) {
			buf e = BUF_INIT;
			buf_printf(&e, "cannot read %s", full.data);
			*err = buf_detach(&e);
			rc = -1;
		}
		buf_free(&full);
		buf_free(&sub);
	}
	closedir(d);
	return rc;
}

int asset_mount(asset_set *s, const char *dir, const char *prefix, char **err)
{
	*err = NULL;
	return mount_dir(s, dir, prefix, err);
}

static const asset *asset_find(const asset_set *s, const char *path)
{
	for (const asset *a = s->list; a; a = a->next)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

const char *asset_url(const asset_set *s, const char *path)
{
	const asset *a = asset_find(s, path);
	return a ? a->url : "/static/missing";
}

int asset_serve(const asset_set *s, http_req *r, const char *path, const char *fingerprint)
{
	const asset *a = asset_find(s, path);
	if (a == NULL)
		return 404;
	if (fingerprint && strcmp(fingerprint, a->fingerprint) != 0) {
		/* An old fingerprint: send the current file, but do not let it be cached for long. */
		fingerprint = NULL;
	}
	http_set_header(r, "ETag", a->etag);
	http_set_header(r, "Cache-Control", fingerprint ? "public, max-age=31536000, immutable" : "no-cache");
	r->content_type = a->content_type;
	const char *inm = http_header(r, "If-None-Match");
	if (inm && (strstr(inm, a->etag) || strcmp(inm, "*") == 0))
		return 304;
	buf_append(&r->body, a->data, a->size);
	return 200;
}
