/*
 * test_area.c — the areas in the database (src/areas/area.c): importing
 * GeoJSON (good files, broken features, unusable files, merging and
 * replacing, liberal property names), area_locate() with its rules (lowest id
 * on a shared edge, outside, inside the boundary but in no area), editing, and
 * the demo areas of Partille: every polygon inside the boundary, and every
 * point sampled inside the boundary in exactly one area.
 *
 * Runs on SQLite, and once more on PostgreSQL when TRYGG_TEST_PG_URL names a
 * database (each test then works in a schema of its own). The real migrations
 * in migrations/ are applied, so run it from the top of the repository.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "areas/area.h"
#include "core/buf.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_FILE "data/demo/partille_areas.geojson"
#define DEMO_POPULATION 39852 /* the sum of pop_total in partille_deso_regso_age.csv */

typedef struct fixture {
	db_kind kind;
	char dir[64];      /* SQLite: the temporary folder */
	char schema[64];   /* PostgreSQL: this test's schema */
	const char *admin; /* PostgreSQL: the database the schema is made in */
	db *db;            /* NULL: the backend is not available, the test is skipped */
	db_conn *c;
	arena *a;
} fixture;

static db_kind sqlite_kind = DB_SQLITE, pg_kind = DB_POSTGRES;
static const char *pg_url;

/* Runs one statement on the PostgreSQL database url through a pool of its own. */
static void pg_run(const char *url, const char *sql)
{
	char *err = NULL;
	db *d = db_open(url, 1, &err);
	if (d == NULL)
		fail_msg("cannot open %s: %s", url, err);
	db_conn *c = db_acquire(d);
	assert_int_equal(db_exec_script(c, sql), 0);
	db_release(d, c);
	db_close(d);
}

static int setup(void **state)
{
	static int serial;
	fixture *f = calloc(1, sizeof(*f));
	buf url = BUF_INIT, sql = BUF_INIT;
	assert_non_null(f);
	f->kind = *(db_kind *)*state;
	*state = f;
	if (f->kind == DB_POSTGRES && pg_url == NULL)
		return 0;
	if (f->kind == DB_SQLITE) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/trygg-test-area-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		buf_printf(&url, "sqlite:%s/areas.db", f->dir);
	} else {
		snprintf(f->schema, sizeof(f->schema), "trygg_area_%ld_%d", (long)getpid(), ++serial);
		f->admin = pg_url;
		buf_printf(&sql, "CREATE SCHEMA %s", f->schema);
		pg_run(pg_url, sql.data);
		buf_printf(&url, "%s%soptions=-c%%20search_path%%3D%s", pg_url, strchr(pg_url, '?') ? "&" : "?", f->schema);
	}
	char *err = NULL;
	f->db = db_open(url.data, 2, &err);
	if (f->db == NULL || db_migrate(f->db, "migrations", &err) != 0)
		fail_msg("cannot open or migrate %s: %s", url.data, err);
	f->c = db_acquire(f->db);
	assert_non_null(f->c);
	f->a = arena_new();
	buf_free(&url);
	buf_free(&sql);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (f->db) {
		db_release(f->db, f->c);
		db_close(f->db);
	}
	arena_free(f->a);
	if (f->dir[0])
		nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (f->schema[0] && f->admin) {
		buf sql = BUF_INIT;
		buf_printf(&sql, "DROP SCHEMA %s CASCADE", f->schema);
		pg_run(f->admin, sql.data);
		buf_free(&sql);
	}
	free(f);
	return 0;
}

/* The fixture, or skips the test when its backend is not available. */
static fixture *fixture_of(void **state)
{
	fixture *f = *state;
	if (f->db == NULL)
		skip();
	return f;
}

static int import(fixture *f, const char *json, bool replace, area_import_report *rep)
{
	area_import_options opt = { .replace = replace };
	return area_import_geojson(f->c, f->a, json, strlen(json), &opt, rep);
}

/* A feature with a rectangle from (w, s) to (e, n) and the given properties (JSON members). */
static const char *box(fixture *f, const char *props, double w, double s, double e, double n)
{
	return arena_printf(f->a, "{\"type\":\"Feature\",\"properties\":{%s},\"geometry\":{\"type\":\"Polygon\","
			    "\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}",
			    props, w, s, e, s, e, n, w, n, w, s);
}

static const char *collection(fixture *f, const char *features)
{
	return arena_printf(f->a, "{\"type\":\"FeatureCollection\",\"features\":[%s]}", features);
}

/* A boundary from 12.0 to 12.3 east and 57.7 to 57.8 north; area A west of
 * 12.1, B from 12.1 to 12.2 (sharing an edge with A); east of 12.2 no area. */
static const char *three(fixture *f)
{
	return collection(f, arena_printf(f->a, "%s,%s,%s",
		box(f, "\"name\":\"Kommunen\",\"code\":\"K\",\"kind\":\"municipality\"", 12.0, 57.7, 12.3, 57.8),
		box(f, "\"name\":\"Väster\",\"code\":\"A\",\"population\":100", 12.0, 57.7, 12.1, 57.8),
		box(f, "\"name\":\"Mitten\",\"code\":\"B\",\"population\":200", 12.1, 57.7, 12.2, 57.8)));
}

static int count_row(void *ud, const area *a)
{
	(*(int *)ud)++;
	return 0;
}

static int count_areas(fixture *f)
{
	int n = 0;
	assert_int_equal(area_each(f->c, 0, count_row, &n), 0);
	return n;
}

static int64_t locate_id(fixture *f, double lat, double lon, int expect)
{
	area_match m;
	int rc = area_locate(f->c, lat, lon, &m);
	if (rc != expect)
		fail_msg("area_locate(%f, %f) = %d, expected %d", lat, lon, rc, expect);
	return rc == AREA_FOUND ? m.id : 0;
}

static void imports_and_locates(void **state)
{
	fixture *f = fixture_of(state);
	area_import_report rep;
	assert_int_equal(import(f, three(f), false, &rep), 0);
	assert_int_equal(rep.file_problem, AREA_OK);
	assert_int_equal(rep.read, 3);
	assert_int_equal(rep.added, 3);
	assert_int_equal(rep.rejected, 0);
	assert_true(rep.boundary);
	assert_int_equal(count_areas(f), 2);
	assert_string_equal(area_import_summary(f->a, &rep), "read=3 added=3 updated=0 rejected=0 retired=0 boundary=yes");

	area_match m;
	assert_int_equal(area_locate(f->c, 57.75, 12.05, &m), AREA_FOUND);
	assert_string_equal(m.name, "Väster");
	assert_string_equal(m.code, "A");
	int64_t a = m.id;
	int64_t b = locate_id(f, 57.75, 12.15, AREA_FOUND);
	assert_true(a != b);
	/* On the shared edge, and on its end points: the lowest id, every time. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(locate_id(f, 57.75, 12.1, AREA_FOUND), a < b ? a : b);
		assert_int_equal(locate_id(f, 57.8, 12.1, AREA_FOUND), a < b ? a : b);
	}
	assert_int_equal(locate_id(f, 57.75, 12.2, AREA_FOUND), b);  /* B's east edge */
	locate_id(f, 57.75, 12.25, AREA_UNASSIGNED);                  /* in the boundary, no area */
	locate_id(f, 57.75, 12.3, AREA_UNASSIGNED);                   /* on the boundary's edge */
	locate_id(f, 57.65, 12.05, AREA_OUTSIDE);
	locate_id(f, 57.75, 12.31, AREA_OUTSIDE);
	locate_id(f, 12.05, 57.75, AREA_OUTSIDE);                     /* swapped */
	locate_id(f, 0, 0, AREA_OUTSIDE);
	locate_id(f, -89.9, 179.9, AREA_OUTSIDE);
}

/* Finds the report's item with index i (1-based) and checks its outcome and problem. */
static void expect_item(const area_import_report *rep, size_t i, enum area_outcome outcome, enum area_problem problem)
{
	assert_true(i >= 1 && i <= rep->read);
	const area_import_item *item = &rep->items[i - 1];
	assert_int_equal(item->index, i);
	if (item->outcome != outcome || item->problem != problem)
		fail_msg("feature %zu (%s): outcome %d problem %d, expected %d and %d", i, item->name, item->outcome,
			 item->problem, outcome, problem);
}

static void rejects_broken_features_with_reasons(void **state)
{
	fixture *f = fixture_of(state);
	area_import_report rep;
	assert_int_equal(import(f, three(f), false, &rep), 0);
	const char *features = arena_printf(f->a, "%s,%s,%s,%s,%s,%s,%s,%s,%s",
		box(f, "\"name\":\"Bra\",\"code\":\"C\"", 12.2, 57.7, 12.3, 57.8),
		box(f, "\"code\":\"D\"", 12.2, 57.7, 12.3, 57.8),
		"{\"type\":\"Feature\",\"properties\":{\"name\":\"Öppen\"},\"geometry\":{\"type\":\"Polygon\","
		"\"coordinates\":[[[12.2,57.7],[12.3,57.7],[12.3,57.8],[12.2,57.8]]]}}",
		box(f, "\"name\":\"Negativ\",\"population\":-5", 12.2, 57.7, 12.3, 57.8),
		box(f, "\"name\":\"Igen\",\"code\":\"C\"", 12.2, 57.7, 12.3, 57.8),
		"\"not a feature\"",
		box(f, "\"name\":\"Bytt\"", 57.7, 12.2, 57.8, 12.3),
		box(f, "\"name\":\"Gräns två\",\"kind\":\"municipality\"", 12.0, 57.7, 12.3, 57.8),
		"{\"type\":\"Feature\",\"properties\":{\"name\":\"Punkt\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[12.1,57.7]}}");
	assert_int_equal(import(f, collection(f, arena_printf(f->a, "%s,%s", box(f, "\"name\":\"Gräns\",\"kind\":\"municipality\"", 12.0, 57.7, 12.3, 57.8), features)), false, &rep), 0);
	assert_int_equal(rep.read, 10);
	expect_item(&rep, 1, AREA_UPDATED, AREA_OK);
	expect_item(&rep, 2, AREA_ADDED, AREA_OK);
	expect_item(&rep, 3, AREA_REJECTED, AREA_NAME_MISSING);
	expect_item(&rep, 4, AREA_REJECTED, AREA_GEOMETRY);
	assert_int_equal(rep.items[3].geo, GEO_RING_NOT_CLOSED);
	assert_int_equal(rep.items[3].where.ring, 1);
	expect_item(&rep, 5, AREA_REJECTED, AREA_POPULATION_INVALID);
	expect_item(&rep, 6, AREA_REJECTED, AREA_CODE_REPEATED);
	expect_item(&rep, 7, AREA_REJECTED, AREA_NOT_FEATURE);
	expect_item(&rep, 8, AREA_REJECTED, AREA_OUTSIDE_BOUNDARY);
	expect_item(&rep, 9, AREA_REJECTED, AREA_BOUNDARY_REPEATED);
	expect_item(&rep, 10, AREA_REJECTED, AREA_GEOMETRY);
	assert_int_equal(rep.items[9].geo, GEO_TYPE_UNSUPPORTED);
	assert_int_equal(rep.added, 1);
	assert_int_equal(rep.updated, 1);
	assert_int_equal(rep.rejected, 8);
	assert_string_equal(rep.items[4].name, "Negativ");
	assert_string_equal(rep.items[4].code, "Negativ"); /* no code: the name stands in */
	assert_int_equal(count_areas(f), 3);
	assert_int_equal(locate_id(f, 57.75, 12.25, AREA_FOUND) > 0, 1);
}

static void unusable_files_change_nothing(void **state)
{
	fixture *f = fixture_of(state);
	static const struct {
		const char *text;
		enum area_problem problem;
	} cases[] = {
		{ "", AREA_FILE_NOT_JSON },
		{ "name;code\nSävedalen;1\n", AREA_FILE_NOT_JSON },
		{ "{\"type\":\"FeatureCollection\",\n \"features\": [}", AREA_FILE_NOT_JSON },
		{ "[1, 2, 3]", AREA_FILE_NOT_GEOJSON },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}", AREA_FILE_NOT_GEOJSON },
		{ "{\"type\":\"FeatureCollection\"}", AREA_FILE_NOT_GEOJSON },
		{ "{\"type\":\"FeatureCollection\",\"features\":[]}", AREA_FILE_EMPTY },
		{ "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3006\"}},"
		  "\"features\":[]}", AREA_FILE_CRS },
		{ "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}]}",
		  AREA_FILE_NOTHING_USABLE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		area_import_report rep;
		if (import(f, cases[i].text, true, &rep) != 1 || rep.file_problem != cases[i].problem)
			fail_msg("case %zu: problem %d, expected %d", i, rep.file_problem, cases[i].problem);
		assert_int_equal(rep.added + rep.updated + rep.retired, 0);
	}
	area_import_report rep;
	assert_int_equal(import(f, "{\"type\":\"FeatureCollection\",\n \"features\": [}", false, &rep), 1);
	assert_int_equal(rep.line, 2);
	assert_non_null(rep.json_error);
	assert_int_equal(count_areas(f), 0);
	area_import_options opt = { 0 };
	assert_int_equal(area_import_file(f->c, f->a, "/nonexistent/areas.geojson", &opt, &rep), 1);
	assert_int_equal(rep.file_problem, AREA_FILE_UNREADABLE);
	/* A byte order mark and a single Feature are fine. */
	assert_int_equal(import(f, arena_printf(f->a, "\xEF\xBB\xBF%s", box(f, "\"name\":\"Ensam\"", 12.0, 57.7, 12.1, 57.8)),
			        false, &rep), 0);
	assert_int_equal(rep.added, 1);
	assert_int_equal(count_areas(f), 1);
}

/* Finds an area by code among those in use: its id, or 0. */
typedef struct by_code {
	const char *code;
	int64_t id;
	int64_t population;
	const char *name;
	arena *a;
} by_code;

static int match_code(void *ud, const area *a)
{
	by_code *w = ud;
	if (strcmp(a->code, w->code) == 0) {
		w->id = a->id;
		w->population = a->population;
		w->name = arena_strdup(w->a, a->name);
	}
	return 0;
}

static by_code find_code(fixture *f, const char *code)
{
	by_code w = { code, 0, 0, NULL, f->a };
	assert_int_equal(area_each(f->c, AREA_EACH_BOUNDARY, match_code, &w), 0);
	return w;
}

static void merges_and_replaces(void **state)
{
	fixture *f = fixture_of(state);
	area_import_report rep;
	assert_int_equal(import(f, three(f), false, &rep), 0);
	int64_t a = find_code(f, "A").id, b = find_code(f, "B").id;

	/* Merging: A changes in place, C is new, B stays. */
	const char *merge = collection(f, arena_printf(f->a, "%s,%s",
		box(f, "\"name\":\"Västra delen\",\"code\":\"A\",\"population\":150", 12.0, 57.7, 12.1, 57.8),
		box(f, "\"name\":\"Öster\",\"code\":\"C\"", 12.2, 57.7, 12.3, 57.8)));
	assert_int_equal(import(f, merge, false, &rep), 0);
	assert_int_equal(rep.updated, 1);
	assert_int_equal(rep.added, 1);
	assert_int_equal(rep.retired, 0);
	by_code now = find_code(f, "A");
	assert_int_equal(now.id, a);
	assert_string_equal(now.name, "Västra delen");
	assert_int_equal(now.population, 150);
	assert_int_equal(find_code(f, "C").population, -1);
	assert_int_equal(count_areas(f), 3);

	/* Replacing with A only (and a rejected feature that names C): B retires, C stays. */
	const char *only_a = collection(f, arena_printf(f->a, "%s,%s",
		box(f, "\"name\":\"Västra delen\",\"code\":\"A\"", 12.0, 57.7, 12.1, 57.8),
		"{\"type\":\"Feature\",\"properties\":{\"name\":\"Öster\",\"code\":\"C\"},\"geometry\":null}"));
	assert_int_equal(import(f, only_a, true, &rep), 0);
	assert_int_equal(rep.retired, 1);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(count_areas(f), 2);
	assert_int_equal(find_code(f, "B").id, 0);
	area old;
	assert_int_equal(area_find(f->c, f->a, b, &old), 1);
	assert_true(old.retired);
	assert_string_equal(old.name, "Mitten");
	locate_id(f, 57.75, 12.15, AREA_UNASSIGNED);
	/* The boundary is not an area: replacing never retires it. */
	assert_true(find_code(f, "K").id > 0);

	/* B comes back with its old id. */
	assert_int_equal(import(f, collection(f, box(f, "\"name\":\"Mitten\",\"code\":\"B\"", 12.1, 57.7, 12.2, 57.8)), false, &rep), 0);
	assert_int_equal(rep.updated, 1);
	assert_int_equal(find_code(f, "B").id, b);
	assert_int_equal(locate_id(f, 57.75, 12.15, AREA_FOUND), b);
}

static void reads_properties_liberally(void **state)
{
	fixture *f = fixture_of(state);
	area_import_report rep;
	const char *features = arena_printf(f->a, "%s,%s,%s,%s,%s",
		box(f, "\"kommunnamn\":\"Partille\",\"kommunkod\":\"1402\",\"typ\":\"Kommun\"", 12.0, 57.6, 12.4, 57.9),
		box(f, "\"namn\":\"Sävedalen\",\"kod\":\"S1\",\"befolkning\":\"2 853\",\"ungefarlig\":\"ja\"", 12.0, 57.7, 12.1, 57.8),
		box(f, "\"regso_name\":\"Furulund\",\"regsokod\":1402007,\"pop_total\":2068.0", 12.1, 57.7, 12.2, 57.8),
		box(f, "\"NAMN\":\"Jonsered\",\"Population\":null", 12.2, 57.7, 12.3, 57.8),
		"{\"type\":\"Feature\",\"id\":77,\"properties\":{\"name\":\"Öjersjö\"},\"geometry\":{\"type\":\"MultiPolygon\","
		"\"coordinates\":[[[[12.1,57.6],[12.2,57.6],[12.2,57.65],[12.1,57.6]]]]}}");
	assert_int_equal(import(f, collection(f, features), false, &rep), 0);
	assert_int_equal(rep.rejected, 0);
	assert_true(rep.boundary);
	assert_string_equal(find_code(f, "1402").name, "Partille");
	by_code s = find_code(f, "S1");
	assert_string_equal(s.name, "Sävedalen");
	assert_int_equal(s.population, 2853);
	assert_int_equal(find_code(f, "1402007").population, 2068);
	assert_int_equal(find_code(f, "Jonsered").population, -1);
	assert_string_equal(find_code(f, "77").name, "Öjersjö");
	area got;
	assert_int_equal(area_find(f->c, f->a, s.id, &got), 1);
	assert_true(got.approximate);
	assert_false(got.boundary);
	assert_int_equal(area_find(f->c, f->a, find_code(f, "77").id, &got), 1);
	assert_false(got.approximate);
	assert_non_null(strstr(got.geometry, "MultiPolygon"));
	/* Marking the whole import approximate. */
	area_import_options opt = { .approximate = true };
	const char *one = collection(f, box(f, "\"name\":\"Jonsered\"", 12.2, 57.7, 12.3, 57.8));
	assert_int_equal(area_import_geojson(f->c, f->a, one, strlen(one), &opt, &rep), 0);
	assert_int_equal(area_find(f->c, f->a, find_code(f, "Jonsered").id, &got), 1);
	assert_true(got.approximate);
}

static void edits_areas(void **state)
{
	fixture *f = fixture_of(state);
	area_import_report rep;
	enum area_problem problem;
	assert_int_equal(import(f, three(f), false, &rep), 0);
	int64_t a = find_code(f, "A").id;
	assert_int_equal(area_update(f->c, a, "B", "Väster", 10, false, &problem), -1);
	assert_int_equal(problem, AREA_CODE_TAKEN);
	assert_int_equal(area_update(f->c, a, "A", "", 10, false, &problem), -1);
	assert_int_equal(problem, AREA_NAME_MISSING);
	assert_int_equal(area_update(f->c, a, "A", "Rad\nbrytning", 10, false, &problem), -1);
	assert_int_equal(problem, AREA_NAME_INVALID);
	assert_int_equal(area_update(f->c, a, "", "Väster", 10, false, &problem), -1);
	assert_int_equal(problem, AREA_CODE_MISSING);
	assert_int_equal(area_update(f->c, 999999, "Z", "Ingen", 10, false, &problem), -1);
	assert_int_equal(problem, AREA_NOT_FOUND);
	assert_int_equal(area_update(f->c, a, "A2", "Västerut", -1, true, &problem), 0);
	area got;
	assert_int_equal(area_find(f->c, f->a, a, &got), 1);
	assert_string_equal(got.code, "A2");
	assert_string_equal(got.name, "Västerut");
	assert_int_equal(got.population, -1);
	assert_true(got.approximate);
	assert_int_equal(area_find(f->c, f->a, 999999, &got), 0);
}

/* ---- the demo areas ---- */

typedef struct demo_shapes {
	geo_shape boundary;
	geo_shape areas[64];
	const char *names[64];
	size_t count;
} demo_shapes;

static void read_demo(arena *a, demo_shapes *d)
{
	json_error_t error;
	json_t *root = json_load_file(DEMO_FILE, 0, &error);
	if (root == NULL)
		fail_msg("%s: %s", DEMO_FILE, error.text);
	json_t *features = json_object_get(root, "features"), *feature;
	size_t i;
	bool have_boundary = false;
	memset(d, 0, sizeof(*d));
	json_array_foreach(features, i, feature) {
		json_t *props = json_object_get(feature, "properties");
		enum geo_problem problem;
		geo_shape shape;
		if (geo_parse(a, json_object_get(feature, "geometry"), &shape, &problem, NULL) != 0)
			fail_msg("%s: feature %zu: geometry problem %d", DEMO_FILE, i + 1, problem);
		const char *kind = json_string_value(json_object_get(props, "kind"));
		if (kind && strcmp(kind, "municipality") == 0) {
			d->boundary = shape;
			have_boundary = true;
			continue;
		}
		assert_true(d->count < 64);
		assert_true(json_is_true(json_object_get(props, "approximate")));
		d->names[d->count] = arena_strdup(a, json_string_value(json_object_get(props, "name")));
		d->areas[d->count++] = shape;
	}
	json_decref(root);
	assert_true(have_boundary);
}

static int add_population(void *ud, const area *a)
{
	assert_true(a->population > 0);
	*(int64_t *)ud += a->population;
	return 0;
}

/* Every vertex of every demo area lies in the boundary (on its edge counts),
 * and every point of a grid over the boundary lies in exactly one area when it
 * is inside the boundary, in none when outside; area_locate() agrees. */
static void demo_areas_fill_the_boundary(void **state)
{
	fixture *f = fixture_of(state);
	demo_shapes d;
	read_demo(f->a, &d);
	assert_int_equal(d.count, 15);
	for (size_t k = 0; k < d.count; k++)
		for (size_t p = 0; p < d.areas[k].polygon_count; p++)
			for (size_t r = 0; r < d.areas[k].polygons[p].ring_count; r++) {
				const geo_ring *ring = &d.areas[k].polygons[p].rings[r];
				for (size_t v = 0; v < ring->count; v++)
					if (!geo_shape_contains(&d.boundary, ring->points[v].lon, ring->points[v].lat))
						fail_msg("%s: vertex %zu (%.9f, %.9f) is outside the boundary", d.names[k], v,
							 ring->points[v].lon, ring->points[v].lat);
			}

	area_import_options opt = { .approximate = true };
	area_import_report rep;
	assert_int_equal(area_import_file(f->c, f->a, DEMO_FILE, &opt, &rep), 0);
	assert_int_equal(rep.rejected, 0);
	assert_int_equal(rep.added, 16);

	const geo_bbox *b = &d.boundary.bbox;
	const int steps = 70;
	int inside = 0;
	for (int i = 0; i <= steps; i++) {
		for (int j = 0; j <= steps; j++) {
			/* A little beyond the box on every side, off the round numbers of the grid. */
			double lon = b->min_lon - 0.01 + (b->max_lon - b->min_lon + 0.02) * (i + 0.37) / steps;
			double lat = b->min_lat - 0.01 + (b->max_lat - b->min_lat + 0.02) * (j + 0.61) / steps;
			size_t hits = 0, hit = 0;
			for (size_t k = 0; k < d.count; k++)
				if (geo_shape_contains(&d.areas[k], lon, lat)) {
					hits++;
					hit = k;
				}
			area_match m;
			int where = area_locate(f->c, lat, lon, &m);
			if (geo_shape_contains(&d.boundary, lon, lat)) {
				inside++;
				if (hits != 1)
					fail_msg("(%.6f, %.6f) is in the boundary and in %zu areas", lon, lat, hits);
				assert_int_equal(where, AREA_FOUND);
				assert_string_equal(m.name, d.names[hit]);
				assert_true(m.approximate);
			} else {
				if (hits != 0)
					fail_msg("(%.6f, %.6f) is outside the boundary but in %s", lon, lat, d.names[hit]);
				assert_int_equal(where, AREA_OUTSIDE);
			}
		}
	}
	assert_true(inside > steps * steps / 4);
	/* The RegSO populations add up to Partille's. */
	int64_t total = 0;
	assert_int_equal(area_each(f->c, 0, add_population, &total), 0);
	assert_int_equal(total, DEMO_POPULATION);
}

#define AREA_TEST(fn, kind) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, kind)
#define AREA_TESTS(kind)                                       \
	AREA_TEST(imports_and_locates, kind),                  \
	AREA_TEST(rejects_broken_features_with_reasons, kind), \
	AREA_TEST(unusable_files_change_nothing, kind),        \
	AREA_TEST(merges_and_replaces, kind),                  \
	AREA_TEST(reads_properties_liberally, kind),           \
	AREA_TEST(edits_areas, kind),                          \
	AREA_TEST(demo_areas_fill_the_boundary, kind)

int main(void)
{
	pg_url = getenv("TRYGG_TEST_PG_URL");
	if (pg_url && *pg_url == '\0')
		pg_url = NULL;
	const struct CMUnitTest sqlite_tests[] = { AREA_TESTS(&sqlite_kind) };
	const struct CMUnitTest pg_tests[] = { AREA_TESTS(&pg_kind) };
	int failed = cmocka_run_group_tests_name("areas on SQLite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("areas on PostgreSQL", pg_tests, NULL, NULL);
	return failed != 0;
}
