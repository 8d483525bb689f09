"""Tables for analysts: ranking.csv and results.gpkg (opens in QGIS).

Every CSV goes through :func:`siting.outputs.files.write_csv` (one number format, text cells
that a spreadsheet would run as formulas neutralised), every number is rounded to
:data:`siting.outputs.files.DECIMALS` decimals.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.errors import OutputError
from siting.outputs.files import DECIMALS, shown, write_csv, write_with
from siting.results import Results

#: The date GeoPackage records as each table's ``last_change`` (gpkg_contents and the
#: metadata GDAL writes), pinned so that two identical runs give byte-identical files;
#: ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) overrides it.
GPKG_DATE = "2000-01-01T00:00:00.000Z"


def ranking_frame(results: Results) -> pd.DataFrame:
    """The ranking as one flat table.

    Columns: rank, id, name, role (``candidate`` or ``reference``), score, excluded_reason,
    in_portfolio; ``pct_of_reference`` (the weighted-sum score as a percentage of the best
    reference site's) when the study has a reference; when the study compares methods,
    ``score_<method>`` and ``rank_<method>`` for each; and per criterion its raw value,
    value-function output and contribution (``raw_<id>``, ``value_<id>``, ``contrib_<id>``).
    Reference rows (Novosibirsk) come last, scored with the weighted sum, never ranked.
    """
    ranking = results.ranking
    ids = ranking.index
    table = pd.DataFrame(
        {
            "rank": ranking["rank"],
            "id": ids,
            "name": ranking["name"],
            "role": "candidate",
            "score": ranking["score"],
            "excluded_reason": ranking["excluded_reason"],
        },
        index=ids,
    )
    portfolio = set(results.portfolio.ids) if results.portfolio is not None else set()
    table["in_portfolio"] = [cid in portfolio for cid in ids]
    raw, values, contributions = results.raw, results.values, results.contributions
    method_scores = results.method_scores
    ref = results.reference
    if ref is not None:
        best = float(ref.score.max())
        ref_rows = pd.DataFrame(
            {
                "rank": pd.array([pd.NA] * len(ref.score), dtype="Int64"),
                "id": ref.score.index,
                "name": ref.sites["name"].astype(str),
                "role": "reference",
                "score": ref.score,
                "excluded_reason": "",
                "in_portfolio": False,
            },
            index=ref.score.index,
        )
        table = pd.concat([table, ref_rows])
        if "weighted_sum" in results.method_scores.columns:
            # the reference is scored with the weighted sum only (other methods are relative to
            # the candidate set), so that is the one method column its rows can fill
            method_scores = pd.concat(
                [results.method_scores, pd.DataFrame({"weighted_sum": ref.score})]
            )
        ws = pd.concat([results.contributions.sum(axis=1), ref.score])
        if best:
            pct = (100 * ws.loc[table.index] / best).round(2)
            # excluded candidates are not compared with the benchmark: they are out of the study
            table["pct_of_reference"] = pct.where(table["excluded_reason"] == "")
        else:
            table["pct_of_reference"] = None
        raw, values, contributions = (
            pd.concat([raw, ref.raw]),
            pd.concat([values, ref.values]),
            pd.concat([contributions, ref.contributions]),
        )
    table["score"] = table["score"].round(DECIMALS)
    if results.method_scores.shape[1] > 1:
        for method in results.method_scores.columns:
            table[f"score_{method}"] = method_scores[method].reindex(table.index).round(DECIMALS)
            table[f"rank_{method}"] = results.method_ranks[method].reindex(table.index)
    for c in results.study.criteria:
        table[f"raw_{c.id}"] = raw.loc[table.index, c.id].round(DECIMALS)
        table[f"value_{c.id}"] = values.loc[table.index, c.id].round(DECIMALS)
        table[f"contrib_{c.id}"] = contributions.loc[table.index, c.id].round(DECIMALS)
    return table.reset_index(drop=True)


def write_ranking_csv(results: Results, path: Path) -> Path:
    """Write ranking.csv (UTF-8, one row per candidate, kept candidates first by rank)."""
    return write_csv(path, ranking_frame(results))


def write_geopackage(results: Results, path: Path) -> Path:
    """Write results.gpkg: layers ``ranking``, ``portfolio`` and ``alternatives`` (EPSG:4326 points).

    With a robustness analysis the ranking layer also carries ``p_rank1``, ``p_top3`` and
    ``p_portfolio``; the ``alternatives`` layer has one point per site of each option.

    Two identical runs give byte-identical files: GeoPackage's own timestamps are pinned to
    :data:`GPKG_DATE` (GDAL's ``OGR_CURRENT_DATE``).  A failure (a full disk, a file-size
    limit) or a warning from GDAL becomes an :class:`~siting.errors.OutputError` saying
    what happened: a GeoPackage GDAL complained about is not handed on.
    """
    table = ranking_frame(results)
    points = results.candidates.geometry
    if results.reference is not None:
        points = pd.concat([points, results.reference.sites.geometry])
    geometry = points.loc[table["id"]].to_numpy()
    ranking = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")
    ranking["rank"] = ranking["rank"].astype("float64")  # GeoPackage has no nullable integer
    portfolio = ranking[ranking["in_portfolio"]].copy()
    portfolio.insert(
        0,
        "order",
        [results.portfolio.ids.index(i) + 1 for i in portfolio["id"]]
        if results.portfolio is not None
        else [],
    )
    portfolio = portfolio.sort_values("order")
    sens = results.sensitivity
    if sens is not None:
        # robustness as attributes, so that QGIS can style the candidates by them
        probs = sens.acceptability.acceptability
        ranking["p_rank1"] = ranking["id"].map(probs.iloc[:, 0]).round(DECIMALS)
        ranking["p_top3"] = ranking["id"].map(probs.iloc[:, :3].sum(axis=1)).round(DECIMALS)
        if sens.membership is not None:
            member = sens.membership.probability
            ranking["p_portfolio"] = ranking["id"].map(member).round(DECIMALS)
    options = alternatives_frame(results) if results.alternatives else pd.DataFrame()
    alternatives = None
    if not options.empty:
        rows = [
            {"option": row.option, "total_score": row.total_score, "id": cid}
            for row in options.itertuples()
            for cid in str(row.ids).split(";")
        ]
        frame = pd.DataFrame(rows)
        frame["name"] = frame["id"].map(results.ranking["name"])
        alternatives = gpd.GeoDataFrame(
            frame, geometry=points.loc[frame["id"]].to_numpy(), crs="EPSG:4326"
        )

    layers = {"ranking": ranking, "portfolio": portfolio}
    if alternatives is not None:
        layers["alternatives"] = alternatives

    def write(tmp: Path) -> None:
        from pyogrio.errors import DataLayerError, DataSourceError

        with _pinned_gpkg_date(), warnings.catch_warnings(record=True) as caught:
            # recorded, not shown: GDAL's warnings go into the message below, others are
            # re-issued unchanged after the block
            warnings.simplefilter("always")
            try:
                for layer, frame in layers.items():
                    frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
            except (DataSourceError, DataLayerError) as exc:
                raise OutputError(_gpkg_failure(path, tmp, str(exc), caught)) from exc
        gdal = [w for w in caught if _from_gdal(w)]
        for w in caught:
            if w not in gdal:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if gdal:
            raise OutputError(_gpkg_failure(path, tmp, "", gdal))

    return write_with(path, write)


@contextlib.contextmanager
def _pinned_gpkg_date() -> Iterator[None]:
    """Within the block GDAL stamps GeoPackage tables with :data:`GPKG_DATE` (or SOURCE_DATE_EPOCH)."""
    import pyogrio

    date = GPKG_DATE
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        date = datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": date})
    try:
        yield
    finally:
        # a process-wide setting: put back what was there (None unsets it)
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def _from_gdal(record: warnings.WarningMessage) -> bool:
    """Whether a warning was GDAL's (pyogrio re-issues GDAL's warnings from its own code)."""
    import pyogrio

    return Path(record.filename).is_relative_to(Path(pyogrio.__file__).parent)


def _gpkg_failure(path: Path, tmp: Path, error: str, caught: list[warnings.WarningMessage]) -> str:
    """One line on why GDAL could not write results.gpkg (``error``) or what it warned of.

    GDAL's own words after a full disk or a file-size limit name a later symptom ("no such
    table: gpkg_contents"), so those two causes are checked first.
    """
    import resource

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    try:
        size = tmp.stat().st_size
    except OSError:
        size = 0
    try:
        fs = os.statvfs(tmp.parent)
        free = fs.f_bavail * fs.f_frsize
    except OSError:
        free = None
    # each layer's write may repeat the same warning: say it once
    said = "; ".join(dict.fromkeys([error, *(str(w.message) for w in caught)])).strip("; ")
    said = " ".join(said.split())  # GDAL's messages may span lines; the message is one
    said = said.replace(str(tmp), str(path))  # GDAL names the temporary file
    where = shown(path)
    if not error:
        return (
            f"GDAL warned while writing {where!r}: {shown(said)}; the file may be incomplete, "
            "so it was not kept; please report this with the study that caused it"
        )
    if limit != resource.RLIM_INFINITY and size + (1 << 20) >= limit:
        return (
            f"cannot write {where!r}: the file would exceed the file-size limit ({limit:,} "
            "bytes, `ulimit -f`); raise the limit (ulimit -f unlimited) or choose another "
            "folder with --out"
        )
    if free is not None and free < (1 << 20):
        return (
            f"cannot write {where!r}: the disk is full ({free:,} bytes free); free some "
            "space or choose another folder with --out"
        )
    return (
        f"cannot write {where!r}: GDAL reports: {shown(said)}; check the disk and the "
        "folder's permissions, or choose another folder with --out"
    )


def write_agreement_csv(results: Results, path: Path) -> Path:
    """Write method_agreement.csv: Spearman's ρ, Kendall's τ-b and top-k overlap per method pair."""
    return write_csv(path, results.agreement)


def alternatives_frame(results: Results) -> pd.DataFrame:
    """The optimum and its alternatives, one row each: option, total score, sites, difference."""
    if results.portfolio is None:
        return pd.DataFrame()
    names = results.ranking["name"]
    best = set(results.portfolio.ids)
    rows = []
    for i, choice in enumerate([results.portfolio, *results.alternatives]):
        rows.append(
            {
                "option": "optimum" if i == 0 else f"alternative {i}",
                "total_score": round(choice.objective, DECIMALS),
                "gap": round(results.portfolio.objective - choice.objective, DECIMALS),
                "ids": ";".join(choice.ids),
                "names": "; ".join(names[c] for c in choice.ids),
                "dropped": "; ".join(
                    names[c] for c in results.portfolio.ids if c not in choice.ids
                ),
                "added": "; ".join(names[c] for c in choice.ids if c not in best),
                "population_covered": choice.population_covered,
            }
        )
    return pd.DataFrame(rows)


def write_alternatives_csv(results: Results, path: Path) -> Path:
    """Write alternatives.csv: the optimum first, then each alternative with what it swaps."""
    return write_csv(path, alternatives_frame(results))


def write_pareto_csv(results: Results, path: Path) -> Path:
    """Write pareto.csv: the score–coverage front, ids joined by ';'."""
    front = results.pareto.copy()
    front["ids"] = [";".join(ids) for ids in front["ids"]]
    return write_csv(path, front)
