/*
 * test_geo.c — GeoJSON polygons and point in polygon (src/areas/geo.c):
 * squares, concave shapes, holes, multipolygons, points on edges and vertices,
 * points outside and far away, and the refusals of broken input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "areas/geo.h"
#include "core/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parses json as a geometry. Returns 0 with *shape (memory in a), or -1 with *problem and *where. */
static int parse(arena *a, const char *json, geo_shape *shape, enum geo_problem *problem, geo_where *where)
{
	json_error_t error;
	json_t *g = json_loads(json, JSON_DECODE_ANY, &error);
	if (g == NULL)
		fail_msg("bad JSON in the test: %s: %s", error.text, json);
	int rc = geo_parse(a, g, shape, problem, where);
	json_decref(g);
	return rc;
}

/* The shape of json, which must be accepted. */
static geo_shape shape_of(arena *a, const char *json)
{
	geo_shape shape;
	enum geo_problem problem;
	geo_where where;
	if (parse(a, json, &shape, &problem, &where) != 0)
		fail_msg("refused (%d at %zu/%zu/%zu): %s", problem, where.polygon, where.ring, where.position, json);
	assert_int_equal(problem, GEO_OK);
	return shape;
}

/* The problem with json, which must be refused, and where it is. */
static enum geo_problem problem_of(const char *json, geo_where *where)
{
	arena *a = arena_new();
	geo_shape shape;
	enum geo_problem problem = GEO_OK;
	geo_where w;
	int rc = parse(a, json, &shape, &problem, &w);
	arena_free(a);
	if (rc == 0)
		fail_msg("accepted: %s", json);
	if (where)
		*where = w;
	return problem;
}

#define SQUARE "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"

static void square_inside_outside_and_far_away(void **state)
{
	arena *a = arena_new();
	geo_shape s = shape_of(a, SQUARE);
	assert_int_equal(s.polygon_count, 1);
	assert_int_equal(s.point_count, 5);
	assert_true(s.bbox.min_lon == 0 && s.bbox.min_lat == 0 && s.bbox.max_lon == 10 && s.bbox.max_lat == 10);
	assert_true(geo_shape_contains(&s, 5, 5));
	assert_true(geo_shape_contains(&s, 0.001, 9.999));
	assert_false(geo_shape_contains(&s, -0.001, 5));
	assert_false(geo_shape_contains(&s, 5, 10.001));
	assert_false(geo_shape_contains(&s, 11, 11));
	assert_false(geo_shape_contains(&s, -179.9, -89.9));
	assert_false(geo_shape_contains(&s, 180, 90));
	assert_false(geo_shape_contains(&s, NAN, 5));
	arena_free(a);
}

static void edges_and_vertices_count_as_inside(void **state)
{
	arena *a = arena_new();
	geo_shape s = shape_of(a, SQUARE);
	/* Every edge, every vertex. */
	assert_true(geo_shape_contains(&s, 0, 5));
	assert_true(geo_shape_contains(&s, 10, 5));
	assert_true(geo_shape_contains(&s, 5, 0));
	assert_true(geo_shape_contains(&s, 5, 10));
	assert_true(geo_shape_contains(&s, 0, 0));
	assert_true(geo_shape_contains(&s, 10, 0));
	assert_true(geo_shape_contains(&s, 10, 10));
	assert_true(geo_shape_contains(&s, 0, 10));
	/* Within the tolerance of an edge is on it; beyond it is not. */
	assert_true(geo_shape_contains(&s, 10 + GEO_EDGE_TOLERANCE / 2, 5));
	assert_true(geo_shape_contains(&s, 5, -GEO_EDGE_TOLERANCE / 2));
	assert_false(geo_shape_contains(&s, 10 + GEO_EDGE_TOLERANCE * 10, 5));
	/* A slanted edge: the midpoint of the diagonal of a triangle. */
	geo_shape t = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[12.07,57.70],[12.20,57.70],[12.07,57.76],[12.07,57.70]]]}");
	assert_true(geo_shape_contains(&t, (12.20 + 12.07) / 2, (57.70 + 57.76) / 2));
	assert_false(geo_shape_contains(&t, (12.20 + 12.07) / 2 + 1e-6, (57.70 + 57.76) / 2 + 1e-6));
	arena_free(a);
}

/* A ray along the latitude of a vertex must not count that vertex twice. */
static void rays_through_vertices(void **state)
{
	arena *a = arena_new();
	geo_shape d = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,5],[5,0],[10,5],[5,10],[0,5]]]}");
	assert_true(geo_shape_contains(&d, 5, 5));
	assert_true(geo_shape_contains(&d, 1, 5));
	assert_false(geo_shape_contains(&d, -1, 5));
	assert_false(geo_shape_contains(&d, 11, 5));
	/* A horizontal edge at the point's latitude. */
	geo_shape step = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,5],[5,5],[5,10],[0,10],[0,0]]]}");
	assert_true(geo_shape_contains(&step, 2, 5));
	assert_true(geo_shape_contains(&step, 7, 5));
	assert_false(geo_shape_contains(&step, 7, 5.5));
	assert_false(geo_shape_contains(&step, 12, 5));
	arena_free(a);
}

static void concave_shapes(void **state)
{
	arena *a = arena_new();
	/* A U: two arms joined at the bottom; the notch between them is outside. */
	geo_shape u = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[30,0],[30,30],[20,30],[20,10],"
				  "[10,10],[10,30],[0,30],[0,0]]]}");
	assert_true(geo_shape_contains(&u, 5, 25));
	assert_true(geo_shape_contains(&u, 25, 25));
	assert_true(geo_shape_contains(&u, 15, 5));
	assert_false(geo_shape_contains(&u, 15, 20));
	assert_false(geo_shape_contains(&u, 15, 29.999));
	assert_true(geo_shape_contains(&u, 15, 10));  /* the bottom of the notch is an edge */
	assert_true(geo_shape_contains(&u, 10, 20));  /* the notch's side too */
	/* Clockwise rings are read just as well (orientation does not matter). */
	geo_shape cw = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,30],[10,30],[10,10],[20,10],"
				   "[20,30],[30,30],[30,0],[0,0]]]}");
	assert_false(geo_shape_contains(&cw, 15, 20));
	assert_true(geo_shape_contains(&cw, 25, 25));
	assert_true(geo_ring_area(&u.polygons[0].rings[0]) > 0);
	assert_true(geo_ring_area(&cw.polygons[0].rings[0]) < 0);
	assert_true(fabs(geo_ring_area(&u.polygons[0].rings[0]) - 700) < 1e-9);
	arena_free(a);
}

static void holes(void **state)
{
	arena *a = arena_new();
	geo_shape h = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":["
				  "[[0,0],[10,0],[10,10],[0,10],[0,0]],"
				  "[[2,2],[2,4],[4,4],[4,2],[2,2]],"
				  "[[6,6],[8,6],[8,8],[6,8],[6,6]]]}");
	assert_int_equal(h.polygons[0].ring_count, 3);
	assert_false(geo_shape_contains(&h, 3, 3));
	assert_false(geo_shape_contains(&h, 7, 7));
	assert_true(geo_shape_contains(&h, 5, 5));
	assert_true(geo_shape_contains(&h, 1, 1));
	assert_true(geo_shape_contains(&h, 2, 3));   /* a hole's edge is the polygon's edge */
	assert_true(geo_shape_contains(&h, 4, 4));   /* and its vertex */
	assert_true(geo_shape_contains(&h, 8, 7));
	assert_false(geo_shape_contains(&h, 12, 3));
	arena_free(a);
}

static void multipolygons(void **state)
{
	arena *a = arena_new();
	geo_shape m = shape_of(a, "{\"type\":\"MultiPolygon\",\"coordinates\":["
				  "[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
				  "[[[5,5],[9,5],[9,9],[5,9],[5,5]],[[6,6],[8,6],[8,8],[6,8],[6,6]]]]}");
	assert_int_equal(m.polygon_count, 2);
	assert_true(m.bbox.min_lon == 0 && m.bbox.max_lon == 9 && m.bbox.max_lat == 9);
	assert_true(geo_shape_contains(&m, 0.5, 0.5));
	assert_true(geo_shape_contains(&m, 5.5, 5.5));
	assert_false(geo_shape_contains(&m, 7, 7));   /* the second polygon's hole */
	assert_false(geo_shape_contains(&m, 3, 3));   /* between the polygons, inside the box */
	assert_true(geo_shape_contains(&m, 1, 1));
	assert_true(geo_polygon_contains(&m.polygons[1], 9, 9));
	assert_false(geo_polygon_contains(&m.polygons[0], 9, 9));
	arena_free(a);
}

/* Two squares sharing an edge: a point on it is inside both (the caller picks one). */
static void shared_edges_are_in_both(void **state)
{
	arena *a = arena_new();
	geo_shape left = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[12.0,57.7],[12.1,57.7],[12.1,57.8],[12.0,57.8],[12.0,57.7]]]}");
	geo_shape right = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[12.1,57.7],[12.2,57.7],[12.2,57.8],[12.1,57.8],[12.1,57.7]]]}");
	assert_true(geo_shape_contains(&left, 12.1, 57.75));
	assert_true(geo_shape_contains(&right, 12.1, 57.75));
	assert_true(geo_shape_contains(&left, 12.0999999, 57.75));
	assert_false(geo_shape_contains(&right, 12.0999999, 57.75));
	arena_free(a);
}

static void positions_may_have_an_altitude(void **state)
{
	arena *a = arena_new();
	geo_shape s = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0,12.5],[10,0,3],[10,10,1],[0,10,0],[0,0,12.5]]],"
				  "\"bbox\":[0,0,10,10]}");
	assert_true(geo_shape_contains(&s, 5, 5));
	geo_shape extremes = shape_of(a, "{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}");
	assert_true(geo_shape_contains(&extremes, 12, 57));
	arena_free(a);
}

static void bounding_boxes(void **state)
{
	geo_bbox b = { 10, 50, 20, 60 };
	assert_true(geo_bbox_contains(&b, 15, 55));
	assert_true(geo_bbox_contains(&b, 10, 50));
	assert_true(geo_bbox_contains(&b, 20 + GEO_EDGE_TOLERANCE / 2, 60));
	assert_false(geo_bbox_contains(&b, 21, 55));
	assert_false(geo_bbox_contains(&b, 15, 49));
	geo_bbox touching = { 20, 60, 30, 70 }, apart = { 20.5, 40, 30, 45 }, swapped = { 57, 12, 58, 13 };
	assert_true(geo_bbox_overlaps(&b, &touching));
	assert_true(geo_bbox_overlaps(&touching, &b));
	assert_false(geo_bbox_overlaps(&b, &apart));
	assert_false(geo_bbox_overlaps(&b, &swapped));
}

static void broken_input_is_refused_with_a_reason(void **state)
{
	static const struct {
		const char *json;
		enum geo_problem problem;
	} cases[] = {
		{ "null", GEO_NOT_OBJECT },
		{ "[1,2]", GEO_NOT_OBJECT },
		{ "{}", GEO_TYPE_UNSUPPORTED },
		{ "{\"type\":\"Point\",\"coordinates\":[12,57]}", GEO_TYPE_UNSUPPORTED },
		{ "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", GEO_TYPE_UNSUPPORTED },
		{ "{\"type\":\"polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}", GEO_TYPE_UNSUPPORTED },
		{ "{\"type\":\"Polygon\"}", GEO_COORDINATES_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":\"0,0,1,1\"}", GEO_COORDINATES_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[0,0],[1,0],[1,1],[0,0]]}", GEO_POSITION_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]}", GEO_POSITION_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[]}", GEO_EMPTY },
		{ "{\"type\":\"MultiPolygon\",\"coordinates\":[]}", GEO_EMPTY },
		{ "{\"type\":\"MultiPolygon\",\"coordinates\":[[]]}", GEO_EMPTY },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[]]}", GEO_RING_TOO_SHORT },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", GEO_RING_TOO_SHORT },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", GEO_RING_NOT_CLOSED },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0.0001]]]}", GEO_RING_NOT_CLOSED },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"1\",0],[1,1],[0,0]]]}", GEO_POSITION_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,0]]]}", GEO_POSITION_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],null,[1,1],[0,0]]]}", GEO_POSITION_INVALID },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[180.5,0],[1,1],[0,0]]]}", GEO_LONGITUDE_RANGE },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,-91],[1,1],[0,0]]]}", GEO_LATITUDE_RANGE },
		/* SWEREF 99 TM metres, not degrees. */
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[330000,6400000],[331000,6400000],[331000,6401000],[330000,6400000]]]}",
		  GEO_LONGITUDE_RANGE },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[2,2],[0,0]]]}", GEO_RING_NO_AREA },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[5,5],[5,5],[5,5],[5,5]]]}", GEO_RING_NO_AREA },
		/* A bow tie: two edges cross. */
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}", GEO_RING_SELF_INTERSECTS },
		{ "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[8,8],[8,2],[2,8],[2,2]]]}",
		  GEO_RING_SELF_INTERSECTS },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum geo_problem got = problem_of(cases[i].json, NULL);
		if (got != cases[i].problem)
			fail_msg("case %zu: problem %d, expected %d: %s", i, got, cases[i].problem, cases[i].json);
	}
}

static void problems_say_where(void **state)
{
	geo_where w;
	assert_int_equal(problem_of("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],"
				    "[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,95],[0.1,0.1]]]]}", &w),
			 GEO_LATITUDE_RANGE);
	assert_int_equal(w.polygon, 2);
	assert_int_equal(w.ring, 2);
	assert_int_equal(w.position, 3);
	assert_int_equal(problem_of("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0]]]}", &w),
			 GEO_RING_TOO_SHORT);
	assert_int_equal(w.polygon, 0);
	assert_int_equal(w.ring, 2);
	assert_int_equal(w.position, 0);
}

static void too_many_points(void **state)
{
	buf b = BUF_INIT;
	size_t n = GEO_MAX_POINTS + 1;
	buf_puts(&b, "{\"type\":\"Polygon\",\"coordinates\":[[");
	for (size_t i = 0; i + 1 < n; i++) /* a circle of n - 1 distinct points, then the first again */
		buf_printf(&b, "[%.9f,%.9f],", cos(2 * M_PI * (double)i / (double)(n - 1)),
			   sin(2 * M_PI * (double)i / (double)(n - 1)));
	buf_puts(&b, "[1.000000000,0.000000000]]]}");
	assert_int_equal(problem_of(b.data, NULL), GEO_TOO_MANY_POINTS);
	/* One point fewer is fine, and quick enough (the self-crossing check sorts the edges). */
	buf_reset(&b);
	n = GEO_MAX_POINTS;
	buf_puts(&b, "{\"type\":\"Polygon\",\"coordinates\":[[");
	for (size_t i = 0; i + 1 < n; i++)
		buf_printf(&b, "[%.9f,%.9f],", cos(2 * M_PI * (double)i / (double)(n - 1)),
			   sin(2 * M_PI * (double)i / (double)(n - 1)));
	buf_puts(&b, "[1.000000000,0.000000000]]]}");
	arena *a = arena_new();
	geo_shape circle = shape_of(a, b.data);
	assert_true(geo_shape_contains(&circle, 0, 0));
	assert_false(geo_shape_contains(&circle, 0.9, 0.9));
	arena_free(a);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(square_inside_outside_and_far_away),
		cmocka_unit_test(edges_and_vertices_count_as_inside),
		cmocka_unit_test(rays_through_vertices),
		cmocka_unit_test(concave_shapes),
		cmocka_unit_test(holes),
		cmocka_unit_test(multipolygons),
		cmocka_unit_test(shared_edges_are_in_both),
		cmocka_unit_test(positions_may_have_an_altitude),
		cmocka_unit_test(bounding_boxes),
		cmocka_unit_test(broken_input_is_refused_with_a_reason),
		cmocka_unit_test(problems_say_where),
		cmocka_unit_test(too_many_points),
	};
	return cmocka_run_group_tests_name("geo", tests, NULL, NULL);
}
