/*
 * area.c — the areas in the database: finding the area of a point, listing
 * and editing areas, and importing them from GeoJSON (see area.h).
 *
 * Geometries are stored as GeoJSON text with their bounding box beside them;
 * area_locate() lets the database pick the few areas whose box holds the
 * point and tests only those, in order of id. Import reads and checks the
 * whole file first, then writes every usable feature in one transaction.
 */
#include "areas/area.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const area_problem_text[AREA__MAX] = {
	[AREA_OK] = "",
	[AREA_FILE_UNREADABLE] = N_("Filen kunde inte läsas."),
	[AREA_FILE_NOT_JSON] = N_("Filen är inte giltig JSON."),
	[AREA_FILE_NOT_GEOJSON] = N_("Filen är inte GeoJSON med områden: den ska vara en FeatureCollection."),
	[AREA_FILE_CRS] = N_("Filen använder ett annat koordinatsystem än WGS84. Spara den med longitud och latitud i WGS84 (EPSG:4326)."),
	[AREA_FILE_EMPTY] = N_("Filen innehåller inga områden."),
	[AREA_FILE_TOO_MANY] = N_("Filen innehåller fler än 5 000 områden."),
	[AREA_FILE_NOTHING_USABLE] = N_("Inget område i filen kunde läsas in. Skälen står per område."),
	[AREA_NOT_FEATURE] = N_("Posten är inte ett GeoJSON-objekt av typen Feature."),
	[AREA_GEOMETRY] = N_("Geometrin kan inte användas."),
	[AREA_NAME_MISSING] = N_("Namn saknas (egenskapen name eller namn)."),
	[AREA_NAME_INVALID] = N_("Namnet får vara högst 200 tecken och inte innehålla radbrytningar."),
	[AREA_CODE_INVALID] = N_("Koden får vara högst 64 tecken och inte innehålla radbrytningar."),
	[AREA_CODE_REPEATED] = N_("Ett tidigare område i filen har samma kod."),
	[AREA_POPULATION_INVALID] = N_("Befolkningen måste vara ett heltal, 0 eller större."),
	[AREA_BOUNDARY_REPEATED] = N_("Filen har mer än en kommungräns."),
	[AREA_OUTSIDE_BOUNDARY] = N_("Området ligger helt utanför kommungränsen. Har longitud och latitud bytt plats?"),
	[AREA_CODE_MISSING] = N_("Fyll i en kod."),
	[AREA_CODE_TAKEN] = N_("Ett annat område har redan den koden."),
	[AREA_NOT_FOUND] = N_("Området finns inte."),
	[AREA_DB_ERROR] = N_("Ett tekniskt fel uppstod. Försök igen om en stund."),
};

const char *const area_geo_problem_text[GEO__MAX] = {
	[GEO_OK] = "",
	[GEO_NOT_OBJECT] = N_("Geometri saknas."),
	[GEO_TYPE_UNSUPPORTED] = N_("Geometrin måste vara av typen Polygon eller MultiPolygon."),
	[GEO_COORDINATES_INVALID] = N_("Koordinaterna är inte ordnade som geometrins typ kräver."),
	[GEO_EMPTY] = N_("Geometrin är tom."),
	[GEO_POSITION_INVALID] = N_("En position är inte två tal [longitud, latitud]."),
	[GEO_LONGITUDE_RANGE] = N_("En longitud ligger utanför −180 till 180."),
	[GEO_LATITUDE_RANGE] = N_("En latitud ligger utanför −90 till 90."),
	[GEO_RING_TOO_SHORT] = N_("En ring har färre än fyra positioner."),
	[GEO_RING_NOT_CLOSED] = N_("En ring är inte sluten: den första och den sista positionen är olika."),
	[GEO_RING_NO_AREA] = N_("En ring saknar yta: alla dess positioner ligger på en linje."),
	[GEO_RING_SELF_INTERSECTS] = N_("En ring korsar sig själv."),
	[GEO_TOO_MANY_POINTS] = N_("Geometrin har fler än 200 000 positioner."),
};

/* The columns area_from_row() reads; GEOMETRY is "geometry", or "NULL" where it is not wanted. */
#define AREA_COLUMNS(GEOMETRY) \
	"id, kind, code, name, population, approximate, " GEOMETRY ", min_lon, min_lat, max_lon, max_lat, " \
	"created_at, updated_at, retired_at"
#define AREA_EACH_WHERE " FROM areas WHERE retired_at IS NULL AND (kind = 'area' OR kind = ?) ORDER BY kind DESC, name, id"

static const char SQL_LOCATE[] =
	"SELECT id, code, name, approximate, geometry FROM areas WHERE kind = 'area' AND retired_at IS NULL"
	" AND min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ? ORDER BY id";
static const char SQL_LOCATE_BOUNDARY[] =
	"SELECT geometry FROM areas WHERE kind = 'municipality' AND retired_at IS NULL"
	" AND min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ?";
/* Lists need no geometry, which may be large: only maps read it. */
static const char SQL_EACH[] = "SELECT " AREA_COLUMNS("NULL") AREA_EACH_WHERE;
static const char SQL_EACH_GEOMETRY[] = "SELECT " AREA_COLUMNS("geometry") AREA_EACH_WHERE;
static const char SQL_FIND[] = "SELECT " AREA_COLUMNS("geometry") " FROM areas WHERE id = ?";
static const char SQL_UPDATE[] =
	"UPDATE areas SET code = ?, name = ?, population = ?, approximate = ?, updated_at = ? WHERE id = ?";
static const char SQL_BOUNDARY_BOX[] =
	"SELECT min_lon, min_lat, max_lon, max_lat FROM areas WHERE kind = 'municipality' AND retired_at IS NULL";
static const char SQL_FIND_CODE[] = "SELECT id FROM areas WHERE kind = 'area' AND code = ?";
static const char SQL_FIND_BOUNDARY[] = "SELECT id FROM areas WHERE kind = 'municipality'";
static const char SQL_INSERT[] =
	"INSERT INTO areas (code, name, population, geometry, min_lon, min_lat, max_lon, max_lat, approximate,"
	" updated_at, kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_REPLACE[] =
	"UPDATE areas SET code = ?, name = ?, population = ?, geometry = ?, min_lon = ?, min_lat = ?, max_lon = ?,"
	" max_lat = ?, approximate = ?, updated_at = ?, retired_at = NULL WHERE id = ?";
static const char SQL_IN_USE[] = "SELECT id, code FROM areas WHERE kind = 'area' AND retired_at IS NULL";
static const char SQL_RETIRE[] = "UPDATE areas SET retired_at = ?, updated_at = ? WHERE id = ?";

/* ---- reading rows ---- */

/* Reads stored GeoJSON text into *shape (memory in a). 0, or -1 when it is broken. */
static int shape_from_text(arena *a, const char *text, geo_shape *shape)
{
	enum geo_problem problem;
	json_t *g = text ? json_loads(text, 0, NULL) : NULL;
	int rc = g ? geo_parse(a, g, shape, &problem, NULL) : -1;
	json_decref(g);
	return rc;
}

/* Binds the box of the point, widened by the edge tolerance, at 1…4. */
static void bind_point_box(db_stmt *s, double lat, double lon)
{
	db_bind_double(s, 1, lon + GEO_EDGE_TOLERANCE);
	db_bind_double(s, 2, lon - GEO_EDGE_TOLERANCE);
	db_bind_double(s, 3, lat + GEO_EDGE_TOLERANCE);
	db_bind_double(s, 4, lat - GEO_EDGE_TOLERANCE);
}

int area_locate(db_conn *c, double lat, double lon, area_match *out)
{
	arena *a = arena_new();
	int rc = -1, step;
	memset(out, 0, sizeof(*out));
	if (!isfinite(lat) || !isfinite(lon)) {
		rc = AREA_OUTSIDE;
		goto out;
	}
	db_stmt *s = db_prepare(c, SQL_LOCATE);
	if (s == NULL)
		goto out;
	bind_point_box(s, lat, lon);
	/* Every row is read, so that the statement ends; the first hit wins. */
	while ((step = db_step(s)) == DB_ROW) {
		geo_shape shape;
		if (out->id != 0 || shape_from_text(a, db_column_text(s, 4), &shape) != 0 ||
		    !geo_shape_contains(&shape, lon, lat))
			continue;
		out->id = db_column_int(s, 0);
		str_copy(out->code, db_column_text(s, 1), sizeof(out->code));
		str_copy(out->name, db_column_text(s, 2), sizeof(out->name));
		out->approximate = db_column_int(s, 3) != 0;
	}
	if (step == DB_ERROR)
		goto out;
	if (out->id != 0) {
		rc = AREA_FOUND;
		goto out;
	}
	s = db_prepare(c, SQL_LOCATE_BOUNDARY);
	if (s == NULL)
		goto out;
	bind_point_box(s, lat, lon);
	rc = AREA_OUTSIDE;
	while ((step = db_step(s)) == DB_ROW) {
		geo_shape shape;
		if (shape_from_text(a, db_column_text(s, 0), &shape) == 0 && geo_shape_contains(&shape, lon, lat))
			rc = AREA_UNASSIGNED;
	}
	if (step == DB_ERROR)
		rc = -1;
out:
	arena_free(a);
	return rc;
}

/* Fills *out from a row of AREA_COLUMNS(…); strings stay the statement's. */
static void area_from_row(db_stmt *s, area *out)
{
	out->id = db_column_int(s, 0);
	out->boundary = strcmp(db_column_text(s, 1), "municipality") == 0;
	out->code = db_column_text(s, 2);
	out->name = db_column_text(s, 3);
	out->population = db_column_is_null(s, 4) ? -1 : db_column_int(s, 4);
	out->approximate = db_column_int(s, 5) != 0;
	out->geometry = db_column_text(s, 6); /* NULL when not selected */
	out->bbox.min_lon = db_column_double(s, 7);
	out->bbox.min_lat = db_column_double(s, 8);
	out->bbox.max_lon = db_column_double(s, 9);
	out->bbox.max_lat = db_column_double(s, 10);
	out->created_at = db_column_int(s, 11);
	out->updated_at = db_column_int(s, 12);
	out->retired = !db_column_is_null(s, 13);
}

int area_each(db_conn *c, unsigned flags, int (*fn)(void *ud, const area *a), void *ud)
{
	db_stmt *s = db_prepare(c, (flags & AREA_EACH_GEOMETRY) ? SQL_EACH_GEOMETRY : SQL_EACH);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, (flags & AREA_EACH_BOUNDARY) ? "municipality" : "area");
	int step;
	bool stopped = false;
	while ((step = db_step(s)) == DB_ROW) {
		if (stopped)
			continue;
		area row;
		area_from_row(s, &row);
		stopped = fn(ud, &row) != 0;
	}
	return step == DB_ERROR ? -1 : 0;
}

int area_find(db_conn *c, arena *a, int64_t id, area *out)
{
	db_stmt *s = db_prepare(c, SQL_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	area_from_row(s, out);
	out->code = arena_strdup(a, out->code);
	out->name = arena_strdup(a, out->name);
	out->geometry = arena_strdup(a, out->geometry);
	while ((step = db_step(s)) == DB_ROW)
		;
	return 1;
}

/* ---- checking and editing ---- */

enum area_problem area_check_name(const char *name)
{
	if (name == NULL || *name == '\0')
		return AREA_NAME_MISSING;
	if (webform_chars(name) > AREA_NAME_MAX_CHARS || webform_has_control(name, false))
		return AREA_NAME_INVALID;
	return AREA_OK;
}

enum area_problem area_check_code(const char *code)
{
	if (code == NULL || *code == '\0')
		return AREA_CODE_MISSING;
	if (strlen(code) > AREA_CODE_MAX_BYTES || webform_has_control(code, false))
		return AREA_CODE_INVALID;
	return AREA_OK;
}

int area_update(db_conn *c, int64_t id, const char *code, const char *name, int64_t population,
		bool approximate, enum area_problem *problem)
{
	*problem = area_check_name(name);
	if (*problem == AREA_OK)
		*problem = area_check_code(code);
	if (*problem == AREA_OK && population > AREA_POPULATION_MAX)
		*problem = AREA_POPULATION_INVALID;
	if (*problem != AREA_OK)
		return -1;
	*problem = AREA_DB_ERROR;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_UPDATE);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, code);
	db_bind_text(s, 2, name);
	if (population >= 0)
		db_bind_int(s, 3, population);
	else
		db_bind_null(s, 3);
	db_bind_int(s, 4, approximate);
	db_bind_int(s, 5, (int64_t)time(NULL));
	db_bind_int(s, 6, id);
	if (db_step(s) != DB_DONE) {
		if (db_error_is_conflict(c))
			*problem = AREA_CODE_TAKEN;
		goto fail;
	}
	if (db_changes(s) == 0) {
		*problem = AREA_NOT_FOUND;
		goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	*problem = AREA_OK;
	return 0;
fail:
	db_rollback(c);
	return -1;
}

/* ---- reading an import file ---- */

/* Property names each value may go by, preferred first (compared without regard to case). */
static const char *const name_keys[] = {
	"name", "namn", "regso_name", "regsonamn", "regso_namn", "deso_name", "desonamn", "omradesnamn",
	"områdesnamn", "omrade", "område", "kommunnamn", "title", "label", NULL,
};
static const char *const code_keys[] = {
	"code", "kod", "regso_code", "regsokod", "regso_kod", "deso_code", "desokod", "deso_kod", "deso",
	"kommunkod", "id", "ref", NULL,
};
static const char *const population_keys[] = {
	"population", "befolkning", "folkmangd", "folkmängd", "invanare", "invånare", "pop_total", "pop", NULL,
};
static const char *const kind_keys[] = { "kind", "typ", "slag", NULL };
static const char *const approximate_keys[] = { "approximate", "ungefarlig", "ungefärlig", "approx", NULL };
/* Values of a kind property that mark the municipality's boundary. */
static const char *const boundary_kinds[] = { "municipality", "kommun", "kommungräns", "kommungrans", "boundary", NULL };

/* The first non-null property named by one of keys, or NULL. */
static json_t *property(json_t *properties, const char *const keys[])
{
	for (size_t k = 0; keys[k]; k++) {
		const char *key;
		json_t *value;
		json_object_foreach(properties, key, value) {
			if (strcasecmp(key, keys[k]) == 0 && !json_is_null(value))
				return value;
		}
	}
	return NULL;
}

static bool one_of(const char *text, const char *const words[])
{
	for (size_t i = 0; text && words[i]; i++)
		if (strcasecmp(text, words[i]) == 0)
			return true;
	return false;
}

/* A property's value as text without surrounding white space (in a): strings
 * as they are, whole numbers written out; NULL for anything else. */
static const char *value_text(arena *a, const json_t *v)
{
	if (json_is_integer(v))
		return arena_printf(a, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);
		return d == floor(d) && fabs(d) < 1e15 ? arena_printf(a, "%.0f", d) : NULL;
	}
	const char *s = json_string_value(v);
	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	return arena_strndup(a, s, len);
}

/* Reads a population: a whole number, as a number or as digits (spaces
 * between groups allowed). Returns 0 with *out (-1 when v is NULL), or -1. */
static int read_population(arena *a, const json_t *v, int64_t *out)
{
	*out = -1;
	if (v == NULL)
		return 0;
	const char *text = json_is_boolean(v) ? NULL : value_text(a, v);
	if (text == NULL || *text == '\0')
		return -1;
	char *digits = arena_strdup(a, text), *w = digits;
	for (const char *p = text; *p; p++)
		if (*p != ' ')
			*w++ = *p;
	*w = '\0';
	if (str_to_int64(digits, out) != 0 || *out < 0 || *out > AREA_POPULATION_MAX) {
		*out = -1;
		return -1;
	}
	return 0;
}

static bool truthy(const json_t *v)
{
	static const char *const yes[] = { "true", "ja", "yes", "1", NULL };
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0) ||
	       one_of(json_string_value(v), yes);
}

/* A feature read from the file, ready to store. */
typedef struct pending {
	area_import_item *item;
	int64_t population;
	bool approximate;
	const char *geometry; /* compact GeoJSON text of type and coordinates only */
	geo_bbox bbox;
} pending;

/* Rejects the feature of p for problem. Returns -1. */
static int reject(pending *p, enum area_problem problem)
{
	p->item->outcome = AREA_REJECTED;
	p->item->problem = problem;
	return -1;
}

/* Reads one feature into p (whose item has its index). 0, or -1 when rejected. */
static int read_feature(arena *a, json_t *feature, const area_import_options *opt, pending *p)
{
	area_import_item *item = p->item;
	const char *type = json_string_value(json_object_get(feature, "type"));
	item->code = item->name = "";
	if (!json_is_object(feature) || type == NULL || strcmp(type, "Feature") != 0)
		return reject(p, AREA_NOT_FEATURE);
	json_t *props = json_object_get(feature, "properties");
	if (!json_is_object(props))
		props = NULL;
	const char *kind = value_text(a, property(props, kind_keys));
	item->boundary = one_of(kind, boundary_kinds);
	const char *name = value_text(a, property(props, name_keys));
	const char *code = value_text(a, property(props, code_keys));
	if (code == NULL || *code == '\0')
		code = value_text(a, json_object_get(feature, "id"));
	if (code == NULL || *code == '\0')
		code = name;
	item->name = name ? name : "";
	item->code = code ? code : "";
	/* With a name there is always a code (the name itself, at worst). */
	enum area_problem problem = area_check_name(name);
	if (problem == AREA_OK)
		problem = area_check_code(code);
	if (problem != AREA_OK)
		return reject(p, problem);
	if (read_population(a, property(props, population_keys), &p->population) != 0)
		return reject(p, AREA_POPULATION_INVALID);
	p->approximate = opt->approximate || truthy(property(props, approximate_keys));

	json_t *geometry = json_object_get(feature, "geometry");
	geo_shape shape;
	if (geo_parse(a, geometry, &shape, &item->geo, &item->where) != 0)
		return reject(p, AREA_GEOMETRY);
	/* Only type and coordinates are kept (not "bbox", "crs" or others). */
	json_t *kept = json_pack("{s:O, s:O}", "type", json_object_get(geometry, "type"), "coordinates",
				 json_object_get(geometry, "coordinates"));
	char *text = json_dumps(kept, JSON_COMPACT);
	if (text == NULL)
		fatal("out of memory writing GeoJSON");
	p->geometry = arena_strdup(a, text);
	free(text);
	json_decref(kept);
	p->bbox = shape.bbox;
	return 0;
}

/* The features of the file's root: its "features", or itself for a single
 * Feature, as a new reference. NULL with the report's file_problem set. */
static json_t *file_features(json_t *root, area_import_report *report)
{
	json_t *crs_name = json_object_get(json_object_get(json_object_get(root, "crs"), "properties"), "name");
	const char *type = json_string_value(json_object_get(root, "type"));
	json_t *features = NULL;
	if (json_is_string(crs_name) && !strstr(json_string_value(crs_name), "CRS84") &&
	    !strstr(json_string_value(crs_name), "4326")) {
		report->file_problem = AREA_FILE_CRS;
		return NULL;
	}
	if (type && strcmp(type, "FeatureCollection") == 0) {
		features = json_incref(json_object_get(root, "features"));
	} else if (type && strcmp(type, "Feature") == 0) {
		features = json_array();
		json_array_append(features, root);
	}
	if (!json_is_array(features)) {
		json_decref(features);
		report->file_problem = AREA_FILE_NOT_GEOJSON;
		return NULL;
	}
	if (json_array_size(features) == 0 || json_array_size(features) > AREA_IMPORT_MAX_FEATURES) {
		report->file_problem = json_array_size(features) == 0 ? AREA_FILE_EMPTY : AREA_FILE_TOO_MANY;
		json_decref(features);
		return NULL;
	}
	return features;
}

/* Reads every feature into pend[]; rejects repeated codes, a second boundary,
 * and areas nowhere near the boundary (the file's, else the stored one).
 * Returns the number of usable features, or -1 on a database error. */
static int read_features(db_conn *c, arena *a, json_t *features, const area_import_options *opt,
			 area_import_report *report, pending *pend)
{
	size_t n = json_array_size(features);
	const pending *boundary = NULL;
	geo_bbox stored = { 0, 0, 0, 0 };
	bool have_stored = false;
	for (size_t i = 0; i < n; i++) {
		pending *p = &pend[i];
		if (read_feature(a, json_array_get(features, i), opt, p) != 0)
			continue;
		if (p->item->boundary && boundary != NULL) {
			reject(p, AREA_BOUNDARY_REPEATED);
			continue;
		}
		if (p->item->boundary) {
			boundary = p;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (pend[j].item->outcome != AREA_REJECTED && !pend[j].item->boundary &&
			    strcmp(pend[j].item->code, p->item->code) == 0) {
				reject(p, AREA_CODE_REPEATED);
				break;
			}
		}
	}
	if (boundary == NULL) {
		db_stmt *s = db_prepare(c, SQL_BOUNDARY_BOX);
		if (s == NULL)
			return -1;
		int step;
		while ((step = db_step(s)) == DB_ROW) {
			stored = (geo_bbox){ db_column_double(s, 0), db_column_double(s, 1), db_column_double(s, 2),
					     db_column_double(s, 3) };
			have_stored = true;
		}
		if (step == DB_ERROR)
			return -1;
	}
	int usable = 0;
	for (size_t i = 0; i < n; i++) {
		pending *p = &pend[i];
		if (p->item->outcome == AREA_REJECTED)
			continue;
		if (!p->item->boundary && (boundary || have_stored) &&
		    !geo_bbox_overlaps(&p->bbox, boundary ? &boundary->bbox : &stored)) {
			reject(p, AREA_OUTSIDE_BOUNDARY);
			continue;
		}
		usable++;
	}
	return usable;
}

/* ---- storing an import ---- */

/* Binds code … updated_at of p at 1…10 (the order SQL_INSERT and SQL_REPLACE share). */
static void bind_pending(db_stmt *s, const pending *p, int64_t now)
{
	db_bind_text(s, 1, p->item->code);
	db_bind_text(s, 2, p->item->name);
	if (p->population >= 0)
		db_bind_int(s, 3, p->population);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, p->geometry);
	db_bind_double(s, 5, p->bbox.min_lon);
	db_bind_double(s, 6, p->bbox.min_lat);
	db_bind_double(s, 7, p->bbox.max_lon);
	db_bind_double(s, 8, p->bbox.max_lat);
	db_bind_int(s, 9, p->approximate);
	db_bind_int(s, 10, now);
}

/* Adds or updates the area (or the boundary) of p. 0 or -1. */
static int store_one(db_conn *c, pending *p, int64_t now)
{
	db_stmt *s = db_prepare(c, p->item->boundary ? SQL_FIND_BOUNDARY : SQL_FIND_CODE);
	if (s == NULL)
		return -1;
	if (!p->item->boundary)
		db_bind_text(s, 1, p->item->code);
	int64_t id = 0;
	int step;
	while ((step = db_step(s)) == DB_ROW)
		id = db_column_int(s, 0);
	if (step == DB_ERROR)
		return -1;
	s = db_prepare(c, id ? SQL_REPLACE : SQL_INSERT);
	if (s == NULL)
		return -1;
	bind_pending(s, p, now);
	if (id) {
		db_bind_int(s, 11, id);
	} else {
		db_bind_text(s, 11, p->item->boundary ? "municipality" : "area");
		db_bind_int(s, 12, now);
	}
	p->item->outcome = id ? AREA_UPDATED : AREA_ADDED;
	return db_step(s) == DB_DONE ? 0 : -1;
}

/* Retires the areas in use whose code no feature of the file has. Returns
 * how many, or -1 on error. */
static int retire_unmentioned(db_conn *c, const area_import_report *report, int64_t now)
{
	buf ids = BUF_INIT;
	int count = -1, step;
	db_stmt *s = db_prepare(c, SQL_IN_USE);
	if (s == NULL)
		goto out;
	while ((step = db_step(s)) == DB_ROW) {
		const char *code = db_column_text(s, 1);
		bool mentioned = false;
		for (size_t i = 0; i < report->read && !mentioned; i++)
			mentioned = !report->items[i].boundary && strcmp(report->items[i].code, code) == 0;
		int64_t id = db_column_int(s, 0);
		if (!mentioned)
			buf_append(&ids, &id, sizeof(id));
	}
	if (step == DB_ERROR)
		goto out;
	count = 0;
	for (size_t off = 0; off < ids.len; off += sizeof(int64_t)) {
		int64_t id;
		memcpy(&id, ids.data + off, sizeof(id));
		s = db_prepare(c, SQL_RETIRE);
		if (s == NULL)
			goto fail;
		db_bind_int(s, 1, now);
		db_bind_int(s, 2, now);
		db_bind_int(s, 3, id);
		if (db_step(s) != DB_DONE)
			goto fail;
		count++;
	}
	goto out;
fail:
	count = -1;
out:
	buf_free(&ids);
	return count;
}

/* Writes every usable feature, and retires others when replacing. 0 or -1 (rolled back). */
static int store_all(db_conn *c, const area_import_options *opt, area_import_report *report, pending *pend)
{
	int64_t now = (int64_t)time(NULL);
	if (db_begin_write(c) != 0)
		return -1;
	for (size_t i = 0; i < report->read; i++) {
		if (pend[i].item->outcome == AREA_REJECTED)
			continue;
		if (store_one(c, &pend[i], now) != 0)
			goto fail;
	}
	if (opt->replace) {
		int retired = retire_unmentioned(c, report, now);
		if (retired < 0)
			goto fail;
		report->retired = (size_t)retired;
	}
	if (db_commit(c) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(c);
	return -1;
}

int area_import_geojson(db_conn *c, arena *a, const char *text, size_t len, const area_import_options *opt,
			area_import_report *report)
{
	json_error_t error;
	json_t *root = NULL, *features = NULL;
	int rc = 1;
	memset(report, 0, sizeof(*report));
	report->replace = opt->replace;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* a byte order mark some editors write */
		text += 3;
		len -= 3;
	}
	root = json_loadb(text, len, 0, &error);
	if (root == NULL) {
		report->file_problem = AREA_FILE_NOT_JSON;
		report->line = error.line;
		report->column = error.column;
		report->json_error = arena_strdup(a, error.text);
		goto out;
	}
	features = file_features(root, report);
	if (features == NULL)
		goto out;
	report->read = json_array_size(features);
	report->items = arena_alloc(a, report->read * sizeof(*report->items));
	pending *pend = arena_alloc(a, report->read * sizeof(*pend));
	for (size_t i = 0; i < report->read; i++) {
		pend[i].item = &report->items[i];
		pend[i].item->index = i + 1;
	}
	int usable = read_features(c, a, features, opt, report, pend);
	if (usable < 0) {
		rc = -1;
		goto out;
	}
	if (usable == 0)
		report->file_problem = AREA_FILE_NOTHING_USABLE;
	else if (store_all(c, opt, report, pend) != 0)
		rc = -1;
	else
		rc = 0;
	for (size_t i = 0; i < report->read; i++) {
		const area_import_item *item = &report->items[i];
		/* After a failed write nothing was stored, whatever the items say. */
		if (item->outcome == AREA_REJECTED)
			report->rejected++;
		else if (rc == 0 && item->outcome == AREA_ADDED)
			report->added++;
		else if (rc == 0)
			report->updated++;
		if (rc == 0 && item->boundary && item->outcome != AREA_REJECTED)
			report->boundary = true;
	}
out:
	json_decref(features);
	json_decref(root);
	return rc;
}

int area_import_file(db_conn *c, arena *a, const char *path, const area_import_options *opt,
		     area_import_report *report)
{
	buf text = BUF_INIT;
	char chunk[16384];
	size_t n;
	int rc = 1;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		goto unreadable;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && text.len <= AREA_IMPORT_MAX_BYTES)
		buf_append(&text, chunk, n);
	if (ferror(f) || text.len > AREA_IMPORT_MAX_BYTES)
		goto unreadable;
	rc = area_import_geojson(c, a, text.data ? text.data : "", text.len, opt, report);
	goto out;
unreadable:
	memset(report, 0, sizeof(*report));
	report->replace = opt->replace;
	report->file_problem = AREA_FILE_UNREADABLE;
out:
	if (f)
		fclose(f);
	buf_free(&text);
	return rc;
}

const char *area_import_summary(arena *a, const area_import_report *report)
{
	return arena_printf(a, "read=%zu added=%zu updated=%zu rejected=%zu retired=%zu boundary=%s%s", report->read,
			    report->added, report->updated, report->rejected, report->retired,
			    report->boundary ? "yes" : "no", report->replace ? " replace" : "");
}
