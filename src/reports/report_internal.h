/*
 * report_internal.h — what the files of src/reports/ share: statuses,
 * categories, storage, Open311 formatting and photos.
 *
 * Files: report_status.c (statuses, times, the XML writer — pure),
 * store.c (the tables, report_counts()), open311.c (the API), pages.c (the
 * resident's form, follow-up link, support, photos), public.c (public list,
 * its map's GeoJSON, report pages, Atom feeds), staff.c and staff_*.c (the
 * staff side: see staff_internal.h), categories.c
 * (editing categories and questions), apikeys.c (API keys, page and
 * command), photo.c (the photo helper: photos re-encoded, their GPS with
 * consent, uploads of the form and the API), demo.c (demo categories).
 */
#ifndef TRYGG_REPORTS_REPORT_INTERNAL_H
#define TRYGG_REPORTS_REPORT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"
#include "reports/reports.h"

#define REPORT_DESCRIPTION_MAX_CHARS 4000
#define REPORT_LINE_MAX_CHARS 200
#define REPORT_PHOTOS_MAX 5
#define REPORT_PAGE_SIZE_MAX 1000
#define REPORT_DEFAULT_DAYS 90
#define REPORT_IDS_MAX 100

enum report_status {
	REPORT_RECEIVED,
	REPORT_IN_PROGRESS,
	REPORT_ACTION_SCHEDULED,
	REPORT_FIXED,
	REPORT_NOT_RESPONSIBLE,
	REPORT_DUPLICATE,
	REPORT_NO_FURTHER_ACTION,
	REPORT_REOPENED,
	REPORT_WITHDRAWN,
	REPORT_STATUS__MAX
};

typedef struct report_status_info {
	const char *name;     /* as stored */
	bool open;            /* Open311 open (true) or closed */
	const char *detailed; /* FixMyStreet-style detailed status */
	const char *label;    /* Swedish, translate with T() */
} report_status_info;
extern const report_status_info report_statuses[REPORT_STATUS__MAX];
/* The status called name. Returns it, or -1 when there is none. */
int report_status_find(const char *name);

/* Formats t (UTC seconds) as ISO 8601 with zone, "2026-11-25T09:00:00Z", in a. */
const char *report_iso_time(arena *a, int64_t t);
/* Parses an ISO 8601 / W3C date-time: "YYYY-MM-DD", "YYYY-MM-DDThh:mm",
 * "…:ss", fractions, and "Z" or "±hh:mm"/"±hhmm" (no zone: UTC). Returns 0
 * with *out in UTC seconds, or -1. */
int report_parse_time(const char *text, int64_t *out);
/* Reads a date "YYYY-MM-DD" as the start of that day, days_after days later,
 * in the time zone times are shown in (config timezone: a Swedish day, not a
 * UTC one). 0, or -1 when it is not a date. */
int report_parse_day(const char *text, int days_after, int64_t *out);
/* Appends s escaped for XML text and attribute values; control characters
 * that XML 1.0 does not allow are left out. */
void report_xml_escape(buf *out, const char *s, size_t len);
/* Writes value as XML element name (lists as repeated children named after
 * the list, see report_status.c), escaped, into out. */
void report_xml_write(buf *out, const char *name, json_t *value);
/* json_dump_callback()'s callback that appends to the buf out: list answers
 * are written item by item into the response body. */
int report_json_append(const char *text, size_t len, void *out);
/* The element name of one item of the XML list list ("service_requests" → "request"). */
const char *report_xml_item_name(const char *list);
/* True when code is a usable category or attribute code (1–64 of [A-Za-z0-9_-]). */
bool report_code_valid(const char *code);

/* ---- categories (store.c) ---- */

typedef struct report_choice {
	const char *key, *name_sv, *name_en;
} report_choice;

typedef struct report_attribute {
	const char *code, *datatype, *name_sv, *name_en, *hint_sv, *hint_en;
	bool required;
	int order;
	report_choice *choices;
	size_t choice_count;
} report_attribute;

typedef struct report_category {
	int64_t id;
	const char *code, *group, *name_sv, *name_en, *description_sv, *description_en, *keywords;
	bool active;
	report_attribute *attributes; /* filled by report_category_find() only */
	size_t attribute_count;
} report_category;

/* The group codes, in the order shown, and their Swedish names. */
extern const char *const report_group_codes[3];
extern const char *const report_group_labels[3];

/* Every active category, ordered by group and order, into *out (in a).
 * Returns the count, or -1 on a database error. */
int report_category_list(db_conn *c, arena *a, report_category **out);
/* The category with code (with its attributes). 1 found, 0 none, -1 error. */
int report_category_find(db_conn *c, arena *a, const char *code, report_category *out);
/* As report_category_find(), by id. */
int report_category_get(db_conn *c, arena *a, int64_t id, report_category *out);

/* ---- reports (store.c) ---- */

typedef struct report_value {
	const char *code, *value;
} report_value;

/* A new report, as checked by the web form or the API. */
typedef struct report_new {
	const report_category *category;
	int64_t area_id; /* 0: none */
	bool has_point;
	double lat, lon;
	const char *address, *description;
	const char *name, *email, *phone, *device_id, *account_id, *lang;
	const char *source; /* "web" or "api" */
	int64_t api_key_id; /* 0: none */
	report_value *values;
	size_t value_count;
	const char **media_urls;
	size_t media_url_count;
} report_new;

/* A stored report, as shown publicly (no personal data) plus staff fields. */
typedef struct report {
	int64_t id, area_id, requested_at, updated_at, expected_at, supporters, duplicate_of;
	const char *category_code, *category_name_sv, *category_name_en, *group;
	int status;
	bool has_point;
	double lat, lon;
	const char *address, *description, *public_token, *source, *area_name;
	const char *status_notes; /* latest public note, "" when none */
} report;

/* Inserts r (within the caller's write transaction) with a new public token
 * and follow-up token; *id, *public_token and *follow_token (in a) are set.
 * Returns 0, or -1 on a database error. */
int report_insert(db_conn *c, arena *a, const report_new *r, int64_t now, int64_t *id, const char **public_token,
		  const char **follow_token);

/* What GET requests.{fmt} asks for (all optional). */
typedef struct report_query {
	int64_t start, end;            /* requested_at in [start, end] */
	int64_t updated_after, updated_before;
	const char *codes;             /* ",a,b," or "" for all */
	int open;                      /* -1 any, 0 closed, 1 open */
	bool bbox;
	double min_lat, max_lat, min_lon, max_lon;
	bool radius;
	double lat, lon, metres;
	int64_t area_id;               /* 0 any */
	const char *text;              /* words in the description or address; NULL or "" for any */
	int64_t limit, offset;
} report_query;

/* Calls fn for each report that matches q, newest first; the report's
 * strings are valid only until fn returns (one row at a time is kept, so a
 * long list costs no more memory than one row). fn returns non-zero to
 * stop. 0, or -1 on error. */
int report_search(db_conn *c, const report_query *q, int (*fn)(void *ud, const report *r), void *ud);
/* The report with id (withdrawn ones too). 1 found, 0 none, -1 error. */
int report_get(db_conn *c, arena *a, int64_t id, report *out);
/* The report id of a public token. 1 found, 0 none, -1 error. */
int report_by_token(db_conn *c, const char *token, int64_t *id);
/* The report id of a private follow-up token. 1 found, 0 none, -1 error. */
int report_by_follow_token(db_conn *c, const char *token, int64_t *id);
/* The photos of a report: their ids (uploads) or URLs, in a. Returns the count or -1. */
int report_photos(db_conn *c, arena *a, int64_t id, int64_t **ids, const char ***urls);
/* Adds an update (and changes status when status >= 0) within the caller's
 * write transaction. Returns 0 or -1. */
int report_add_update(db_conn *c, int64_t id, int64_t now, const char *kind, int status, const char *text,
		      bool public_, int64_t user_id);

/* One public entry of a report's history. */
typedef struct report_update {
	int64_t id, report_id, at;
	const char *kind;
	int status;
	const char *text;
} report_update;
/* Calls fn for the public updates (created, status, note, withdrawn) of
 * report id (0: of every report) made in [from, to], oldest first, at most
 * limit. Returns 0, or -1 on a database error. */
int report_public_updates(db_conn *c, arena *a, int64_t id, int64_t from, int64_t to, int64_t limit,
			  int (*fn)(void *ud, const report_update *u), void *ud);

/* The reporter's contact details (personal data: staff only, view audited). */
typedef struct report_contact_details {
	const char *name, *email, *phone, *lang;
} report_contact_details;
/* Reads them for report id. 1 found, 0 none, -1 error. */
int report_contact(db_conn *c, arena *a, int64_t id, report_contact_details *out);

/* One entry of the whole history (staff view, internal notes too). */
typedef struct report_history_entry {
	int64_t at;
	const char *kind;
	int status;
	const char *text;
	bool public_;
	const char *user_name; /* "" for the resident or the system */
} report_history_entry;
/* Calls fn for every update of report id, oldest first. 0, or -1 on error. */
int report_history(db_conn *c, arena *a, int64_t id, int (*fn)(void *ud, const report_history_entry *e), void *ud);

/* The hex hash under which a token is stored, in a. */
const char *report_token_hash(arena *a, const char *token);
/* A new random token (base32-like, 26 characters), in a. */
const char *report_new_token(arena *a);

/* ---- the API (open311.c) ---- */

/* Checks the attribute[code] and attribute[code][] fields among fields
 * against c's questions and fills out->values (in a). Returns NULL, or the
 * problem (English, for API clients). */
const char *report_check_values(arena *a, const report_category *c, const http_kv *fields, report_new *out);

/* ---- shared by the pages and the API (pages.c) ---- */

/* The address of this site for links in answers and mail: public_url, else
 * from the request's Host. Arena-owned, without a trailing '/'. */
const char *report_site_origin(http_req *r);
/* True when the request's language is English (names come in sv and en). */
bool report_english(http_req *r);

/* Reads "min_long,min_lat,max_long,max_lat" (WGS84) into q and sets q->bbox.
 * Returns 0, or -1 when malformed (public.c). */
int report_parse_bbox(const char *text, report_query *q);

/* The public history of report id for a page: [{at, status, text}] in the
 * request's language and time zone, or NULL on a database error (public.c). */
json_t *report_history_json(http_req *r, int64_t id);

/* ---- photos (photo.c) ---- */

/* Decodes the image at path (JPEG, PNG, WebP, HEIC as libvips can) in the
 * photo helper (core/photo_proc.h) and writes it re-encoded without any
 * metadata as DIR/NAME.jpg and a thumbnail as DIR/NAME-t.jpg. Returns 0, 1
 * when it is not an image, too large, or its decoding crashed or ran too
 * long, -1 when the helper could not run or write. */
int report_photo_store(const config *cfg, const char *path, const char *dir, const char *name);
/* The GPS position in the EXIF data of the image at path, read before it is
 * stripped and only when the resident has agreed to it. Returns 1 with *lat
 * and *lon (WGS84), or 0 when the image has none or cannot be read. */
int report_photo_gps(const config *cfg, const char *path, double *lat, double *lon);

enum report_upload_problem {
	REPORT_UPLOAD_OK,
	REPORT_UPLOAD_TOO_MANY,  /* more than REPORT_PHOTOS_MAX (or room) photos */
	REPORT_UPLOAD_NOT_IMAGE, /* a file the photo helper cannot decode, or too large */
	REPORT_UPLOAD_FAILED,    /* the photo helper or the file system failed */
};
/* True when name is one of the NULL-terminated field names. */
bool report_upload_field(const char *const *fields, const char *name);
/* Re-encodes the request's uploaded files in any of the NULL-terminated
 * fields (empty ones skipped), at most room of them, into data_dir/reports/
 * under new random names; *names (in r->arena) and *count say which. On a
 * problem, *count is 0 and nothing written stays. */
enum report_upload_problem report_photos_receive(http_req *r, const char *const *fields, size_t room,
						 const char ***names, size_t *count);
/* Links the re-encoded photos to report id, within the caller's write
 * transaction. Returns 0, or -1 on a database error. */
int report_photos_attach(db_conn *c, int64_t id, int64_t now, const char *const *names, size_t count);

#endif
