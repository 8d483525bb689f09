"""Compare studies: rank changes, rank correlations, shortlists, portfolios and what differs in the files.

:func:`compare` takes two or more runs (:class:`~siting.results.Results`) and lines them up by
candidate id; the first run is the baseline every change is measured against.
:func:`siting.outputs.comparison.write_comparison` writes the tables, a slope chart of the ranks
and a side-by-side map (one self-contained HTML file that works offline).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import mcda
from siting.errors import DataError
from siting.results import Results
from siting.tolerances import WEIGHT_SUM

__all__ = ["Comparison", "compare", "spec_differences"]


@dataclass(frozen=True)
class Comparison:
    """Two or more studies lined up by candidate id.

    Attributes
    ----------
    labels
        One short unique label per study, in the order given (the first is the baseline).
    ranks
        One row per candidate of any study (baseline ranking order, then the others):
        ``id``, ``name``, then per study ``rank_<label>`` (missing when excluded or absent),
        ``score_<label>``, ``excluded_<label>`` (the reason, or ``"not a candidate"``),
        ``portfolio_<label>`` (True when chosen), and for every study after the first
        ``change_<label>``: baseline rank minus this rank (positive: moved up).
    pairs
        One row per pair of studies: ``study_a``, ``study_b``, ``common`` (candidates ranked in
        both), ``kendall_tau_b``, ``spearman_rho`` (over the common candidates; NaN when one
        ranking is constant), ``top_k_common``, ``top_k_overlap`` (common shortlist divided by
        the larger shortlist; 1 = same top k), ``portfolio_common``, ``k``.
    portfolios
        The portfolios side by side: one column per study, row ``i`` the ``i``-th site
        (``Name (id)``, best score first); empty cells where a portfolio is shorter.
    differences
        What differs in the criteria files, each study against the baseline: ``study``,
        ``section``, ``item``, ``field``, ``change`` (added, removed, changed), ``baseline``,
        ``value`` (JSON text).
    k
        Shortlist size.
    results
        The runs, in order (for the map).
    """

    labels: list[str]
    ranks: pd.DataFrame
    pairs: pd.DataFrame
    portfolios: pd.DataFrame
    differences: pd.DataFrame
    k: int
    results: tuple[Results, ...]


# --------------------------------------------------------------------------- labels


def _labels(results: Sequence[Results], labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        out = [str(x) for x in labels]
        problems = []
        if len(out) != len(results):
            problems.append(
                f"{len(out)} labels were given for {len(results)} studies; give one each"
            )
        dup = sorted({x for x in out if out.count(x) > 1})
        if dup:
            problems.append(f"labels {dup} are repeated; every study needs its own label")
        if any(not x.strip() for x in out):
            problems.append("a label is empty; give every study a name")
        if problems:
            raise DataError(problems)
        return out
    out = []
    for r in results:
        base = Path(r.source).stem or "study"
        label, i = base, 2
        while label in out:
            label, i = f"{base}_{i}", i + 1
        out.append(label)
    return out


# --------------------------------------------------------------------------- ranks


def _rank_table(results: Sequence[Results], labels: list[str]) -> pd.DataFrame:
    order: list[str] = []
    names: dict[str, str] = {}
    for r in results:
        for cid, name in r.ranking["name"].items():
            if cid not in names:
                names[str(cid)] = str(name)
                order.append(str(cid))
    table = pd.DataFrame({"id": order, "name": [names[c] for c in order]}, index=order)
    for r, label in zip(results, labels, strict=True):
        ranking = r.ranking.set_axis(r.ranking.index.astype(str))
        present = table.index.isin(ranking.index)
        table[f"rank_{label}"] = ranking["rank"].reindex(table.index).astype("Int64")
        table[f"score_{label}"] = ranking["score"].reindex(table.index).astype(float)
        reason = ranking["excluded_reason"].reindex(table.index).fillna("").astype(str)
        reason[~present] = "not a candidate"
        table[f"excluded_{label}"] = reason
        chosen = set(r.portfolio.ids) if r.portfolio is not None else set()
        table[f"portfolio_{label}"] = [c in chosen for c in table.index]
    base = labels[0]
    for label in labels[1:]:
        table[f"change_{label}"] = (table[f"rank_{base}"] - table[f"rank_{label}"]).astype("Int64")
    return table.reset_index(drop=True)


def _pairs(ranks: pd.DataFrame, labels: list[str], k: int) -> pd.DataFrame:
    rows = []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            a, b = labels[i], labels[j]
            ra = ranks[f"rank_{a}"].to_numpy(dtype=float, na_value=np.nan)
            rb = ranks[f"rank_{b}"].to_numpy(dtype=float, na_value=np.nan)
            both = ~np.isnan(ra) & ~np.isnan(rb)
            rho, tau = mcda.rank_correlation(ra[both], rb[both])
            top_a, top_b = ra <= k, rb <= k
            common = int((top_a & top_b).sum())
            larger = max(int(top_a.sum()), int(top_b.sum()))
            pa = ranks[f"portfolio_{a}"].to_numpy(dtype=bool)
            pb = ranks[f"portfolio_{b}"].to_numpy(dtype=bool)
            rows.append(
                {
                    "study_a": a,
                    "study_b": b,
                    "common": int(both.sum()),
                    "kendall_tau_b": tau,
                    "spearman_rho": rho,
                    "top_k_common": common,
                    "top_k_overlap": common / larger if larger else math.nan,
                    "portfolio_common": int((pa & pb).sum()),
                    "k": k,
                }
            )
    return pd.DataFrame(rows)


def _portfolios(results: Sequence[Results], labels: list[str]) -> pd.DataFrame:
    columns: dict[str, list[str]] = {}
    for r, label in zip(results, labels, strict=True):
        ids = r.portfolio.ids if r.portfolio is not None else []
        names = r.ranking["name"]
        columns[label] = [f"{names.at[c]} ({c})" for c in ids]
    size = max((len(v) for v in columns.values()), default=0)
    table = pd.DataFrame(
        {label: v + [""] * (size - len(v)) for label, v in columns.items()},
        index=pd.RangeIndex(1, size + 1, name="site"),
    )
    return table.reset_index()


# --------------------------------------------------------------------------- spec differences


def _text(value: Any) -> str:
    """Compact, stable text of a spec value (JSON with sorted keys; '' for absent)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _dump(results: Results) -> dict[str, Any]:
    return results.study.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Differences:
    """Rows of :func:`spec_differences`, collected section by section."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.rows: list[dict[str, str]] = []

    def add(self, section: str, item: str, fld: str, change: str, before: Any, after: Any) -> None:
        self.rows.append(
            {
                "study": self.label,
                "section": section,
                "item": item,
                "field": fld,
                "change": change,
                "baseline": _text(before),
                "value": _text(after),
            }
        )

    def fields(self, section: str, item: str, x: dict[str, Any], y: dict[str, Any]) -> None:
        """One row per key whose value differs between two mappings."""
        for key in list(dict.fromkeys([*x, *y])):
            if x.get(key) != y.get(key):
                self.add(section, item, key, _change(key in x, key in y), x.get(key), y.get(key))

    def items(self, section: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        """Items (criteria, groups) by id: added, removed, or their fields compared."""
        for key in dict.fromkeys([*a, *b]):
            if key not in b:
                self.add(section, key, "", "removed", a[key], None)
            elif key not in a:
                self.add(section, key, "", "added", None, b[key])
            else:
                self.fields(section, key, a[key], b[key])

    def members(self, section: str, a: list[str], b: list[str]) -> None:
        """Members of an unordered list (exclusion rules, candidate ids): removed, then added."""
        for item in a:
            if item not in b:
                self.add(section, item, "", "removed", item, None)
        for item in b:
            if item not in a:
                self.add(section, item, "", "added", None, item)


def _change(before: bool, after: bool) -> str:
    return "added" if not before else "removed" if not after else "changed"


def spec_differences(baseline: Results, other: Results, *, label: str) -> list[dict[str, str]]:
    """What differs between two studies' criteria files, and in the global weights they give.

    Parameters
    ----------
    baseline, other
        The two runs.
    label
        Label of ``other``, written in the ``study`` column.

    Returns
    -------
    list of dict
        One dict per difference: ``study``, ``section`` (criteria, weights, groups, exclude,
        portfolio, method, weighting, data, candidates, study), ``item`` (criterion id, group id,
        rule, field), ``field``, ``change`` (added, removed, changed), ``baseline``, ``value``.
    """
    a, b = _dump(baseline), _dump(other)
    out = _Differences(label)
    out.items(
        "criteria",
        {c["id"]: c for c in a.get("criteria", [])},
        {c["id"]: c for c in b.get("criteria", [])},
    )
    wa, wb = baseline.weights, other.weights
    for cid in dict.fromkeys([*map(str, wa.index), *map(str, wb.index)]):
        x = float(wa[cid]) if cid in wa.index else None
        y = float(wb[cid]) if cid in wb.index else None
        # Weights that differ by less than the accepted error of their sum are the same.
        if x is None or y is None or abs(x - y) > WEIGHT_SUM:
            out.add("weights", cid, "global weight", _change(x is not None, y is not None), x, y)
    out.items("groups", a.get("groups") or {}, b.get("groups") or {})
    out.members(
        "exclude",
        [_text(r) for r in a.get("exclude", [])],
        [_text(r) for r in b.get("exclude", [])],
    )
    known = {"criteria", "groups", "exclude", "study", "description"}
    for section in dict.fromkeys([*a, *b]):
        x, y = a.get(section), b.get(section)
        if section in known or x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            out.fields(section, section, x, y)
        else:
            out.add(section, section, "", _change(x is not None, y is not None), x, y)
    out.members(
        "candidate set",
        sorted(str(c) for c in baseline.candidates.index),
        sorted(str(c) for c in other.candidates.index),
    )
    return out.rows


_DIFF_COLUMNS = ["study", "section", "item", "field", "change", "baseline", "value"]


# --------------------------------------------------------------------------- entry point


def compare(
    results: Sequence[Results], *, labels: Sequence[str] | None = None, k: int = 10
) -> Comparison:
    """Line up two or more studies by candidate id and say what changed.

    Parameters
    ----------
    results
        The runs to compare; the first is the baseline.
    labels
        One unique label per run (default: the criteria file names, made unique).
    k
        Shortlist size for the top-k overlap (capped at the largest number of ranked candidates).

    Returns
    -------
    Comparison
        Ranks and their changes, pairwise Kendall's τ-b, Spearman's ρ and top-k overlap, the
        portfolios side by side, and the differences between the criteria files.

    Raises
    ------
    DataError
        Fewer than two studies, bad labels, or ``k`` < 1.

    Examples
    --------
    >>> from siting.pipeline import run  # doctest: +SKIP
    >>> cmp = compare([run("a.yaml"), run("b.yaml")])  # doctest: +SKIP
    >>> cmp.pairs[["study_a", "study_b", "kendall_tau_b"]]  # doctest: +SKIP
    """
    runs = tuple(results)
    problems = []
    if len(runs) < 2:
        problems.append(f"compare needs at least two studies; got {len(runs)}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        problems.append(f"k must be a whole number >= 1; got {k!r}")
    if problems:
        raise DataError(problems)
    names = _labels(runs, labels)
    ranks = _rank_table(runs, names)
    most = max(int(r.ranking["rank"].notna().sum()) for r in runs)
    k = int(min(k, max(most, 1)))
    diffs = [
        row
        for r, lab in zip(runs[1:], names[1:], strict=True)
        for row in spec_differences(runs[0], r, label=lab)
    ]
    return Comparison(
        labels=names,
        ranks=ranks,
        pairs=_pairs(ranks, names, k),
        portfolios=_portfolios(runs, names),
        differences=pd.DataFrame(diffs, columns=_DIFF_COLUMNS),
        k=k,
        results=runs,
    )
