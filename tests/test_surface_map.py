"""The suitability surface on the offline map: its picture, its size and a click that explains it.

The picture (siting.outputs.map.surface) is checked pixel by pixel against the cells; the click
is checked in headless Debian chromium (flags as in tests/test_browser.py): the page measures,
values, excludes and scores 200 seeded random points, and each number must be
``Surface.score_points``'s.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import siting
from siting.outputs.map.surface import (
    _EXCLUDED,
    _FIRST,
    _LEVELS,
    MAX_WIDTH,
    score_grid,
    surface_image,
)
from siting.outputs.maps import write_map
from siting.results import Results
from siting.tolerances import PAGE_ARITHMETIC
from tests.chromium import CHROMIUM

#: The tiny study's spatial criteria, with a surface around its towns and a rule on a cell's
#: raw value (so that some cells are excluded).
STUDY = """\
study: Tiny surface
candidates: candidates.geojson
layers:
  universities: universities.geojson
  institutes: institutes.geojson
criteria:
  - id: university_km
    label: Distance to the nearest university with 5,000+ students
    measure: {nearest: universities, where: {students: {min: 5000}}}
    direction: cost
    value: {linear: {best: 0, worst: 500}}
    weight: 2
  - id: institutes_near
    label: Research institutes within reach
    measure: {count: institutes, decay: {linear: {full_km: 30, zero_km: 150}}}
    direction: benefit
    value: minmax
    weight: 1
  - id: institutes_gauss
    label: Research institutes, Gaussian reach
    measure: {count: institutes, decay: {gaussian: {sigma_km: 40}}}
    direction: benefit
    value: {threshold: {at: 0.5, below: 0.2}}
    weight: 1
  - id: students_near
    label: Students within 100 km
    measure: {sum: universities, field: students, within_km: 100}
    direction: benefit
    value: {piecewise: {points: [[0, 0], [20000, 0.5], [100000, 1]]}}
    weight: 1
  - id: institutes_within
    label: Institutes within 60 km
    measure: {count: institutes, within_km: 60}
    direction: benefit
    value: minmax
    weight: 1
  - id: students_access
    label: Students by gravity
    measure: {gravity: universities, field: students, decay: {exponential: {scale_km: 50}}}
    direction: benefit
    value: minmax
    weight: 1
  - id: northness
    label: Latitude
    measure: {attribute: latitude}
    direction: cost
    value: {linear: {best: 40, worst: 56}}
    weight: 1
METHOD
exclude:
  - {criterion: university_km, above: 120}
  - {criterion: institutes_within, equals: 0}
surface:
  resolution: RES
  area: {around: candidates, km: 40}
"""

TINY = Path(__file__).parent / "fixtures" / "tiny"

OWA = "method: {name: owa, owa: {order_weights: [0.25, 0.2, 0.15, 0.15, 0.1, 0.1, 0.05]}}"


def surface_run(folder: Path, *, method: str = "", resolution: int = 6) -> Results:
    path = folder / "surface_map.yaml"
    path.write_text(
        STUDY.replace("METHOD", method).replace("RES", str(resolution)), encoding="utf-8"
    )
    return siting.run(path, portfolio=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Results]:
    out = {}
    for name, method in (("weighted_sum", ""), ("owa", OWA)):
        folder = tmp_path_factory.mktemp(name)
        shutil.copytree(TINY, folder, dirs_exist_ok=True)
        out[name] = surface_run(folder, method=method)
    return out


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def test_each_cell_centre_shows_its_cells_colour(runs: dict[str, Results]) -> None:
    surface = runs["weighted_sum"].surface
    assert surface is not None
    grid, bounds, low, high = score_grid(surface)
    (south, west), (north, east) = bounds
    rows, cols = grid.shape
    x = (surface.lonlat[:, 0] - west) / (east - west) * cols
    y = (_mercator_y(north) - _mercator_y(surface.lonlat[:, 1])) / (
        _mercator_y(north) - _mercator_y(south)
    )
    y = y * rows
    at = grid[y.astype(int), x.astype(int)]
    level = np.rint((surface.score - low) / (high - low) * (_LEVELS - 1)) + _FIRST
    expected = np.where(surface.kept, level, _EXCLUDED)
    # a pixel shows the cell holding the pixel's centre: the cell's centre pixel is that cell
    assert (at == expected).mean() > 0.99
    assert surface.excluded.any() and surface.kept.any()
    assert low == surface.score[surface.kept].min() and high == surface.score[surface.kept].max()


def test_the_picture_is_a_png_at_the_screens_resolution_whatever_the_cells(
    tmp_path: Path,
) -> None:
    from PIL import Image

    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    sizes = {}
    for res in (5, 8):
        surface = surface_run(tmp_path, resolution=res).surface
        assert surface is not None
        image = surface_image(surface)
        decoded = Image.open(io.BytesIO(image.png))
        assert decoded.format == "PNG" and decoded.size == (image.width, image.height)
        assert image.width <= MAX_WIDTH
        sizes[res] = (len(surface), len(image.png))
    # 49 times the cells, the same picture size (within the picture's own bound)
    assert sizes[8][0] > 40 * sizes[5][0]
    assert sizes[8][1] < 4 * MAX_WIDTH * MAX_WIDTH


# --------------------------------------------------------------------------- in the browser


browser_only = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless chromium is not installed at /usr/bin/chromium"
)


def open_surface_map(browser: object, path: Path) -> tuple[object, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    for _ in range(400):
        if page.evaluate("!!(window.sitingSurfaceApi && window.sitingSurfaceApi.ready)"):
            break
        page.wait_for_timeout(25)
    else:
        raise AssertionError(f"the surface never got ready: {errors}")
    return page, blocked, errors


@pytest.mark.browser
@browser_only
@pytest.mark.parametrize("method", ["weighted_sum", "owa"])
def test_the_page_explains_200_points_as_python_scores_them(
    browser: object, runs: dict[str, Results], method: str, tmp_path: Path
) -> None:
    results = runs[method]
    surface = results.surface
    assert surface is not None and surface.method == method
    # every kind of measure: nearest, counts with linear and Gaussian decay, a sum and a count
    # within a radius, gravity with exponential decay, a coordinate
    assert len(surface.criteria) == 7
    path = write_map(results, tmp_path / "map.html")
    page, blocked, errors = open_surface_map(browser, path)
    rng = np.random.default_rng(17)
    lo, hi = surface.lonlat.min(axis=0) - 0.3, surface.lonlat.max(axis=0) + 0.3
    points = np.column_stack([rng.uniform(lo[0], hi[0], 200), rng.uniform(lo[1], hi[1], 200)])
    # a few points on a facility, where distances are 0 and every radius holds it
    layer = surface.plan.layers["university_km"]
    assert layer is not None
    points[:3] = layer.lonlat[:3]
    page_says = page.evaluate(  # type: ignore[attr-defined]
        "pts => pts.map(p => window.sitingSurfaceApi.explain(p[0], p[1]))", points.tolist()
    )
    python = surface.score_points(points)
    raw = np.array([p["raw"] for p in page_says], dtype=float)
    values = np.array([p["values"] for p in page_says], dtype=float)
    score = np.array([p["score"] for p in page_says], dtype=float)
    bits = np.array([p["excluded_by"] for p in page_says])
    scale = np.maximum(1.0, np.abs(python.raw))
    assert np.all(np.abs(raw - python.raw) <= PAGE_ARITHMETIC * scale)
    np.testing.assert_allclose(values, python.values, rtol=0, atol=PAGE_ARITHMETIC)
    np.testing.assert_allclose(score, python.score, rtol=0, atol=PAGE_ARITHMETIC)
    assert (bits == python.excluded_by).all()
    assert set(np.unique(bits)) >= {0, 1, 2, 3}  # each rule alone and both
    assert 0 < (bits != 0).sum() < len(bits)  # both kept and excluded points were asked
    assert len({round(s, 6) for s in score}) > 50  # the points are not alike
    assert blocked == [] and errors == []
    page.close()  # type: ignore[attr-defined]


@pytest.mark.browser
@browser_only
def test_a_click_opens_the_explanation_and_the_slider_fades_the_surface(
    browser: object, runs: dict[str, Results], tmp_path: Path
) -> None:
    results = runs["weighted_sum"]
    surface = results.surface
    assert surface is not None
    path = write_map(results, tmp_path / "map.html")
    page, blocked, errors = open_surface_map(browser, path)
    # a kept cell's centre, on the screen
    i = int(np.flatnonzero(surface.kept)[0])
    lon, lat = surface.lonlat[i]
    page.evaluate(  # type: ignore[attr-defined]
        "p => { const m = window.sitingSurfaceApi.map; m.setView([p[1], p[0]], 9, {animate: false});"
        " m.fire('click', {latlng: L.latLng(p[1], p[0]), originalEvent: null}); }",
        [float(lon), float(lat)],
    )
    text = page.locator(".siting-surface-explain").inner_text()  # type: ignore[attr-defined]
    point = surface.score_points(np.array([[lon, lat]]))
    assert f"score {point.score[0]:.3f}" in text
    assert "Distance to the nearest university with 5,000+ students" in text
    assert "Research institutes, Gaussian reach" in text
    rows = page.locator(".siting-surface-explain tr").count()  # type: ignore[attr-defined]
    assert rows == len(surface.criteria) + 1
    # an excluded cell says which rule excludes it
    j = int(np.flatnonzero(surface.excluded_by & 1)[0])
    page.evaluate(  # type: ignore[attr-defined]
        "p => window.sitingSurfaceApi.map.fire('click', {latlng: L.latLng(p[1], p[0])})",
        [float(surface.lonlat[j, 0]), float(surface.lonlat[j, 1])],
    )
    text = page.locator(".siting-surface-explain").inner_text()  # type: ignore[attr-defined]
    assert "excluded: university_km above 120" in text
    # a real mouse click on the map's middle opens it as well
    page.mouse.click(400, 430)  # type: ignore[attr-defined]
    last = page.evaluate("window.sitingSurfaceApi.last()")  # type: ignore[attr-defined]
    assert last is not None and math.isfinite(last["result"]["score"])
    page.fill("#surface-opacity", "30")  # type: ignore[attr-defined]
    assert page.evaluate("window.sitingSurfaceApi.opacity()") == pytest.approx(0.3)  # type: ignore[attr-defined]
    # the legend is written again in the new language, keeping the reader's opacity
    page.evaluate("window.siting.setLanguage('ru')")  # type: ignore[attr-defined]
    assert page.input_value("#surface-opacity") == "30"  # type: ignore[attr-defined]
    assert page.evaluate("window.sitingSurfaceApi.opacity()") == pytest.approx(0.3)  # type: ignore[attr-defined]
    assert blocked == [] and errors == []
    page.close()  # type: ignore[attr-defined]


def test_the_shipped_surface_studys_map_stays_under_3_mb(tmp_path: Path) -> None:
    import siting.pipeline

    root = Path(__file__).resolve().parent.parent
    results = siting.pipeline.run(root / "criteria" / "novosibirsk_surface.yaml", sensitivity=False)
    path = write_map(results, tmp_path / "map.html")
    assert path.stat().st_size < 3_000_000
    text = path.read_text(encoding="utf-8")
    assert 'id="siting-surface"' in text and "data:image/png;base64," in text
    # the town's population is measured on a point from the settlements layer, and says so
    data = json.loads(text.split('id="siting-surface">', 1)[1].split("</script>", 1)[0])
    assert data["labels"]["population"]["layer"] == "settlements"
    assert data["labels"]["facility_km"]["layer"] is None


def test_the_report_shows_the_surface_its_best_cells_and_how_it_was_made(
    runs: dict[str, Results],
) -> None:
    from siting.outputs.report import render_report
    from siting.outputs.surface import best_cells_table

    results = runs["weighted_sum"]
    surface = results.surface
    assert surface is not None
    page = render_report(results, lang="en")
    for lang in ("en", "ru", "kk"):
        assert f'id="{lang}-surface"' in page
    start = page.index('id="en-surface"')
    section = page[start : page.index("</section>", start)]
    assert section.count("data:image/png;base64,") == 1
    table = best_cells_table(results, lang="en")
    best = table[table["h3"] != ""]
    assert len(best) > 0
    # the best cells' sentences, the best gain first, as best_cells.csv writes them
    import html as html_module

    first = html_module.escape(str(best["sentence"].iloc[0]), quote=True)
    assert first in section
    assert f"{len(surface):,} hexagons" in section
    assert f"{int(surface.kept.sum()):,} cells kept" in section
    assert "H3 resolution 6" in section


def test_a_run_without_a_surface_has_no_surface_section(tiny_results: Results) -> None:
    from siting.outputs.report import render_report

    assert 'id="en-surface"' not in render_report(tiny_results, lang="en")


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    folder = tmp_path_factory.mktemp("plain")
    shutil.copytree(TINY, folder, dirs_exist_ok=True)
    return siting.run(folder / "study.yaml", portfolio=False)


def test_a_tall_area_is_bounded_in_height_too(runs: dict[str, Results]) -> None:
    import dataclasses

    surface = runs["weighted_sum"].surface
    assert surface is not None
    # the same cells' scores on a thin north-south strip: one column of the grid's cells
    strip = np.flatnonzero(np.abs(surface.lonlat[:, 0] - surface.lonlat[0, 0]) < 0.05)
    thin = dataclasses.replace(
        surface,
        cells=surface.cells[strip],
        lonlat=surface.lonlat[strip],
        raw=surface.raw[strip],
        values=surface.values[strip],
        score=surface.score[strip],
        excluded_by=surface.excluded_by[strip],
    )
    grid, *_ = score_grid(thin, max_width=300)
    assert grid.shape[0] <= 300 and grid.shape[1] <= 300


def test_the_surface_map_is_the_same_bytes_from_one_run_to_the_next(
    runs: dict[str, Results], tmp_path: Path
) -> None:
    results = runs["weighted_sum"]
    first = write_map(results, tmp_path / "a.html").read_bytes()
    second = write_map(results, tmp_path / "b.html").read_bytes()
    assert first == second
    assert first.count(b'id="siting-surface"') == 1


@pytest.mark.browser
@browser_only
def test_the_legend_folds_on_a_phone(
    browser: object, runs: dict[str, Results], tmp_path: Path
) -> None:
    path = write_map(runs["weighted_sum"], tmp_path / "map.html")
    for width, height, is_open in ((1280, 860, True), (390, 844, False)):
        page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        page.goto(path.as_uri())
        for _ in range(400):
            if page.evaluate("!!(window.sitingSurfaceApi && window.sitingSurfaceApi.ready)"):
                break
            page.wait_for_timeout(25)
        assert (
            page.evaluate("document.querySelector('.siting-surface-legend details').open")
            is is_open
        )
        page.close()
