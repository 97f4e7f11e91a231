/*
 * geo.c — reading GeoJSON polygons, bounding boxes and point in polygon
 * (see geo.h for the rules on edges and what is checked).
 *
 * Point in ring is the crossing-number test (even-odd) after a test for
 * "on an edge"; a ring's self-crossings are found by sorting its edges by
 * their west end and comparing each only with those whose longitudes overlap,
 * which is fast for the shapes areas have.
 */
#include "areas/geo.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A ring with less area than this (square degrees, about 0.01 m² here) has none. */
#define GEO_MIN_RING_AREA 1e-12

enum ring_side { RING_OUTSIDE, RING_INSIDE, RING_EDGE };

/* What parsing carries along: the arena, the count of positions so far, and
 * where the problem is when there is one. */
typedef struct geo_reader {
	arena *a;
	size_t points;
	enum geo_problem problem;
	geo_where where;
} geo_reader;

static int refuse(geo_reader *g, enum geo_problem problem)
{
	g->problem = problem;
	return -1;
}

static void bbox_empty(geo_bbox *b)
{
	b->min_lon = b->min_lat = INFINITY;
	b->max_lon = b->max_lat = -INFINITY;
}

static void bbox_add(geo_bbox *b, double lon, double lat)
{
	b->min_lon = fmin(b->min_lon, lon);
	b->max_lon = fmax(b->max_lon, lon);
	b->min_lat = fmin(b->min_lat, lat);
	b->max_lat = fmax(b->max_lat, lat);
}

bool geo_bbox_contains(const geo_bbox *b, double lon, double lat)
{
	return lon >= b->min_lon - GEO_EDGE_TOLERANCE && lon <= b->max_lon + GEO_EDGE_TOLERANCE &&
	       lat >= b->min_lat - GEO_EDGE_TOLERANCE && lat <= b->max_lat + GEO_EDGE_TOLERANCE;
}

bool geo_bbox_overlaps(const geo_bbox *a, const geo_bbox *b)
{
	return a->min_lon <= b->max_lon && b->min_lon <= a->max_lon && a->min_lat <= b->max_lat &&
	       b->min_lat <= a->max_lat;
}

double geo_ring_area(const geo_ring *ring)
{
	double twice = 0;
	/* The shoelace formula, relative to the first point to keep precision. */
	const geo_point *o = &ring->points[0];
	for (size_t i = 1; i + 1 < ring->count; i++) {
		const geo_point *p = &ring->points[i], *q = &ring->points[i + 1];
		twice += (p->lon - o->lon) * (q->lat - o->lat) - (q->lon - o->lon) * (p->lat - o->lat);
	}
	return twice / 2;
}

/* > 0 when c lies left of the line from a to b, < 0 right of it, 0 on it. */
static double orientation(const geo_point *a, const geo_point *b, const geo_point *c)
{
	return (b->lon - a->lon) * (c->lat - a->lat) - (b->lat - a->lat) * (c->lon - a->lon);
}

/* True when segments ab and cd cross at a point inside both (touching does not count). */
static bool segments_cross(const geo_point *a, const geo_point *b, const geo_point *c, const geo_point *d)
{
	double o1 = orientation(a, b, c), o2 = orientation(a, b, d);
	double o3 = orientation(c, d, a), o4 = orientation(c, d, b);
	return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}

typedef struct edge_span {
	double west, east;
	size_t index; /* the edge from points[index] to points[index + 1] */
} edge_span;

static int edge_span_compare(const void *x, const void *y)
{
	const edge_span *a = x, *b = y;
	return a->west < b->west ? -1 : a->west > b->west ? 1 : 0;
}

static bool ring_self_intersects(arena *a, const geo_ring *ring)
{
	size_t n = ring->count - 1;
	edge_span *spans = arena_alloc(a, n * sizeof(*spans));
	for (size_t i = 0; i < n; i++) {
		spans[i].west = fmin(ring->points[i].lon, ring->points[i + 1].lon);
		spans[i].east = fmax(ring->points[i].lon, ring->points[i + 1].lon);
		spans[i].index = i;
	}
	qsort(spans, n, sizeof(*spans), edge_span_compare);
	for (size_t i = 0; i < n; i++) {
		const geo_point *p = &ring->points[spans[i].index];
		for (size_t j = i + 1; j < n && spans[j].west <= spans[i].east; j++) {
			const geo_point *q = &ring->points[spans[j].index];
			/* Neighbouring edges share a point, which segments_cross() never counts. */
			if (segments_cross(p, p + 1, q, q + 1))
				return true;
		}
	}
	return false;
}

/* Reads one position into *out. */
static int read_position(geo_reader *g, const json_t *position, geo_point *out)
{
	if (!json_is_array(position) || json_array_size(position) < 2 ||
	    !json_is_number(json_array_get(position, 0)) || !json_is_number(json_array_get(position, 1)))
		return refuse(g, GEO_POSITION_INVALID);
	out->lon = json_number_value(json_array_get(position, 0));
	out->lat = json_number_value(json_array_get(position, 1));
	if (!isfinite(out->lon) || out->lon < -180 || out->lon > 180)
		return refuse(g, GEO_LONGITUDE_RANGE);
	if (!isfinite(out->lat) || out->lat < -90 || out->lat > 90)
		return refuse(g, GEO_LATITUDE_RANGE);
	return 0;
}

static int read_ring(geo_reader *g, const json_t *coordinates, geo_ring *out)
{
	if (!json_is_array(coordinates))
		return refuse(g, GEO_COORDINATES_INVALID);
	size_t n = json_array_size(coordinates);
	if (n > GEO_MAX_POINTS - g->points)
		return refuse(g, GEO_TOO_MANY_POINTS);
	g->points += n;
	geo_point *points = arena_alloc(g->a, (n > 0 ? n : 1) * sizeof(*points));
	bbox_empty(&out->bbox);
	for (size_t i = 0; i < n; i++) {
		g->where.position = i + 1;
		if (read_position(g, json_array_get(coordinates, i), &points[i]) != 0)
			return -1;
		bbox_add(&out->bbox, points[i].lon, points[i].lat);
	}
	g->where.position = 0;
	out->points = points;
	out->count = n;
	if (n < 4)
		return refuse(g, GEO_RING_TOO_SHORT);
	if (points[0].lon != points[n - 1].lon || points[0].lat != points[n - 1].lat)
		return refuse(g, GEO_RING_NOT_CLOSED);
	/* Crossings first: a symmetric bow tie's two halves cancel out to no area. */
	if (ring_self_intersects(g->a, out))
		return refuse(g, GEO_RING_SELF_INTERSECTS);
	if (fabs(geo_ring_area(out)) < GEO_MIN_RING_AREA)
		return refuse(g, GEO_RING_NO_AREA);
	return 0;
}

static int read_polygon(geo_reader *g, const json_t *coordinates, geo_polygon *out)
{
	if (!json_is_array(coordinates))
		return refuse(g, GEO_COORDINATES_INVALID);
	size_t n = json_array_size(coordinates);
	if (n == 0)
		return refuse(g, GEO_EMPTY);
	geo_ring *rings = arena_alloc(g->a, n * sizeof(*rings));
	for (size_t i = 0; i < n; i++) {
		g->where.ring = i + 1;
		if (read_ring(g, json_array_get(coordinates, i), &rings[i]) != 0)
			return -1;
	}
	g->where.ring = 0;
	out->rings = rings;
	out->ring_count = n;
	return 0;
}

int geo_parse(arena *a, const json_t *geometry, geo_shape *out, enum geo_problem *problem, geo_where *where)
{
	geo_reader g = { .a = a, .problem = GEO_OK };
	int rc = -1;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(geometry)) {
		refuse(&g, GEO_NOT_OBJECT);
		goto out;
	}
	const char *type = json_string_value(json_object_get(geometry, "type"));
	const json_t *coordinates = json_object_get(geometry, "coordinates");
	bool multi = type && strcmp(type, "MultiPolygon") == 0;
	if (type == NULL || (!multi && strcmp(type, "Polygon") != 0)) {
		refuse(&g, GEO_TYPE_UNSUPPORTED);
		goto out;
	}
	if (!json_is_array(coordinates)) {
		refuse(&g, GEO_COORDINATES_INVALID);
		goto out;
	}
	size_t n = multi ? json_array_size(coordinates) : 1;
	if (n == 0) {
		refuse(&g, GEO_EMPTY);
		goto out;
	}
	geo_polygon *polygons = arena_alloc(a, n * sizeof(*polygons));
	bbox_empty(&out->bbox);
	for (size_t i = 0; i < n; i++) {
		g.where.polygon = multi ? i + 1 : 0;
		if (read_polygon(&g, multi ? json_array_get(coordinates, i) : coordinates, &polygons[i]) != 0)
			goto out;
		const geo_bbox *outer = &polygons[i].rings[0].bbox;
		bbox_add(&out->bbox, outer->min_lon, outer->min_lat);
		bbox_add(&out->bbox, outer->max_lon, outer->max_lat);
	}
	out->polygons = polygons;
	out->polygon_count = n;
	out->point_count = g.points;
	g.where = (geo_where){ 0, 0, 0 };
	rc = 0;
out:
	*problem = g.problem;
	if (where)
		*where = g.where;
	return rc;
}

/* True when (lon, lat) is within GEO_EDGE_TOLERANCE of the segment from a to b. */
static bool on_segment(const geo_point *a, const geo_point *b, double lon, double lat)
{
	const double tol = GEO_EDGE_TOLERANCE;
	if (lon < fmin(a->lon, b->lon) - tol || lon > fmax(a->lon, b->lon) + tol ||
	    lat < fmin(a->lat, b->lat) - tol || lat > fmax(a->lat, b->lat) + tol)
		return false;
	double dx = b->lon - a->lon, dy = b->lat - a->lat;
	double px = lon - a->lon, py = lat - a->lat;
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
	t = fmax(0, fmin(1, t));
	double ex = px - t * dx, ey = py - t * dy;
	return ex * ex + ey * ey <= tol * tol;
}

static enum ring_side ring_side(const geo_ring *ring, double lon, double lat)
{
	if (!geo_bbox_contains(&ring->bbox, lon, lat))
		return RING_OUTSIDE;
	bool inside = false;
	for (size_t i = 0; i + 1 < ring->count; i++) {
		const geo_point *a = &ring->points[i], *b = &ring->points[i + 1];
		if (on_segment(a, b, lon, lat))
			return RING_EDGE;
		/* Does a ray from the point towards the east cross this edge? */
		if ((a->lat > lat) != (b->lat > lat)) {
			double x = a->lon + (lat - a->lat) * (b->lon - a->lon) / (b->lat - a->lat);
			if (lon < x)
				inside = !inside;
		}
	}
	return inside ? RING_INSIDE : RING_OUTSIDE;
}

bool geo_polygon_contains(const geo_polygon *polygon, double lon, double lat)
{
	assert(polygon->ring_count > 0);
	enum ring_side outer = ring_side(&polygon->rings[0], lon, lat);
	if (outer != RING_INSIDE)
		return outer == RING_EDGE;
	for (size_t i = 1; i < polygon->ring_count; i++) {
		enum ring_side hole = ring_side(&polygon->rings[i], lon, lat);
		if (hole == RING_INSIDE)
			return false;
		if (hole == RING_EDGE)
			return true; /* the edge of a hole is the polygon's edge too */
	}
	return true;
}

bool geo_shape_contains(const geo_shape *shape, double lon, double lat)
{
	if (shape->polygon_count == 0 || !geo_bbox_contains(&shape->bbox, lon, lat))
		return false;
	for (size_t i = 0; i < shape->polygon_count; i++)
		if (geo_polygon_contains(&shape->polygons[i], lon, lat))
			return true;
	return false;
}
