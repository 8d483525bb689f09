"""The command line: exit codes and messages (0 ok, 2 input mistake, 1 bug)."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def test_run_writes_every_output(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tiny / "study.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # the answer first, then the table
    lines = result.output.splitlines()
    assert lines[:2] == ["Tiny fixture", "Recommended sites: Almaty and Astana."]
    assert result.output.index("Recommended sites") < result.output.index("rank")
    assert {p.name for p in out.iterdir()} >= {
        "ranking.csv",
        "results.gpkg",
        "map.html",
        "manifest.json",
    }
    rows = list(csv.DictReader((out / "ranking.csv").read_text().splitlines()))
    assert [r["id"] for r in rows[:2]] == ["almaty", "astana"]
    assert {"raw_university_km", "contrib_population", "excluded_reason"} <= set(rows[0])
    manifest = json.loads((out / "manifest.json").read_text())
    assert str(tiny / "study.yaml") in manifest["inputs"]
    assert manifest["solver"]["name"] == "cbc"
    assert set(manifest["outputs"]) == {
        "ranking.csv",
        "results.gpkg",
        "ranking.parquet",
        "ranking.xlsx",
        "map.html",
        "map.png",
        "report.html",
    }
    # no temporary file left behind by the atomic writes
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_profile_reports_every_stage_and_output(tiny, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(tiny / "study.yaml"), "--out", str(out), "--quiet", "--profile"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Where the time went" in text
    for stage in ("reading the layers", "scoring the candidates", "choosing the portfolio"):
        assert stage in text
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("map.html", "map.png", "report.html", "ranking.csv"):
        assert f"writing {name}" in text
        assert manifest["output_timings_s"][name] >= 0
    assert "total" in text
    # without --profile (and with --quiet) nothing is printed
    quiet = runner.invoke(app, ["run", str(tiny / "study.yaml"), "--out", str(out), "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_validate_ok_and_bad(tiny, edit):
    ok = runner.invoke(app, ["validate", str(tiny / "study.yaml")])
    assert ok.exit_code == 0
    assert "OK" in ok.output
    edit(tiny / "study.yaml", "direction: cost", "direction: costs")
    bad = runner.invoke(app, ["validate", str(tiny / "study.yaml")])
    assert bad.exit_code == 2
    assert "did you mean 'cost'" in bad.output
    assert "Traceback" not in bad.output


def test_unwritable_output_folder_is_an_input_error(tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["run", str(tiny / "study.yaml"), "--out", str(blocker / "out")])
    assert result.exit_code == 2
    assert "cannot create output folder" in result.output
    assert blocker.read_text() == "not a folder"


def test_missing_criteria_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_schema_prints_json():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "siting criteria file"


def test_a_bug_exits_1(monkeypatch, tiny):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("siting.pipeline.run", boom)
    result = runner.invoke(app, ["run", str(tiny / "study.yaml")])
    assert result.exit_code == 1


def test_validate_reports_five_mistakes_with_lines(tiny):
    from tests.test_criteria import FIVE_MISTAKES

    path = tiny / "five.yaml"
    path.write_text(FIVE_MISTAKES)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith(f"{path}:")]
    assert len(lines) >= 5
    assert len({int(ln.split(":")[1]) for ln in lines}) >= 5
    assert "Traceback" not in result.output


def test_sensitivity_command_writes_robustness_tables(tiny, tmp_path):
    out = tmp_path / "sens"
    result = runner.invoke(app, ["sensitivity", str(tiny / "study.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "P(1st)" in result.output
    names = {p.name for p in out.iterdir()}
    assert {"sensitivity.csv", "stability.csv", "acceptability.csv", "sensitivity.png"} <= names
    again = tmp_path / "again"
    runner.invoke(app, ["sensitivity", str(tiny / "study.yaml"), "--out", str(again), "-q"])
    for name in ("sensitivity.csv", "stability.csv", "acceptability.csv", "ranking.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_compare_command(tiny, edit, tmp_path):
    other = tiny / "other.yaml"
    other.write_text(
        (tiny / "study.yaml")
        .read_text()
        .replace("enablers: {weight: 2}", "enablers: {weight: 0.1}")
    )
    out = tmp_path / "cmp"
    result = runner.invoke(
        app, ["compare", str(tiny / "study.yaml"), str(other), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Kendall τ-b" in result.output and "Spearman ρ" in result.output
    assert {"comparison.csv", "comparison.png", "comparison_map.html"} <= {
        p.name for p in out.iterdir()
    }
    # machine-readable English headers in the CSVs, whatever the language
    assert "kendall_tau_b" in (out / "comparison_pairs.csv").read_text()
    diffs = (out / "comparison_differences.csv").read_text()
    assert "enablers" in diffs


def test_compare_needs_two_files(tiny):
    result = runner.invoke(app, ["compare", str(tiny / "study.yaml")])
    assert result.exit_code == 2


def test_summary_in_the_chosen_language(tiny, tmp_path):
    out = tmp_path / "ru"
    result = runner.invoke(app, ["run", str(tiny / "study.yaml"), "-o", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "0,998" in result.output and "0.998" not in result.output  # Russian numbers
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ru">')


def test_summary_says_a_close_call_and_names_the_contender(monkeypatch):
    import io

    from rich.console import Console

    from siting import cli
    from tests.builders import run_tiny
    from tests.test_report import close_call

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out_console", Console(file=buffer, width=200, highlight=False))
    cli._summary(close_call(run_tiny()), lang="en")
    text = buffer.getvalue()
    lines = text.splitlines()
    assert lines[1] == "Recommended sites: Almaty and Astana or Karaganda."
    assert lines[2].startswith("Site 2 of 2: Astana or Karaganda — a close call.")
    assert text.index("close call") < text.index("rank")


def test_compare_in_a_language(tiny, tmp_path):
    other = tiny / "other.yaml"
    other.write_text((tiny / "study.yaml").read_text().replace("weight: 2}", "weight: 1}"))
    out = tmp_path / "cmp"
    result = runner.invoke(
        app, ["compare", str(tiny / "study.yaml"), str(other), "-o", str(out), "--lang", "kk"]
    )
    assert result.exit_code == 0, result.output
    assert "1,00" in result.output  # Kazakh numbers
    page = (out / "comparison_map.html").read_text(encoding="utf-8")
    assert '<html lang="kk">' in page


def test_summary_table_is_readable_at_80_columns(monkeypatch):
    """Issue 11: at 80 columns no header or name is cut short; columns drop, lowest first.

    The shares' notes name the number of draws each comes from: P(1st) and P(top3) from the
    rank draws, P(port.) from the fewer draws whose portfolio was solved again.
    """
    import io

    from rich.console import Console

    from siting import cli
    from tests.builders import analysed, run_tiny

    results = analysed(run_tiny(), samples=2000, portfolio_draws=200)
    for width in (120, 80, 60):
        buffer = io.StringIO()
        monkeypatch.setattr(cli, "out_console", Console(file=buffer, width=width, highlight=False))
        cli._summary(results, lang="en")
        text = buffer.getvalue()
        table = text[text.index("Top 10") : text.index("score: ")]
        assert "…" not in table
        assert all(len(line) <= width for line in table.splitlines())
        for name in results.top(10)["name"]:
            assert name in table  # whole
        header = next(line for line in table.splitlines() if " rank " in line)
        assert "score" in header and "P(port.)" in header
        notes = " ".join(text[text.index("score: ") :].split())
        assert "share of the 2,000 weight draws" in notes
        assert "share of the 200 weight draws in which it is in the best portfolio" in notes
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out_console", Console(file=buffer, width=120, highlight=False))
    cli._summary(results, lang="en")
    wide = buffer.getvalue()
    assert "P(top3)" in wide and "P(1st)" in wide
