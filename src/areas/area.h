/*
 * area.h — the municipality's areas and its boundary, which every other part
 * of Trygg places its items in.
 *
 * Files: geo.c (GeoJSON geometry and point in polygon, pure), area.c (storage,
 * area_locate(), import), area_pages.c (the public and staff pages, the map
 * and the place chooser for forms), areas_cli.c (`trygg areas …` and the demo
 * areas).
 *
 * An area has a code (the key an import matches on, e.g. a RegSO code), a
 * name, a population when known, a Polygon or MultiPolygon, and a flag that
 * says its borders are drawn only approximately. The boundary of the
 * municipality is stored beside them (kind 'municipality'). Areas are never
 * deleted, only retired, because items keep their area's id.
 *
 * For other services:
 *   - area_locate(c, lat, lon, &m) says which area a point is in;
 *   - area_find() gives the name of an area id (retired ones too);
 *   - in a form, templates/partials/place.html with area_place_json() and
 *     area_place_read() lets a person choose a place, with or without the map;
 *   - a page with a map includes templates/partials/map_assets.html once and
 *     sets "map" to area_map_json().
 */
#ifndef TRYGG_AREAS_AREA_H
#define TRYGG_AREAS_AREA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "areas/geo.h"
#include "core/arena.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

#define AREA_CODE_MAX_BYTES 64
#define AREA_NAME_MAX_CHARS 200
#define AREA_NAME_MAX_BYTES (AREA_NAME_MAX_CHARS * 4)
#define AREA_POPULATION_MAX 100000000
#define AREA_IMPORT_MAX_FEATURES 5000
#define AREA_IMPORT_MAX_BYTES (64u * 1024 * 1024)
#define AREA_PLACE_TEXT_MAX_CHARS 300

/* One area (or the boundary) as read from the database; strings owned by an
 * arena, or valid only during an area_each() callback. */
typedef struct area {
	int64_t id;
	bool boundary;        /* the municipality's boundary, not one of its areas */
	const char *code;
	const char *name;
	int64_t population;   /* -1 when unknown */
	bool approximate;     /* the borders are drawn approximately */
	bool retired;         /* no longer in use (area_find() only) */
	const char *geometry; /* GeoJSON text of the Polygon or MultiPolygon */
	geo_bbox bbox;
	int64_t created_at, updated_at;
} area;

/* What can be wrong with an import file, a feature in it, or an edit;
 * area_problem_text[] holds the Swedish message of each (translate with T()). */
enum area_problem {
	AREA_OK,
	/* the file as a whole */
	AREA_FILE_UNREADABLE,      /* cannot be opened or read */
	AREA_FILE_NOT_JSON,
	AREA_FILE_NOT_GEOJSON,     /* not a FeatureCollection (or a single Feature) */
	AREA_FILE_CRS,             /* declares a coordinate system other than WGS84 */
	AREA_FILE_EMPTY,           /* no features */
	AREA_FILE_TOO_MANY,        /* more than AREA_IMPORT_MAX_FEATURES features */
	AREA_FILE_NOTHING_USABLE,  /* every feature was rejected */
	/* one feature */
	AREA_NOT_FEATURE,
	AREA_GEOMETRY,             /* the geometry is refused: see the item's geo problem */
	AREA_NAME_MISSING,
	AREA_NAME_INVALID,
	AREA_CODE_INVALID,
	AREA_CODE_REPEATED,        /* an earlier feature in the file has the same code */
	AREA_POPULATION_INVALID,
	AREA_BOUNDARY_REPEATED,    /* a second municipality boundary in the file */
	AREA_OUTSIDE_BOUNDARY,     /* nowhere near the municipality */
	/* editing */
	AREA_CODE_MISSING,
	AREA_CODE_TAKEN,
	AREA_NOT_FOUND,
	AREA_DB_ERROR,
	AREA__MAX
};
extern const char *const area_problem_text[AREA__MAX];
/* The Swedish message for each geometry problem (translate with T()). */
extern const char *const area_geo_problem_text[GEO__MAX];

/* ---- finding and listing (area.c) ---- */

enum area_locate_result { AREA_FOUND = 0, AREA_OUTSIDE = 1, AREA_UNASSIGNED = 2 };

typedef struct area_match {
	int64_t id;
	char code[AREA_CODE_MAX_BYTES + 1];
	char name[AREA_NAME_MAX_BYTES + 1];
	bool approximate;
} area_match;

/* Which area contains the point at lat, lon (WGS84 degrees). Returns
 * AREA_FOUND with *out filled; AREA_OUTSIDE when the point is outside the
 * municipality (in no area and not inside the boundary); AREA_UNASSIGNED when
 * it is inside the boundary but in none of the areas; -1 on a database error.
 * A point on an edge counts as inside (geo.h); on the border of several areas
 * the one with the lowest id wins, so the answer never depends on chance. */
int area_locate(db_conn *c, double lat, double lon, area_match *out);

enum area_each_flag {
	AREA_EACH_BOUNDARY = 1u << 0, /* the boundary too, before the areas */
	AREA_EACH_GEOMETRY = 1u << 1, /* fill area.geometry (otherwise NULL) */
};
/* Calls fn for every area in use, ordered by name; fn returns 0 to go on.
 * fn must not call area_each() itself. Returns 0, or -1 on a database error. */
int area_each(db_conn *c, unsigned flags, int (*fn)(void *ud, const area *a), void *ud);
/* Looks up an area or the boundary by id, retired ones too (items keep their
 * area's id). Returns 1 with *out (strings in a), 0 when there is none, -1 on error. */
int area_find(db_conn *c, arena *a, int64_t id, area *out);

/* Checks a name or a code as typed or read: AREA_OK or the problem. */
enum area_problem area_check_name(const char *name);
enum area_problem area_check_code(const char *code);
/* Sets an area's code, name, population (-1: unknown) and approximate flag.
 * Returns 0, or -1 with *problem (_NAME_*, _CODE_*, _NOT_FOUND, _DB_ERROR). */
int area_update(db_conn *c, int64_t id, const char *code, const char *name, int64_t population,
		bool approximate, enum area_problem *problem);

/* ---- importing (area.c) ---- */

enum area_outcome { AREA_ADDED, AREA_UPDATED, AREA_REJECTED };

/* What became of one feature of an import file. */
typedef struct area_import_item {
	size_t index;             /* its number in the file, from 1 */
	const char *code;         /* as read; "" when there was none */
	const char *name;         /* as read; "" when there was none */
	bool boundary;            /* it was the municipality's boundary */
	enum area_outcome outcome;
	enum area_problem problem; /* why it was rejected */
	enum geo_problem geo;      /* for AREA_GEOMETRY */
	geo_where where;           /* for AREA_GEOMETRY */
} area_import_item;

typedef struct area_import_report {
	enum area_problem file_problem; /* AREA_OK, or why nothing was imported */
	int line, column;               /* where the JSON broke (AREA_FILE_NOT_JSON) */
	const char *json_error;         /* jansson's message (English), or NULL */
	size_t read, added, updated, rejected, retired;
	bool replace;
	bool boundary;                  /* the boundary was set */
	area_import_item *items;        /* `read` of them, in file order */
} area_import_report;

typedef struct area_import_options {
	bool replace;     /* retire the areas in use whose code the file does not mention */
	bool approximate; /* mark every imported area approximate */
} area_import_options;

/* Imports the areas of a GeoJSON FeatureCollection (or a single Feature):
 * each feature's name, code and population come from its properties (names
 * such as name/namn/regso_name, code/kod/regsokod/id, population/befolkning/
 * pop_total; Feature.id for a missing code; the name for a code missing
 * still), approximate/ungefarlig marks it approximate, and kind "municipality"
 * (or "kommun") marks the municipality's boundary.
 * Merging (default): an area whose code is already known is updated in place
 * (keeping its id), a retired one is taken into use again, others are added;
 * areas the file does not mention stay. With replace, the areas in use that
 * the file does not mention (not even in a rejected feature) are retired.
 * Rejected features are skipped, the rest are imported in one transaction.
 * Returns 0 when something was imported, 1 when nothing was (the report's
 * file_problem says why), -1 on a database error (nothing changed). The
 * report's strings live in a. */
int area_import_geojson(db_conn *c, arena *a, const char *text, size_t len, const area_import_options *opt,
			area_import_report *report);
/* As area_import_geojson(), for the file at path (at most AREA_IMPORT_MAX_BYTES);
 * a file that cannot be read gives 1 with file_problem AREA_FILE_UNREADABLE. */
int area_import_file(db_conn *c, arena *a, const char *path, const area_import_options *opt,
		     area_import_report *report);
/* One line for the audit log about an import ("read=… added=…"), in a. */
const char *area_import_summary(arena *a, const area_import_report *report);

/* ---- pages, map and place chooser (area_pages.c) ---- */

/* A place as chosen in a form: an area, a point, a description, or some of them. */
typedef struct area_place {
	int64_t area_id; /* 0: none */
	bool has_point;
	double lat, lon;
	const char *text; /* address or description; "" when none */
} area_place;

enum area_place_problem {
	AREA_PLACE_OK,
	AREA_PLACE_MISSING,      /* required, and nothing given */
	AREA_PLACE_UNKNOWN_AREA, /* not an area in use */
	AREA_PLACE_BAD_POINT,    /* lat/lon not numbers in range */
	AREA_PLACE_OUTSIDE,      /* the point is outside the municipality */
	AREA_PLACE_TEXT_LONG,
	AREA_PLACE_DB_ERROR,
	AREA_PLACE__MAX
};
/* The Swedish message of each problem (translate with T()). */
extern const char *const area_place_problem_text[AREA_PLACE__MAX];

/* Reads the place chooser's fields (place_area, place_lat, place_lon,
 * place_text) from the request's form into *out (strings in r->arena). When a
 * point is given, its area comes from area_locate() and wins over the list.
 * required: an area, a point or a description must be given. Returns
 * AREA_PLACE_OK or the problem; *out holds what was read, to show again. */
enum area_place_problem area_place_read(http_req *r, bool required, area_place *out);
/* The data for templates/partials/place.html: set it as "place". place may be
 * NULL (nothing chosen); error is a translated message or NULL. Returns NULL
 * on a database error. */
json_t *area_place_json(http_req *r, const area_place *place, const char *error);
/* The data for templates/partials/map.html: set it as "map". */
json_t *area_map_json(http_req *r);

/* The routes of the public and staff area pages. */
extern const http_route area_routes[];
extern const size_t area_route_count;

/* ---- command line and demo data (areas_cli.c) ---- */

typedef struct areas_command {
	const char *action; /* "import" or "list" */
	const char *file;
	bool replace;
	bool approximate;
	bool help;
} areas_command;

/* Reads the arguments after `trygg areas`, including --database and --config
 * written after them, into *cmd and cfg. Returns 0, or 2 after printing what
 * is wrong and the usage to stderr (usage also goes to stdout for --help). */
int areas_cli_parse(areas_command *cmd, config *cfg, int argc, char **argv, const char *usage);
/* Runs the command on the migrated database d. Returns the exit status:
 * 0, or 1 when the file is unusable or the database fails. */
int areas_cli_run(const areas_command *cmd, db *d, const config *cfg);

/* The demo step: Partille's boundary and approximate areas, from
 * SHARE_DIR/data/demo/partille_areas.geojson, unless areas exist. 0 or -1. */
int area_demo_load(db_conn *c, const config *cfg, FILE *out);

#endif
