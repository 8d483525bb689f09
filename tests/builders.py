"""Builders shared by the tests: the tiny study's run and small hand-made pieces of results.

Each is written once here instead of in every test module that needs it.  Runs are cached per
session; the :class:`~siting.results.Results` they return are frozen, and tests change them only
through :func:`dataclasses.replace` on copies.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

import siting
from siting import mcda, sensitivity
from siting.results import PortfolioChoice, Reference, Results

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).parent / "fixtures" / "tiny" / "study.yaml"

#: A name that would run as script if any page inserted data text as HTML.
EVIL = "<img src=x onerror=alert(1)>"


@functools.cache
def run_tiny() -> Results:
    """The tiny study (six cities, four universities, three institutes), run once per session."""
    return siting.run(TINY)


def renamed(results: Results, cid: str, name: str) -> Results:
    """``results`` with candidate ``cid`` called ``name`` everywhere a writer reads a name."""
    candidates = results.candidates.copy()
    ranking = results.ranking.copy()
    candidates.loc[cid, "name"] = name
    ranking.loc[cid, "name"] = name
    return dataclasses.replace(results, candidates=candidates, ranking=ranking)


def choice(ids: list[str], objective: float, binding: list[str] | None = None) -> PortfolioChoice:
    """A portfolio as the pipeline returns it, for writers' tests."""
    return PortfolioChoice(
        ids=ids,
        objective=objective,
        status="Optimal",
        solver="cbc",
        solver_version="test",
        seconds=0.0,
        binding=binding or [],
    )


def reference_for(results: Results, *, facilities: bool = True) -> Reference:
    """Two reference sites: one with every value 1, one with every value 0.5."""
    crit = list(results.values.columns)
    sites = gpd.GeoDataFrame(
        {"name": ["Akademgorodok <NSC>", "Koltsovo"]},
        geometry=[Point(83.1, 54.85), Point(83.18, 54.94)],
        index=pd.Index(["akademgorodok", "koltsovo"]),
        crs="EPSG:4326",
    )
    values = pd.DataFrame([[1.0] * len(crit), [0.5] * len(crit)], index=sites.index, columns=crit)
    nsu = gpd.GeoDataFrame({"name": ["NSU"]}, geometry=[Point(83.09, 54.84)], crs="EPSG:4326")
    score = (values * results.weights).sum(axis=1)
    candidates = (results.values * results.weights).sum(axis=1)
    kept = candidates.loc[results.included]
    places = {s: int(mcda.rank(pd.concat([kept, score.loc[[s]]])).loc[s]) for s in score.index}
    return Reference(
        sites=sites,
        facilities={"universities": nsu} if facilities else {},
        raw=values * 10,
        values=values,
        contributions=values * results.weights,
        score=score,
        candidates=candidates,
        places=pd.Series(places, dtype="Int64"),
    )


def analysed(results: Results, *, samples: int = 2000, portfolio_draws: int = 200) -> Results:
    """``results`` with a quick robustness analysis; value noise makes it non-trivial."""
    noise = {c: 0.5 for c in results.values.columns}
    sens = sensitivity.analyse(
        results, samples=samples, portfolio_draws=portfolio_draws, value_uncertainty=noise
    )
    return dataclasses.replace(results, sensitivity=sens)


def share_text(p: float, *, escaped: bool = True) -> str:
    """A probability as the pages write it: exact ends, and no rounding to 0 or 100 %.

    ``escaped``: as in the HTML source (``&lt;``), else as the reader sees it (``<``).
    """
    if p in (0, 1):
        return f"{100 * p:.0f} %"
    if p < 0.001 or p > 0.999:
        text = "< 0.1 %" if p < 0.001 else "> 99.9 %"
        return html_escaped(text) if escaped else text
    return f"{100 * p:.1f} %"


def html_escaped(s: str) -> str:
    """Text as it appears inside an HTML element after escaping."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
