"""The sites and regions chosen on a surface: their files, and their words for the map and report.

surface_sites.csv and surface_regions.geojson: each row carries the set's guarantee (``exact``,
or ``bound`` with the proven upper bound), so a reader of one file knows how far from the grid's
optimum the answer can be.  Written atomically (:func:`siting.outputs.files.write_with`) into
the run's staging folder.

The map's popups and the report's table say the same things in the same words: each chosen
site or region as :class:`Pick` (:func:`site_picks`, :func:`region_picks`) and the guarantee as
one sentence (:func:`sites_sentence`, :func:`regions_sentence`), all read from
:attr:`Results.surface_sites` and :attr:`Results.surface_regions` (nothing is chosen again).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting.i18n import N_, Translator
from siting.outputs.files import write_csv, write_with
from siting.results import Results

__all__ = [
    "Pick",
    "picked_files",
    "region_picks",
    "regions_sentence",
    "site_picks",
    "sites_sentence",
    "where_words",
    "write_surface_picks",
]


def picked_files(results: Results) -> list[str]:
    """The names of the files :func:`write_surface_picks` writes for ``results``."""
    names = []
    if results.surface_sites is not None:
        names.append("surface_sites.csv")
    if results.surface_regions is not None:
        names.append("surface_regions.geojson")
    return names


def write_surface_picks(results: Results, stage: Path) -> dict[str, Path]:
    """Write surface_sites.csv and surface_regions.geojson (those the study asks for)."""
    written: dict[str, Path] = {}
    sites = results.surface_sites
    if sites is not None:
        r = sites.result
        table = sites.table.assign(
            total_score=r.total_score,
            guarantee=r.guarantee,
            upper_bound=r.upper_bound,
            candidates=r.candidates,
        )
        written["surface_sites.csv"] = write_csv(stage / "surface_sites.csv", table)
    regions = results.surface_regions
    if regions is not None:
        g = regions.result
        frame = regions.table.assign(
            objective=[
                g.objective if m == "exact" else g.greedy_objective for m in regions.table["method"]
            ],
            guarantee=[g.guarantee if m == "exact" else "" for m in regions.table["method"]],
            upper_bound=g.upper_bound,
            rank_by=g.rank_by,
        )
        path = stage / "surface_regions.geojson"
        written["surface_regions.geojson"] = write_with(
            path, lambda tmp: frame.to_file(tmp, driver="GeoJSON")
        )
    return written


# --------------------------------------------------------------------------- in words


@dataclass(frozen=True)
class Pick:
    """A chosen site or region, in words for the map's popup and the report's table.

    Attributes
    ----------
    rank
        Its rank among the chosen, best first.
    score
        The site's score, or the region's mean score (a number, for the map's tests).
    lon, lat
        The site's cell centre, or the region's centre.
    title
        ``Site 1 chosen from the surface``.
    score_text, where, status
        The score written, where it is (:func:`where_words`), what is guaranteed in a few words.
    facts
        The popup's lines after the title, in order.
    """

    rank: int
    score: float
    lon: float
    lat: float
    title: str
    score_text: str
    where: str
    status: str
    facts: list[str]


def where_words(results: Results, row: Mapping[Any, Any], t: Translator) -> str:
    """``38 km north-east of Almaty``: a row's ``town``, ``town_km`` and ``town_direction``."""
    town = row.get("town")
    if town is None or town == "" or not math.isfinite(float(row["town_km"])):
        return ""
    frame = results.candidates
    name = t.place(frame.loc[town].to_dict(), str(town)) if town in frame.index else str(town)
    if round(float(row["town_km"])) == 0:
        return t(N_("at {town}"), town=name)
    return t(
        N_("{km} km {direction} of {town}"),
        km=t.integer(float(row["town_km"])),
        direction=t(str(row["town_direction"])),
        town=name,
    )


def gap_digits(gap: float) -> int:
    """Decimals that show a gap to two significant digits (three at least, six at most).

    A bound a hair above the answer (0.0007) written with a score's three decimals would read
    "at most 0.000 below the optimum", as if it were exact.
    """
    if not math.isfinite(gap) or gap <= 0 or gap >= 0.01:
        return 3
    return int(min(6, 1 - math.floor(math.log10(gap))))


def _status(guarantee: str, gap: float, bound: float, t: Translator) -> str:
    if guarantee == "exact":
        return t(N_("proven optimum"))
    share = gap / bound if bound > 0 else math.nan
    if math.isfinite(share):
        return t(
            N_("at most {gap} ({share}) below the optimum"),
            gap=t.number(gap, gap_digits(gap)),
            share=t.percent(share, max(0, gap_digits(share) - 2)),
        )
    return t(N_("at most {gap} below the optimum"), gap=t.number(gap, gap_digits(gap)))


def site_picks(results: Results, t: Translator) -> list[Pick]:
    """The chosen sites in ``t``'s language, best first (``[]`` when the study chose none)."""
    sites = results.surface_sites
    if sites is None:
        return []
    r = sites.result
    status = _status(r.guarantee, r.gap, r.upper_bound, t)
    out = []
    for row in sites.table.to_dict("records"):
        rank, score = int(row["rank"]), float(row["score"])
        where = where_words(results, row, t)
        state = status
        if bool(row.get("locked", False)):
            state = t(N_("{status}; required by the study"), status=status)
        facts = [
            t(N_("score {score}"), score=t.number(score)),
            state,
            t(N_("cell {h3}"), h3=str(row["h3"])),
        ]
        if where:
            facts.append(where)
        out.append(
            Pick(
                rank=rank,
                score=score,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                title=t(N_("Site {rank} chosen from the surface"), rank=t.integer(rank)),
                score_text=t.number(score),
                where=where,
                status=state,
                facts=facts,
            )
        )
    return out


def region_picks(results: Results, t: Translator) -> list[Pick]:
    """The chosen regions (not the greedy baseline's) in ``t``'s language, best first."""
    regions = results.surface_regions
    if regions is None:
        return []
    g = regions.result
    status = _status(g.guarantee, g.gap, g.upper_bound, t)
    chosen = regions.table[regions.table["method"] == "exact"]
    out = []
    for row in chosen.drop(columns="geometry").to_dict("records"):
        rank, mean = int(row["rank"]), float(row["mean_score"])
        where = where_words(results, row, t)
        facts = [
            t(N_("area {area} km²"), area=t.integer(float(row["area_km2"]))),
            t(N_("mean score {score}"), score=t.number(mean)),
            t.plural("{n} cell", "{n} cells", int(row["cells"])),
            status,
        ]
        if where:
            facts.append(t(N_("centre {where}"), where=where))
        out.append(
            Pick(
                rank=rank,
                score=mean,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                title=t(N_("Region {rank} chosen from the surface"), rank=t.integer(rank)),
                score_text=t.number(mean),
                where=where,
                status=status,
                facts=facts,
            )
        )
    return out


def sites_sentence(results: Results, t: Translator) -> str:
    """How exact the chosen sites are, in one sentence ('' when the study chose none)."""
    sites = results.surface_sites
    if sites is None:
        return ""
    r = sites.result
    n = int(r.selected.size)
    if r.guarantee == "exact":
        return t.plural(
            "The {n} site chosen from the surface is the proven optimum: no other cell of "
            "the grid that the study's rules allow scores more than its {total}.",
            "The {n} sites chosen from the surface are the proven optimum: no other {n} "
            "cells of the grid that the study's rules allow score more in total than their "
            "{total}.",
            n,
            total=t.number(r.total_score),
        )
    return t.plural(
        "The {n} site chosen from the surface scores {total}; no cell of the grid that the "
        "study's rules allow can score more than {bound}, so the choice is at most {gap} "
        "below the optimum.",
        "The {n} sites chosen from the surface score {total} in total; no {n} cells of the "
        "grid that the study's rules allow can score more than {bound}, so the choice is at "
        "most {gap} below the optimum.",
        n,
        total=t.number(r.total_score, gap_digits(r.gap)),
        bound=t.number(r.upper_bound, gap_digits(r.gap)),
        gap=t.number(r.gap, gap_digits(r.gap)),
    )


def regions_sentence(results: Results, t: Translator) -> str:
    """How exact the chosen regions are, in one sentence ('' when the study chose none)."""
    regions = results.surface_regions
    spec = results.study.surface
    if regions is None or spec is None or spec.regions is None:
        return ""
    g = regions.result
    n = len(g.regions)
    worth = (
        t(N_("the sum of their mean scores"))
        if g.rank_by == "mean"
        else t(N_("the sum of their total scores"))
    )
    area = t.integer(float(spec.regions.min_area_km2))
    if g.guarantee == "exact":
        return t.plural(
            "The {n} region chosen from the surface is the proven optimum ({worth}: "
            "{objective}): no other compact region of at least {area} km² scores more.",
            "The {n} regions chosen from the surface are the proven optimum ({worth}: "
            "{objective}): no other {n} compact regions of at least {area} km² each score "
            "more.",
            n,
            worth=worth,
            objective=t.number(g.objective),
            area=area,
        )
    return t.plural(
        "The {n} region chosen from the surface reaches {objective} ({worth}); no compact "
        "region of at least {area} km² can reach more than {bound}, so the choice is at "
        "most {gap} below the optimum.",
        "The {n} regions chosen from the surface reach {objective} ({worth}); no {n} "
        "compact regions of at least {area} km² each can reach more than {bound}, so the "
        "choice is at most {gap} below the optimum.",
        n,
        worth=worth,
        objective=t.number(g.objective, gap_digits(g.gap)),
        area=area,
        bound=t.number(g.upper_bound, gap_digits(g.gap)),
        gap=t.number(g.gap, gap_digits(g.gap)),
    )
