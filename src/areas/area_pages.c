/*
 * area_pages.c — the areas on the web (see area.h):
 *   /omraden            the public list of areas with a map
 *   /omraden.geojson    the areas and the boundary, which every map draws
 *   /omraden/punkt      "which area is this point in", for the place chooser
 *   /personal/omraden   staff: the areas, the import form and its report,
 *                       editing one area, and trying the place chooser
 * and the data of the map and place chooser partials that other services'
 * pages use. Every change is written to the audit log.
 */
#include "areas/area.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AREAS_PATH "/omraden"
#define GEOJSON_PATH "/omraden.geojson"
#define LOCATE_PATH "/omraden/punkt"
#define STAFF_PATH "/personal/omraden"

const char *const area_place_problem_text[AREA_PLACE__MAX] = {
	[AREA_PLACE_OK] = "",
	[AREA_PLACE_MISSING] = N_("Välj ett område, klicka på kartan eller beskriv platsen."),
	[AREA_PLACE_UNKNOWN_AREA] = N_("Välj ett av områdena i listan."),
	[AREA_PLACE_BAD_POINT] = N_("Platsen på kartan kunde inte läsas. Välj ett område i listan i stället."),
	[AREA_PLACE_OUTSIDE] = N_("Platsen ligger utanför kommunen. Välj en plats i kommunen."),
	[AREA_PLACE_TEXT_LONG] = N_("Beskrivningen av platsen får vara högst 300 tecken."),
	[AREA_PLACE_DB_ERROR] = N_("Ett tekniskt fel uppstod. Försök igen om en stund."),
};

/* ---- helpers ---- */

/* Logs a database failure and answers with the error page. Takes d. */
static int page_failed(http_req *r, json_t *d)
{
	fprintf(stderr, "trygg: %s %s: database error: %s\n", r->method, r->path, db_errmsg(web_db(r)));
	json_decref(d);
	return 500;
}

/* A population for people: digits in groups of three ("12 345", in English
 * "12,345"), "–" when unknown. */
static const char *population_text(http_req *r, int64_t population)
{
	if (population < 0)
		return "–";
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)population);
	const char *separator = strcmp(web(r)->lang, "en") == 0 ? "," : "\xc2\xa0"; /* no-break space */
	buf b = BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf_puts(&b, separator);
		buf_putc(&b, digits[i]);
	}
	const char *out = arena_strdup(r->arena, b.data);
	buf_free(&b);
	return out;
}

/* Reads degrees from text: a number within ±limit. 0, or -1. */
static int parse_degrees(const char *text, double limit, double *out)
{
	char *end;
	if (text == NULL || *text == '\0')
		return -1;
	*out = strtod(text, &end);
	return *end == '\0' && isfinite(*out) && fabs(*out) <= limit ? 0 : -1;
}

/* Sends value (taken) as the JSON response body with status. */
static int send_json(http_req *r, int status, const char *content_type, json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT);
	json_decref(value);
	if (text == NULL)
		return 500;
	r->content_type = content_type;
	buf_puts(&r->body, text);
	buf_putc(&r->body, '\n');
	free(text);
	return status;
}

/* ---- the areas as rows for pages ---- */

typedef struct area_rows {
	http_req *r;
	json_t *rows;       /* one object per area */
	json_t *boundary;   /* the boundary's row, or NULL */
	bool approximate;   /* some area's borders are approximate */
	int64_t selected;   /* the area marked "selected" (place chooser) */
} area_rows;

static int area_row(void *ud, const area *a)
{
	area_rows *ar = ud;
	http_req *r = ar->r;
	json_t *row = json_object();
	json_object_set_new(row, "id", json_integer(a->id));
	json_object_set_new(row, "code", json_string(a->code));
	json_object_set_new(row, "name", json_string(a->name));
	json_object_set_new(row, "population", json_string(population_text(r, a->population)));
	json_object_set_new(row, "approximate", json_boolean(a->approximate));
	json_object_set_new(row, "selected", json_boolean(a->id == ar->selected));
	json_object_set_new(row, "href", json_string(arena_printf(r->arena, STAFF_PATH "/%lld", (long long)a->id)));
	ar->approximate |= a->approximate;
	if (a->boundary) {
		json_decref(ar->boundary);
		ar->boundary = row;
	} else {
		json_array_append_new(ar->rows, row);
	}
	return 0;
}

/* Reads the areas (and the boundary when flags say so) into ar. 0 or -1. */
static int area_rows_read(http_req *r, unsigned flags, int64_t selected, area_rows *ar)
{
	*ar = (area_rows){ r, json_array(), NULL, false, selected };
	if (area_each(web_db(r), flags, area_row, ar) == 0)
		return 0;
	json_decref(ar->rows);
	json_decref(ar->boundary);
	return -1;
}

/* Moves the rows of ar into d: areas, boundary, approximate, has_areas. */
static void area_rows_set(json_t *d, area_rows *ar)
{
	json_object_set_new(d, "has_areas", json_boolean(json_array_size(ar->rows) > 0));
	json_object_set_new(d, "areas", ar->rows);
	if (ar->boundary)
		json_object_set_new(d, "boundary", ar->boundary);
	json_object_set_new(d, "approximate", json_boolean(ar->approximate));
}

/* ---- the map and the place chooser, for every service ---- */

json_t *area_map_json(http_req *r)
{
	const char *tiles = web_app(r)->cfg->map_tile_url;
	json_t *m = json_object();
	/* Without Leaflet (libjs-leaflet not installed) pages show no map, only their lists. */
	bool available = strcmp(asset_url(web_app(r)->assets, "vendor/leaflet/leaflet.min.js"), "/static/missing") != 0;
	json_object_set_new(m, "available", json_boolean(available));
	json_object_set_new(m, "geojson", json_string(GEOJSON_PATH));
	json_object_set_new(m, "locate", json_string(LOCATE_PATH));
	json_object_set_new(m, "tiles", json_string(tiles ? tiles : ""));
	json_object_set_new(m, "osm", json_boolean(tiles && strstr(tiles, "openstreetmap.org")));
	json_object_set_new(m, "label", json_string(T(r, "Karta över kommunens områden. Samma uppgifter finns som text på sidan.")));
	return m;
}

json_t *area_place_json(http_req *r, const area_place *place, const char *error)
{
	area_rows ar;
	if (area_rows_read(r, 0, place ? place->area_id : 0, &ar) != 0)
		return NULL;
	json_decref(ar.boundary);
	json_t *d = json_object(), *map = area_map_json(r);
	json_object_set_new(map, "label", json_string(T(r, "Karta där du kan klicka för att välja platsen. Du kan också välja område i listan.")));
	json_object_set_new(d, "map", map);
	json_object_set_new(d, "areas", ar.rows);
	json_object_set_new(d, "approximate", json_boolean(ar.approximate));
	json_object_set_new(d, "text", json_string(place ? place->text : ""));
	bool point = place && place->has_point;
	json_object_set_new(d, "lat", json_string(point ? arena_printf(r->arena, "%.7f", place->lat) : ""));
	json_object_set_new(d, "lon", json_string(point ? arena_printf(r->arena, "%.7f", place->lon) : ""));
	if (error)
		json_object_set_new(d, "error", json_string(error));
	return d;
}

enum area_place_problem area_place_read(http_req *r, bool required, area_place *out)
{
	const char *area_text = webform_trimmed(r, "place_area");
	const char *lat = webform_trimmed(r, "place_lat"), *lon = webform_trimmed(r, "place_lon");
	memset(out, 0, sizeof(*out));
	out->text = webform_trimmed(r, "place_text");
	if (*area_text && (str_to_int64(area_text, &out->area_id) != 0 || out->area_id <= 0)) {
		out->area_id = 0;
		return AREA_PLACE_UNKNOWN_AREA;
	}
	if (*lat || *lon) {
		if (parse_degrees(lat, 90, &out->lat) != 0 || parse_degrees(lon, 180, &out->lon) != 0)
			return AREA_PLACE_BAD_POINT;
		out->has_point = true;
	}
	if (webform_chars(out->text) > AREA_PLACE_TEXT_MAX_CHARS)
		return AREA_PLACE_TEXT_LONG;
	if (out->has_point) {
		/* The point decides the area; the list follows it when JavaScript runs. */
		area_match m;
		int found = area_locate(web_db(r), out->lat, out->lon, &m);
		if (found < 0)
			return AREA_PLACE_DB_ERROR;
		if (found == AREA_OUTSIDE)
			return AREA_PLACE_OUTSIDE;
		if (found == AREA_FOUND)
			out->area_id = m.id;
	} else if (out->area_id) {
		area a;
		int found = area_find(web_db(r), r->arena, out->area_id, &a);
		if (found < 0)
			return AREA_PLACE_DB_ERROR;
		if (found == 0 || a.retired || a.boundary) {
			out->area_id = 0;
			return AREA_PLACE_UNKNOWN_AREA;
		}
	}
	if (required && out->area_id == 0 && !out->has_point && *out->text == '\0')
		return AREA_PLACE_MISSING;
	return AREA_PLACE_OK;
}

/* ---- public pages ---- */

/* GET /omraden — the areas with their population, and the map. */
static int areas_page(http_req *r)
{
	area_rows ar;
	if (area_rows_read(r, AREA_EACH_BOUNDARY, 0, &ar) != 0)
		return page_failed(r, NULL);
	json_t *d = json_object();
	area_rows_set(d, &ar);
	json_object_set_new(d, "map", area_map_json(r));
	json_object_set_new(d, "title", json_string(T(r, "Områden")));
	json_object_set_new(d, "municipality", json_string(web_setting(r, "municipality_name", "")));
	return web_render(r, 200, "areas", d);
}

static int geojson_feature(void *ud, const area *a)
{
	json_t *geometry = json_loads(a->geometry, 0, NULL);
	if (geometry == NULL)
		return 0; /* never stored so: every geometry was checked on import */
	json_t *props = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)a->id, "kind",
				  a->boundary ? "municipality" : "area", "code", a->code, "name", a->name,
				  "approximate", a->approximate);
	json_object_set_new(props, "population", a->population >= 0 ? json_integer(a->population) : json_null());
	json_array_append_new(ud, json_pack("{s:s, s:I, s:o, s:o}", "type", "Feature", "id", (json_int_t)a->id,
					    "properties", props, "geometry", geometry));
	return 0;
}

/* GET /omraden.geojson — the boundary (first) and the areas in use. */
static int geojson_page(http_req *r)
{
	json_t *features = json_array();
	if (area_each(web_db(r), AREA_EACH_BOUNDARY | AREA_EACH_GEOMETRY, geojson_feature, features) != 0) {
		json_decref(features);
		return page_failed(r, NULL);
	}
	http_set_header(r, "Cache-Control", "no-cache");
	return send_json(r, 200, "application/geo+json",
			 json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features));
}

/* GET /omraden/punkt?lat=…&lon=… — which area the point is in, as JSON:
 * {"result": "found", "area": {id, code, name, approximate}}, or
 * {"result": "outside"} or {"result": "unassigned"} (inside the boundary, in no area). */
static int locate_page(http_req *r)
{
	double lat, lon;
	area_match m;
	if (parse_degrees(http_query(r, "lat"), 90, &lat) != 0 || parse_degrees(http_query(r, "lon"), 180, &lon) != 0)
		return send_json(r, 400, "application/json",
				 json_pack("{s:s}", "error", "lat and lon must be WGS84 degrees, e.g. lat=57.74&lon=12.10"));
	int found = area_locate(web_db(r), lat, lon, &m);
	if (found < 0)
		return page_failed(r, NULL);
	static const char *const results[] = { [AREA_FOUND] = "found", [AREA_OUTSIDE] = "outside",
					       [AREA_UNASSIGNED] = "unassigned" };
	json_t *answer = json_pack("{s:s}", "result", results[found]);
	if (found == AREA_FOUND)
		json_object_set_new(answer, "area", json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)m.id, "code",
							      m.code, "name", m.name, "approximate", m.approximate));
	return send_json(r, 200, "application/json", answer);
}

/* ---- staff pages ---- */

/* Renders the staff page of the areas with what d already holds (errors,
 * the place chooser's result). Takes d. */
static int staff_render(http_req *r, int status, json_t *d)
{
	area_rows ar;
	if (area_rows_read(r, AREA_EACH_BOUNDARY, 0, &ar) != 0)
		return page_failed(r, d);
	area_rows_set(d, &ar);
	if (json_object_get(d, "place") == NULL) {
		json_t *place = area_place_json(r, NULL, NULL);
		if (place == NULL)
			return page_failed(r, d);
		json_object_set_new(d, "place", place);
	}
	json_object_set_new(d, "map", area_map_json(r));
	json_object_set_new(d, "can_edit", json_boolean(web_has_role(r, ROLE_ADMIN)));
	json_object_set_new(d, "title", json_string(T(r, "Områden")));
	return web_render(r, status, "personal/areas", d);
}

/* GET /personal/omraden */
static int staff_page(http_req *r)
{
	return staff_render(r, 200, json_object());
}

/* The reason an item of an import was rejected, for people. */
static const char *item_reason(http_req *r, const area_import_item *item)
{
	if (item->problem != AREA_GEOMETRY)
		return T(r, area_problem_text[item->problem]);
	buf b = BUF_INIT;
	buf_printf(&b, "%s %s", T(r, area_problem_text[AREA_GEOMETRY]), T(r, area_geo_problem_text[item->geo]));
	const geo_where *w = &item->where;
	if (w->polygon || w->ring || w->position) {
		/* "polygon", "ring" and "position" are the same words in Swedish and English. */
		buf_puts(&b, " (");
		if (w->polygon)
			buf_printf(&b, "polygon %zu%s", w->polygon, w->ring ? ", " : "");
		if (w->ring)
			buf_printf(&b, "ring %zu%s", w->ring, w->position ? ", " : "");
		if (w->position)
			buf_printf(&b, "position %zu", w->position);
		buf_putc(&b, ')');
	}
	const char *out = arena_strdup(r->arena, b.data);
	buf_free(&b);
	return out;
}

/* The report page of an import. */
static int import_report(http_req *r, int status, const area_import_report *rep)
{
	static const char *const outcomes[] = { [AREA_ADDED] = N_("Tillagt"), [AREA_UPDATED] = N_("Uppdaterat"),
						[AREA_REJECTED] = N_("Avvisat") };
	json_t *d = json_object(), *items = json_array();
	for (size_t i = 0; i < rep->read; i++) {
		const area_import_item *item = &rep->items[i];
		json_t *row = json_object();
		json_object_set_new(row, "index", json_integer((json_int_t)item->index));
		json_object_set_new(row, "name", json_string(*item->name ? item->name : "–"));
		json_object_set_new(row, "code", json_string(*item->code ? item->code : "–"));
		json_object_set_new(row, "boundary", json_boolean(item->boundary));
		json_object_set_new(row, "rejected", json_boolean(item->outcome == AREA_REJECTED));
		json_object_set_new(row, "outcome", json_string(T(r, outcomes[item->outcome])));
		if (item->outcome == AREA_REJECTED)
			json_object_set_new(row, "reason", json_string(item_reason(r, item)));
		json_array_append_new(items, row);
	}
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "read", json_integer((json_int_t)rep->read));
	json_object_set_new(d, "added", json_integer((json_int_t)rep->added));
	json_object_set_new(d, "updated", json_integer((json_int_t)rep->updated));
	json_object_set_new(d, "rejected", json_integer((json_int_t)rep->rejected));
	json_object_set_new(d, "retired", json_integer((json_int_t)rep->retired));
	json_object_set_new(d, "replace", json_boolean(rep->replace));
	json_object_set_new(d, "boundary_set", json_boolean(rep->boundary));
	if (rep->file_problem != AREA_OK)
		json_object_set_new(d, "file_problem", json_string(T(r, area_problem_text[rep->file_problem])));
	json_object_set_new(d, "title", json_string(T(r, "Inläsning av områden")));
	return web_render(r, status, "personal/area_import", d);
}

/* The status of an import whose file as a whole is refused: it is shown on
 * the areas page beside the file field. 0: show the report. */
static const int file_refused_status[AREA__MAX] = {
	[AREA_FILE_UNREADABLE] = 422, [AREA_FILE_NOT_JSON] = 400, [AREA_FILE_NOT_GEOJSON] = 400,
	[AREA_FILE_CRS] = 422,        [AREA_FILE_EMPTY] = 422,    [AREA_FILE_TOO_MANY] = 422,
};

/* POST /personal/omraden/import — a GeoJSON file (field "file"), with the
 * boxes "replace" and "approximate". A file that is not GeoJSON at all is
 * shown on the areas page with the reason (400); otherwise the report, with
 * 422 when nothing in the file could be used. */
static int import_submit(http_req *r)
{
	const http_file *file = http_upload(r, "file");
	area_import_options opt = { .replace = http_form(r, "replace") != NULL,
				    .approximate = http_form(r, "approximate") != NULL };
	area_import_report rep;
	json_t *d = json_object();
	if (file == NULL) {
		webform_error(r, d, "file", T(r, "Välj en GeoJSON-fil att läsa in."));
		return staff_render(r, 400, d);
	}
	int rc = area_import_file(web_db(r), r->arena, file->path, &opt, &rep);
	if (rc < 0)
		return page_failed(r, d);
	int refused = file_refused_status[rep.file_problem];
	if (refused) {
		const char *message = T(r, area_problem_text[rep.file_problem]);
		if (rep.file_problem == AREA_FILE_NOT_JSON)
			message = arena_printf(r->arena, "%s (%s %d, %s %d)", message, T(r, "rad"), rep.line,
					       T(r, "kolumn"), rep.column);
		webform_error(r, d, "file", message);
		return staff_render(r, refused, d);
	}
	json_decref(d);
	if (rc == 0)
		web_audit(r, "area.import", "areas", area_import_summary(r->arena, &rep));
	return import_report(r, rc == 0 ? 200 : 422, &rep);
}

/* Reads the area in use named by the path's {id} into *a. Returns 0, or the
 * status to answer with (the error page is set): 404 when there is none, 500. */
static int path_area(http_req *r, area *a)
{
	int64_t id;
	int found = 0;
	if (str_to_int64(http_param(r, "id"), &id) == 0 && id > 0)
		found = area_find(web_db(r), r->arena, id, a);
	if (found < 0)
		return page_failed(r, NULL);
	if (found == 0 || a->retired)
		return web_error(r, 404, T(r, area_problem_text[AREA_NOT_FOUND]));
	return 0;
}

static json_t *edit_data(http_req *r, const area *a, const char *code, const char *name, const char *population,
			 bool approximate)
{
	json_t *d = json_object(), *map = area_map_json(r);
	json_object_set_new(map, "highlight", json_integer(a->id));
	json_object_set_new(d, "map", map);
	json_object_set_new(d, "id", json_integer(a->id));
	json_object_set_new(d, "boundary", json_boolean(a->boundary));
	json_object_set_new(d, "code", json_string(code));
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "population", json_string(population));
	json_object_set_new(d, "approximate", json_boolean(approximate));
	json_object_set_new(d, "created_at", json_string(web_format_time(r, a->created_at)));
	json_object_set_new(d, "updated_at", json_string(web_format_time(r, a->updated_at)));
	json_object_set_new(d, "action", json_string(arena_printf(r->arena, STAFF_PATH "/%lld", (long long)a->id)));
	json_object_set_new(d, "title", json_string(T(r, "Redigera område")));
	return d;
}

/* GET /personal/omraden/{id} */
static int edit_page(http_req *r)
{
	area a;
	int status = path_area(r, &a);
	if (status != 0)
		return status;
	const char *population = a.population >= 0 ? arena_printf(r->arena, "%lld", (long long)a.population) : "";
	return web_render(r, 200, "personal/area_edit", edit_data(r, &a, a.code, a.name, population, a.approximate));
}

/* POST /personal/omraden/{id} — code, name, population (empty: unknown), approximate. */
static int edit_submit(http_req *r)
{
	area a;
	int status = path_area(r, &a);
	if (status != 0)
		return status;
	const char *code = webform_trimmed(r, "code"), *name = webform_trimmed(r, "name");
	const char *population_field = webform_trimmed(r, "population");
	bool approximate = http_form(r, "approximate") != NULL;
	int64_t population = -1;
	enum area_problem problem;
	json_t *d = edit_data(r, &a, code, name, population_field, approximate);
	if (*population_field && (str_to_int64(population_field, &population) != 0 || population < 0 ||
				  population > AREA_POPULATION_MAX))
		webform_error(r, d, "population", T(r, area_problem_text[AREA_POPULATION_INVALID]));
	if ((problem = area_check_code(code)) != AREA_OK)
		webform_error(r, d, "code", T(r, area_problem_text[problem]));
	if ((problem = area_check_name(name)) != AREA_OK)
		webform_error(r, d, "name", problem == AREA_NAME_MISSING ? T(r, "Fyll i ett namn.") : T(r, area_problem_text[problem]));
	if (webform_has_errors(d))
		return web_render(r, 422, "personal/area_edit", d);
	if (area_update(web_db(r), a.id, code, name, population, approximate, &problem) != 0) {
		if (problem == AREA_DB_ERROR)
			return page_failed(r, d);
		if (problem == AREA_NOT_FOUND) {
			json_decref(d);
			return web_error(r, 404, T(r, area_problem_text[problem]));
		}
		webform_error(r, d, problem == AREA_CODE_TAKEN ? "code" : "name", T(r, area_problem_text[problem]));
		return web_render(r, problem == AREA_CODE_TAKEN ? 409 : 422, "personal/area_edit", d);
	}
	json_decref(d);
	web_audit(r, "area.update", arena_printf(r->arena, "area:%lld", (long long)a.id),
		  arena_printf(r->arena, "code=%s population=%lld approximate=%d", code, (long long)population, approximate));
	return web_redirect_flash(r, STAFF_PATH, T(r, "Ändringarna är sparade."));
}

/* POST /personal/omraden/plats — the place chooser tried out: which area the
 * chosen place is in, shown on the areas page. */
static int place_submit(http_req *r)
{
	area_place place;
	enum area_place_problem problem = area_place_read(r, true, &place);
	if (problem == AREA_PLACE_DB_ERROR)
		return page_failed(r, NULL);
	const char *error = problem != AREA_PLACE_OK ? T(r, area_place_problem_text[problem]) : NULL;
	json_t *d = json_object(), *place_data = area_place_json(r, &place, error);
	if (place_data == NULL)
		return page_failed(r, d);
	json_object_set_new(d, "place", place_data);
	if (error) {
		webform_error(r, d, "place_area", error);
		return staff_render(r, 422, d);
	}
	area a;
	int found = place.area_id ? area_find(web_db(r), r->arena, place.area_id, &a) : 0;
	if (found < 0)
		return page_failed(r, d);
	json_t *result = json_object();
	if (found)
		json_object_set_new(result, "name", json_string(a.name));
	json_object_set_new(result, "text", json_string(place.text));
	if (place.has_point)
		json_object_set_new(result, "point", json_string(arena_printf(r->arena, "%.6f, %.6f", place.lat, place.lon)));
	json_object_set_new(d, "place_result", result);
	return staff_render(r, 200, d);
}

const http_route area_routes[] = {
	{ "GET", AREAS_PATH, areas_page, 0, 0 },
	{ "GET", GEOJSON_PATH, geojson_page, 0, 0 },
	{ "GET", LOCATE_PATH, locate_page, 0, 0 },
	{ "GET", STAFF_PATH, staff_page, ROUTE_STAFF, ROLE_ADMIN | ROLE_SAMORDNARE },
	{ "POST", STAFF_PATH "/import", import_submit, ROUTE_STAFF | ROUTE_UPLOAD, ROLE_ADMIN },
	{ "POST", STAFF_PATH "/plats", place_submit, ROUTE_STAFF, ROLE_ADMIN | ROLE_SAMORDNARE },
	{ "GET", STAFF_PATH "/{id}", edit_page, ROUTE_STAFF, ROLE_ADMIN },
	{ "POST", STAFF_PATH "/{id}", edit_submit, ROUTE_STAFF, ROLE_ADMIN },
};
const size_t area_route_count = ARRAY_LEN(area_routes);
