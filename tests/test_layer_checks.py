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
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

import siting
from siting import cli
from siting.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent

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


# --- text labels: categories and membership --------------------------------------------------------

POPULATION = "measure: {attribute: population}"
PIECEWISE = "value: {piecewise: {points: [[0, 0], [1000000, 1]]}}"


def value_by_region(tiny: Path, edit, value: str) -> Path:
    study = edit(tiny / "study.yaml", POPULATION, "measure: {attribute: macro_region}")
    return edit(study, PIECEWISE, f"value: {value}")


def test_a_text_attribute_without_categories_says_how_to_value_it(tiny, edit):
    study = edit(tiny / "study.yaml", POPULATION, "measure: {attribute: macro_region}")
    problem = one_problem(edit(study, PIECEWISE, "value: minmax"))
    assert problem.startswith(line_of(study, "attribute: macro_region"))
    assert "field 'macro_region' of candidates must hold numbers but has text" in problem
    assert "give the criterion `value: {categories: {south: 1, north: 0.3}, default: 0}`" in problem
    assert "`in: [...]`" in problem


def test_categories_value_the_labels_of_a_text_field(tiny, edit):
    study = value_by_region(tiny, edit, "{categories: {south: 1, north: 0.5}, default: 0.2}")
    results = siting.run(study)
    assert results.raw["population"].to_dict() == {
        "astana": 0.5, "almaty": 1.0, "karaganda": 0.2, "pavlodar": 0.5, "oskemen": 0.2,
        "kurchatov": 0.2,
    }  # fmt: skip
    assert results.values["population"].equals(results.raw["population"])


def test_a_category_no_candidate_has_is_refused_with_the_likely_one(tiny, edit):
    study = value_by_region(tiny, edit, "{categories: {South: 1, north: 0.5}, default: 0}")
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "categories:"))
    assert "'South' (did you mean 'south'?) matches no value of field 'macro_region'" in problem


def test_labels_the_categories_do_not_list_need_a_default(tiny, edit):
    study = value_by_region(tiny, edit, "{categories: {south: 1, north: 0.5}}")
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "categories:"))
    assert "has labels that `categories` does not list ('karaganda': 'central'" in problem
    assert "give `default:`" in problem


def test_a_number_field_with_categories_is_refused(tiny, edit):
    study = edit(tiny / "study.yaml", PIECEWISE, "value: {categories: {big: 1}, default: 0}")
    problems = refused(study)
    at = line_of(study, "categories:")
    assert (
        f"{at} criteria[2].value.categories: field 'population' of candidates holds numbers"
        in problems
    )
    assert "value numbers with linear, piecewise or threshold" in problems


def test_membership_scores_listed_labels_one(tiny, edit):
    study = edit(
        tiny / "study.yaml", POPULATION, "measure: {attribute: macro_region, in: [south, east]}"
    )
    edit(study, PIECEWISE, "value: minmax")
    raw = siting.run(study).raw["population"]
    assert raw[raw == 1].index.tolist() == ["almaty", "oskemen", "kurchatov"]


def test_a_membership_label_no_candidate_has_is_refused(tiny, edit):
    study = edit(tiny / "study.yaml", POPULATION, "measure: {attribute: macro_region, in: [sout]}")
    problem = one_problem(edit(study, PIECEWISE, "value: minmax"))
    assert problem.startswith(line_of(study, "in: [sout]"))
    assert "'sout' (did you mean 'south'?) matches no value" in problem


def test_latitude_is_measured_from_the_geometry(tiny, edit):
    study = edit(tiny / "study.yaml", POPULATION, "measure: {attribute: latitude}")
    edit(
        study,
        "    direction: benefit\n    value: {piecewise",
        "    direction: cost\n    value: {piecewise",
    )
    raw = siting.run(edit(study, PIECEWISE, "value: minmax")).raw["population"]
    assert raw["almaty"] == pytest.approx(43.2567) and raw["astana"] == pytest.approx(51.1801)


# --- grouping fields: "" is in no group ------------------------------------------------------------


def test_an_empty_group_label_is_free_of_the_cap(tiny, edit):
    study = tiny / "study.yaml"
    baseline = siting.run(study).portfolio.ids
    # Astana and Pavlodar are both north: one of them only, while they share the label
    assert not {"astana", "pavlodar"} <= set(baseline)
    edit(tiny / "candidates.geojson", '"macro_region": "north", "population": 1350000',
         '"macro_region": "", "population": 1350000')  # fmt: skip
    edit(study, "  sites: 2", "  sites: 4")
    chosen = siting.run(study).portfolio.ids
    assert "astana" in chosen and "pavlodar" in chosen


# --- where the points lie: swapped coordinates, distances beyond the study ---------------------------


def swapped_csv(tiny: Path, edit) -> Path:
    frame = gpd.read_file(tiny / "candidates.geojson")
    table = frame.drop(columns="geometry").assign(lat=frame.geometry.x, lon=frame.geometry.y)
    table.to_csv(tiny / "candidates.csv", index=False)
    return edit(tiny / "study.yaml", "candidates: candidates.geojson", "candidates: candidates.csv")


def test_a_csv_with_latitude_and_longitude_swapped(tiny, edit):
    study = swapped_csv(tiny, edit)
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "candidates: candidates.csv"))
    assert (
        "5 points of candidates.csv (of 6) lie outside the area of the study's other layers"
        in problem
    )
    assert "would lie inside with longitude and latitude swapped" in problem
    assert "'astana' at longitude 51.1801, latitude 71.446" in problem
    assert "swap the two column names" in problem
    assert "exclu" not in problem.splitlines()[0]  # not blamed on the exclusions


def test_a_layer_swapped_against_the_boundaries(tiny, edit):
    shutil.copy(ROOT / "data" / "boundaries.geojson", tiny / "boundaries.geojson")
    study = edit(tiny / "study.yaml", "layers:", "boundaries: boundaries.geojson\nlayers:")
    edit(tiny / "universities.geojson", "[71.3983, 51.0906]", "[51.0906, 71.3983]")
    problem = one_problem(study)
    assert problem.startswith(line_of(study, "universities: universities.geojson"))
    assert "1 point of universities.geojson (of 4) lies outside the study's boundaries" in problem
    assert "'nu' at longitude 51.0906, latitude 71.3983" in problem
    assert "swap the two numbers of each point" in problem


@pytest.mark.parametrize(
    ("old", "new", "at", "said"),
    [
        ("within_km: 100", "within_km: 30000", "within_km: 30000",
         "30000 km is more than the largest distance between two points of the study (1,008 km), "
         "so it reaches every point of the study; was it written in metres? 30000 m would be 30 km"),
        ("within_km: 100", "decay: {gaussian: {sigma_km: 5000}}", "sigma_km: 5000",
         "5000 km is more than the largest distance between two points of the study (1,008 km), "
         "so the decay is flat over the whole study; was it written in metres?"),
        ("min_spacing_km: 300", "min_spacing_km: 300000", "min_spacing_km: 300000",
         "so no two sites can be that far apart"),
        ("{linear: {best: 0, worst: 500}}", "{linear: {best: 5000, worst: 150000}}",
         "best: 5000", "so every candidate gets the same value"),
        ("exclude:\n", "exclude:\n  - {criterion: university_km, above: 2000}\n", "above: 2000",
         "so the rule excludes nobody; was it written in metres? 2000 m would be 2 km"),
        ("exclude:\n", "exclude:\n  - {criterion: university_km, below: 2000000}\n",
         "below: 2000000", "so the rule excludes every candidate; write a distance within the "
         "study, in kilometres (at most 1,008 km)"),
    ],
    ids=["radius", "decay", "spacing", "value-function", "exclusion-above", "exclusion-below"],
)  # fmt: skip
def test_a_distance_larger_than_the_study_is_refused(tiny, edit, old, new, at, said):
    study = edit(tiny / "study.yaml", old, new)
    problem = one_problem(study)
    assert problem.startswith(line_of(study, at)) and said in problem
