"""`siting validate` reports every problem of a file in one run, and says what it could not check."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def _validate(path: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def test_structure_files_and_fields_in_one_pass(tiny: Path, edit) -> None:
    study = tiny / "study.yaml"
    edit(
        study, "    weight: 1\n  - id: institutes_100km", "    wieght: 1\n  - id: institutes_100km"
    )
    edit(study, "enablers: {weight: 2}", "enablers: {weight: -2}")
    edit(study, "exclude:", "method: {name: electre}\nexclude:")
    edit(study, "candidates: candidates.geojson", "candidates: towns.geojson")
    edit(study, "where: {students: {min: 5000}}", "where: {studnets: {min: 5000}}")
    edit(
        study,
        "  institutes: institutes.geojson",
        "  institutes: institutes.geojson\n  ports: ports.geojson",
    )
    before = {p.name: p.read_bytes() for p in tiny.iterdir()}
    code, lines = _validate(study)
    assert code == 2
    text = "\n".join(lines)
    assert "error: 7 problems" in text
    for expected in (
        "criteria[0].wieght: unknown key 'wieght'; did you mean 'weight'?",
        "groups.enablers.weight: -2 is out of range",
        "method.name: 'electre' is not allowed",
        "candidates: file 'towns.geojson' not found",
        "layers.ports: file 'ports.geojson' not found",
        "criteria[0].measure.where.studnets: layer 'universities' has no field 'studnets'; "
        "did you mean 'students'?",
        "has no `weight`",
    ):
        assert expected in text, expected
    problems = [line for line in lines if line.startswith(str(study))]
    numbers = [int(line.split(":")[1]) for line in problems]
    assert numbers == sorted(numbers)  # in the order of the file's lines
    assert lines[-1].startswith("note: not checked until the problems above are fixed: measuring")
    assert {p.name: p.read_bytes() for p in tiny.iterdir()} == before  # nothing written


def test_a_layer_problem_names_the_skipped_checks(tiny: Path, edit) -> None:
    edit(tiny / "study.yaml", "where: {students: {min: 5000}}", "where: {studnets: {min: 5000}}")
    code, lines = _validate(tiny / "study.yaml")
    assert code == 2
    assert any("has no field 'studnets'" in line for line in lines)
    assert lines[-1] == (
        "note: not checked until the problems above are fixed: measuring the criteria, the "
        "exclusions and value functions, the weights, the scores under every method, the "
        "portfolio's rules and feasibility"
    )


def test_a_file_that_is_not_yaml_skips_the_layers_too(tiny: Path) -> None:
    study = tiny / "study.yaml"
    study.write_text(study.read_text(encoding="utf-8") + "\nbroken: [\n", encoding="utf-8")
    code, lines = _validate(study)
    assert code == 2
    assert lines[-1].startswith(
        "note: not checked until the problems above are fixed: the layers and the fields"
    )


def test_a_valid_file_says_ok(tiny: Path) -> None:
    code, lines = _validate(tiny / "study.yaml")
    assert code == 0
    assert lines[-1].endswith("portfolio feasible)")
