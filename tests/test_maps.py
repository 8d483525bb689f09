"""The interactive map's HTML: self-contained, escaped, and carrying the exact numbers.

What the page does in a browser is tested in test_browser.py; here the file itself.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from siting.errors import OutputError
from siting.outputs.maps import boundary_note, render_map, write_map
from siting.results import Results
from siting.spec import Coverage
from tests.builders import EVIL, ROOT, analysed, choice, reference_for, renamed, run_tiny

CDN_HOSTS = (
    "unpkg.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "bootstrapcdn.com",
    "rawcdn.githack.com",
    "googleapis.com",
    "openstreetmap.org",
)


@pytest.fixture(scope="module")
def tiny() -> Results:
    return run_tiny()


class _Page(HTMLParser):
    """Collects the tags, attributes and inline scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._buf = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._buf)))
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._buf.append(data)


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def embedded(text: str) -> dict[str, Any]:
    page = parse(text)
    (data,) = [s for a, s in page.scripts if a.get("id") == "siting-data"]
    return json.loads(data)


def test_offline_page_fetches_nothing(tiny: Results, tmp_path: Path) -> None:
    path = write_map(tiny, tmp_path / "map.html")
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("data:"), (tag, key, value)
    for host in CDN_HOSTS:
        assert host not in text, host
    assert "{{" not in text  # every placeholder of the template was filled
    # Leaflet's own images are inlined too, so not even a file:// request is made.
    assert "url(images/" not in text


def test_csp_admits_exactly_the_page_scripts(tiny: Results) -> None:
    text = render_map(tiny)
    page = parse(text)
    (csp,) = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    runnable = [s for a, s in page.scripts if a.get("type") != "application/json"]
    assert len(runnable) == 2  # Leaflet and the page's own script
    for script in runnable:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in directives["script-src"]
    assert "unsafe-inline" not in directives["script-src"]


def test_embedded_numbers_are_the_results(tiny: Results) -> None:
    data = embedded(render_map(tiny))
    cands = data["candidates"]
    assert cands["id"] == list(tiny.ranking.index)
    assert cands["score"] == tiny.ranking["score"].tolist()
    assert cands["rank"] == [None if pd.isna(r) else int(r) for r in tiny.ranking["rank"]]
    assert cands["excluded"] == tiny.ranking["excluded_reason"].tolist()
    crit = [c["id"] for c in data["criteria"]]
    values = tiny.values.loc[tiny.ranking.index, crit].to_numpy()
    # Full precision: the browser's what-if must reproduce Python's weighted sum exactly.
    np.testing.assert_array_equal(np.array(cands["v"], dtype=float), values)
    lat = tiny.candidates.loc[tiny.ranking.index].geometry.y.to_numpy()
    np.testing.assert_allclose(cands["lat"], lat, atol=5e-6)
    assert data["portfolio"]["ids"] == tiny.portfolio.ids
    # tiny study: portfolio.min_spacing_km 300 -> coverage circles of 150 km
    assert data["portfolio"]["radius_km"] == 150


def test_slider_shares_reproduce_the_study_weights(tiny: Results) -> None:
    """Group share × share within the group gives back every global weight (the reset state)."""
    data = embedded(render_map(tiny))
    by_index = {i: c for i, c in enumerate(data["criteria"])}
    total = sum(g["share"] for g in data["groups"])
    for g in data["groups"]:
        local = sum(by_index[i]["local"] for i in g["criteria"])
        assert local == pytest.approx(1.0)
        for i in g["criteria"]:
            c = by_index[i]
            assert g["share"] / total * c["local"] == pytest.approx(
                tiny.weights[c["id"]], abs=1e-15
            )
    # tiny study: groups education 1, science 1, enablers 2, one criterion each
    assert [g["share"] for g in data["groups"]] == pytest.approx([0.25, 0.25, 0.5])


def test_malicious_name_never_becomes_markup(tiny: Results) -> None:
    evil = renamed(tiny, "karaganda", EVIL)
    text = render_map(evil)
    assert "<img" not in text
    assert "onerror=alert" not in text.replace("\\u003c", "")[: text.find("siting-data")]
    data = embedded(text)
    assert EVIL in data["candidates"]["name"]  # the name survives, as data


def test_title_is_escaped(tiny: Results) -> None:
    study = tiny.study.model_copy(update={"study": "A </title><script>x()</script>"})
    text = render_map(dataclasses.replace(tiny, study=study))
    assert "<script>x()" not in text
    assert "&lt;/title&gt;" in text


def test_online_mode_loads_leaflet_with_the_published_integrity(tiny: Results) -> None:
    """The SRI hashes are the ones leafletjs.com/download.html publishes for Leaflet 1.9.3."""
    page = parse(render_map(tiny, offline=False))
    (script,) = [a for t, a in page.tags if t == "script" and a.get("src")]
    assert script["src"] == "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js"
    assert script["integrity"] == "sha256-WBkoXOwTeyKclOHuWtc+i2uENFpDZ9YPdf5Hf+D7ewM="
    (link,) = [a for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert link["integrity"] == "sha256-kLaT2GOSpHechhsozzB+flnD+zUyjE2LlfWPgU04xyI="


def test_tiles_are_offered_switched_off_offline(tiny: Results) -> None:
    text = render_map(tiny, tiles="osm")
    data = embedded(text)
    assert data["tiles"] == {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors",
        "on": False,
    }
    assert "img-src data: https:" in text
    assert embedded(render_map(tiny, offline=False, tiles="osm"))["tiles"]["on"] is True


def wiggly_square(n: int = 4000) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 5 + 0.001 * np.sin(40 * t)  # detail far below the 1 km tolerance
    return Polygon(np.c_[70 + r * np.cos(t), 48 + r * np.sin(t)] + 1.23456789e-7)


def test_boundaries_are_simplified_rounded_and_not_a_facility_layer(tiny: Results) -> None:
    borders = gpd.GeoDataFrame(
        {"name": ["Kazakhstan <b>"], "level": ["country"]},
        geometry=[wiggly_square()],
        crs="EPSG:4326",
    )
    data = embedded(render_map(dataclasses.replace(tiny, boundaries=borders)))
    (feature,) = data["boundaries"]
    ring = feature["geometry"]["coordinates"][0]
    assert 4 < len(ring) < 400
    assert all(round(x, 5) == x and round(y, 5) == y for x, y in ring)
    assert feature["properties"] == {"name": "Kazakhstan <b>", "level": "country"}
    assert [layer["name"] for layer in data["layers"]] == list(tiny.layers)
    assert (
        embedded(render_map(dataclasses.replace(tiny, boundaries=borders.iloc[:0])))["boundaries"]
        == []
    )


def test_boundaries_in_another_crs_are_drawn_in_degrees(tiny: Results) -> None:
    borders = gpd.GeoDataFrame(
        {"name": ["square"]}, geometry=[wiggly_square(50)], crs="EPSG:4326"
    ).to_crs("EPSG:3857")
    data = embedded(render_map(dataclasses.replace(tiny, boundaries=borders)))
    x, y = data["boundaries"][0]["geometry"]["coordinates"][0][0]
    assert 60 < x < 80 and 40 < y < 56  # reprojected back to degrees


def test_writers_read_no_input_file(tiny: Results, tmp_path: Path, monkeypatch) -> None:
    """Everything the outputs show comes from Results: a run whose input files are gone writes."""
    from siting.outputs.report import render_report
    from siting.outputs.static_map import render_static_map

    gone = dataclasses.replace(tiny, source=tmp_path / "moved" / "study.yaml")
    shipped = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    gone = dataclasses.replace(gone, boundaries=shipped)

    def no_reading(*args, **kwargs):
        raise AssertionError("an output writer read a file")

    monkeypatch.setattr(gpd, "read_file", no_reading)
    assert embedded(render_map(gone))["boundary_note"] == boundary_note(shipped)
    assert "Boundaries: Pre-2022" in render_report(gone)
    assert render_static_map(gone, dpi=40)[:4] == b"\x89PNG"


def front() -> pd.DataFrame:
    """A hand-made Pareto front in the pipeline's shape, rows deliberately not sorted."""
    return pd.DataFrame(
        {
            "total_score": [1.49, 1.99],
            "population_covered": [2_900_000.0, 2_400_000.0],
            "covered_share": [0.6, 0.5],
            "ids": [["astana", "oskemen"], ["almaty", "astana"]],
            "optimal_for_score": [False, True],
        }
    )


def test_optional_parts_are_drawn_only_when_present(tiny: Results) -> None:
    plain = embedded(render_map(tiny))
    assert plain["alternatives"] == [] and plain["pareto"] == []
    assert plain["reference"] is None and plain["robustness"] is None
    extended = dataclasses.replace(
        tiny,
        reference=reference_for(tiny),
        alternatives=[choice(["almaty", "karaganda"], 1.5, ["spacing binds"])],
        pareto=front(),
    )
    data = embedded(render_map(extended))
    score = tiny.ranking["score"]
    (alt,) = data["alternatives"]
    # the optimum is Almaty + Astana; the alternative swaps Astana for Karaganda
    assert tiny.portfolio.ids == ["almaty", "astana"]
    assert alt["ids"] == ["almaty", "karaganda"] and alt["label"] == "Alternative 1"
    assert alt["dropped"] == ["astana"] and alt["added"] == ["karaganda"]
    assert alt["total"] == pytest.approx(score["almaty"] + score["karaganda"], rel=1e-6)
    assert alt["gap"] == pytest.approx(score["astana"] - score["karaganda"], rel=1e-3)
    assert alt["objective"] == 1.5 and alt["binding"] == ["spacing binds"]
    # by increasing population covered, whatever the row order
    assert data["pareto"] == [
        {
            "ids": ["almaty", "astana"],
            "score": 1.99,
            "population": 2_400_000.0,
            "share": 0.5,
            "optimal": True,
        },
        {
            "ids": ["astana", "oskemen"],
            "score": 1.49,
            "population": 2_900_000.0,
            "share": 0.6,
            "optimal": False,
        },
    ]
    ref = data["reference"]
    assert [s["name"] for s in ref["sites"]] == ["Akademgorodok <NSC>", "Koltsovo"]
    assert ref["sites"][1]["v"] == [0.5] * tiny.values.shape[1]
    assert ref["sites"][0]["score"] == pytest.approx(1.0)
    assert (ref["sites"][0]["lat"], ref["sites"][0]["lon"]) == (54.85, 83.1)
    assert ref["facilities"][0]["names"] == ["NSU"]


def test_a_pareto_front_without_its_columns_is_refused(tiny: Results) -> None:
    bad = dataclasses.replace(tiny, pareto=front().drop(columns=["population_covered"]))
    with pytest.raises(OutputError, match=r"lacks the columns \['population_covered'\]"):
        render_map(bad)


def test_coverage_circles_use_the_coverage_radius(tiny: Results) -> None:
    assert embedded(render_map(tiny))["portfolio"]["radius_from"] == "spacing"
    portfolio = tiny.study.portfolio.model_copy(update={"coverage": Coverage(radius_km=120)})
    study = tiny.study.model_copy(update={"portfolio": portfolio})
    covered = dataclasses.replace(
        tiny,
        study=study,
        portfolio=dataclasses.replace(tiny.portfolio, population_covered=3_100_000.0),
    )
    data = embedded(render_map(covered))["portfolio"]
    assert (data["radius_km"], data["radius_from"]) == (120.0, "coverage")
    assert data["population"] == 3_100_000.0


def test_robustness_numbers_are_the_analysis(tiny: Results) -> None:
    robust = analysed(tiny)
    sens = robust.sensitivity
    data = embedded(render_map(robust))["robustness"]
    ids = list(tiny.ranking.index)
    table = sens.acceptability.acceptability.reindex(ids)
    assert data["draws"] == 2000 and data["seed"] == tiny.study.seed and data["top_k"] == 3
    expected_first = [None if pd.isna(x) else float(x) for x in table[1]]
    assert data["first"] == expected_first
    top = table[[1, 2, 3]].sum(axis=1, min_count=1)
    assert data["top"] == pytest.approx([None if pd.isna(x) else x for x in top])
    p = sens.membership.probability.reindex(ids)
    assert data["membership"]["p"] == [None if pd.isna(x) else float(x) for x in p]
    assert data["membership"]["draws"] == 200
    # the excluded candidate was not analysed: it has no numbers, not zeros
    kurchatov = ids.index("kurchatov")
    assert data["first"][kurchatov] is None and data["membership"]["p"][kurchatov] is None
    # with values this uncertain the portfolio is not always the same
    assert sum(0 < x < 1 for x in data["membership"]["p"] if x is not None) > 0


def test_the_boundaries_layout_note_is_shown(tiny: Results) -> None:
    shipped = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    note = embedded(render_map(dataclasses.replace(tiny, boundaries=shipped)))["boundary_note"]
    assert note.startswith("Pre-2022 regional layout") and "2022 reform" in note
    assert boundary_note(shipped) == note
    evil = shipped.assign(layout_note=EVIL)
    text = render_map(dataclasses.replace(tiny, boundaries=evil))
    assert EVIL not in text and embedded(text)["boundary_note"] == EVIL
    assert embedded(render_map(tiny))["boundary_note"] == ""


def test_write_map_is_atomic_and_says_when_it_cannot(tiny: Results, tmp_path: Path) -> None:
    out = write_map(tiny, tmp_path / "sub" / "map.html")
    assert out == tmp_path / "sub" / "map.html"
    assert [p.name for p in out.parent.iterdir()] == ["map.html"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot create output folder"):
        write_map(tiny, blocker / "map.html")


def replicate(results: Results, n: int, *, seed: int = 0) -> Results:
    """A study of ``n`` candidates made by jittering the tiny study's kept ones."""
    rng = np.random.default_rng(seed)
    base = results.ranking.index[results.ranking["rank"].notna()]
    pick = rng.choice(base, size=n)
    ids = [f"c{i:05d}" for i in range(n)]
    cands = results.candidates.loc[pick].copy()
    cands.index = pd.Index(ids, name=results.candidates.index.name)
    cands["name"] = [f"Town {i}" for i in range(n)]
    cands = cands.set_geometry(
        [Point(p.x + rng.normal(0, 3), p.y + rng.normal(0, 2)) for p in cands.geometry]
    )
    values = results.values.loc[pick].to_numpy() * rng.uniform(
        0.7, 1.0, (n, results.values.shape[1])
    )
    values = pd.DataFrame(values, index=ids, columns=results.values.columns)
    raw = results.raw.loc[pick].set_axis(ids)
    contributions = values * results.weights
    score = contributions.sum(axis=1).sort_values(ascending=False)
    ranking = pd.DataFrame(
        {
            "name": cands.loc[score.index, "name"],
            "score": score,
            "rank": pd.array(np.arange(1, n + 1), dtype="Int64"),
            "excluded_reason": "",
        }
    )
    return dataclasses.replace(
        results,
        candidates=cands,
        raw=raw,
        values=values,
        contributions=contributions,
        ranking=ranking,
    )


def test_two_thousand_candidates_stay_under_ten_megabytes(tiny: Results) -> None:
    big = replicate(tiny, 2000)
    text = render_map(big)
    assert len(text.encode()) < 10_000_000
    assert len(embedded(text)["candidates"]["id"]) == 2000


def test_coordinates_are_rounded_to_five_decimals(tiny: Results) -> None:
    data = embedded(render_map(replicate(tiny, 50)))
    for x in data["candidates"]["lat"] + data["candidates"]["lon"]:
        assert re.fullmatch(r"-?\d+(\.\d{1,5})?", repr(x)), x
