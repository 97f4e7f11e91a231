/*
 * asset.h — static files (CSS, JavaScript, images, fonts), held in memory.
 *
 * Files are read once at start from one or more folders, each mounted under a
 * prefix. Each gets a fingerprint (a hash of its bytes): pages link to
 * /assets/FINGERPRINT/PATH, which is cached for a year, while /static/PATH is
 * revalidated with its ETag. Either way a matching If-None-Match gets 304.
 */
#ifndef TRYGG_WEB_ASSET_H
#define TRYGG_WEB_ASSET_H

#include "http/http.h"

typedef struct asset_set asset_set;

asset_set *asset_set_new(void);
void asset_set_free(asset_set *s);
/* Reads every file under dir, served as PREFIX/relative-path (prefix "" for the
 * top). Returns 0, or -1 with *err (caller frees). */
int asset_mount(asset_set *s, const char *dir, const char *prefix, char **err);
/* Returns the fingerprinted URL of path ("/assets/…"), or "/static/PATH" when
 * there is no such file. Owned by s. */
const char *asset_url(const asset_set *s, const char *path);
/* Answers a request for path; fingerprint is NULL for /static/. Returns the status. */
int asset_serve(const asset_set *s, http_req *r, const char *path, const char *fingerprint);

#endif
