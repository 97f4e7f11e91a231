/*
 * geo.h — the geometry of Trygg's areas: reading GeoJSON Polygon and
 * MultiPolygon geometries (RFC 7946) with the checks that catch broken input,
 * bounding boxes, and "is this point inside".
 *
 * Pure: no database, no I/O, no global state; memory comes from the caller's
 * arena. Positions are WGS84 longitude/latitude in degrees, and edges are
 * straight lines in that plane, as RFC 7946 §3.1.1 prescribes. Geometries
 * that cross the antimeridian are not supported (no municipality does).
 *
 * The rule for a point on an edge: a point on an edge or a vertex of a
 * polygon — of its outer ring or of one of its holes' rings — counts as
 * inside that polygon. "On" means within GEO_EDGE_TOLERANCE degrees, so that
 * a point computed from a neighbour's vertex by rounding still counts. A point
 * on the border of two neighbouring areas is thus inside both; the caller
 * picks one by a fixed rule (area_locate(): the lowest id). Inside a ring is
 * decided by the even-odd rule, so the orientation of rings does not matter.
 *
 * What is checked when reading: the type, the nesting of coordinates, that
 * each position is two (or three) numbers within the ranges of longitude and
 * latitude, that each ring has at least four positions, is closed, encloses
 * an area and does not cross itself. Not checked: that holes lie inside their
 * outer ring, or that the polygons of a MultiPolygon do not overlap.
 */
#ifndef TRYGG_AREAS_GEO_H
#define TRYGG_AREAS_GEO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Points closer than this to an edge are on it (degrees; about 0.1 mm). */
#define GEO_EDGE_TOLERANCE 1e-9
/* The most positions one geometry may have. */
#define GEO_MAX_POINTS 200000

typedef struct geo_point {
	double lon, lat;
} geo_point;

typedef struct geo_bbox {
	double min_lon, min_lat, max_lon, max_lat;
} geo_bbox;

/* A closed ring: points[0] equals points[count - 1], count >= 4. */
typedef struct geo_ring {
	const geo_point *points;
	size_t count;
	geo_bbox bbox;
} geo_ring;

/* rings[0] is the outer ring, the others are holes. */
typedef struct geo_polygon {
	const geo_ring *rings;
	size_t ring_count;
} geo_polygon;

/* A Polygon (one polygon) or a MultiPolygon. */
typedef struct geo_shape {
	const geo_polygon *polygons;
	size_t polygon_count;
	size_t point_count;
	geo_bbox bbox; /* of every outer ring */
} geo_shape;

/* Why a geometry was refused. */
enum geo_problem {
	GEO_OK,
	GEO_NOT_OBJECT,           /* missing, or not a JSON object */
	GEO_TYPE_UNSUPPORTED,     /* "type" is not Polygon or MultiPolygon */
	GEO_COORDINATES_INVALID,  /* "coordinates" missing or not nested as the type needs */
	GEO_EMPTY,                /* no polygon, or a polygon without rings */
	GEO_POSITION_INVALID,     /* a position is not [longitude, latitude] numbers */
	GEO_LONGITUDE_RANGE,      /* a longitude outside -180…180 */
	GEO_LATITUDE_RANGE,       /* a latitude outside -90…90 */
	GEO_RING_TOO_SHORT,       /* fewer than four positions */
	GEO_RING_NOT_CLOSED,      /* first and last position differ */
	GEO_RING_NO_AREA,         /* every position on one line */
	GEO_RING_SELF_INTERSECTS, /* two edges of the ring cross */
	GEO_TOO_MANY_POINTS,      /* more than GEO_MAX_POINTS positions */
	GEO__MAX
};

/* Where in a geometry a problem is: 1-based numbers, 0 when not applicable. */
typedef struct geo_where {
	size_t polygon, ring, position;
} geo_where;

/* Reads a GeoJSON geometry object (Polygon or MultiPolygon). Returns 0 with
 * *out filled (memory in a), or -1 with *problem and *where (which may be NULL). */
int geo_parse(arena *a, const json_t *geometry, geo_shape *out, enum geo_problem *problem, geo_where *where);

/* True when (lon, lat) lies inside shape or on one of its edges (see above). */
bool geo_shape_contains(const geo_shape *shape, double lon, double lat);
/* True when (lon, lat) lies inside polygon or on one of its edges. */
bool geo_polygon_contains(const geo_polygon *polygon, double lon, double lat);

/* True when (lon, lat) is inside b or within GEO_EDGE_TOLERANCE of it. */
bool geo_bbox_contains(const geo_bbox *b, double lon, double lat);
/* True when the boxes share at least a point. */
bool geo_bbox_overlaps(const geo_bbox *a, const geo_bbox *b);

/* The signed area of a closed ring in square degrees: positive when its
 * points run counter-clockwise. */
double geo_ring_area(const geo_ring *ring);

#endif
