"""ranking.xlsx: the run's tables as one workbook for a spreadsheet, in the reader's language.

Sheets: a guide first (the answer, how to read the numbers, every column of every sheet with
its meaning, unit and name in the CSV tables), then ``ranking``, ``contributions``,
``portfolio``, ``alternatives`` and ``robustness``, each one table with a frozen, filtered
header row and columns sized to their contents.  Every text a person reads is in the output
language: sheet names, headers, units, place names, exclusion reasons.

Written with XlsxWriter (a write-only library: it writes the file in one pass, and pins the
times inside the archive), so that:

- numbers are numbers (with a number format), true/false are booleans, a missing value is an
  empty cell;
- a text is always a text cell: ``strings_to_formulas`` is off, so a name such as ``=1+1``
  from a data layer is shown as written and never computed (nor a URL turned into a link);
- two identical runs give identical bytes: the archive's member times are XlsxWriter's fixed
  1980-01-01 and the document's creation date is pinned (:data:`siting.outputs.tables.GPKG_DATE`,
  or ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from siting.i18n import translator
from siting.outputs.files import DECIMALS, write_with
from siting.outputs.tables import alternatives_frame, pinned_date
from siting.outputs.words import Words, local
from siting.results import Results

#: Kinds of cells, and the number format of each (Excel's codes, shown in the reader's locale).
Kind = Literal["text", "int", "count", "number", "raw", "share", "bool"]
_FORMATS: dict[str, str] = {
    "int": "0",
    "count": "#,##0",
    "number": "0.000",
    "raw": "General",
    "share": "0.0%",
}

#: Narrowest and widest column, in characters.
_WIDTH = (6, 48)


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    Attributes
    ----------
    header
        The header cell, in the reader's language.
    kind
        How the cells are written (:data:`Kind`).
    values
        One value per row (None or NaN: an empty cell).
    meaning
        What the column says, for the guide.
    unit
        The unit of its numbers, for the guide ("" when none).
    csv
        Where the same numbers are in the CSV tables (``ranking.csv: rank``).
    """

    header: str
    kind: Kind
    values: Sequence[Any]
    meaning: str
    unit: str = ""
    csv: str = ""


@dataclass
class Sheet:
    """One sheet: a table, or a note saying why there is none."""

    key: str
    name: str
    about: str
    columns: list[Column] = field(default_factory=list)
    note: str = ""


def write_workbook(results: Results, path: Path, *, lang: str | None = None) -> Path:
    """Write ranking.xlsx (see the module's description) to ``path``, atomically.

    Parameters
    ----------
    results
        The run.
    path
        The file to write.
    lang
        ``kk``, ``ru`` or ``en`` (default: the study's ``language``).
    """
    t = translator(lang or results.study.language)
    w = Words(results, t)
    sheets = workbook_sheets(results, w)

    def write(tmp: Path) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(
            str(tmp),
            {
                # a text is a text: never a formula, a link or a number read from it
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": True,
            },
        )
        book.set_properties(
            {
                "title": local(results.study.study, t.lang),
                "author": "siting",
                "created": datetime.strptime(pinned_date(), "%Y-%m-%dT%H:%M:%S.000Z").replace(
                    tzinfo=UTC
                ),
            }
        )
        formats = _Formats(book)
        _write_guide(book, formats, sheets, results, w)
        for sheet in sheets:
            _write_sheet(book, formats, sheet)
        book.close()

    return write_with(path, write)


# --------------------------------------------------------------------------- the sheets


def workbook_sheets(results: Results, w: Words) -> list[Sheet]:
    """The table sheets of ranking.xlsx, in order (the guide describes them)."""
    sheets = [
        _ranking(results, w),
        _contributions(results, w),
        _portfolio(results, w),
        _alternatives(results, w),
        _robustness(results, w),
    ]
    if results.stakeholders is not None:
        sheets.append(_stakeholders(results, w))
    return sheets


def _stakeholders(results: Results, w: Words) -> Sheet:
    """One row per stakeholder: their consistency, distance, choice and the group without them."""
    from siting.outputs.stakeholders import member_name

    t = w.t
    a = results.stakeholders
    assert a is not None
    m = a.members
    ids = [str(i) for i in m.index]

    def joined(items: list[str]) -> str:
        return "; ".join(w.names(items))

    revisit = [
        t(
            "{a} vs {b}: {judgement} (the others imply {consistent})",
            a=w.criterion(str(row["worst_a"])),
            b=w.criterion(str(row["worst_b"])),
            judgement=t.number(float(row["worst_judgement"]), 3),
            consistent=t.number(float(row["worst_consistent"]), 3),
        )
        if row["kind"] == "ahp" and row["worst_a"]
        else ""
        for _, row in m.iterrows()
    ]
    columns = [
        Column(
            t("Id"),
            "text",
            ids,
            t("The stakeholder's id in the study."),
            csv="stakeholders.csv: id",
        ),
        Column(
            t("Stakeholder"),
            "text",
            [member_name(results, i, t.lang) for i in ids],
            t("Who they are, as the study names them."),
            csv="stakeholders.csv: name",
        ),
        Column(
            t("Voice"),
            "share",
            m["voice"].tolist(),
            t("Their share of the group's voice."),
            unit="%",
            csv="stakeholders.csv: voice",
        ),
        Column(
            "CR",
            "number",
            m["cr"].tolist(),
            t("Consistency ratio of their AHP judgements (above 0.10: revisit them)."),
            csv="stakeholders.csv: cr",
        ),
        Column(
            t("Judgement that causes most inconsistency"),
            "text",
            revisit,
            t("The pair to revisit first, as judged, and what their other judgements imply."),
            csv="stakeholders.csv: worst_a, worst_b",
        ),
        Column(
            t("Weight that differs from the group's"),
            "share",
            m["distance"].tolist(),
            t("Share of their weight that would have to move to reach the group's weights."),
            unit="%",
            csv="stakeholders.csv: distance",
        ),
        Column(
            t("Their own portfolio"),
            "text",
            [joined(list(p)) for p in m["portfolio"]],
            t("The sites the portfolio's rules choose under their weights alone."),
            csv="stakeholders.csv: portfolio",
        ),
        Column(
            t("Without them: leaves"),
            "text",
            [joined(list(p)) for p in m["loo_dropped"]],
            t("Sites of the group's portfolio that leave it when their weights are left out."),
            csv="stakeholders.csv: loo_dropped",
        ),
        Column(
            t("Without them: enters"),
            "text",
            [joined(list(p)) for p in m["loo_added"]],
            t("Sites that enter the group's portfolio when their weights are left out."),
            csv="stakeholders.csv: loo_added",
        ),
    ]
    return Sheet(
        "stakeholders",
        _sheet_name(t("Stakeholders")),
        t(
            "Each stakeholder's weights: how consistent, how far from the group's, what they choose."
        ),
        columns,
    )


def _sheet_name(text: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of the characters it refuses."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip("' ")[:31] or "sheet"


def _names(results: Results, w: Words, ids: Sequence[object]) -> list[str]:
    """Names in the reader's language (reference sites by their own fields)."""
    ref = results.reference
    out = []
    for cid in ids:
        if ref is not None and cid in ref.sites.index:
            out.append(w.t.place(ref.sites.loc[cid], fallback=str(cid)))
        else:
            out.append(w.name(cid))
    return out


def _field(results: Results, ids: Sequence[object], name: str) -> list[Any]:
    """A field of the candidates (or of the reference sites) for each id."""
    frames = [results.candidates]
    if results.reference is not None:
        frames.append(results.reference.sites)
    # One dict per frame, not a pandas lookup per cell (seconds with 100,000 candidates); the
    # values are the column's own (numpy scalars, as ``frame.at`` gives them).
    lookups = [
        dict(zip(frame.index, frame[name].array, strict=True))
        for frame in frames
        if name in frame.columns
    ]
    out = []
    for cid in ids:
        value = None
        for lookup in lookups:
            if cid in lookup:
                value = lookup[cid]
                break
        out.append(value)
    return out


def _place_columns(results: Results, w: Words, ids: Sequence[object]) -> list[Column]:
    """Id, name, region and population of each site."""
    t = w.t
    columns = [
        Column(t("Id"), "text", [str(i) for i in ids], t("The site's id in the data."), csv="id"),
        Column(t("Name"), "text", _names(results, w, ids), t("The site's name."), csv="name"),
    ]
    if "region" in results.candidates.columns:
        columns.append(
            Column(
                t("Region"),
                "text",
                [
                    None if v is None or v != v else t.region(v)
                    for v in _field(results, ids, "region")
                ],
                t("The region the site lies in, as officials name it (from the candidates' data)."),
                csv="results.gpkg: region",
            )
        )
    if "population" in results.candidates.columns:
        columns.append(
            Column(
                t("Population"),
                "count",
                _field(results, ids, "population"),
                t("People living in the town (from the candidates' data)."),
                unit=t("people"),
                csv="results.gpkg: population",
            )
        )
    return columns


def _ranking(results: Results, w: Words) -> Sheet:
    t = w.t
    ranking = results.ranking
    main = results.study.method.name
    ref = results.reference
    ids: list[object] = list(ranking.index)
    if ref is not None:
        ids += list(ref.score.index)
    n = len(ranking)
    kept = ranking["excluded_reason"] == ""
    reasons = ranking["excluded_reason"].to_dict()  # w.exclusion_reason's lookup, once
    columns = [
        Column(
            t("Rank"),
            "int",
            [*ranking["rank"].tolist(), *[None] * (len(ids) - n)],
            t(
                "Rank under the study's method: 1 is the best; tied candidates share a rank; "
                "empty where a candidate is excluded."
            ),
            csv="ranking.csv: rank",
        ),
        *_place_columns(results, w, ids),
    ]
    if ref is not None:
        columns.append(
            Column(
                t("Role"),
                "text",
                [t("candidate")] * n + [t("reference")] * (len(ids) - n),
                t(
                    "A candidate, or a reference site (Novosibirsk's science cities) scored "
                    "on the same criteria, never ranked or chosen."
                ),
                csv="ranking.csv: role",
            )
        )
    columns.append(
        Column(
            t("Score ({method})", method=w.method(main)),
            "number",
            [*ranking["score"].tolist(), *(ref.score.tolist() if ref is not None else [])],
            t(
                "The score under {method}, from the criteria's values and weights: higher is "
                "better (reference sites: the weighted sum).",
                method=w.method(main),
            ),
            csv="ranking.csv: score",
        )
    )
    columns.append(
        Column(
            t("Excluded because"),
            "text",
            [w.reason(str(reasons.get(str(cid), "") or "")) for cid in ranking.index]
            + [""] * (len(ids) - n),
            t("The hard constraint that excludes the candidate; empty when it is kept."),
            csv="ranking.csv: excluded_reason",
        )
    )
    if results.portfolio is not None:
        chosen = set(results.portfolio.ids)
        columns.append(
            Column(
                t("In the portfolio"),
                "bool",
                [cid in chosen for cid in ranking.index] + [False] * (len(ids) - n),
                t("TRUE for the sites the portfolio chose."),
                csv="ranking.csv: in_portfolio",
            )
        )
    if ref is not None and float(ref.score.max()):
        best = float(ref.score.max())
        weighted = pd.concat([results.contributions.sum(axis=1), ref.score])
        # plain lookups: a pandas one per row takes seconds with 100,000 candidates
        by_id, kept_rows = weighted.to_dict(), kept.tolist()
        share = [
            float(by_id[cid]) / best if i >= n or bool(kept_rows[i]) else None
            for i, cid in enumerate(ids)
        ]
        columns.append(
            Column(
                t("Share of the reference's score"),
                "share",
                share,
                t(
                    "The weighted-sum score as a share of the best reference site's ({name}); "
                    "100% matches it.",
                    name=_names(results, w, [ref.best])[0],
                ),
                unit="%",
                csv="ranking.csv: pct_of_reference (× 100)",
            )
        )
    for method in results.method_ranks.columns:
        if method == main:
            continue
        ranks = results.method_ranks[method].to_dict()  # a dict: 100,000 lookups
        columns.append(
            Column(
                t("Rank ({method})", method=w.method(method)),
                "int",
                [ranks.get(cid) for cid in ids],
                t(
                    "Rank under {method}, scored on the same values and weights.",
                    method=w.method(method),
                ),
                csv=f"ranking.csv: rank_{method}",
            )
        )
    return Sheet(
        "ranking",
        _sheet_name(t("Ranking")),
        t("Every candidate, best first, then the excluded ones and the reference sites."),
        columns,
    )


#: Candidates taken apart in the contributions sheet (one row per criterion each): beyond this
#: the best-ranked ones only, since ranking.csv holds every candidate's raw values, values and
#: contributions (a million rows at 100,000 candidates would take minutes to write and pass
#: Excel's 1,048,576-row limit a little further on).
CONTRIBUTION_CANDIDATES = 5_000


def _contributions(results: Results, w: Words) -> Sheet:
    t = w.t
    ranking = results.ranking
    criteria = results.study.criteria
    order = ranking.index[:CONTRIBUTION_CANDIDATES]
    m = len(criteria)
    cids = [c.id for c in criteria]
    # Row-major candidate × criterion, built column by column (a million cells at 100,000
    # candidates: one lookup per cell would take minutes).
    ids = np.repeat(np.asarray(order, dtype=object), m).tolist()
    names = np.repeat(np.asarray(_names(results, w, list(order)), dtype=object), m).tolist()

    def cells(frame: pd.DataFrame) -> list[Any]:
        return frame.reindex(index=order, columns=cids).to_numpy(dtype=object).ravel().tolist()

    def tiled(values: list[Any]) -> list[Any]:
        return values * len(order)

    weights = results.weights
    columns = [
        Column(
            t("Rank"),
            "int",
            np.repeat(ranking["rank"].to_numpy(dtype=object)[: len(order)], m).tolist(),
            t("The candidate's rank (empty where excluded)."),
            csv="ranking.csv: rank",
        ),
        Column(t("Id"), "text", [str(i) for i in ids], t("The site's id in the data."), csv="id"),
        Column(t("Name"), "text", names, t("The site's name."), csv="name"),
        Column(
            t("Criterion"),
            "text",
            tiled([w.criterion(c) for c in cids]),
            t("What is measured."),
        ),
        Column(
            t("Criterion id"),
            "text",
            tiled(list(cids)),
            t("The criterion's id in the criteria file and in the CSV columns."),
        ),
        Column(
            t("Unit"),
            "text",
            tiled([w.unit(c) for c in cids]),
            t("The unit of the raw value."),
        ),
        Column(
            t("Raw value"),
            "raw",
            cells(results.raw),
            t("The measured value, in the criterion's unit."),
            unit=t("the criterion's unit"),
            csv="ranking.csv: raw_<criterion id>",
        ),
        Column(
            t("Value (0–1)"),
            "number",
            cells(results.values),
            t("The value function's output: 0 the worst, 1 the best."),
            unit="0–1",
            csv="ranking.csv: value_<criterion id>",
        ),
        Column(
            t("Weight"),
            "number",
            tiled([weights.get(c) for c in cids]),
            t("The criterion's share of the score (the weights sum to 1)."),
            unit="0–1",
        ),
        Column(
            t("Contribution"),
            "number",
            cells(results.contributions),
            t("Value × weight: the criterion's part of the weighted-sum score."),
            csv="ranking.csv: contrib_<criterion id>",
        ),
    ]
    return Sheet(
        "contributions",
        _sheet_name(t("Contributions")),
        t("Every candidate's score taken apart: one row per candidate and criterion.")
        if len(order) == len(ranking)
        else t(
            "The score of the {shown} best-ranked candidates (of {total}) taken apart: one row "
            "per candidate and criterion; ranking.csv takes every candidate apart.",
            shown=t.integer(len(order)),
            total=t.integer(len(ranking)),
        ),
        columns,
    )


def _portfolio(results: Results, w: Words) -> Sheet:
    t = w.t
    name = _sheet_name(t("Portfolio"))
    about = t("The sites the integer program chose, best score first.")
    p = results.portfolio
    if p is None:
        return Sheet(
            "portfolio",
            name,
            about,
            note=t("The study chooses no portfolio: it has no `portfolio:` section."),
        )
    ranking = results.ranking
    columns = [
        Column(
            t("Order"),
            "int",
            list(range(1, len(p.ids) + 1)),
            t("1 for the chosen site with the best score."),
            csv="results.gpkg: portfolio.order",
        ),
        *_place_columns(results, w, p.ids),
        Column(
            t("Rank"),
            "int",
            [ranking.at[cid, "rank"] for cid in p.ids],
            t("The site's rank among every candidate."),
            csv="ranking.csv: rank",
        ),
        Column(
            t("Score"),
            "number",
            [ranking.at[cid, "score"] for cid in p.ids],
            t("The site's score; the portfolio has the highest total."),
            csv="ranking.csv: score",
        ),
    ]
    return Sheet("portfolio", name, about, columns)


def _alternatives(results: Results, w: Words) -> Sheet:
    t = w.t
    name = _sheet_name(t("Alternatives"))
    about = t("The best portfolio and the next-best ones, each with what it swaps.")
    frame = alternatives_frame(results)
    if frame.empty or not results.alternatives:
        return Sheet(
            "alternatives",
            name,
            about,
            note=t("No alternatives were asked for (`alternatives:` under `portfolio:`)."),
        )
    ids = [str(v).split(";") for v in frame["ids"]]
    options = [
        t("the best portfolio") if i == 0 else t("alternative {n}", n=t.integer(i))
        for i in range(len(frame))
    ]
    best = set(ids[0])

    def joined(items: list[str]) -> str:
        return "; ".join(w.names(items))

    columns = [
        Column(
            t("Option"), "text", options, t("The optimum, then each alternative."), csv="option"
        ),
        Column(
            t("Total score"),
            "number",
            frame["total_score"].tolist(),
            t("The sum of the chosen sites' scores."),
            csv="alternatives.csv: total_score",
        ),
        Column(
            t("Below the best"),
            "number",
            frame["gap"].tolist(),
            t("How much lower the total score is than the best portfolio's."),
            csv="alternatives.csv: gap",
        ),
        Column(t("Sites"), "text", [joined(i) for i in ids], t("The sites, best score first.")),
        Column(
            t("Leaves out"),
            "text",
            [joined([c for c in ids[0] if c not in set(i)]) for i in ids],
            t("Sites of the best portfolio this option leaves out."),
            csv="alternatives.csv: dropped",
        ),
        Column(
            t("Brings in"),
            "text",
            [joined([c for c in i if c not in best]) for i in ids],
            t("Sites this option brings in instead."),
            csv="alternatives.csv: added",
        ),
    ]
    if frame["population_covered"].notna().any():
        columns.append(
            Column(
                t("Population covered"),
                "count",
                frame["population_covered"].tolist(),
                t("People within the coverage radius of a chosen site."),
                unit=t("people"),
                csv="alternatives.csv: population_covered",
            )
        )
    return Sheet("alternatives", name, about, columns)


def _robustness(results: Results, w: Words) -> Sheet:
    t = w.t
    name = _sheet_name(t("Robustness"))
    about = t(
        "How often each candidate ranks first, in the top 3, in the best portfolio, over random weightings."
    )
    sens = results.sensitivity
    if sens is None:
        return Sheet(
            "robustness",
            name,
            about,
            note=t(
                "No robustness analysis was run: add a `sensitivity:` section to the study, or "
                "run `siting sensitivity`."
            ),
        )
    acc = sens.acceptability
    ids = list(sens.names.index)
    probs = acc.acceptability.loc[ids]
    columns = [
        Column(
            t("Rank"),
            "int",
            sens.base_rank.loc[ids].tolist(),
            t("The candidate's rank under the study's weights."),
            csv="acceptability.csv: rank",
        ),
        Column(t("Id"), "text", [str(i) for i in ids], t("The site's id in the data."), csv="id"),
        Column(t("Name"), "text", w.names(ids), t("The site's name."), csv="name"),
        Column(
            t("Expected rank"),
            "number",
            acc.expected_rank.loc[ids].tolist(),
            t("The mean rank over the weight draws."),
            csv="acceptability.csv: expected_rank",
        ),
        Column(
            t("Ranks first"),
            "share",
            probs.iloc[:, 0].tolist(),
            t("Share of the weight draws in which the candidate ranks first."),
            unit="%",
            csv="acceptability.csv: first",
        ),
        Column(
            t("In the top 3"),
            "share",
            probs.iloc[:, :3].sum(axis=1).tolist(),
            t("Share of the weight draws in which it ranks in the top 3."),
            unit="%",
            csv="acceptability.csv: rank_1 + rank_2 + rank_3",
        ),
    ]
    if sens.membership is not None:
        member = sens.membership.probability
        columns.append(
            Column(
                t("In the best portfolio"),
                "share",
                [member.get(cid, 0.0) for cid in ids],
                t(
                    "Share of the {n} weight draws whose best portfolio contains it.",
                    n=t.integer(int(sens.membership.draws)),
                ),
                unit="%",
                csv="acceptability.csv: portfolio",
            )
        )
    columns.append(
        Column(
            t("Confidence of first place"),
            "share",
            acc.confidence.loc[ids].tolist(),
            t(
                "Share of draws in which the candidate, given the weights that favour it most, "
                "still ranks first."
            ),
            unit="%",
            csv="acceptability.csv: confidence",
        )
    )
    return Sheet(
        "robustness",
        name,
        t(
            "How often each candidate ranks first and in the top 3 over {n} random weightings "
            "(seed {seed}).",
            n=t.integer(int(sens.acceptability.draws)),
            seed=str(sens.seed),
        )
        + (
            " "
            + t(
                "The best portfolio was found again for {n} of these weightings.",
                n=t.integer(int(sens.membership.draws)),
            )
            if sens.membership is not None
            else ""
        ),
        columns,
    )


# --------------------------------------------------------------------------- writing


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#EEF2F7"}
        )
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True})
        self.cells = {
            kind: book.add_format({"num_format": code}) for kind, code in _FORMATS.items()
        }


def _number(value: Any) -> float | None:
    """A cell's number, or None for a missing one (None, NaN, pandas' NA)."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _shown_length(value: Any, kind: Kind) -> int:
    """About how many characters a cell shows (to size its column)."""
    if kind == "text":
        return max((len(line) for line in str(value or "").splitlines()), default=0)
    if kind == "bool":
        return 5
    number = _number(value)
    if number is None:
        return 0
    if kind in ("int", "count"):
        return len(f"{number:,.0f}")
    return 7 if kind in ("number", "share") else len(f"{number:g}")


def _width(column: Column) -> float:
    if column.kind == "bool":
        longest = 5 if column.values else 0
    elif column.kind in ("int", "count"):
        # the longest whole number written is the largest's or the most negative's (the length
        # grows with the magnitude, a minus sign adds one)
        numbers = [x for x in map(_number, column.values) if x is not None]
        longest = (
            max(_shown_length(max(numbers), column.kind), _shown_length(min(numbers), column.kind))
            if numbers
            else 0
        )
    elif column.kind in ("number", "share"):
        # every number shows about 7 characters: one is enough to know (not 100,000 looked at)
        longest = 7 if any(_number(v) is not None for v in column.values) else 0
    else:
        longest = max((_shown_length(v, column.kind) for v in column.values), default=0)
    # the header wraps: it needs about a third of its length per line, up to three lines
    header = min(len(column.header), max(12, math.ceil(len(column.header) / 3)))
    return float(min(max(longest, header, _WIDTH[0]), _WIDTH[1]) + 2)


def _write_cell(ws: Any, row: int, col: int, value: Any, kind: Kind, formats: _Formats) -> None:
    if kind == "text":
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
        if text != "":
            ws.write_string(row, col, str(text))
        return
    if kind == "bool":
        if value is not None and value is not pd.NA:
            ws.write_boolean(row, col, bool(value))
        return
    number = _number(value)
    if number is not None:
        # rounded as in the CSV tables: the same number in every table of the run
        ws.write_number(row, col, round(number, DECIMALS) + 0.0, formats.cells[kind])


def _write_column(ws: Any, col: int, values: Sequence[Any], kind: Kind, formats: _Formats) -> None:
    """:func:`_write_cell` for a column's values from row 1, its kind decided once.

    The same cells written by the same calls; a ranking of 100,000 rows has a million cells,
    and the call per cell with its dispatch on the kind took seconds.
    """
    if kind == "text":
        write_string = ws.write_string
        for r, value in enumerate(values, start=1):
            text = (
                "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
            )
            if text != "":
                write_string(r, col, str(text))
        return
    if kind == "bool":
        for r, value in enumerate(values, start=1):
            _write_cell(ws, r, col, value, kind, formats)
        return
    write_number, cell = ws.write_number, formats.cells[kind]
    for r, value in enumerate(values, start=1):
        number = _number(value)
        if number is not None:
            # rounded as in the CSV tables: the same number in every table of the run
            write_number(r, col, round(number, DECIMALS) + 0.0, cell)


def _write_sheet(book: Any, formats: _Formats, sheet: Sheet) -> None:
    ws = book.add_worksheet(sheet.name)
    if not sheet.columns:
        ws.set_column(0, 0, 80, formats.wrap)
        ws.write_string(0, 0, sheet.about, formats.bold)
        ws.write_string(1, 0, sheet.note, formats.wrap)
        return
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, _width(column))
        ws.write_string(0, c, column.header, formats.header)
        _write_column(ws, c, column.values, column.kind, formats)
    rows = max(len(c.values) for c in sheet.columns)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, rows, len(sheet.columns) - 1)


def _write_guide(
    book: Any, formats: _Formats, sheets: list[Sheet], results: Results, w: Words
) -> None:
    """The first sheet: the answer, how to read the workbook, and every column explained."""
    t = w.t
    ws = book.add_worksheet(_sheet_name(t("How to read")))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 4, 18)
    ws.write_string(0, 0, local(results.study.study, t.lang), formats.title)
    lines = [
        w.headline(),
        t(
            "One sheet per table; each sheet's first row names its columns. Numbers are "
            "stored as numbers: sort, filter and compute with them. The same tables are in "
            "ranking.csv and the other CSV files, with the column names given below."
        ),
        t(
            "Scores: {method}, computed from each criterion's value (0 the worst, 1 the best) "
            "and weight; higher is better. Rank 1 is the best.",
            method=w.method(results.study.method.name),
        ),
    ]
    for r, line in enumerate(lines, start=1):
        ws.write_string(r, 0, line)
    head = len(lines) + 2
    headers = [t("Sheet"), t("Column"), t("Meaning"), t("Unit"), t("In the CSV tables")]
    for c, text in enumerate(headers):
        ws.write_string(head, c, text, formats.header)
    r = head + 1
    for sheet in sheets:
        ws.write_string(r, 0, sheet.name, formats.bold)
        ws.write_string(r, 2, sheet.about, formats.wrap)
        r += 1
        if not sheet.columns:
            ws.write_string(r, 2, sheet.note, formats.wrap)
            r += 1
        for column in sheet.columns:
            ws.write_string(r, 1, column.header, formats.wrap)
            ws.write_string(r, 2, column.meaning, formats.wrap)
            if column.unit:
                ws.write_string(r, 3, column.unit)
            if column.csv:
                ws.write_string(r, 4, column.csv)
            r += 1
    ws.freeze_panes(head + 1, 0)
    ws.activate()


__all__ = ["Column", "Sheet", "workbook_sheets", "write_workbook"]
