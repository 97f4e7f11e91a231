/*
 * open311.c — the Open311 GeoReport v2 API at /open311/v2/: discovery,
 * services, service definitions, creating requests, listing and reading
 * them, tokens, and FixMyStreet-style servicerequestupdates.
 *
 * Every answer is built once as a jansson value and written either as JSON
 * or, through report_xml_write(), as XML, so the two formats cannot drift.
 * Lists are written item by item (list_begin/list_item/list_end): each
 * request is a small jansson value, written into the answer and freed at
 * once, so a page of 1,000 requests never exists as one tree.
 * The API is liberal in what it accepts (see ../shared/domain/open311.md):
 * parameters in the query or the body, an empty parameter counts as absent,
 * attribute[code] and attribute[code][], repeated media_url, and photos
 * sent as multipart files (media, media[] or photo).
 *
 * What it never answers with: the reporter's name, e-mail, phone, device or
 * account (save the account_id a client sent, echoed only in its own POST
 * answer, as the specification has it), or anything internal to staff. A
 * request sent here and one sent through the web form are the same kind of
 * row (store.c).
 */
#include "reports/report_internal.h"
#include "areas/area.h"
#include "core/util.h"
#include "web/answer_cache.h"
#include "web/web.h"
#include "web/webform.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MEDIA_URL_MAX_BYTES 2000
#define RADIUS_MAX_METRES 50000.0

enum open311_format { FMT_XML, FMT_JSON };

typedef struct api {
	http_req *r;
	enum open311_format fmt;
	const char *name; /* the resource name without the format suffix */
	const char *list; /* the list being written (list_begin), its root element */
	size_t items;     /* items written to it so far */
} api;

#define JSON_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10))

/* Splits "requests.json" into name and format. Returns 0, or -1 for an unknown suffix. */
static int api_init(http_req *r, const char *file, api *out)
{
	out->r = r;
	out->fmt = FMT_XML;
	const char *dot = strrchr(file, '.');
	if (dot == NULL) {
		out->name = file;
		return 0;
	}
	out->name = arena_strndup(r->arena, file, (size_t)(dot - file));
	if (strcmp(dot, ".json") == 0)
		out->fmt = FMT_JSON;
	else if (strcmp(dot, ".xml") != 0)
		return -1;
	return 0;
}

/* Answers with value (taken) as the document root (XML) or as it is (JSON). */
static int api_send(api *x, int status, const char *root, json_t *value)
{
	http_req *r = x->r;
	buf_reset(&r->body);
	if (x->fmt == FMT_JSON) {
		char *text = json_dumps(value, JSON_FLAGS);
		if (text == NULL)
			fatal("out of memory");
		buf_puts(&r->body, text);
		free(text);
		r->content_type = "application/json; charset=utf-8";
	} else {
		buf_puts(&r->body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
		report_xml_write(&r->body, root, value);
		buf_putc(&r->body, '\n');
		r->content_type = "text/xml; charset=utf-8";
	}
	json_decref(value);
	http_set_header(r, "Access-Control-Allow-Origin", "*");
	return status;
}

/* ---- lists, written item by item ---- */

/* Starts a list answer whose root is list ("service_requests"). The same
 * bytes as api_send() of the whole list. */
static void list_begin(api *x, const char *list)
{
	buf *out = &x->r->body;
	buf_reset(out);
	x->list = list;
	x->items = 0;
	if (x->fmt == FMT_JSON)
		buf_putc(out, '[');
	else
		buf_printf(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<%s>", list);
}

/* Writes item (taken) as the next element of the list. */
static void list_item(api *x, json_t *item)
{
	buf *out = &x->r->body;
	if (x->fmt == FMT_JSON) {
		if (x->items > 0)
			buf_putc(out, ',');
		if (json_dump_callback(item, report_json_append, out, JSON_FLAGS) != 0)
			fatal("out of memory");
	} else {
		report_xml_write(out, report_xml_item_name(x->list), item);
	}
	x->items++;
	json_decref(item);
}

/* Ends the list and answers with it. */
static int list_end(api *x, int status)
{
	http_req *r = x->r;
	if (x->fmt == FMT_JSON) {
		buf_putc(&r->body, ']');
		r->content_type = "application/json; charset=utf-8";
	} else {
		buf_printf(&r->body, "</%s>\n", x->list);
		r->content_type = "text/xml; charset=utf-8";
	}
	http_set_header(r, "Access-Control-Allow-Origin", "*");
	return status;
}

static int api_error(api *x, int status, const char *description);

void report_open311_error(http_req *r, int status)
{
	static const struct {
		int status;
		const char *description;
	} texts[] = {
		{ 400, "the request could not be read" },
		{ 404, "not found" },
		{ 405, "method not allowed" },
		{ 413, "the request is too large (a photo or the whole body is over the limit)" },
		{ 429, "too many requests" },
		{ 431, "the request's headers are too large" },
		{ 500, "server error" },
		{ 503, "the service is unavailable for a moment: try again" },
	};
	const char *description = "error";
	for (size_t i = 0; i < ARRAY_LEN(texts); i++)
		if (texts[i].status == status)
			description = texts[i].description;
	const char *slash = strrchr(r->path, '/');
	api x;
	if (api_init(r, slash ? slash + 1 : r->path, &x) != 0)
		x.fmt = FMT_XML; /* the specification's default format */
	api_error(&x, status, description);
}

/* Answers with one error (GeoReport v2 error body). */
static int api_error(api *x, int status, const char *description)
{
	json_t *list = json_array(), *e = json_object();
	json_object_set_new(e, "code", json_integer(status));
	json_object_set_new(e, "description", json_string(description));
	json_array_append_new(list, e);
	return api_send(x, status, "errors", list);
}

/* A parameter from the body or the query; NULL when absent or empty. */
static const char *param(http_req *r, const char *name)
{
	const char *v = http_form(r, name);
	if (v == NULL || *v == '\0')
		v = http_query(r, name);
	return v && *v ? v : NULL;
}

/* The jurisdiction check. The specification asks for jurisdiction_id "only
 * if the endpoint serves multiple jurisdictions"; a Trygg endpoint serves one
 * municipality, so it is never required and a missing one is never an error
 * (FixMyStreet sends it on every call when configured, others never do).
 * When the setting open311_jurisdiction names ours (the suggested value is
 * the site's domain), a different one is a jurisdiction this endpoint does
 * not know: 404 "jurisdiction_id not found", as the specification's error
 * list has it (400 is for a required one left out, which cannot happen here).
 * Without the setting any value is accepted, to be liberal with clients. */
static bool jurisdiction_ok(http_req *r)
{
	const char *mine = web_setting(r, "open311_jurisdiction", "");
	const char *given = param(r, "jurisdiction_id");
	return *mine == '\0' || given == NULL || strcmp(mine, given) == 0;
}

/* ---- discovery and services ---- */

static int discovery(api *x)
{
	http_req *r = x->r;
	json_t *d = json_object(), *endpoints = json_array(), *e = json_object(), *formats = json_array();
	json_object_set_new(d, "changeset", json_string("2026-11-25T00:00:00Z"));
	json_object_set_new(d, "contact", json_string(web_setting(r, "contact_email", "")));
	json_object_set_new(d, "key_service", json_string(web_setting(r, "contact_email", "")));
	json_object_set_new(e, "specification", json_string("http://wiki.open311.org/GeoReport_v2"));
	json_object_set_new(e, "url", json_string(arena_printf(r->arena, "%s/open311/v2", report_site_origin(r))));
	json_object_set_new(e, "changeset", json_string("2026-11-25T00:00:00Z"));
	json_object_set_new(e, "type", json_string("production"));
	json_array_append_new(formats, json_string("text/xml"));
	json_array_append_new(formats, json_string("application/json"));
	json_object_set_new(e, "formats", formats);
	json_array_append_new(endpoints, e);
	json_object_set_new(d, "endpoints", endpoints);
	return api_send(x, 200, "discovery", d);
}

static int services(api *x)
{
	http_req *r = x->r;
	report_category *list;
	int n = report_category_list(web_db(r), r->arena, &list);
	if (n < 0)
		return api_error(x, 500, "database error");
	json_t *out = json_array();
	for (int i = 0; i < n; i++) {
		json_t *s = json_object();
		const report_category *c = &list[i];
		json_object_set_new(s, "service_code", json_string(c->code));
		json_object_set_new(s, "service_name", json_string(report_english(r) ? c->name_en : c->name_sv));
		json_object_set_new(s, "description", json_string(report_english(r) ? c->description_en : c->description_sv));
		json_object_set_new(s, "metadata", json_boolean(c->attribute_count > 0));
		json_object_set_new(s, "type", json_string("realtime"));
		json_object_set_new(s, "keywords", json_string(c->keywords));
		json_object_set_new(s, "group", json_string(c->group));
		json_array_append_new(out, s);
	}
	return api_send(x, 200, "services", out);
}

/* GET /open311/v2/services/{code}.{fmt} */
static int api_service_definition(http_req *r)
{
	api x;
	report_category c;
	if (api_init(r, http_param(r, "file"), &x) != 0)
		return api_error(&x, 404, "unknown format");
	if (!jurisdiction_ok(r))
		return api_error(&x, 404, "jurisdiction_id not found");
	int rc = report_code_valid(x.name) ? report_category_find(web_db(r), r->arena, x.name, &c) : 0;
	if (rc < 0)
		return api_error(&x, 500, "database error");
	if (rc == 0 || !c.active)
		return api_error(&x, 404, "service_code not found");
	json_t *d = json_object(), *attrs = json_array();
	json_object_set_new(d, "service_code", json_string(c.code));
	for (size_t i = 0; i < c.attribute_count; i++) {
		const report_attribute *at = &c.attributes[i];
		json_t *a = json_object();
		json_object_set_new(a, "variable", json_true());
		json_object_set_new(a, "code", json_string(at->code));
		json_object_set_new(a, "datatype", json_string(at->datatype));
		json_object_set_new(a, "required", json_boolean(at->required));
		json_object_set_new(a, "datatype_description", json_string(report_english(r) ? at->hint_en : at->hint_sv));
		json_object_set_new(a, "order", json_integer(at->order));
		json_object_set_new(a, "description", json_string(report_english(r) ? at->name_en : at->name_sv));
		if (at->choice_count > 0) {
			json_t *values = json_array();
			for (size_t k = 0; k < at->choice_count; k++) {
				json_t *v = json_object();
				json_object_set_new(v, "key", json_string(at->choices[k].key));
				json_object_set_new(v, "name", json_string(report_english(r) ? at->choices[k].name_en
										     : at->choices[k].name_sv));
				json_array_append_new(values, v);
			}
			json_object_set_new(a, "values", values);
		}
		json_array_append_new(attrs, a);
	}
	json_object_set_new(d, "attributes", attrs);
	return api_send(&x, 200, "service_definition", d);
}

/* ---- requests as the API shows them ---- */

typedef struct list_state {
	http_req *r;
	api *x;        /* the answer the requests are written to */
	json_t *list;  /* the notes of one request (add_note) */
	bool extensions;
	int failed;
	arena *row;    /* one request's own strings, emptied after each (owned by the list; NULL: r's arena) */
	const char *agency; /* the municipality's name, read once per answer (NULL: not yet) */
} list_state;

/* The agency_responsible of every request in one answer: one settings read,
 * not one per request listed. */
static const char *agency_of(list_state *st)
{
	if (st->agency == NULL)
		st->agency = web_setting(st->r, "municipality_name", "");
	return st->agency;
}

static int add_note(void *ud, const report_update *u)
{
	list_state *st = ud;
	json_t *n = json_object();
	json_object_set_new(n, "datetime", json_string(report_iso_time(st->r->arena, u->at)));
	json_object_set_new(n, "description", json_string(u->text));
	json_object_set_new(n, "type", json_string(u->kind));
	json_object_set_new(n, "status", json_string(report_statuses[u->status].name));
	json_array_append_new(st->list, n);
	return 0;
}

static const char *photo_url(http_req *r, arena *a, int64_t id, bool thumb)
{
	return arena_printf(a, "%s/felanmalan/foto/%lld%s.jpg", report_site_origin(r), (long long)id, thumb ? "-t" : "");
}

/* One request in the GeoReport v2 fields (plus extensions). */
static json_t *request_json(list_state *st, const report *rep)
{
	http_req *r = st->r;
	arena *a = st->row ? st->row : r->arena;
	const report_status_info *s = &report_statuses[rep->status];
	json_t *o = json_object();
	int64_t *ids;
	const char **urls;
	int photos = report_photos(web_db(r), a, rep->id, &ids, &urls);
	if (photos < 0)
		st->failed = 1;
	json_object_set_new(o, "service_request_id", json_string(arena_printf(a, "%lld", (long long)rep->id)));
	json_object_set_new(o, "status", json_string(s->open ? "open" : "closed"));
	json_object_set_new(o, "status_notes", json_string(rep->status_notes));
	json_object_set_new(o, "service_name", json_string(report_english(r) ? rep->category_name_en : rep->category_name_sv));
	json_object_set_new(o, "service_code", json_string(rep->category_code));
	json_object_set_new(o, "description", json_string(rep->description));
	json_object_set_new(o, "agency_responsible", json_string(agency_of(st)));
	json_object_set_new(o, "service_notice", json_string(""));
	json_object_set_new(o, "requested_datetime", json_string(report_iso_time(a, rep->requested_at)));
	json_object_set_new(o, "updated_datetime", json_string(report_iso_time(a, rep->updated_at)));
	json_object_set_new(o, "expected_datetime",
			    rep->expected_at > 0 ? json_string(report_iso_time(a, rep->expected_at)) : json_null());
	json_object_set_new(o, "address", json_string(rep->address));
	json_object_set_new(o, "address_id", json_string(""));
	json_object_set_new(o, "zipcode", json_string(""));
	json_object_set_new(o, "lat", rep->has_point ? json_real(rep->lat) : json_null());
	json_object_set_new(o, "long", rep->has_point ? json_real(rep->lon) : json_null());
	const char *media = "";
	if (photos > 0)
		media = ids[0] > 0 ? photo_url(r, a, ids[0], false) : urls[0];
	json_object_set_new(o, "media_url", json_string(media));
	if (st->extensions) {
		json_t *ext = json_object(), *list = json_array();
		json_object_set_new(ext, "detailed_status", json_string(s->detailed));
		json_object_set_new(ext, "status", json_string(s->name));
		json_object_set_new(ext, "group", json_string(rep->group));
		json_object_set_new(ext, "area", json_string(rep->area_name));
		json_object_set_new(ext, "supporters", json_integer(rep->supporters));
		for (int i = 0; i < photos; i++)
			json_array_append_new(list, json_string(ids[i] > 0 ? photo_url(r, a, ids[i], false) : urls[i]));
		json_object_set_new(ext, "photos", list);
		json_object_set_new(o, "extended_attributes", ext);
		list_state notes = { r, NULL, json_array(), false, 0, NULL, NULL };
		if (report_public_updates(web_db(r), a, rep->id, 0, INT64_MAX, 1000, add_note, &notes) != 0)
			st->failed = 1;
		json_object_set_new(o, "notes", notes.list);
	}
	return o;
}

static int add_request(void *ud, const report *rep)
{
	list_state *st = ud;
	list_item(st->x, request_json(st, rep));
	if (st->row)
		arena_reset(st->row);
	return 0;
}

/* ---- GET requests ---- */

/* Reads an optional time parameter. 0 when absent or read, -1 when malformed. */
static int time_param(http_req *r, const char *name, int64_t *out, bool *given)
{
	const char *v = param(r, name);
	*given = v != NULL;
	return v == NULL ? 0 : report_parse_time(v, out);
}

/* Reads an optional number. 0 when absent or read, -1 when malformed. */
static int number_param(http_req *r, const char *name, double *out, bool *given)
{
	const char *v = param(r, name);
	*given = v != NULL;
	if (v == NULL)
		return 0;
	char *end;
	errno = 0;
	*out = strtod(v, &end);
	return errno != 0 || *end != '\0' || end == v || !isfinite(*out) ? -1 : 0;
}

/* Builds ",a,b," from a comma list of codes; unusable codes are left out (and match nothing). */
static const char *code_list(http_req *r, const char *text)
{
	buf b = BUF_INIT;
	buf_putc(&b, ',');
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *code = arena_strndup(r->arena, p, len);
		if (report_code_valid(code))
			buf_printf(&b, "%s,", code);
		p += len + (end != NULL);
	}
	if (b.len == 1)
		buf_puts(&b, "-,"); /* no usable code: matches none */
	const char *out = arena_strdup(r->arena, b.data);
	buf_free(&b);
	return out;
}

static int list_by_ids(api *x, list_state *st, const char *text)
{
	http_req *r = x->r;
	const char *p = text;
	int n = 0;
	list_begin(x, "service_requests");
	while (*p && n < REPORT_IDS_MAX) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int64_t id;
		report rep;
		char *one = arena_strndup(r->arena, p, len);
		p += len + (end != NULL);
		if (str_to_int64(one, &id) != 0 || id <= 0)
			continue;
		int rc = report_get(web_db(r), r->arena, id, &rep);
		if (rc < 0)
			return api_error(x, 500, "database error");
		if (rc == 1)
			add_request(st, &rep);
		n++;
	}
	if (st->failed)
		return api_error(x, 500, "database error");
	return list_end(x, 200);
}

/* Reads the filters of GET requests into *q. Returns NULL, or the error text. */
static const char *read_query(http_req *r, report_query *q)
{
	/* "Now" to the minute, so that an answer is the same for a whole minute (answer_cache.c). */
	int64_t now = web_now() / 60 * 60, start = 0, end = 0, after = 0, before = 0, page = 1, size = REPORT_PAGE_SIZE_MAX;
	bool has_start, has_end, has_after, has_before, has_lat, has_lon, has_radius;
	double lat = 0, lon = 0, radius = 0;
	if (time_param(r, "start_date", &start, &has_start) != 0)
		return "start_date is not a valid date (use ISO 8601, e.g. 2026-11-25T10:00:00+01:00)";
	if (time_param(r, "end_date", &end, &has_end) != 0)
		return "end_date is not a valid date (use ISO 8601, e.g. 2026-11-25T10:00:00+01:00)";
	if (time_param(r, "updated_after", &after, &has_after) != 0)
		return "updated_after is not a valid date";
	if (time_param(r, "updated_before", &before, &has_before) != 0)
		return "updated_before is not a valid date";
	/* Default: the last 90 days, or 90 days up to end_date. */
	q->end = has_end ? end : INT64_MAX;
	q->start = has_start ? start : (has_end ? end : now) - REPORT_DEFAULT_DAYS * 86400LL;
	if (has_start && has_end && start > end)
		return "start_date is after end_date";
	q->updated_after = has_after ? after : INT64_MIN;
	q->updated_before = has_before ? before : INT64_MAX;
	const char *codes = param(r, "service_code");
	q->codes = codes ? code_list(r, codes) : "";
	const char *status = param(r, "status");
	q->open = -1;
	if (status) {
		bool open = strstr(status, "open") != NULL, closed = strstr(status, "closed") != NULL;
		if (!open && !closed)
			return "status must be open, closed or both";
		q->open = open && closed ? -1 : open;
	}
	const char *v;
	if ((v = param(r, "page")) && (str_to_int64(v, &page) != 0 || page < 1 || page > 1000000))
		return "page must be a whole number from 1";
	if ((v = param(r, "page_size")) && (str_to_int64(v, &size) != 0 || size < 1))
		return "page_size must be a whole number from 1";
	if (size > REPORT_PAGE_SIZE_MAX)
		size = REPORT_PAGE_SIZE_MAX;
	q->limit = size;
	q->offset = (page - 1) * size;
	if (number_param(r, "lat", &lat, &has_lat) != 0 || number_param(r, "long", &lon, &has_lon) != 0 ||
	    number_param(r, "radius", &radius, &has_radius) != 0)
		return "lat, long and radius must be numbers";
	if (has_lat || has_lon || has_radius) {
		if (!has_lat || !has_lon || fabs(lat) > 90 || fabs(lon) > 180)
			return "lat and long must both be given, in WGS84 degrees";
		if (!has_radius)
			radius = 1000;
		if (radius <= 0 || radius > RADIUS_MAX_METRES)
			return "radius must be between 0 and 50000 metres";
		q->radius = true;
		q->lat = lat;
		q->lon = lon;
		q->metres = radius;
	}
	if ((v = param(r, "bbox")) && report_parse_bbox(v, q) != 0)
		return "bbox must be min_long,min_lat,max_long,max_lat";
	return NULL;
}

static bool wants_extensions(http_req *r)
{
	const char *v = param(r, "extensions");
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int requests_list(api *x)
{
	http_req *r = x->r;
	list_state st = { r, x, NULL, wants_extensions(r), 0, NULL, NULL };
	const char *ids = param(r, "service_request_id");
	if (ids)
		return list_by_ids(x, &st, ids);
	report_query q = { 0 };
	const char *problem = read_query(r, &q);
	if (problem)
		return api_error(x, 400, problem);
	list_begin(x, "service_requests");
	st.row = arena_new();
	int rc = report_search(web_db(r), &q, add_request, &st);
	arena_free(st.row);
	if (rc != 0 || st.failed)
		return api_error(x, 500, "database error");
	return list_end(x, 200);
}

/* GET /open311/v2/requests/{id}.{fmt} */
static int api_request_one(http_req *r)
{
	api x;
	int64_t id;
	report rep;
	if (api_init(r, http_param(r, "file"), &x) != 0)
		return api_error(&x, 404, "unknown format");
	if (!jurisdiction_ok(r))
		return api_error(&x, 404, "jurisdiction_id not found");
	int rc = str_to_int64(x.name, &id) == 0 && id > 0 ? report_get(web_db(r), r->arena, id, &rep) : 0;
	if (rc < 0)
		return api_error(&x, 500, "database error");
	if (rc == 0)
		return api_error(&x, 404, "service_request_id not found");
	list_state st = { r, &x, NULL, wants_extensions(r), 0, NULL, NULL };
	list_begin(&x, "service_requests");
	add_request(&st, &rep);
	if (st.failed)
		return api_error(&x, 500, "database error");
	return list_end(&x, 200);
}

/* GET /open311/v2/tokens/{token}.{fmt} */
static int api_token(http_req *r)
{
	api x;
	int64_t id;
	if (api_init(r, http_param(r, "file"), &x) != 0)
		return api_error(&x, 404, "unknown format");
	if (!jurisdiction_ok(r))
		return api_error(&x, 404, "jurisdiction_id not found");
	int rc = report_code_valid(x.name) ? report_by_token(web_db(r), x.name, &id) : 0;
	if (rc < 0)
		return api_error(&x, 500, "database error");
	if (rc == 0)
		return api_error(&x, 404, "token not found");
	json_t *list = json_array(), *o = json_object();
	json_object_set_new(o, "service_request_id", json_string(arena_printf(r->arena, "%lld", (long long)id)));
	json_object_set_new(o, "token", json_string(x.name));
	json_array_append_new(list, o);
	return api_send(&x, 200, "service_requests", list);
}

static int add_update(void *ud, const report_update *u)
{
	list_state *st = ud;
	arena *a = st->r->arena;
	json_t *o = json_object();
	json_object_set_new(o, "update_id", json_string(arena_printf(a, "%lld", (long long)u->id)));
	json_object_set_new(o, "service_request_id", json_string(arena_printf(a, "%lld", (long long)u->report_id)));
	json_object_set_new(o, "status", json_string(report_statuses[u->status].detailed));
	json_object_set_new(o, "updated_datetime", json_string(report_iso_time(a, u->at)));
	json_object_set_new(o, "description", json_string(u->text));
	json_object_set_new(o, "media_url", json_string(""));
	list_item(st->x, o);
	return 0;
}

static int request_updates(api *x)
{
	http_req *r = x->r;
	int64_t start = 0, end = 0;
	bool has_start, has_end;
	if (time_param(r, "start_date", &start, &has_start) != 0 || time_param(r, "end_date", &end, &has_end) != 0)
		return api_error(x, 400, "start_date and end_date must be ISO 8601 dates");
	if (!has_end)
		end = INT64_MAX;
	if (!has_start)
		start = (has_end ? end : web_now() / 60 * 60) - REPORT_DEFAULT_DAYS * 86400LL;
	list_state st = { r, x, NULL, false, 0, NULL, NULL };
	list_begin(x, "service_request_updates");
	if (report_public_updates(web_db(r), r->arena, 0, start, end, REPORT_PAGE_SIZE_MAX, add_update, &st) != 0)
		return api_error(x, 500, "database error");
	return list_end(x, 200);
}

/* GET /open311/v2/{resource}.{fmt}: discovery, services, requests, servicerequestupdates. */
static int api_get(http_req *r)
{
	api x;
	if (api_init(r, http_param(r, "file"), &x) != 0)
		return api_error(&x, 404, "unknown format");
	if (!jurisdiction_ok(r))
		return api_error(&x, 404, "jurisdiction_id not found");
	if (strcmp(x.name, "discovery") == 0)
		return discovery(&x);
	if (strcmp(x.name, "services") == 0)
		return services(&x);
	if (strcmp(x.name, "requests") == 0)
		return requests_list(&x);
	if (strcmp(x.name, "servicerequestupdates") == 0)
		return request_updates(&x);
	return api_error(&x, 404, "no such resource");
}

/* ---- POST requests ---- */

static const char SQL_KEY[] = "SELECT id FROM report_api_keys WHERE key_hash = ? AND revoked_at IS NULL";

/* The id of a valid API key, 0 when it is not one, -1 on error. */
static int64_t api_key_id(http_req *r)
{
	const char *key = param(r, "api_key");
	if (key == NULL || strlen(key) > 200)
		return 0;
	db_stmt *s = db_prepare(web_db(r), SQL_KEY);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, report_token_hash(r->arena, key));
	int rc = db_step(s);
	if (rc == DB_ERROR)
		return -1;
	if (rc == DB_DONE)
		return 0;
	int64_t id = db_column_int(s, 0);
	db_step(s);
	return id;
}

/* Finds an attribute of c by code, NULL when there is none. */
static const report_attribute *attribute_of(const report_category *c, const char *code)
{
	for (size_t i = 0; i < c->attribute_count; i++)
		if (strcmp(c->attributes[i].code, code) == 0)
			return &c->attributes[i];
	return NULL;
}

static bool choice_ok(const report_attribute *at, const char *value)
{
	for (size_t i = 0; i < at->choice_count; i++)
		if (strcmp(at->choices[i].key, value) == 0)
			return true;
	return false;
}

const char *report_check_values(arena *a, const report_category *c, const http_kv *fields, report_new *out)
{
	size_t n = 0;
	for (const http_kv *f = fields; f; f = f->next)
		n++;
	out->values = arena_alloc(a, (n + 1) * sizeof(*out->values));
	out->value_count = 0;
	for (const http_kv *f = fields; f; f = f->next) {
		if (!str_starts_with(f->name, "attribute[") || *f->value == '\0')
			continue;
		const char *start = f->name + strlen("attribute[");
		const char *close = strchr(start, ']');
		if (close == NULL || !(close[1] == '\0' || strcmp(close + 1, "[]") == 0))
			return "attribute names must be attribute[code] or attribute[code][]";
		char *code = arena_strndup(a, start, (size_t)(close - start));
		const report_attribute *at = attribute_of(c, code);
		if (at == NULL)
			return arena_printf(a, "attribute %s is not one of this service", report_code_valid(code) ? code : "?");
		if (webform_has_control(f->value, strcmp(at->datatype, "text") == 0) ||
		    webform_chars(f->value) > REPORT_LINE_MAX_CHARS * (strcmp(at->datatype, "text") == 0 ? 20 : 1))
			return arena_printf(a, "attribute %s is too long or holds control characters", at->code);
		if (at->choice_count > 0 && !choice_ok(at, f->value))
			return arena_printf(a, "attribute %s has no value %s", at->code,
					    report_code_valid(f->value) ? f->value : "given");
		if (strcmp(at->datatype, "number") == 0) {
			char *end;
			strtod(f->value, &end);
			if (*end != '\0')
				return arena_printf(a, "attribute %s must be a number", at->code);
		}
		if (strcmp(at->datatype, "datetime") == 0) {
			int64_t t;
			if (report_parse_time(f->value, &t) != 0)
				return arena_printf(a, "attribute %s must be an ISO 8601 date", at->code);
		}
		out->values[out->value_count++] = (report_value){ at->code, f->value };
	}
	for (size_t i = 0; i < c->attribute_count; i++) {
		if (!c->attributes[i].required)
			continue;
		bool found = false;
		for (size_t k = 0; k < out->value_count && !found; k++)
			found = strcmp(out->values[k].code, c->attributes[i].code) == 0;
		if (!found)
			return arena_printf(a, "attribute %s is required", c->attributes[i].code);
	}
	return NULL;
}

/* A one-line personal field: at most REPORT_LINE_MAX_CHARS, no control characters. */
static const char *line_param(http_req *r, const char *name, const char **problem)
{
	const char *v = param(r, name);
	if (v && (webform_has_control(v, false) || webform_chars(v) > REPORT_LINE_MAX_CHARS))
		*problem = arena_printf(r->arena, "%s is too long or holds control characters", name);
	return v ? v : "";
}

/* Reads and checks a POST requests body into *n. Returns NULL, or the error text. */
static const char *read_new(http_req *r, report_category *c, report_new *n)
{
	arena *a = r->arena;
	const char *problem = NULL;
	const char *code = param(r, "service_code");
	if (code == NULL)
		return "service_code is missing";
	int rc = report_code_valid(code) ? report_category_find(web_db(r), a, code, c) : 0;
	if (rc < 0)
		return "database error";
	if (rc == 0 || !c->active)
		return "service_code not found";
	n->category = c;
	double lat = 0, lon = 0;
	bool has_lat, has_lon;
	if (number_param(r, "lat", &lat, &has_lat) != 0 || number_param(r, "long", &lon, &has_lon) != 0)
		return "lat and long must be numbers";
	const char *address = param(r, "address_string"), *address_id = param(r, "address_id");
	if (has_lat != has_lon)
		return "lat and long must be given together";
	if (!has_lat && address == NULL && address_id == NULL)
		return "a location is required: lat and long, address_string or address_id";
	if (address && (webform_has_control(address, false) || webform_chars(address) > AREA_PLACE_TEXT_MAX_CHARS))
		return "address_string is too long or holds control characters";
	n->address = address ? address : address_id ? address_id : "";
	if (has_lat) {
		if (fabs(lat) > 90 || fabs(lon) > 180)
			return "lat and long must be WGS84 degrees";
		area_match m;
		int where = area_locate(web_db(r), lat, lon, &m);
		if (where < 0)
			return "database error";
		if (where == AREA_OUTSIDE)
			return "the location is outside the municipality";
		n->has_point = true;
		n->lat = lat;
		n->lon = lon;
		n->area_id = where == AREA_FOUND ? m.id : 0;
	}
	const char *description = param(r, "description");
	n->description = description ? description : "";
	if (webform_has_control(n->description, true) || webform_chars(n->description) > REPORT_DESCRIPTION_MAX_CHARS)
		return "description must be at most 4000 characters without control characters";
	const char *first = line_param(r, "first_name", &problem), *last = line_param(r, "last_name", &problem);
	const char *name = line_param(r, "name", &problem);
	n->name = *name ? name : (*first && *last) ? arena_printf(a, "%s %s", first, last) : *first ? first : last;
	n->email = line_param(r, "email", &problem);
	n->phone = line_param(r, "phone", &problem);
	n->device_id = line_param(r, "device_id", &problem);
	n->account_id = line_param(r, "account_id", &problem);
	if (problem)
		return problem;
	/* Lists come from the body, or from the query when the body is empty. */
	const http_kv *fields = r->form ? r->form : r->query;
	size_t urls = 0;
	for (const http_kv *f = fields; f; f = f->next)
		urls += strcmp(f->name, "media_url") == 0 && *f->value;
	n->media_urls = arena_alloc(a, (urls + 1) * sizeof(*n->media_urls));
	for (const http_kv *f = fields; f; f = f->next) {
		if (strcmp(f->name, "media_url") != 0 || *f->value == '\0')
			continue;
		if (!(str_starts_with(f->value, "https://") || str_starts_with(f->value, "http://")) ||
		    strlen(f->value) > MEDIA_URL_MAX_BYTES || webform_has_control(f->value, false) ||
		    strpbrk(f->value, " <>\"") != NULL)
			return "media_url must be an http or https URL";
		if (n->media_url_count == REPORT_PHOTOS_MAX)
			return "at most 5 media_url";
		n->media_urls[n->media_url_count++] = f->value;
	}
	return report_check_values(a, c, fields, n);
}

/* The file fields a photo may come in: "media" (GeoReport v2.1 draft),
 * "media[]" as several clients repeat it, and "photo" (FixMyStreet's apps). */
static const char *const media_fields[] = { "media", "media[]", "photo", NULL };

/* POST /open311/v2/requests.{fmt}: urlencoded, or multipart with photos in
 * media_fields, re-encoded and stripped as the web form's are (photo.c). */
static int api_post(http_req *r)
{
	api x;
	report_category c;
	report_new n = { .source = "api", .lang = web(r)->lang };
	int64_t id;
	const char *token, *follow;
	if (api_init(r, http_param(r, "file"), &x) != 0 || strcmp(x.name, "requests") != 0)
		return api_error(&x, 404, "no such resource");
	if (!jurisdiction_ok(r))
		return api_error(&x, 404, "jurisdiction_id not found");
	int64_t key = api_key_id(r);
	if (key < 0)
		return api_error(&x, 500, "database error");
	if (key == 0)
		return api_error(&x, 403, "api_key is missing or not valid");
	n.api_key_id = key;
	const char *problem = read_new(r, &c, &n);
	if (problem) {
		/* The specification's errors: an unknown service_code is a missing resource. */
		int status = strcmp(problem, "database error") == 0 ? 500 : strcmp(problem, "service_code not found") == 0 ? 404 : 400;
		return api_error(&x, status, problem);
	}
	const char **photos;
	size_t photo_count;
	switch (report_photos_receive(r, media_fields, REPORT_PHOTOS_MAX - n.media_url_count, &photos, &photo_count)) {
	case REPORT_UPLOAD_OK:
		break;
	case REPORT_UPLOAD_TOO_MANY:
		return api_error(&x, 400, "at most 5 photos: media files and media_url together");
	case REPORT_UPLOAD_NOT_IMAGE:
		return api_error(&x, 400, "media must be a JPEG, PNG, WebP or HEIC image of at most 40 megapixels");
	default: /* the photo helper or the disk failed: nothing the client sent is wrong */
		return api_error(&x, 503, "the photo could not be stored");
	}
	db_conn *conn = web_db(r);
	int64_t now = web_now();
	if (db_begin_write(conn) != 0 || report_insert(conn, r->arena, &n, now, &id, &token, &follow) != 0 ||
	    report_photos_attach(conn, id, now, photos, photo_count) != 0 || db_commit(conn) != 0) {
		db_rollback(conn);
		return api_error(&x, 500, "database error");
	}
	/* Exactly the specification's answer: service_request_id (the id is known
	 * at once: every service is "realtime", so no token is handed out; the
	 * follow-up token is the web form's and never leaves it), service_notice,
	 * and account_id (null unless the client sent one). 200, as in the
	 * specification; FixMyStreet and other clients accept any 2xx. */
	json_t *list = json_array(), *o = json_object();
	json_object_set_new(o, "service_request_id", json_string(arena_printf(r->arena, "%lld", (long long)id)));
	json_object_set_new(o, "service_notice", json_string(""));
	json_object_set_new(o, "account_id", *n.account_id ? json_string(n.account_id) : json_null());
	json_array_append_new(list, o);
	return api_send(&x, 200, "service_requests", list);
}

/* The public reads through the answer cache. Tokens are not cached: a token
 * is the web form's personal follow-up key. */
static int api_get_cached(http_req *r)
{
	return web_answer_cached(r, api_get);
}

static int api_service_definition_cached(http_req *r)
{
	return web_answer_cached(r, api_service_definition);
}

static int api_request_one_cached(http_req *r)
{
	return web_answer_cached(r, api_request_one);
}

/* The API; every call also answers with a GeoReport error body. */
const http_route open311_routes[] = {
	{ "GET", "/open311/v2/{file}", api_get_cached, 0, 0 },
	{ "POST", "/open311/v2/{file}", api_post, ROUTE_NO_CSRF | ROUTE_UPLOAD, 0 },
	{ "GET", "/open311/v2/services/{file}", api_service_definition_cached, 0, 0 },
	{ "GET", "/open311/v2/requests/{file}", api_request_one_cached, 0, 0 },
	{ "GET", "/open311/v2/tokens/{file}", api_token, 0, 0 },
};
const size_t open311_route_count = ARRAY_LEN(open311_routes);
