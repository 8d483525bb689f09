"""A data layer's mistakes end in exit code 2 with a located message, never a traceback.

Each case mutates one thing in a copy of the tiny study (the kinds of input a fuzzer found
passing, or crashing), runs ``siting validate`` and checks that the message names the file,
the feature and the field, shows the wrong value, says how to fix it, and that no input was
changed.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

import siting
from siting import cli
from siting.cli import app

runner = CliRunner()

POINT_NU = '"geometry": {"type": "Point", "coordinates": [71.3983, 51.0906]}'


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes (None for one that cannot be read), to check that a run changed none."""
    out: dict[str, bytes | None] = {}
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink():
            try:
                out[path.name] = path.read_bytes()
            except OSError:
                out[path.name] = None
    return out


def refused(study: Path) -> str:
    """Run ``siting validate``; assert exit 2, no traceback, inputs unchanged; the message."""
    before = snapshot(study.parent)
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert snapshot(study.parent) == before
    return result.output


def one_problem(study: Path) -> str:
    output = refused(study)
    assert "error: 1 problem\n" in output, output
    return output.split("\n", 1)[1]


def line_no(study: Path, text: str) -> int:
    """The first line of the criteria file that holds ``text``."""
    lines = study.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def line_of(study: Path, text: str) -> str:
    """``study.yaml:N:``, the start of a message located at that line."""
    return f"{study}:{line_no(study, text)}:"


# --- names and ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "old", "feature"),
    [
        ("candidates.geojson", '"name": "Astana"', "'astana'"),
        ("universities.geojson", '"name": "Nazarbayev University"', "'nu'"),
    ],
)
def test_a_feature_without_a_name(tiny, edit, layer, old, feature):
    edit(tiny / layer, old, '"name": null')
    problem = one_problem(tiny / "study.yaml")
    assert str(tiny / layer) in problem and feature in problem
    assert "field 'name' is empty" in problem and "give every feature a name" in problem


@pytest.mark.parametrize(
    ("new", "shown"), [('"id": ""', "feature 2: empty id"), ('"id": null', "feature 2: empty id")]
)
def test_an_empty_or_null_id(tiny, edit, new, shown):
    edit(tiny / "universities.geojson", '"id": "kaznu"', new)
    problem = one_problem(tiny / "study.yaml")
    assert "universities.geojson" in problem and shown in problem
    assert "give every feature a unique id" in problem


def test_numeric_names_and_ids_reach_the_summary_as_text(tiny, edit, capsys):
    # A name or id that is a number (or a null name) once raised TypeError in the CLI summary.
    edit(tiny / "candidates.geojson", '"id": "astana", "name": "Astana"', '"id": 7, "name": 7')
    results = siting.run(tiny / "study.yaml")
    assert "7" in results.ranking.index
    assert results.ranking.loc["7", "name"] == "7"
    cli._summary(results)
    assert "7 ★" in capsys.readouterr().out


# --- values of the fields the study uses ------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "shown", "fix"),
    [
        ('"population": true', "'karaganda': true", "true/false is not a number"),
        ('"population": "500000"', "'karaganda': '500000'", "write plain numbers"),
        ('"population": -500000', "'karaganda': -500000", "cannot be negative"),
        ('"population": Infinity', "'karaganda': inf", "write the real value"),
        ('"population": NaN', "has no value for 1 of 6 features ('karaganda')", "fill in"),
    ],
    ids=["true", "text", "negative", "infinite", "nan"],
)
def test_a_wrong_population(tiny, edit, new, shown, fix):
    edit(tiny / "candidates.geojson", '"population": 500000', new)
    study = tiny / "study.yaml"
    problem = one_problem(study)
    # Located at the first line that uses the field; the exclusion that also uses it is named.
    assert problem.startswith(line_of(study, "measure: {attribute: population}"))
    assert "field 'population' of candidates" in problem and "candidates.geojson" in problem
    assert shown in problem and fix in problem
    assert f"(also used on line {line_no(study, 'field: population')})" in problem


@pytest.mark.parametrize(
    ("new", "shown"),
    [('"students": NaN', "no value for 1 of 4 features ('nu')"), ('"students": -7000', "-7000")],
)
def test_a_wrong_value_in_a_where_filter(tiny, edit, new, shown):
    edit(tiny / "universities.geojson", '"students": 7000', new)
    study = tiny / "study.yaml"
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "where: {students: {min: 5000}}"))
    assert "field 'students' of layer 'universities'" in problem
    assert "universities.geojson" in problem and shown in problem


def test_a_missing_value_in_a_summed_field(tiny, edit):
    study = edit(tiny / "study.yaml", "{count: institutes, within_km: 100}",
                 "{sum: institutes, field: staff, within_km: 100}")  # fmt: skip
    edit(tiny / "institutes.geojson", '"staff": 1000', '"staff": null')
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "sum: institutes"))
    assert "field 'staff' of layer 'institutes' has no value for 1 of 3 features ('inp')" in problem
    assert "would count them as 0" in problem and "institutes.geojson" in problem


def test_budget_costs_that_are_text_negative_or_missing(tiny, edit):
    study = edit(
        tiny / "study.yaml", "  sites: 2\n", "  sites: 2\n  budget: {field: cost, limit: 9}\n"
    )
    text = (tiny / "candidates.geojson").read_text(encoding="utf-8")
    costs = iter(['"1"', "-4", "null", "1", "1", "1"])
    (tiny / "candidates.geojson").write_text(
        "".join(
            part + (f'"cost": {next(costs)}, "name"' if i < 6 else "")
            for i, part in enumerate(text.split('"name"'))
        ),
        encoding="utf-8",
    )
    problems = refused(study)
    assert "error: 3 problems" in problems
    at = line_of(study, "budget:")
    assert (
        f"{at} portfolio.budget.field: field 'cost' of candidates must hold numbers but has "
        "text ('astana': '1')" in problems
    )
    assert "'almaty': -4" in problems and "cannot be negative" in problems
    assert "no value for 1 of 6 features ('karaganda')" in problems
    assert "every candidate needs a cost" in problems


def test_a_coverage_population_that_is_true(tiny, edit):
    study = edit(tiny / "study.yaml", "  sites: 2\n",
                 "  sites: 2\n  coverage: {demand: institutes, population_field: staff, "
                 "radius_km: 100}\n")  # fmt: skip
    edit(tiny / "institutes.geojson", '"staff": 500', '"staff": true')
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "coverage:"))
    assert "field 'staff' of layer 'institutes' must hold numbers but has true/false" in problem
    assert "'ncb': true" in problem and "institutes.geojson" in problem


@pytest.mark.parametrize(
    ("new", "shown"),
    [
        ('"macro_region": null', "no value for 1 of 6 features ('almaty')"),
        ('"macro_region": 3', "'almaty': 3"),
    ],
)
def test_a_group_field_with_a_gap_or_a_stray_number(tiny, edit, new, shown):
    edit(tiny / "candidates.geojson", '"macro_region": "south"', new)
    study = tiny / "study.yaml"
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "at_most_per:"))
    assert "field 'macro_region' of candidates" in problem and shown in problem
    assert "candidates.geojson" in problem


def test_every_problem_of_every_layer_at_once(tiny, edit):
    edit(tiny / "candidates.geojson", '"name": "Almaty"', '"name": ""')
    edit(tiny / "candidates.geojson", '"population": 500000', '"population": -1')
    edit(tiny / "universities.geojson", '"id": "kaznu"', '"id": "nu"')
    output = refused(tiny / "study.yaml")
    assert "error: 3 problems" in output
    assert "field 'name' is empty for feature 2 (id 'almaty')" in output
    assert "id 'nu' is used by features 1, 2" in output
    assert "'karaganda': -1" in output


# --- paths the file system refuses --------------------------------------------------------------


def point_universities_at(tiny: Path, edit, path: str) -> Path:
    return edit(tiny / "study.yaml", "universities: universities.geojson", f"universities: {path}")


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ('"univ\\0ersities.geojson"', "nul"),
        ("a" * 5000 + ".geojson", "255"),
        ("loop.geojson", "loop"),
        ("folder.geojson", "folder"),
        ("none.geojson", "not found"),
    ],
    ids=["nul", "too-long", "symlink-loop", "folder", "missing"],
)
def test_a_path_the_file_system_refuses(tiny, edit, path, said):
    os.symlink(tiny / "loop.geojson", tiny / "loop.geojson")
    (tiny / "folder.geojson").mkdir()
    study = point_universities_at(tiny, edit, path)
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "universities: "))
    assert said in problem.lower()


def test_an_unreadable_file(tiny, monkeypatch):
    layer = tiny / "universities.geojson"
    layer.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make opening this one fail as it would
        real_open = Path.open

        def deny(self, *args, **kwargs):
            if self == layer:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", deny)
    study = tiny / "study.yaml"
    problem = one_problem(study)
    layer.chmod(0o644)
    assert problem.startswith(line_of(study, "universities: "))
    assert "permission denied" in problem and "allow reading it" in problem


# --- files that are not what their name says ----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "is not text"),
        (b"", "is empty (0 bytes)"),
        (b"[1, 2]", "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b'{"type": "FeatureCollection", "features": []}', "has no features"),
    ],
    ids=["random-bytes", "empty-file", "json-list", "broken-json", "no-features"],
)
def test_a_file_that_is_not_a_geojson_layer(tiny, content, said):
    (tiny / "universities.geojson").write_bytes(content)
    problem = one_problem(tiny / "study.yaml")
    assert "universities.geojson" in problem and said in problem


def test_a_geopackage_that_is_not_one(tiny, edit):
    (tiny / "universities.gpkg").write_bytes(b"not a database at all")
    problem = one_problem(point_universities_at(tiny, edit, "universities.gpkg"))
    assert "universities.gpkg" in problem and "is not a GeoPackage" in problem


def test_a_null_geometry(tiny, edit):
    edit(tiny / "universities.geojson", POINT_NU, '"geometry": null')
    problem = one_problem(tiny / "study.yaml")
    assert "universities.geojson: feature 1 (id 'nu'): geometry is missing" in problem


def test_a_polygon_where_a_point_is_needed(tiny, edit):
    square = (
        '"geometry": {"type": "Polygon", "coordinates": [[[71, 51], [72, 51], [72, 52], [71, 51]]]}'
    )
    edit(tiny / "universities.geojson", POINT_NU, square)
    problem = one_problem(tiny / "study.yaml")
    assert (
        "universities.geojson: feature 1 (id 'nu') is a Polygon where a point is needed" in problem
    )
    assert "Point on Surface" in problem


def test_a_latitude_beyond_90(tiny, edit):
    edit(tiny / "universities.geojson", "[71.3983, 51.0906]", "[71.3983, 91.0906]")
    problem = one_problem(tiny / "study.yaml")
    assert "feature 1 (id 'nu'): coordinates (71.3983, 91.0906) are out of range" in problem


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("id,name,students,x1,y1\nnu,NU,7000,71,51\n", "needs latitude and longitude columns"),
        (
            "id,name,students,lat,lon\nnu,NU,7000,51°N,71\n",
            "column 'lat' is not a number for feature 1 (id 'nu'): '51°N'",
        ),
    ],
    ids=["no-lat-lon", "text-coordinate"],
)
def test_a_csv_layer_without_usable_coordinates(tiny, edit, text, said):
    (tiny / "universities.csv").write_text(text, encoding="utf-8")
    problem = one_problem(point_universities_at(tiny, edit, "universities.csv"))
    assert "universities.csv" in problem and said in problem


def test_every_feature_filtered_out(tiny, edit):
    study = edit(tiny / "study.yaml", "students: {min: 5000}", "students: {min: 5000000}")
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "students: {min: 5000000}"))
    assert "no feature of layer 'universities' is left to measure after `where`" in problem


# --- coordinate reference systems ---------------------------------------------------------------


def test_a_projected_geopackage_is_measured_in_degrees(tiny, edit):
    baseline = siting.run(tiny / "study.yaml").raw
    frame = gpd.read_file(tiny / "universities.geojson").to_crs("EPSG:32643")  # UTM 43N, metres
    frame.to_file(tiny / "universities.gpkg")
    moved = siting.run(point_universities_at(tiny, edit, "universities.gpkg")).raw
    assert moved.to_numpy() == pytest.approx(baseline.to_numpy(), abs=1e-6)


def test_degrees_under_a_projected_crs_are_refused(tiny):
    path = tiny / "universities.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32643"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    problem = one_problem(tiny / "study.yaml")
    assert "universities.geojson: the layer declares WGS 84 / UTM zone 43N (EPSG:32643)" in problem
    assert "look like longitude and latitude in degrees; save it with EPSG:4326" in problem
