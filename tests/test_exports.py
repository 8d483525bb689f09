"""Exports for analysts: ranking.xlsx, ranking.parquet (GeoParquet) and results.gpkg.

Each is read back with the library a reader would use (openpyxl/pandas, geopandas, pyogrio and
SQLite), and checked for what the issue asks: numbers as numbers, whole-number ranks, units and
a guide in the output language, a frozen header, text that never becomes a formula, the
GeoParquet metadata, the candidates' own fields and the reference sites, identical bytes for
identical runs.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest

import siting
from siting.i18n import translator
from siting.outputs.tables import write_geopackage, write_parquet
from siting.outputs.workbook import write_workbook

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "http://example.org"]

REFERENCE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "ref_akadem", "name": "Akademgorodok", "layer": "candidates",
                           "macro_region": "north", "population": 130000, "source": "test"},
            "geometry": {"type": "Point", "coordinates": [83.10, 54.85]},
        },
        {
            "type": "Feature",
            "properties": {"id": "ref_nsu", "name": "NSU", "layer": "universities",
                           "students": 7000, "source": "test"},
            "geometry": {"type": "Point", "coordinates": [83.09, 54.84]},
        },
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The tiny study with a reference site, a robustness analysis and hostile names."""
    import shutil

    from tests.conftest import TINY

    folder = tmp_path_factory.mktemp("exports") / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "reference.geojson").write_text(json.dumps(REFERENCE), encoding="utf-8")
    text = (folder / "study.yaml").read_text(encoding="utf-8")
    text = text.replace("layers:", "reference: reference.geojson\nlayers:", 1)
    text += "sensitivity: {samples: 200, portfolio_draws: 10, steps: 3}\n"
    text = text.replace("  sites: 2\n", "  sites: 2\n  alternatives: {count: 2}\n", 1)
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    candidates = (folder / "candidates.geojson").read_text(encoding="utf-8")
    candidates = candidates.replace('"name": "Astana"', '"name": "=1+1"')
    candidates = candidates.replace('"name": "Pavlodar"', '"name": "@cmd"')
    (folder / "candidates.geojson").write_text(candidates, encoding="utf-8")
    return folder / "study.yaml"


@pytest.fixture(scope="module")
def results(study) -> siting.Results:
    return siting.run(study)


@pytest.fixture(scope="module")
def workbook(results, tmp_path_factory) -> Path:
    return write_workbook(results, tmp_path_factory.mktemp("xlsx") / "ranking.xlsx")


# -- ranking.xlsx ----------------------------------------------------------------------------------


def test_workbook_has_a_guide_then_one_sheet_per_table(workbook):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == [
        "How to read", "Ranking", "Contributions", "Portfolio", "Alternatives", "Robustness",
    ]  # fmt: skip
    guide = [c.value for row in book["How to read"].iter_rows() for c in row if c.value]
    assert guide[0] == "Tiny fixture"
    assert "Recommended sites: Almaty and =1+1." in guide  # the answer first
    # every column of every sheet is explained, with its unit and its name in the CSV tables
    for name in book.sheetnames[1:]:
        for header in next(book[name].iter_rows(max_row=1, values_only=True)):
            assert header in guide, (name, header)
    assert "people" in guide and "ranking.csv: raw_<criterion id>" in guide


def test_workbook_cells_are_numbers_with_a_frozen_filtered_header(workbook, results):
    book = openpyxl.load_workbook(workbook)
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert all(sheet.column_dimensions[c].width >= 6 for c in "ABC")
    ranking = pd.read_excel(workbook, sheet_name="Ranking")
    kept = ranking[ranking["Rank"].notna()]
    assert kept["Rank"].tolist() == list(range(1, len(kept) + 1))
    assert pd.api.types.is_float_dtype(ranking["Score (weighted sum)"])
    assert ranking.loc[ranking["Id"] == "almaty", "Population"].item() == 2_200_000
    sheet = book["Ranking"]
    header = [c.value for c in sheet[1]]
    rank, score = sheet.cell(2, 1), sheet.cell(2, header.index("Score (weighted sum)") + 1)
    assert (rank.data_type, rank.number_format, rank.value) == ("n", "0", 1)
    assert score.data_type == "n" and score.number_format == "0.000"
    share = sheet.cell(2, header.index("Share of the reference's score") + 1)
    assert share.number_format == "0.0%" and share.value == pytest.approx(
        float(results.reference.percent["almaty"]) / 100, abs=1e-6
    )
    assert sheet.cell(2, header.index("In the portfolio") + 1).value is True
    roles = ranking["Role"].tolist()
    assert roles[-1] == "reference" and set(roles[:-1]) == {"candidate"}
    # the contributions: one row per candidate and criterion, with the unit of each raw value
    parts = pd.read_excel(workbook, sheet_name="Contributions")
    assert len(parts) == len(results.ranking) * len(results.study.criteria)
    row = parts[(parts["Id"] == "karaganda") & (parts["Criterion id"] == "population")].iloc[0]
    assert (row["Unit"], row["Raw value"]) == ("people", 500_000)
    assert row["Contribution"] == pytest.approx(results.contributions.at["karaganda", "population"])
    robustness = pd.read_excel(workbook, sheet_name="Robustness")
    assert robustness["Ranks first"].between(0, 1).all()
    alternatives = pd.read_excel(workbook, sheet_name="Alternatives")
    assert alternatives["Option"].iloc[0] == "the best portfolio"
    assert len(alternatives) == 1 + len(results.alternatives)


def test_workbook_text_never_becomes_a_formula(workbook):
    book = openpyxl.load_workbook(workbook)
    values = {c.value: c.data_type for row in book["Ranking"].iter_rows() for c in row}
    assert values["=1+1"] == "s" and values["@cmd"] == "s"
    with zipfile.ZipFile(workbook) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(archive.read(n).decode("utf-8") for n in sheets)
        assert "<f>" not in xml and "<f " not in xml  # not one formula anywhere
        assert not [n for n in archive.namelist() if "hyperlink" in n.lower()]


def test_workbook_text_from_the_data_is_kept_as_written(tmp_path, tiny, edit):
    for i, name in enumerate(HOSTILE):
        old = ["Karaganda", "Pavlodar", "Oskemen", "Kurchatov", "Astana", "Almaty"][i]
        edit(tiny / "candidates.geojson", f'"name": "{old}"', f'"name": {json.dumps(name)}')
    path = write_workbook(siting.run(tiny / "study.yaml"), tmp_path / "ranking.xlsx")
    cells = {
        c.value: c.data_type
        for row in openpyxl.load_workbook(path)["Ranking"].iter_rows()
        for c in row
    }
    for name in HOSTILE:
        assert cells.get(name) == "s", name


def test_workbook_bytes_are_the_same_for_the_same_run(results, tmp_path, monkeypatch):
    first = write_workbook(results, tmp_path / "a.xlsx").read_bytes()
    assert write_workbook(results, tmp_path / "b.xlsx").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "2000-01-01T00:00:00Z" in core
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with zipfile.ZipFile(write_workbook(results, tmp_path / "c.xlsx")) as archive:
        assert "2023-11-14T22:13:20Z" in archive.read("docProps/core.xml").decode("utf-8")


def test_workbook_in_the_reader_language(results, tmp_path):
    ru = translator("ru")
    path = write_workbook(results, tmp_path / "ru.xlsx", lang="ru")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[1] == ru("Ranking")[:31]
    header = [c.value for c in book.worksheets[1][1]]
    assert header[0] == ru("Rank")
    assert ru("Score ({method})", method=ru("weighted sum")) in header
    # the study's own language by default
    kk = siting.Study.load(results.source).replace(language="kk")
    book = openpyxl.load_workbook(
        write_workbook(siting.run(kk, sensitivity=False), tmp_path / "kk.xlsx")
    )
    assert book.sheetnames[1] == translator("kk")("Ranking")[:31]


def test_workbook_without_portfolio_or_robustness_says_why(tiny, tmp_path):
    study = siting.Study.load(tiny / "study.yaml").replace(portfolio=None)
    book = openpyxl.load_workbook(write_workbook(siting.run(study), tmp_path / "r.xlsx"))
    assert "no `portfolio:` section" in book["Portfolio"]["A2"].value
    assert "`sensitivity:`" in book["Robustness"]["A2"].value


# -- ranking.parquet ----------------------------------------------------------------------------


def test_parquet_is_geoparquet_with_integer_ranks(results, tmp_path):
    path = write_parquet(results, tmp_path / "ranking.parquet")
    meta = pq.read_metadata(path).metadata
    geo = json.loads(meta[b"geo"])
    assert geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    frame = gpd.read_parquet(path)
    assert frame.crs.to_epsg() == 4326
    assert str(frame["rank"].dtype) == "Int64"
    assert frame["rank"].dropna().tolist() == list(range(1, len(frame["rank"].dropna()) + 1))
    assert {"macro_region", "population", "p_rank1"} <= set(frame.columns)
    ranking_csv_columns = [c for c in frame.columns if c.startswith(("raw_", "contrib_"))]
    assert len(ranking_csv_columns) == 2 * len(results.study.criteria)
    almaty = frame.set_index("id").loc["almaty"]
    assert (almaty.geometry.x, almaty.geometry.y) == (76.9286, 43.2567)
    assert frame["role"].tolist()[-1] == "reference"
    assert write_parquet(results, tmp_path / "again.parquet").read_bytes() == path.read_bytes()


# -- results.gpkg -------------------------------------------------------------------------------


def test_geopackage_has_integer_ranks_the_candidates_fields_and_the_reference(results, tmp_path):
    path = write_geopackage(results, tmp_path / "results.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == [
        "ranking", "portfolio", "alternatives", "reference",
    ]  # fmt: skip
    info = pyogrio.read_info(path, layer="ranking")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["rank"] == "int64" and types["population"] == "int64"
    assert types["macro_region"] == "object"
    with sqlite3.connect(path) as db:
        stored = set(db.execute('SELECT typeof("rank") FROM ranking').fetchall())
        assert stored == {("integer",), ("null",)}  # never a float
        order = db.execute('SELECT "order", typeof("order") FROM portfolio').fetchall()
        assert order == [(1, "integer"), (2, "integer")]
    ranking = gpd.read_file(path, layer="ranking")
    assert set(ranking["role"]) == {"candidate"}  # the reference has a layer of its own
    assert ranking.set_index("id").at["almaty", "population"] == 2_200_000
    reference = gpd.read_file(path, layer="reference")
    assert reference["id"].tolist() == ["ref_akadem"]
    assert reference["place"].tolist() == [int(results.reference.places["ref_akadem"])]
    assert reference["score"].tolist() == pytest.approx(results.reference.score.tolist(), abs=1e-6)
    assert "students" not in reference.columns  # a field of the reference's facilities only
    assert reference.geometry.iloc[0].x == pytest.approx(83.10)


def test_every_export_is_in_the_published_set(study, tmp_path, monkeypatch):
    from siting.outputs.files import write_text

    def drawing(results, path, **kwargs):
        # the drawings have their own tests; here only the set they are published in matters
        return write_text(Path(path), "a drawing\n")

    for name in ("maps.write_map", "report.write_report", "static_map.write_static_map"):
        monkeypatch.setattr(f"siting.outputs.{name}", drawing)
    written = siting.run(study, sensitivity=False).write(tmp_path / "out")
    assert {"ranking.xlsx", "ranking.parquet", "results.gpkg"} <= set(written)
    manifest = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    for name in ("ranking.xlsx", "ranking.parquet"):
        assert re.fullmatch(r"[0-9a-f]{64}", manifest["outputs"][name])
