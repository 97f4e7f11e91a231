-- The municipality's areas, and its boundary (src/areas/). Every later part of
-- Trygg records an area id for each item, so an area is never deleted: an
-- import with --replace retires the areas missing from the file instead
-- (retired_at), and items recorded in them keep their area's name.
CREATE TABLE areas (
	id {{id}},
	kind TEXT NOT NULL DEFAULT 'area',   -- 'area', or 'municipality' for the boundary (at most one row)
	code TEXT NOT NULL,                  -- e.g. the RegSO code; the key an import matches on
	name TEXT NOT NULL,
	population BIGINT,                   -- NULL when unknown
	geometry TEXT NOT NULL,              -- GeoJSON Polygon or MultiPolygon, WGS84 longitude/latitude
	min_lon {{real}} NOT NULL,           -- bounding box of the geometry, for quick filtering
	min_lat {{real}} NOT NULL,
	max_lon {{real}} NOT NULL,
	max_lat {{real}} NOT NULL,
	approximate BIGINT NOT NULL DEFAULT 0, -- 1: the borders are drawn approximately (demo data)
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	retired_at BIGINT                    -- NULL while the area is in use
);
CREATE UNIQUE INDEX areas_kind_code ON areas(kind, code);
CREATE INDEX areas_bbox ON areas(min_lon, max_lon, min_lat, max_lat);
