"""The sites and regions chosen from the surface on the map and in the report.

The map's two layers and the report's table show :attr:`Results.surface_sites` and
:attr:`Results.surface_regions` as the run computed them: each number is compared with those
tables, and each word with :mod:`siting.outputs.surface_picks` (which both outputs use).  The
page is opened in headless Debian chromium (flags as in tests/test_browser.py) to check that
the layers are drawn, listed in the layer control and that a popup says what Python says.
"""

from __future__ import annotations

import html as html_module
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import siting
from siting.features import haversine_km
from siting.i18n import LANGUAGES, translator
from siting.outputs.maps import render_map, write_map
from siting.outputs.report import render_report
from siting.outputs.surface_picks import (
    gap_digits,
    region_picks,
    regions_sentence,
    site_picks,
    sites_sentence,
    where_words,
)
from siting.results import Results
from siting.surface.picks import centre, nearest_towns
from tests.conftest import TINY
from tests.test_surface_map import browser_only, open_surface_map
from tests.test_surface_picks import study


@pytest.fixture(scope="module")
def picked(tmp_path_factory: pytest.TempPathFactory) -> Results:
    folder = tmp_path_factory.mktemp("drawn") / "tiny"
    shutil.copytree(TINY, folder)
    return siting.run(study(folder), portfolio=False)


#: The text of the popup of ``s`` (a marker or an outline), as the reader sees it.
POPUP_TEXT = "s.isPopupOpen() ? s.getPopup().getElement().querySelector('.siting-surface-pick').innerText : null"


def surface_json(page: str) -> dict:
    return json.loads(page.split('id="siting-surface">', 1)[1].split("</script>", 1)[0])


# --------------------------------------------------------------------------- where a pick is


def test_each_site_and_region_names_its_nearest_town(picked: Results) -> None:
    towns = picked.surface.candidates
    xy = towns[["lon", "lat"]].to_numpy(dtype=float)
    for table in (
        picked.surface_sites.table,
        picked.surface_regions.table.drop(columns="geometry"),
    ):
        at = table[["lon", "lat"]].to_numpy(dtype=float)
        km = haversine_km(at, xy)
        assert table["town"].tolist() == towns.index[km.argmin(axis=1)].tolist()
        np.testing.assert_allclose(table["town_km"], km.min(axis=1), rtol=1e-12)
        assert set(table["town_direction"]) <= {
            "north",
            "north-east",
            "east",
            "south-east",
            "south",
            "south-west",
            "west",
            "north-west",
        }


def test_nearest_towns_by_hand() -> None:
    towns = pd.DataFrame({"lon": [76.0, 77.0], "lat": [43.0, 43.0]}, index=["a", "b"])
    # 0.1° north of a, and 0.1° east of b (about 8 km at 43° N)
    out = nearest_towns(towns, np.array([[76.0, 43.1], [77.1, 43.0]]))
    assert out["town"].tolist() == ["a", "b"]
    assert out["town_direction"].tolist() == ["north", "east"]
    assert out["town_km"].iloc[0] == pytest.approx(11.12, abs=0.01)  # 0.1° of a meridian
    none = nearest_towns(towns.iloc[:0], np.array([[76.0, 43.1]]))
    assert none["town"].tolist() == [""] and math.isnan(none["town_km"].iloc[0])


def test_a_regions_centre_is_among_its_cells(picked: Results) -> None:
    surface = picked.surface
    table = picked.surface_regions.table
    for row in table.itertuples():
        rows = surface.index_of(np.array([int(h, 16) for h in row.h3.split()], dtype=np.uint64))
        lonlat = surface.centres()[rows]
        assert np.allclose(centre(lonlat), [row.lon, row.lat])
        assert lonlat[:, 0].min() <= row.lon <= lonlat[:, 0].max()
        assert lonlat[:, 1].min() <= row.lat <= lonlat[:, 1].max()
    assert np.allclose(centre(np.array([[10.0, 0.0], [20.0, 0.0]])), [15.0, 0.0])


# --------------------------------------------------------------------------- the words


def test_where_is_said_in_words(picked: Results) -> None:
    t = translator("en")
    row = {"town": "almaty", "town_km": 37.6, "town_direction": "north-east"}
    assert where_words(picked, row, t) == "38 km north-east of Almaty"
    # within half a kilometre the site is at the town
    assert where_words(picked, {**row, "town_km": 0.4}, t) == "at Almaty"
    assert where_words(picked, {"town": "", "town_km": math.nan, "town_direction": ""}, t) == ""


def test_a_small_gap_is_written_with_enough_digits(picked: Results) -> None:
    assert gap_digits(0.5) == 3 and gap_digits(0.0) == 3
    assert gap_digits(0.00033) == 5 and gap_digits(1e-9) == 6
    g = picked.surface_regions.result
    t = translator("en")
    sentence = regions_sentence(picked, t)
    if g.guarantee == "bound":
        # the bound is a hair above the answer: the sentence shows the hair, not "0.000"
        digits = gap_digits(g.gap)
        assert f"at most {g.gap:.{digits}f} below the optimum" in sentence
        assert f"more than {g.upper_bound:.{digits}f}" in sentence
        assert not re.search(r"at most 0\.0+ below", sentence)
        assert all(
            p.status.startswith(f"at most {g.gap:.{digits}f} (") for p in region_picks(picked, t)
        )
    else:
        assert "proven optimum" in sentence
    r = picked.surface_sites.result
    sentence = sites_sentence(picked, t)
    if r.guarantee == "exact":
        assert (
            f"The {r.selected.size} sites chosen from the surface are the proven optimum"
            in sentence
        )
        assert f"{r.total_score:.3f}" in sentence
        assert {p.status for p in site_picks(picked, t)} == {"proven optimum"}


def test_a_required_site_says_so(tiny: Path) -> None:
    picks = "  sites: {count: 2, min_spacing_km: 30, must_include: [almaty]}\n"
    results = siting.run(study(tiny, picks), portfolio=False)
    table = results.surface_sites.table
    assert table["locked"].sum() == 1
    words = site_picks(results, translator("en"))
    required = [p.status.endswith("; required by the study") for p in words]
    assert required == table["locked"].tolist()


# --------------------------------------------------------------------------- the map


def test_the_map_carries_each_site_and_region_as_the_run_chose_them(
    picked: Results, tmp_path: Path
) -> None:
    page = write_map(picked, tmp_path / "map.html").read_text(encoding="utf-8")
    data = surface_json(page)
    sites = picked.surface_sites.table
    assert len(data["sites"]) == len(sites) == 3
    for item, row in zip(data["sites"], sites.to_dict("records"), strict=True):
        assert item["rank"] == row["rank"] and item["h3"] == row["h3"]
        assert (item["lon"], item["lat"], item["score"]) == (row["lon"], row["lat"], row["score"])
        facts = item["facts"]["en"]
        assert f"score {row['score']:.3f}" in facts
        assert f"cell {row['h3']}" in facts
        assert item["title"]["en"] == f"Site {row['rank']} chosen from the surface"
        assert set(item["title"]) == set(LANGUAGES)
    regions = picked.surface_regions.table
    chosen = regions[regions["method"] == "exact"]
    assert len(data["regions"]) == len(chosen) == len(picked.surface_regions.result.regions)
    for item, row in zip(data["regions"], chosen.itertuples(), strict=True):
        assert item["rank"] == row.rank and item["cells"] == row.cells
        assert item["area_km2"] == row.area_km2 and item["score"] == row.mean_score
        facts = item["facts"]["en"]
        assert f"mean score {row.mean_score:.3f}" in facts
        assert f"area {round(row.area_km2):,} km²" in facts
        assert f"{row.cells} cells" in facts
        # the outline, its vertices to 5 decimals (about 1 m; GEOS measures the distance)
        drawn = shapely.geometry.shape(item["geometry"])
        assert drawn.equals_exact(row.geometry, tolerance=1e-5)
    # each layer exists and is given to the script that fills it
    assert re.search(r'"surface_sites": siting_layer_\d+', page)
    assert re.search(r'"surface_regions": siting_layer_\d+', page)
    assert re.search(r"sites: siting_layer_\d+,\s*regions: siting_layer_\d+", page)


def test_a_surface_without_picks_has_no_such_layers(tiny: Path) -> None:
    results = siting.run(study(tiny, ""), portfolio=False)
    assert results.surface_sites is None and results.surface_regions is None
    page = render_map(results)
    data = surface_json(page)
    assert data["sites"] == [] and data["regions"] == []
    assert not re.search(r'"surface_(sites|regions)": siting_layer', page)
    assert re.search(r"sites: null,\s*regions: null", page)
    assert "Sites and regions chosen from the surface" not in render_report(results, lang="en")


@pytest.mark.browser
@browser_only
def test_the_page_draws_the_layers_and_its_popups_say_the_runs_numbers(
    browser: object, picked: Results, tmp_path: Path
) -> None:
    path = write_map(picked, tmp_path / "map.html")
    page, blocked, errors = open_surface_map(browser, path)
    state = page.evaluate(  # type: ignore[attr-defined]
        """() => {
        const a = window.sitingSurfaceApi, m = a.map;
        return {
          sites: a.sites().map(s => m.hasLayer(s)),
          regions: a.regions().map(r => m.hasLayer(r)),
          control: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
            .map(l => [l.textContent.trim(), l.querySelector('input').checked]),
        };
    }"""
    )
    # off at start, listed in the layer control: the first view answers with the portfolio
    assert state["sites"] == [False] * 3 and state["regions"] == [False] * 2
    control = dict(state["control"])
    assert control["Sites chosen from the surface"] is False
    assert control["Regions chosen from the surface"] is False
    # the reader turns them on in the layer control
    page.locator(".leaflet-control-layers").hover()  # type: ignore[attr-defined]
    page.get_by_label("Sites chosen from the surface").check()  # type: ignore[attr-defined]
    page.get_by_label("Regions chosen from the surface").check()  # type: ignore[attr-defined]
    drawn = page.evaluate(  # type: ignore[attr-defined]
        """() => {
        const a = window.sitingSurfaceApi, m = a.map;
        return {
          sites: a.sites().map(s => [s.getLatLng().lng, s.getLatLng().lat, m.hasLayer(s)]),
          badges: a.sites().map(s => s.getElement() ? s.getElement().textContent : null),
          regions: a.regions().map(r => m.hasLayer(r)),
        };
    }"""
    )
    table = picked.surface_sites.table
    assert len(drawn["sites"]) == len(table)
    np.testing.assert_allclose([s[:2] for s in drawn["sites"]], table[["lon", "lat"]].to_numpy())
    assert [s[2] for s in drawn["sites"]] == [True] * len(table)
    assert drawn["badges"] == [str(r) for r in table["rank"]]  # numbered by rank
    assert drawn["regions"] == [True, True]
    for lang in ("en", "ru"):
        page.evaluate(f"window.siting.setLanguage('{lang}')")  # type: ignore[attr-defined]
        t = translator(lang)
        for k, pick in enumerate(site_picks(picked, t)):
            text = page.evaluate(  # type: ignore[attr-defined]
                "k => { const s = window.sitingSurfaceApi.sites()[k];"
                " window.sitingSurfaceApi.map.setView(s.getLatLng(), 9, {animate: false});"
                f" s.openPopup(); return {POPUP_TEXT}; }}",
                k,
            )
            assert text.splitlines() == [pick.title, *pick.facts]
        for k, pick in enumerate(region_picks(picked, t)):
            text = page.evaluate(  # type: ignore[attr-defined]
                "k => { const s = window.sitingSurfaceApi.regions()[k];"
                f" s.openPopup(); return {POPUP_TEXT}; }}",
                k,
            )
            assert text.splitlines() == [pick.title, *pick.facts]
    # an open popup is written again in the new language
    page.evaluate("window.sitingSurfaceApi.sites()[0].openPopup()")  # type: ignore[attr-defined]
    page.evaluate("window.siting.setLanguage('kk')")  # type: ignore[attr-defined]
    first = site_picks(picked, translator("kk"))[0]
    text = page.evaluate(  # type: ignore[attr-defined]
        f"(() => {{ const s = window.sitingSurfaceApi.sites()[0]; return {POPUP_TEXT}; }})()"
    )
    assert text.splitlines() == [first.title, *first.facts]
    assert blocked == [] and errors == []
    page.close()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the report


def test_the_report_tables_the_chosen_sites_and_regions(picked: Results) -> None:
    page = render_report(picked, lang="en")
    for lang in LANGUAGES:
        t = translator(lang)
        start = page.index(f'id="{lang}-surface"')
        section = page[start : page.index("</section>", start)]
        tables = re.findall(r'<table class="surface-picks">(.*?)</table>', section, re.S)
        assert len(tables) == 2
        for table, picks, sentence in (
            (tables[0], site_picks(picked, t), sites_sentence(picked, t)),
            (tables[1], region_picks(picked, t), regions_sentence(picked, t)),
        ):
            rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
            assert len(rows) == len(picks)
            for row, pick in zip(rows, picks, strict=True):
                cells = [html_module.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                assert cells == [t.integer(pick.rank), pick.score_text, pick.where, pick.status]
            assert html_module.escape(sentence, quote=True) in section
    # the numbers are the run's: the sites' scores and the regions' mean scores
    start = page.index('id="en-surface"')
    section = page[start : page.index("</section>", start)]
    for score in picked.surface_sites.table["score"]:
        assert f"<td class=num>{score:.3f}</td>" in section
    chosen = picked.surface_regions.table.query("method == 'exact'")
    for score in chosen["mean_score"]:
        assert f"<td class=num>{score:.3f}</td>" in section
