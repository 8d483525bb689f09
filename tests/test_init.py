"""``siting init``: a new criteria file that runs as written, and never over an existing one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import siting
from siting import criteria, starter
from siting.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def init(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["init", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_the_starter_study_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = init("south")
    assert code == 0, output
    path = tmp_path / "south.yaml"
    assert "wrote south.yaml: a small starter study" in output
    assert "siting validate south.yaml" in output and "siting run south.yaml" in output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert (tmp_path / text.splitlines()[0].split("$schema=")[1]).resolve() == starter.SCHEMA
    source = criteria.load(path)
    assert source.study.study == "South"
    assert source.resolve(source.study.candidates) == ROOT / "data" / "candidates.geojson"
    # commented: every criterion, the portfolio and the layers say what they are
    assert text.count("\n#") + text.count("  #") >= 10
    results = siting.validate(path)
    assert results.portfolio is not None and len(results.portfolio.ids) == 3


def test_an_existing_file_is_never_overwritten(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "south.yaml").write_text("study: mine\n", encoding="utf-8")
    code, output = init("south")
    assert code == 2
    assert "south.yaml: the file exists already and is left as it is" in output
    assert (tmp_path / "south.yaml").read_text(encoding="utf-8") == "study: mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["south.yaml"]  # no temporary file left


@pytest.mark.parametrize("profile", sorted(starter.shipped_profiles()))
def test_a_shipped_profile_is_copied_with_its_paths_moved(tmp_path, monkeypatch, profile):
    monkeypatch.chdir(tmp_path)
    code, output = init(f"studies/{profile}_copy.yml", "--from", profile)
    assert code == 0, output
    path = tmp_path / "studies" / f"{profile}_copy.yml"
    assert f"a copy of the shipped profile {profile}" in output
    shipped = starter.shipped_profiles()[profile]
    original, copy = criteria.load(shipped).study, criteria.load(path).study
    assert copy == original.model_copy(update=_moved(original, path))
    # the comments and the texts are the profile's own
    assert path.read_text(encoding="utf-8").count("#") == shipped.read_text().count("#")


def _moved(study: siting.spec.Study, path: Path) -> dict:
    """The profile's paths as the copy must write them: the same files, seen from ``path``."""
    folder = path.parent
    data = ROOT / "data"

    def move(p: Path | None) -> Path | None:
        return None if p is None else Path(starter._relative(data / Path(p).name, folder))

    return {
        "candidates": move(study.candidates),
        "reference": move(study.reference),
        "boundaries": move(study.boundaries),
        "layers": {k: move(v) for k, v in study.layers.items()},
    }


def test_a_copied_profile_validates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert init("nsk", "--from", "novosibirsk")[0] == 0
    assert siting.validate(tmp_path / "nsk.yaml").portfolio is not None


def test_an_unknown_profile_is_named_with_the_likely_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = init("x", "--from", "novosibrsk")
    assert code == 2
    assert "--from: 'novosibrsk' is not a shipped profile (did you mean 'novosibirsk'?)" in output
    assert "technopark" in output
    assert not list(tmp_path.iterdir())


def test_the_target_path(tmp_path):
    assert starter.target_path("south", tmp_path) == tmp_path / "south.yaml"
    assert starter.target_path("a/b.yml", tmp_path) == tmp_path / "a" / "b.yml"
    assert starter.target_path("v1.2", tmp_path) == tmp_path / "v1.2.yaml"
    assert starter.target_path(tmp_path / "x.yaml") == tmp_path / "x.yaml"
