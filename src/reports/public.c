/*
 * public.c — the public list of fault reports (/felanmalan/lista, filtered by
 * category, status, area and time), each report's public page with its
 * public history (/felanmalan/arende/{id}), and Atom feeds per area and per
 * category (/felanmalan/flode). Only what the API shows is shown here: never
 * the reporter's name, e-mail or phone, nor staff's internal notes or what
 * the resident added privately.
 *
 * The list page also carries a map (static/js/report_map.js over the areas'
 * map.js) whose markers come from /felanmalan/karta.geojson: the same
 * filters plus a bounding box, at most MAP_LIMIT points, and per point only
 * its number, category, status and link. The map is an enhancement: the
 * list is the content, and without JavaScript it is all there is.
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

#define LIST_LIMIT 200
#define MAP_LIMIT 500
#define FEED_LIMIT 50

/* The filters of the list and the feed, from the query. */
static void read_filters(http_req *r, report_query *q)
{
	const char *code = http_query(r, "kategori"), *status = http_query(r, "status"), *area_text = http_query(r, "omrade");
	const char *from = http_query(r, "fran"), *to = http_query(r, "till");
	int64_t t;
	*q = (report_query){ .start = 0, .end = INT64_MAX, .updated_after = INT64_MIN, .updated_before = INT64_MAX,
			     .codes = "", .open = -1, .limit = LIST_LIMIT };
	if (code && *code)
		q->codes = report_code_valid(code) ? arena_printf(r->arena, ",%s,", code) : ",-,";
	if (status && strcmp(status, "open") == 0)
		q->open = 1;
	else if (status && strcmp(status, "closed") == 0)
		q->open = 0;
	if (area_text && *area_text && (str_to_int64(area_text, &q->area_id) != 0 || q->area_id < 0))
		q->area_id = -1; /* matches none */
	/* A date is a day as people here count it (config timezone), as on the
	 * staff's inbox and in the times shown; a full time is taken as it is. */
	if (from && (report_parse_day(from, 0, &t) == 0 || report_parse_time(from, &t) == 0))
		q->start = t;
	if (to && report_parse_day(to, 1, &t) == 0)
		q->end = t - 1; /* to the end of that day */
	else if (to && report_parse_time(to, &t) == 0)
		q->end = t;
}

typedef struct list_state {
	http_req *r;
	json_t *list;
} list_state;

static int add_row(void *ud, const report *rep)
{
	list_state *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rep->id));
	json_object_set_new(o, "category", json_string(report_english(st->r) ? rep->category_name_en : rep->category_name_sv));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[rep->status].label)));
	json_object_set_new(o, "area", json_string(rep->area_name));
	json_object_set_new(o, "requested", json_string(web_format_time(st->r, rep->requested_at)));
	json_object_set_new(o, "description", json_string(rep->description));
	json_array_append_new(st->list, o);
	return 0;
}

/* GET /felanmalan/lista */
static int list_page(http_req *r)
{
	report_query q;
	report_category *cats;
	read_filters(r, &q);
	list_state st = { r, json_array() };
	json_t *d = json_object();
	int n = report_category_list(web_db(r), r->arena, &cats);
	if (n < 0 || report_search(web_db(r), &q, add_row, &st) != 0) {
		json_decref(st.list);
		return webform_failed(r, d);
	}
	const char *code = http_query(r, "kategori");
	json_t *categories = json_array();
	for (int i = 0; i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "code", json_string(cats[i].code));
		json_object_set_new(c, "name", json_string(report_english(r) ? cats[i].name_en : cats[i].name_sv));
		json_object_set_new(c, "selected", json_boolean(code && strcmp(code, cats[i].code) == 0));
		json_array_append_new(categories, c);
	}
	json_object_set_new(d, "title", json_string(T(r, "Anmälda fel")));
	json_object_set_new(d, "reports", st.list);
	json_object_set_new(d, "categories", categories);
	json_object_set_new(d, "open", json_boolean(q.open == 1));
	json_object_set_new(d, "closed", json_boolean(q.open == 0));
	const char *from = http_query(r, "fran"), *to = http_query(r, "till");
	json_object_set_new(d, "from", json_string(from ? from : ""));
	json_object_set_new(d, "to", json_string(to ? to : ""));
	json_t *map = area_map_json(r);
	json_object_set_new(map, "label", json_string(T(r, "Karta med felanmälningarna i listan. Samma uppgifter finns i tabellen.")));
	json_object_set_new(d, "map", map);
	json_object_set_new(d, "markers", json_string(r->raw_query && *r->raw_query
							      ? arena_printf(r->arena, "/felanmalan/karta.geojson?%s", r->raw_query)
							      : "/felanmalan/karta.geojson"));
	json_object_set_new(d, "feed", json_string(r->raw_query && *r->raw_query
							   ? arena_printf(r->arena, "/felanmalan/flode?%s", r->raw_query)
							   : "/felanmalan/flode"));
	return web_render(r, 200, "reports/list", d);
}

typedef struct map_state {
	http_req *r;
	size_t count; /* markers seen (the one past MAP_LIMIT is not written) */
} map_state;

static int add_marker(void *ud, const report *rep)
{
	map_state *st = ud;
	http_req *r = st->r;
	if (!rep->has_point || ++st->count > MAP_LIMIT)
		return 0;
	json_t *f = json_object(), *g = json_object(), *xy = json_array(), *p = json_object();
	json_array_append_new(xy, json_real(rep->lon));
	json_array_append_new(xy, json_real(rep->lat));
	json_object_set_new(g, "type", json_string("Point"));
	json_object_set_new(g, "coordinates", xy);
	json_object_set_new(p, "id", json_integer(rep->id));
	json_object_set_new(p, "category", json_string(report_english(r) ? rep->category_name_en : rep->category_name_sv));
	json_object_set_new(p, "status", json_string(T(r, report_statuses[rep->status].label)));
	json_object_set_new(p, "open", json_boolean(report_statuses[rep->status].open));
	json_object_set_new(p, "url", json_string(arena_printf(r->arena, "/felanmalan/arende/%lld", (long long)rep->id)));
	json_object_set_new(f, "type", json_string("Feature"));
	json_object_set_new(f, "geometry", g);
	json_object_set_new(f, "properties", p);
	/* Each feature goes into the answer at once: the collection is never one tree. */
	if (st->count > 1)
		buf_putc(&r->body, ',');
	if (json_dump_callback(f, report_json_append, &r->body, JSON_COMPACT | JSON_REAL_PRECISION(10)) != 0)
		fatal("out of memory");
	json_decref(f);
	return 0;
}

int report_parse_bbox(const char *text, report_query *q)
{
	double b[4];
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		char *end;
		errno = 0;
		b[i] = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(b[i]) || *end != (i < 3 ? ',' : '\0'))
			return -1;
		p = end + 1;
	}
	if (b[0] > b[2] || b[1] > b[3])
		return -1;
	q->min_lon = b[0];
	q->min_lat = b[1];
	q->max_lon = b[2];
	q->max_lat = b[3];
	q->bbox = true;
	return 0;
}

/* GET /felanmalan/karta.geojson?…&bbox=min_lon,min_lat,max_lon,max_lat: the
 * markers of the list's reports as a GeoJSON FeatureCollection, newest first,
 * at most MAP_LIMIT ("truncated": true when more match: zoom in). */
static int map_data(http_req *r)
{
	report_query q;
	read_filters(r, &q);
	/* Only reports with a point; the whole world unless a box is given. */
	q.bbox = true;
	q.min_lon = -180;
	q.min_lat = -90;
	q.max_lon = 180;
	q.max_lat = 90;
	q.limit = MAP_LIMIT + 1;
	const char *bbox = http_query(r, "bbox");
	if (bbox && *bbox && report_parse_bbox(bbox, &q) != 0) {
		r->content_type = "text/plain; charset=utf-8";
		buf_puts(&r->body, T(r, "bbox ska vara min_lon,min_lat,max_lon,max_lat."));
		return 400;
	}
	map_state st = { r, 0 };
	buf_reset(&r->body);
	buf_puts(&r->body, "{\"type\":\"FeatureCollection\",\"features\":[");
	if (report_search(web_db(r), &q, add_marker, &st) != 0) {
		buf_reset(&r->body);
		return 500;
	}
	buf_printf(&r->body, "],\"truncated\":%s}", st.count > MAP_LIMIT ? "true" : "false");
	r->content_type = "application/geo+json; charset=utf-8";
	return 200;
}

typedef struct history_state {
	http_req *r;
	json_t *list;
} history_state;

static int add_history(void *ud, const report_update *u)
{
	history_state *st = ud;
	json_t *o = json_object();
	json_object_set_new(o, "at", json_string(web_format_time(st->r, u->at)));
	json_object_set_new(o, "status", json_string(T(st->r, report_statuses[u->status].label)));
	json_object_set_new(o, "text", json_string(u->text));
	json_array_append_new(st->list, o);
	return 0;
}

json_t *report_history_json(http_req *r, int64_t id)
{
	history_state st = { r, json_array() };
	if (report_public_updates(web_db(r), r->arena, id, 0, INT64_MAX, 200, add_history, &st) != 0) {
		json_decref(st.list);
		return NULL;
	}
	return st.list;
}

/* GET /felanmalan/arende/{id}: one report and its public history. */
static int report_page(http_req *r)
{
	int64_t id;
	report rep;
	int rc = str_to_int64(http_param(r, "id"), &id) == 0 && id > 0 ? report_get(web_db(r), r->arena, id, &rep) : 0;
	if (rc < 0)
		return webform_failed(r, NULL);
	if (rc == 0)
		return web_error(r, 404, T(r, "Felanmälan finns inte."));
	json_t *d = json_object(), *history = report_history_json(r, rep.id);
	if (history == NULL)
		return webform_failed(r, d);
	json_object_set_new(d, "title", json_string(arena_printf(r->arena, "%s %lld", T(r, "Felanmälan"), (long long)rep.id)));
	json_object_set_new(d, "id", json_integer(rep.id));
	json_object_set_new(d, "category", json_string(report_english(r) ? rep.category_name_en : rep.category_name_sv));
	json_object_set_new(d, "status", json_string(T(r, report_statuses[rep.status].label)));
	json_object_set_new(d, "area", json_string(rep.area_name));
	json_object_set_new(d, "address", json_string(rep.address));
	json_object_set_new(d, "requested", json_string(web_format_time(r, rep.requested_at)));
	json_object_set_new(d, "description", json_string(rep.description));
	json_object_set_new(d, "supporters", json_integer(rep.supporters));
	if (rep.duplicate_of > 0)
		json_object_set_new(d, "duplicate_of", json_integer(rep.duplicate_of));
	json_object_set_new(d, "history", history);
	return web_render(r, 200, "reports/public", d);
}

typedef struct feed_state {
	http_req *r;
	buf *out;
	const char *origin;
} feed_state;

static void element(buf *out, const char *name, const char *text)
{
	buf_printf(out, "<%s>", name);
	report_xml_escape(out, text, strlen(text));
	buf_printf(out, "</%s>", name);
}

static int add_entry(void *ud, const report *rep)
{
	feed_state *st = ud;
	http_req *r = st->r;
	const char *url = arena_printf(r->arena, "%s/felanmalan/arende/%lld", st->origin, (long long)rep->id);
	buf_puts(st->out, "<entry>");
	element(st->out, "id", url);
	element(st->out, "title", arena_printf(r->arena, "%s: %s (%s)", rep->category_name_sv, T(r, report_statuses[rep->status].label),
					       *rep->area_name ? rep->area_name : "–"));
	element(st->out, "updated", report_iso_time(r->arena, rep->updated_at));
	element(st->out, "published", report_iso_time(r->arena, rep->requested_at));
	buf_puts(st->out, "<link rel=\"alternate\" type=\"text/html\" href=\"");
	report_xml_escape(st->out, url, strlen(url));
	buf_puts(st->out, "\"/>");
	element(st->out, "summary", *rep->status_notes ? arena_printf(r->arena, "%s\n\n%s", rep->description, rep->status_notes)
						      : rep->description);
	buf_puts(st->out, "</entry>");
	return 0;
}

/* GET /felanmalan/flode?kategori=…&omrade=…: an Atom feed of the newest reports. */
static int feed(http_req *r)
{
	report_query q;
	read_filters(r, &q);
	q.limit = FEED_LIMIT;
	feed_state st = { r, &r->body, report_site_origin(r) };
	const char *self = arena_printf(r->arena, "%s/felanmalan/flode%s%s", st.origin, *r->raw_query ? "?" : "", r->raw_query);
	buf_puts(&r->body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">");
	element(&r->body, "id", self);
	element(&r->body, "title", arena_printf(r->arena, "%s – %s", web_setting(r, "site_name", "Trygg"), T(r, "Anmälda fel")));
	element(&r->body, "updated", report_iso_time(r->arena, web_now()));
	buf_puts(&r->body, "<link rel=\"self\" href=\"");
	report_xml_escape(&r->body, self, strlen(self));
	buf_puts(&r->body, "\"/>");
	if (report_search(web_db(r), &q, add_entry, &st) != 0) {
		buf_reset(&r->body);
		return 500;
	}
	buf_puts(&r->body, "</feed>\n");
	r->content_type = "application/atom+xml; charset=utf-8";
	return 200;
}

/* The map's data and the feed through the answer cache. The HTML pages are
 * not cached: they hold the visitor's CSRF token and the staff links. */
static int feed_cached(http_req *r)
{
	return web_answer_cached(r, feed);
}

static int map_data_cached(http_req *r)
{
	return web_answer_cached(r, map_data);
}

const http_route report_public_routes[] = {
	{ "GET", "/felanmalan/lista", list_page, 0, 0 },
	{ "GET", "/felanmalan/arende/{id}", report_page, 0, 0 },
	{ "GET", "/felanmalan/flode", feed_cached, 0, 0 },
	{ "GET", "/felanmalan/karta.geojson", map_data_cached, 0, 0 },
};
const size_t report_public_route_count = ARRAY_LEN(report_public_routes);
