"""The interactive map: a folium map whose page is self-contained, escaped, deterministic and
carries the exact numbers, in three languages.

What the page does in a browser is tested in test_browser.py; here the map and the file itself.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import functools
import hashlib
import html
import inspect
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from folium.features import GeoJson
from shapely.geometry import Point, Polygon

from siting.errors import OutputError
from siting.i18n import LANGUAGES, script_messages, translator
from siting.outputs.map.payload import PAGE_SCRIPTS, expand
from siting.outputs.map.summary import summary_html
from siting.outputs.maps import boundary_note, folium_map, render_map, write_map
from siting.outputs.words import Words
from siting.recommendation import recommend
from siting.results import Results
from siting.spec import Coverage
from tests.builders import EVIL, ROOT, analysed, choice, reference_for, renamed, run_tiny


@functools.cache
def run_shipped(name: str) -> Results:
    """A shipped study, run once per session without its robustness analysis."""
    import siting.pipeline

    return siting.pipeline.run(ROOT / "criteria" / f"{name}.yaml", sensitivity=False)


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


def stored(text: str) -> dict[str, Any]:
    """The page's data as stored in the page (each fact once: payload.compact)."""
    page = parse(text)
    (data,) = [s for a, s in page.scripts if a.get("id") == "siting-data"]
    return json.loads(data)


def embedded(text: str) -> dict[str, Any]:
    """The page's data as the page reads it (``sitingUnpack``: payload.expand)."""
    return expand(stored(text))


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
    # every template was rendered: no jinja expression or macro is left
    assert not re.search(r"\{\{\s*this\b|\{%-?\s*(macro|if|for)\b", text)
    # Leaflet's own images are inlined too, so not even a file:// request is made.
    assert "url(images/" not in text


def policy(text: str) -> dict[str, str]:
    page = parse(text)
    (csp,) = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None
    return dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())


def test_csp_admits_exactly_the_page_scripts(tiny: Results) -> None:
    text = render_map(tiny)
    page = parse(text)
    directives = policy(text)
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    runnable = [s for a, s in page.scripts if a.get("type") != "application/json"]
    # Leaflet, the engine (HiGHS binary, its loader, engine.js) and folium's generated script,
    # which ends with the page script
    assert len(runnable) == 5
    hashes = []
    for script in runnable:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    # every inline script by hash, and WebAssembly compilation for the solver; nothing else
    assert directives["script-src"].split() == [*hashes, "'wasm-unsafe-eval'"]
    assert "sitingPage({" in runnable[-1] and "L.map(" in runnable[-1]
    # the policy comes before any script, so that it governs them all
    assert text.index("Content-Security-Policy") < text.index("<script")


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
    # the name is in the page's data only (as JSON with \u003c), never in markup or script
    (data_start,) = [m.start() for m in re.finditer('id="siting-data"', text)]
    data_end = text.index("</script>", data_start)
    outside = text[:data_start] + text[data_end:]
    assert "onerror=alert" not in outside
    data = embedded(text)
    assert all(data["candidates"]["name"][lang][2] == EVIL for lang in LANGUAGES)


def test_template_syntax_in_data_stays_text(tiny: Results) -> None:
    """folium renders its parts as templates a second time; data must never be read as one."""
    braces = "{{ 7 * 7 }} {% if 1 %}x{% endif %} {# c #}"
    text = render_map(renamed(tiny, "karaganda", braces))
    assert embedded(text)["candidates"]["name"]["en"][2] == braces
    assert "49" not in embedded(text)["candidates"]["name"]["en"][2]


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


def test_two_renders_give_identical_bytes(tiny: Results) -> None:
    """folium's element ids are random: pinned, two runs in two processes write the same page."""
    code = (
        "import hashlib, sys, warnings; warnings.simplefilter('ignore');"
        "from tests.builders import run_tiny; from siting.outputs.maps import render_map;"
        "sys.stdout.write(hashlib.sha256(render_map(run_tiny()).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        for _ in range(2)
    }
    digests.add(hashlib.sha256(render_map(tiny).encode()).hexdigest())
    assert len(digests) == 1
    assert not re.search(r"_[0-9a-f]{32}\b", render_map(tiny))  # no unpinned folium id


def test_the_map_is_a_folium_map_an_analyst_extends(tiny: Results, tmp_path: Path) -> None:
    m = tiny.map()
    assert isinstance(m, folium.Map)
    before = m.get_root().render()
    names = set(re.findall(r"\b(?:map|siting_layer|layer_control)_\d{4}\b", before))
    group = folium.FeatureGroup(name="My wells").add_to(m)
    folium.CircleMarker([47.1, 51.9], radius=4, tooltip="Well 1").add_to(group)
    folium.TileLayer("OpenStreetMap", overlay=True, show=False).add_to(m)
    m.save(tmp_path / "extended.html")
    after = (tmp_path / "extended.html").read_text(encoding="utf-8")
    # the layer is drawn and listed in the one layer control, made after every layer
    assert '"My wells"' in after and after.count("L.control.layers(") == 1
    control = after.index("L.control.layers(")
    assert after.index(f"var {group.get_name()} = L.featureGroup(") < control
    # the elements drawn before keep their names; the policy admits the new script and tiles
    assert names <= set(re.findall(r"\b(?:map|siting_layer|layer_control)_\d{4}\b", after))
    assert policy(after)["img-src"] == "data: https:"
    runnable = [s for a, s in parse(after).scripts if a.get("type") != "application/json"]
    for script in runnable:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy(after)["script-src"]


def test_a_plugin_that_needs_the_network_is_refused_offline(tiny: Results) -> None:
    from folium.plugins import MarkerCluster

    m = folium_map(tiny)
    MarkerCluster().add_to(m)
    with pytest.raises(OutputError, match=r"links https://.*offline=False"):
        m.get_root().render()
    online = folium_map(tiny, offline=False)
    MarkerCluster().add_to(online)
    assert "markercluster" in online.get_root().render()


def test_the_notebook_shows_the_offline_page_in_a_frame(tiny: Results) -> None:
    frame = tiny.map()._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in frame
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert inner == tiny.map().get_root().render()
    assert "Content-Security-Policy" in inner


def test_the_summary_is_the_answer_first(tiny: Results) -> None:
    evil = renamed(tiny, "almaty", EVIL)
    text = evil._repr_html_()
    assert text == summary_html(evil)
    assert "<script" not in text and EVIL not in text and html.escape(EVIL) in text
    assert "The study recommends" in text and "Top 5 of the ranking" in text
    rows = re.findall(r"<tr>", text)
    assert len(rows) == 1 + len(tiny.included)  # header and the five kept candidates
    robust = analysed(tiny)
    robust = dataclasses.replace(robust, recommendation=recommend(robust))._repr_html_()
    assert "of 200 weight draws" in robust and "In the optimal portfolio" in robust


def test_the_page_opens_in_the_asked_language_with_all_three(tiny: Results) -> None:
    text = render_map(tiny, lang="ru")
    assert '<html lang="ru">' in text
    data = embedded(text)
    assert data["lang"] == "ru"
    assert [x["code"] for x in data["languages"]] == ["kk", "ru", "en"]
    for lang in LANGUAGES:
        assert data["messages"][lang] == script_messages(lang, PAGE_SCRIPTS)
    assert embedded(render_map(tiny))["lang"] == tiny.study.language
    with pytest.raises(ValueError, match="choose one of kk, ru, en"):
        render_map(tiny, lang="de")


def test_every_page_text_is_a_catalog_message() -> None:
    """The page script's texts are all found by the catalogs' extractor (t / tn literals)."""
    messages = script_messages("en", ("map.js",))
    assert len(messages) > 150
    for msgid in (
        "Recommended sites",
        "{position}: {site} or {contender} — a close call.",
        "in the optimal portfolio in {share} of {n} weight draw",
        "Every weight is 0: give at least one criterion some weight.",
        "TOPSIS: how close a candidate is to an ideal one that is best on every criterion, "
        "and how far from one that is worst on every criterion.",
    ):
        assert msgid in messages, msgid
    assert messages["__forms__"] == ["one", "other"]
    assert script_messages("ru", ("map.js",))["__forms__"] == ["one", "few", "many"]


def messages_of(*functions: Any) -> set[str]:
    """The messages ``functions`` render: the first argument of each ``t(...)`` or ``t.plural(...)``."""
    out = set()
    for function in functions:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) else None
            if name in ("t", "plural") and isinstance(text, str):
                out.add(text)
    return out


def test_the_page_words_rules_with_the_messages_of_words_py() -> None:
    """A re-solved portfolio's rules are worded in the page with words.py's own messages.

    Every message of ``Words.rule``, ``Words.binding`` (the binding branch), ``Words._why`` and
    ``Words.both`` is one of the page's, so that it shares the report's translation.
    """
    page = script_messages("en", ("map.js",))
    wanted = messages_of(Words.rule, Words.binding, Words._why, Words.both)
    # the one sentence the page never shows: it lists only the rules that bind
    wanted.discard(
        "The rule “{rule}” does not change the answer: the best portfolio is the same without it."
    )
    assert len(wanted) > 15
    assert sorted(wanted - set(page)) == []
    # the page's old templates of the same facts are gone: one wording for one fact
    for old in (
        "{rule} binds: without it the total score would be {without} instead of {objective}",
        "at most {n} site per {field}",
        "{groups} would get more",
    ):
        assert old not in page


def test_the_page_carries_the_reports_words() -> None:
    """The study's binding rules, exclusion reasons and group words as words.py writes them."""
    results = run_shipped("novosibirsk")
    data = embedded(render_map(results))
    cands = data["candidates"]
    vocabulary = data["portfolio"]["words"]
    assert vocabulary["grouped"] is True
    for lang in LANGUAGES:
        w = Words(results, translator(lang))
        assert data["portfolio"]["sentences"][lang] == w.binding_sentences()
        assert len(w.binding_sentences()) == 2
        assert cands["excluded_text"][lang] == [
            w.exclusion_reason(cid) if reason else ""
            for cid, reason in zip(cands["id"], cands["excluded"], strict=True)
        ]
        assert vocabulary["grouping"][lang] == w.grouping("macro_region")
        names = vocabulary["group_names"][lang]
        assert set(names) == {"north", "south", "east", "west", "central"}
        assert all(names[g] == w.group_value("macro_region", g) for g in names)
    assert vocabulary["grouping"]["en"] == "macro-region"
    assert vocabulary["group_names"]["en"]["north"] == "the north"
    group = results.candidates["macro_region"].astype(str)
    assert vocabulary["group_of"] == [group[cid] for cid in cands["id"]]
    # the page reads no field name: its words come from words.py
    assert "macro_region" not in json.dumps({k: v for k, v in data.items() if k != "model"})
    # the criteria file's reasons, in the reader's language (the shipped study gives its own)
    excluded = [i for i, r in enumerate(cands["excluded"]) if r]
    assert excluded
    for i in excluded:
        assert cands["excluded_text"]["ru"][i] != cands["excluded"][i]
        assert not re.search(r"[A-Za-z]", cands["excluded_text"]["ru"][i])


def test_place_names_and_study_texts_in_each_language() -> None:
    candidates = gpd.read_file(ROOT / "data" / "candidates.geojson").set_index("id")
    results = run_shipped("biotech_city")
    data = embedded(render_map(results))
    cands = data["candidates"]
    i = cands["id"].index("oskemen")
    assert cands["name"]["en"][i] == "Oskemen"
    assert cands["name"]["ru"][i] == candidates.at["oskemen", "name_ru"] == "Усть-Каменогорск"
    assert cands["name"]["kk"][i] == candidates.at["oskemen", "name_kk"]
    assert data["title"] == {lang: results.study.study.get(lang) for lang in LANGUAGES}
    labels = {c.id: c.label for c in results.study.criteria}
    for criterion in data["criteria"]:
        assert criterion["label"] == {lang: labels[criterion["id"]].get(lang) for lang in LANGUAGES}
    names = data["boundary_names"]
    assert len(names) == 17 and names[0]["en"]


def test_the_shipped_map_stays_under_three_megabytes() -> None:
    results = run_shipped("novosibirsk")
    for lang in LANGUAGES:
        size = len(render_map(results, lang=lang).encode())
        assert size < 3_000_000, (lang, size)


def test_the_first_view_is_the_whole_country() -> None:
    bounds = embedded(render_map(run_shipped("novosibirsk")))["bounds"]
    (south, west), (north, east) = bounds
    # Kazakhstan: 40.6-55.4 N, 46.5-87.3 E (the border), and Novosibirsk's reference at 55 N
    assert south < 40.7 and west < 46.6 and north > 55.3 and east > 87.2


def test_live_portfolio_can_be_switched_off(tiny: Results) -> None:
    on = embedded(render_map(tiny))
    assert on["live"] is True and on["model"]["portfolio"] is not None
    off = embedded(render_map(tiny, live=False))
    assert off["live"] is False and off["model"]["portfolio"] is None
    assert off["model"]["methods"]  # still scored by the study's method in the page
    # the study can say so in its file: map: {live_portfolio: false}
    from siting.spec import MapSpec

    study = tiny.study.model_copy(update={"map": MapSpec(live_portfolio=False)})
    by_file = render_map(dataclasses.replace(tiny, study=study))
    assert embedded(by_file)["live"] is False
    assert len(by_file) < len(render_map(tiny)) - 1_000_000  # the solver is left out


def test_a_tile_url_with_template_syntax_is_refused(tiny: Results) -> None:
    with pytest.raises(ValueError, match="not a Leaflet URL template"):
        render_map(tiny, tiles="https://tiles.example/{{ z }}/{x}/{y}.png")


def wiggly_square(n: int = 4000) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 5 + 0.001 * np.sin(40 * t)  # detail far below the 1 km tolerance
    return Polygon(np.c_[70 + r * np.cos(t), 48 + r * np.sin(t)] + 1.23456789e-7)


def boundaries_of(m: folium.Map) -> list[dict[str, Any]]:
    """The features of the map's boundaries layer (folium's GeoJson), or [] without one."""
    layers = [c for c in m._children.values() if isinstance(c, GeoJson)]
    return layers[0].data["features"] if layers else []


def test_boundaries_are_simplified_rounded_and_not_a_facility_layer(tiny: Results) -> None:
    borders = gpd.GeoDataFrame(
        {"name": ["Kazakhstan <b>"], "name_ru": ["Казахстан"], "level": ["country"]},
        geometry=[wiggly_square()],
        crs="EPSG:4326",
    )
    with_borders = dataclasses.replace(tiny, boundaries=borders)
    (feature,) = boundaries_of(folium_map(with_borders))
    ring = feature["geometry"]["coordinates"][0]
    assert 4 < len(ring) < 400
    assert all(round(x, 5) == x and round(y, 5) == y for x, y in ring)
    # folium writes the features into its script, which it reads as a template again: no text
    assert feature["properties"] == {"level": "country"}
    data = embedded(render_map(with_borders))
    assert data["boundary_names"] == [
        {"kk": "Kazakhstan <b>", "ru": "Казахстан", "en": "Kazakhstan <b>"}
    ]
    assert "Kazakhstan <b>" not in render_map(with_borders)
    assert [layer["name"] for layer in data["layers"]] == list(tiny.layers)
    assert boundaries_of(folium_map(dataclasses.replace(tiny, boundaries=borders.iloc[:0]))) == []


def test_boundaries_in_another_crs_are_drawn_in_degrees(tiny: Results) -> None:
    borders = gpd.GeoDataFrame(
        {"name": ["square"]}, geometry=[wiggly_square(50)], crs="EPSG:4326"
    ).to_crs("EPSG:3857")
    features = boundaries_of(folium_map(dataclasses.replace(tiny, boundaries=borders)))
    x, y = features[0]["geometry"]["coordinates"][0][0]
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
    assert "Boundaries: Regional layout before 2018" in render_report(gone)
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
    assert alt["ids"] == ["almaty", "karaganda"]
    assert alt["dropped"] == ["astana"] and alt["added"] == ["karaganda"]
    assert alt["total"] == pytest.approx(score["almaty"] + score["karaganda"], rel=1e-6)
    assert alt["gap"] == pytest.approx(score["astana"] - score["karaganda"], rel=1e-3)
    assert alt["objective"] == 1.5 and alt["binding"] == []
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
    assert [s["name"]["ru"] for s in ref["sites"]] == ["Akademgorodok <NSC>", "Koltsovo"]
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
    assert note.startswith("Regional layout before 2018") and "in 2022 Abai" in note
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
    data = embedded(text)
    assert len(data["candidates"]["id"]) == 2000
    # too many for the page to re-solve at every slider move: ranked live, portfolio kept
    assert data["live"] is False and data["model"]["portfolio"] is None


def test_coordinates_are_rounded_to_five_decimals(tiny: Results) -> None:
    data = embedded(render_map(replicate(tiny, 50)))
    for x in data["candidates"]["lat"] + data["candidates"]["lon"]:
        assert re.fullmatch(r"-?\d+(\.\d{1,5})?", repr(x)), x


def test_each_value_is_in_the_page_once(tiny: Results) -> None:
    """The engine scores the markers' own values: the value matrix is stored once, read twice."""
    for results in (tiny, replicate(tiny, 40)):
        text = render_map(results, live=True)
        data = stored(text)
        assert "values" not in data["model"] and "scores" not in data["model"]
        assert "candidates" not in data["model"]
        # read back as the page reads it, the engine's matrix is the candidates' rows
        page = embedded(text)
        crit = page["model"]["criteria"]
        values = results.values.loc[results.ranking.index, crit].to_numpy()
        np.testing.assert_array_equal(np.array(page["model"]["values"], dtype=float), values)
        assert page["model"]["scores"] == results.ranking["score"].tolist()
        assert page["model"]["candidates"]["id"] == list(results.ranking.index)
        # every number the page stores (as JSON or as base64 doubles), counted: each value at
        # full precision (a long decimal, unique to its candidate) is stored once
        numbers = Counter(stored_numbers(data))
        long = [float(x) for x in np.unique(values) if len(repr(float(x))) >= 12]
        assert long
        for x in long:
            assert numbers[x] == 1, x
            assert text.count(repr(x)) <= 1, x


def stored_numbers(node: Any) -> Iterator[float]:
    """Every number stored in the page's data, base64 doubles (``{"f64": ...}``) decoded."""
    if isinstance(node, dict) and set(node) == {"f64"}:
        yield from np.frombuffer(base64.b64decode(node["f64"]), dtype="<f8").tolist()
    elif isinstance(node, dict):
        for v in node.values():
            yield from stored_numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from stored_numbers(v)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield float(node)


def test_each_exclusion_reason_is_stored_once(tiny: Results) -> None:
    """A reason and its sentence in each language are stored once, each candidate its index."""
    results = run_shipped("novosibirsk")
    data = stored(render_map(results))
    reasons = results.ranking["excluded_reason"].tolist()
    table = data["candidates"]["excluded"]["table"]
    assert sorted(table) == sorted(set(reasons))
    assert [table[k] for k in data["candidates"]["excluded"]["index"]] == reasons
    for lang in LANGUAGES:
        assert len(data["candidates"]["excluded_text"][lang]) == len(table)


def test_page_grows_by_few_bytes_per_candidate(tiny: Results) -> None:
    """The page's bytes per added candidate stay small (measured, benchmarks/README.md).

    The replicated candidates carry 8 values at full precision (about 19 characters each),
    their raw values, a position, a score, a rank and a name; before the page stored each fact
    once it took 268 bytes per added candidate here (a second copy of the values), 137 after.  The bound leaves room for
    a new per-candidate fact of a few dozen bytes, not for a second copy of the values.
    """
    # both without the live portfolio (and so without the solver), as above 500 candidates
    small = len(render_map(replicate(tiny, 200), live=False).encode())
    big = len(render_map(replicate(tiny, 2000), live=False).encode())
    per_candidate = (big - small) / 1800
    assert per_candidate < 180, per_candidate
