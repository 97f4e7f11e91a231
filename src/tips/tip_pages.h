/*
 * tip_pages.h — the handlers of the tip service's pages, for its route table
 * (routes.c), and what the tipster's and the police's pages share.
 */
#ifndef TRYGG_TIPS_TIP_PAGES_H
#define TRYGG_TIPS_TIP_PAGES_H

#include <jansson.h>

#include "core/buf.h"
#include "core/config.h"
#include "http/http.h"
#include "tips/tip_store.h"

#define TIP_TEXT_MAX_CHARS 5000
#define TIP_LINE_MAX_CHARS 300
#define TIP_PHOTO_MAX_BYTES (10u * 1024 * 1024)

/* Re-encodes the image in the file at path (JPEG, PNG, WebP, …) as a JPEG
 * without metadata, in the photo helper, appended to out (wipe it). Returns
 * 0, 1 when it is not an image the helper may read, is too large, or its
 * decoding crashed or ran too long, -1 when the helper or the disk fails.
 * No file it made is left behind (photo.c). */
int tip_photo_reencode(const config *cfg, const char *path, buf *out);
/* Appends the whole file at path to b (wipe it), with no copy left on the
 * stack. 0 or -1 (photo.c). */
int tip_plaintext_read(const char *path, buf *b);
/* Overwrites the file at path with zeros, flushes it to disk and removes it. */
void tip_plaintext_scrub(const char *path);

/* The day (UTC midnight) as "2026-11-25", in r's arena. */
const char *tip_day_text(http_req *r, int64_t day);
/* The name of area id, or "" when none or unknown, in r's arena. */
const char *tip_area_name(http_req *r, int64_t area_id);
/* Headers of every page of the service: not cached, and no Referer sent from it. */
void tip_private_headers(http_req *r);

/* The tipster's pages (tipster_pages.c). */
int tip_form_page(http_req *r);     /* GET /tipsa */
int tip_form_submit(http_req *r);   /* POST /tipsa */
int tip_reply_page(http_req *r);    /* GET /tipsa/svar */
int tip_reply_open(http_req *r);    /* POST /tipsa/svar */
int tip_reply_answer(http_req *r);  /* POST /tipsa/svar/svara */
int tip_reply_end(http_req *r);     /* POST /tipsa/svar/avsluta */
int tip_not_found(http_req *r);     /* anything else under the service's paths */

/* The police's pages (police_pages.c). */
int tip_inbox_page(http_req *r);      /* GET /personal/tips */
int tip_show_page(http_req *r);       /* GET /personal/tips/{id} */
int tip_show_submit(http_req *r);     /* POST /personal/tips/{id} */
int tip_photo_page(http_req *r);      /* GET /personal/tips/{id}/bild/{photo} */
int tip_keys_page(http_req *r);       /* GET /personal/tips/nycklar */
int tip_keys_submit(http_req *r);     /* POST /personal/tips/nycklar */
int tip_settings_page(http_req *r);   /* GET /personal/tips/installningar */
int tip_settings_submit(http_req *r); /* POST /personal/tips/installningar */
int tip_lagesbild_page(http_req *r);  /* GET /personal/tips/lagesbild */

#endif
