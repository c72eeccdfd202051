"""Regenerates proj_inverse.csv: WGS84 inverse solutions computed by PROJ (through pyproj),
whose geodesic code is GeographicLib's C library. Run with pyproj installed:

    python generate_proj_inverse.py > proj_inverse.csv

Columns: lat1, lon1, lat2, lon2 (degrees), s12 (m), azi1, azi2 (degrees, forward azimuths).
The seed is fixed, so the inputs are reproducible; the outputs depend only on PROJ.
"""

import random

import pyproj

geod = pyproj.Geod(ellps="WGS84")
rng = random.Random(20240521)


def wrap(lon):
    lon = (lon + 180.0) % 360.0 - 180.0
    return lon


def cases():
    # Uniform over the rectangle of valid coordinates.
    for _ in range(500):
        yield (rng.uniform(-90, 90), rng.uniform(-180, 180),
               rng.uniform(-90, 90), rng.uniform(-180, 180))
    # Nearly antipodal: the hard case for every inverse method.
    for _ in range(200):
        lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
        dlat = rng.choice([0.0, 1.0]) * 10 ** rng.uniform(-9, 0)
        dlon = 10 ** rng.uniform(-9, 0.5)
        yield (lat, lon, -lat + dlat, wrap(lon + 180.0 - dlon))
    # Short lines, from a nanometer-ish to tens of kilometers.
    for _ in range(150):
        lat, lon = rng.uniform(-89, 89), rng.uniform(-179, 179)
        scale = 10 ** rng.uniform(-8, -0.5)
        yield (lat, lon, lat + rng.uniform(-1, 1) * scale, lon + rng.uniform(-1, 1) * scale)
    # Near-equatorial and near-polar latitudes, and on the equator exactly.
    for _ in range(100):
        t = 10 ** rng.uniform(-12, -1)
        yield (rng.choice([t, -t, 90 - t, t - 90]), rng.uniform(-180, 180),
               rng.choice([0.0, -t, 90 - t, rng.uniform(-90, 90)]), rng.uniform(-180, 180))
    # Integer and half-degree coordinates, poles and the antimeridian included.
    for _ in range(50):
        yield tuple(float(rng.randint(-2 * m, 2 * m)) / 2 for m in (90, 180, 90, 180))


print("lat1,lon1,lat2,lon2,s12,azi1,azi2")
for lat1, lon1, lat2, lon2 in cases():
    # Round the inputs so the file is short and the values are exact as written.
    lat1, lon1, lat2, lon2 = (round(v, 10) for v in (lat1, lon1, lat2, lon2))
    lat1, lat2 = max(-90.0, min(90.0, lat1)), max(-90.0, min(90.0, lat2))
    lon1, lon2 = max(-180.0, min(180.0, lon1)), max(-180.0, min(180.0, lon2))
    azi1, azi2, s12 = geod.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    print(f"{lat1!r},{lon1!r},{lat2!r},{lon2!r},{s12!r},{azi1!r},{azi2!r}")
