"""One computation per fact: every table that carries a method's rank carries the same rank.

Each shipped profile is run once, with a small robustness analysis, and written; then the
ranks in ranking.csv, methods_all.csv and the CLI summary, and the agreement rows of
method_agreement.csv and method_agreement_all.csv, are compared candidate by candidate.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

import siting
from siting import cli, mcda
from siting.outputs import write_all
from siting.sensitivity import analyse

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "criteria").glob("*.yaml"))


@pytest.fixture(scope="module", params=PROFILES, ids=lambda p: p.stem)
def written(request, tmp_path_factory) -> tuple[siting.Results, Path]:
    results = siting.run(request.param, sensitivity=False)
    # Few draws: the method rankings do not depend on them, and the test stays quick.
    results = dataclasses.replace(
        results, sensitivity=analyse(results, samples=200, portfolio_draws=5, steps=3)
    )
    out = tmp_path_factory.mktemp(request.param.stem)
    write_all(results, out)
    return results, out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"id": str}, keep_default_na=False, na_values=[""])


def test_every_table_gives_each_method_the_same_rank(written, monkeypatch) -> None:
    results, out = written
    study = results.study
    ranking = _csv(out / "ranking.csv").set_index("id")
    kept = ranking[ranking["rank"].notna()]
    methods_all = _csv(out / "methods_all.csv").set_index("id")
    for method in study.method.all:
        column = "rank" if method == study.method.name else f"rank_{method}"
        if column not in kept:
            column = f"rank_{method}"
        from_ranking = kept[column].astype(int)
        assert from_ranking.to_dict() == methods_all.loc[kept.index, method].astype(int).to_dict()
        assert from_ranking.to_dict() == results.method_ranks[method].astype(int).to_dict()
    # The main method's rank is also the rank column of the ranking.
    main = study.method.name
    assert kept["rank"].astype(int).to_dict() == methods_all.loc[kept.index, main].to_dict()

    # The CLI summary prints the same ranks.
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out_console", Console(file=buffer, width=400, highlight=False))
    cli._summary(results, n=len(kept))
    lines = [line for line in buffer.getvalue().splitlines() if line.startswith("│")]
    others = [m for m in study.method.all if m != main]
    names = results.ranking["name"]
    for line in lines:
        cells = [c.strip() for c in line.strip("│").split("│")]
        rank, name = int(cells[0]), re.sub(r" ★$", "", cells[1])
        (cid,) = names.index[names == name]
        assert rank == int(kept.at[cid, "rank"])
        for i, method in enumerate(others):
            assert int(cells[3 + i]) == int(kept.at[cid, f"rank_{method}"])


def test_agreement_tables_agree(written) -> None:
    results, out = written
    if len(results.study.method.all) < 2:
        pytest.skip("the study compares no methods")
    study_table = _csv(out / "method_agreement.csv")
    all_table = _csv(out / "method_agreement_all.csv")
    for row in study_table.itertuples():
        match = all_table[
            ((all_table.method_a == row.method_a) & (all_table.method_b == row.method_b))
            | ((all_table.method_a == row.method_b) & (all_table.method_b == row.method_a))
        ]
        assert len(match) == 1
        for column in ("spearman_rho", "kendall_tau_b", "top_k_overlap"):
            assert float(match[column].iloc[0]) == pytest.approx(getattr(row, column), abs=1e-6)


def test_the_registry_knows_what_each_method_needs() -> None:
    assert set(mcda.METHODS) == set(mcda.REGISTRY)
    assert mcda.REGISTRY["weighted_product"].needs_positive
    assert {m for m, i in mcda.REGISTRY.items() if i.divides_by_range} == {
        "topsis",
        "vikor",
        "promethee_ii",
    }
    assert mcda.REGISTRY["owa"].required == {"order_weights"}
    assert mcda.REGISTRY["promethee_ii"].defaults["preference"] == "usual"
    assert mcda.REGISTRY["vikor"].options == {"v"}


def test_unknown_options_are_refused_before_any_work() -> None:
    import numpy as np

    from siting.errors import DataError

    x = np.array([[0.1, 0.9], [0.8, 0.2]])
    with pytest.raises(DataError, match=r"does not take \['normalization'\].*normalisation"):
        mcda.score(x, [0.5, 0.5], [1, 1], method="topsis", normalization="vector")
    with pytest.raises(DataError, match="needs \\['order_weights'\\]"):
        mcda.score(x, [0.5, 0.5], [1, 1], method="owa")
    # An error inside a method is the method's own, not a complaint about options.
    with pytest.raises(DataError, match="needs values > 0") as caught:
        mcda.score(
            np.array([[0.0, 1.0], [1.0, 0.5]]), [0.5, 0.5], [1, 1], method="weighted_product"
        )
    assert "option" not in str(caught.value)


def test_one_tie_rule() -> None:
    import numpy as np

    from siting.tolerances import SCORE_TIE

    s = np.array([0.5, 0.5 - SCORE_TIE / 2, 0.4, 0.4 - 2 * SCORE_TIE])
    assert mcda.rank(s).tolist() == [1, 1, 3, 4]
    two = np.vstack([s, s[::-1]])
    assert mcda.rank(two).tolist() == [[1, 1, 3, 4], [4, 3, 1, 1]]
