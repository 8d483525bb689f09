"""Compare studies: rank changes, rank correlations, shortlists, portfolios and what differs in the files.

:func:`compare` takes two or more runs (:class:`~siting.results.Results`) and lines them up by
candidate id; the first run is the baseline every change is measured against.  It compares
like with like: each study's scores carry the name of the method that made them (and a warning
says when the methods differ, since a TOPSIS closeness and a weighted sum are on different
scales), the weights compared are the effective (global) weights each run used, not the
relative numbers written in the files, and the portfolios are lined up by site.
:func:`siting.outputs.comparison.write_comparison` writes the tables, a slope chart of the ranks
and a side-by-side map (one self-contained HTML file that works offline).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import mcda
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import Joined
from siting.results import Results
from siting.tolerances import WEIGHT_SUM

__all__ = ["METHOD_NAMES", "Comparison", "compare", "spec_differences"]


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
        The portfolios lined up by site: one row per site chosen by any study (the sites all
        choose first, then the baseline's others, then each other study's), ``id``, ``name``,
        ``status`` (``shared``: chosen by every study; ``only in <label>``; ``in <a>, <b>``)
        and ``in_<label>`` (True when that study chose it).
    differences
        What differs in the criteria files, each study against the baseline: ``study``,
        ``section``, ``item``, ``field``, ``change`` (added, removed, changed), ``baseline``,
        ``value`` (JSON text).  Weights are the relative numbers as written; :attr:`weights`
        compares the weights the runs used.
    k
        Shortlist size.
    results
        The runs, in order (for the map).
    methods
        Label → the main MCDA method of that study (``weighted_sum``, ``topsis``, ...), whose
        scores are in ``score_<label>``.
    weights
        The effective (global) weight of every criterion in each study, side by side: one row
        per criterion of any study (``criterion``, ``label``), ``weight_<label>`` (empty when
        the study lacks the criterion) and, for every study after the first,
        ``change_<label>``: its weight minus the baseline's (a missing criterion weighs 0;
        changes within the tolerance of a weight sum, 1e-6, are 0).
    warnings
        Sentences a reader of the comparison must see (a :class:`~siting.i18n.Msg` each): today,
        that the studies score by different methods, so their scores are not comparable.
    """

    labels: list[str]
    ranks: pd.DataFrame
    pairs: pd.DataFrame
    portfolios: pd.DataFrame
    differences: pd.DataFrame
    k: int
    results: tuple[Results, ...]
    methods: dict[str, str] = field(default_factory=dict)
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)


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
        # the scale of a score is its method's: named beside it
        table[f"method_{label}"] = r.study.method.name
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
    """The portfolios lined up by site (see :attr:`Comparison.portfolios`)."""
    chosen = [list(r.portfolio.ids) if r.portfolio is not None else [] for r in results]
    every = [set(ids) for ids in chosen]
    shared = [c for c in chosen[0] if all(c in ids for ids in every)]
    order = list(dict.fromkeys([*shared, *(c for ids in chosen for c in ids)]))
    names: dict[str, str] = {}
    for r in results:
        for cid, name in r.ranking["name"].items():
            names.setdefault(str(cid), str(name))
    rows = []
    for cid in order:
        inside = [label for label, ids in zip(labels, every, strict=True) if cid in ids]
        if len(inside) == len(labels):
            status = "shared"
        elif len(inside) == 1:
            status = f"only in {inside[0]}"
        else:
            status = "in " + ", ".join(inside)
        row: dict[str, Any] = {"id": cid, "name": names.get(cid, cid), "status": status}
        for label, ids in zip(labels, every, strict=True):
            row[f"in_{label}"] = cid in ids
        rows.append(row)
    columns = ["id", "name", "status", *(f"in_{label}" for label in labels)]
    return pd.DataFrame(rows, columns=columns)


def _weights(results: Sequence[Results], labels: list[str]) -> pd.DataFrame:
    """The effective weights side by side (see :attr:`Comparison.weights`)."""
    order: list[str] = []
    texts: dict[str, str] = {}
    for r in results:
        for c in r.study.criteria:
            if c.id not in texts:
                order.append(c.id)
                texts[c.id] = str(c.label)
    table = pd.DataFrame({"criterion": order, "label": [texts[c] for c in order]})
    for r, label in zip(results, labels, strict=True):
        table[f"weight_{label}"] = [
            float(r.weights[c]) if c in r.weights.index else np.nan for c in order
        ]
    base = table[f"weight_{labels[0]}"].fillna(0.0)
    for label in labels[1:]:
        change = table[f"weight_{label}"].fillna(0.0) - base
        # weights that differ by less than the accepted error of their sum are the same
        table[f"change_{label}"] = change.where(change.abs() > WEIGHT_SUM, 0.0)
    return table


#: Each MCDA method's name in prose, for sentences (the same words the outputs use).
METHOD_NAMES: dict[str, str] = {
    "weighted_sum": N_("weighted sum"),
    "weighted_product": N_("weighted product"),
    "topsis": N_("TOPSIS"),
    "vikor": N_("VIKOR"),
    "promethee_ii": N_("PROMETHEE II"),
    "owa": N_("OWA"),
}


def _warnings(methods: dict[str, str]) -> list[str]:
    """What a reader must know before comparing these studies' numbers."""
    if len(set(methods.values())) < 2:
        return []
    parts = [
        Msg(
            N_("{label}: {method}"),
            label=label,
            method=Msg(METHOD_NAMES.get(method, method.replace("_", " "))),
        )
        for label, method in methods.items()
    ]
    return [
        Msg(
            N_(
                "The studies score by different methods ({methods}): their scores are on "
                "different scales and cannot be compared; compare their ranks."
            ),
            methods=Joined(parts, ", "),
        )
    ]


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
    """What differs between two studies' criteria files (the weights as written in them).

    The weights the runs used (normalised, through groups or derived) are compared by
    :attr:`Comparison.weights`.

    Parameters
    ----------
    baseline, other
        The two runs.
    label
        Label of ``other``, written in the ``study`` column.

    Returns
    -------
    list of dict
        One dict per difference: ``study``, ``section`` (criteria, groups, exclude,
        portfolio, method, weights (how weights are derived), candidates, candidate set, ...), ``item`` (criterion id, group id,
        rule, field), ``field``, ``change`` (added, removed, changed), ``baseline``, ``value``.
    """
    a, b = _dump(baseline), _dump(other)
    out = _Differences(label)
    out.items(
        "criteria",
        {c["id"]: c for c in a.get("criteria", [])},
        {c["id"]: c for c in b.get("criteria", [])},
    )
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
        Ranks and their changes, each study's method beside its scores, pairwise Kendall's
        τ-b, Spearman's ρ and top-k overlap, the effective weights side by side, the portfolios
        lined up by site, the differences between the criteria files, and a warning when the
        methods differ.

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
    methods = {label: str(r.study.method.name) for r, label in zip(runs, names, strict=True)}
    return Comparison(
        labels=names,
        ranks=ranks,
        pairs=_pairs(ranks, names, k),
        portfolios=_portfolios(runs, names),
        differences=pd.DataFrame(diffs, columns=_DIFF_COLUMNS),
        k=k,
        results=runs,
        methods=methods,
        weights=_weights(runs, names),
        warnings=_warnings(methods),
    )
