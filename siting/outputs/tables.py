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
    # The rows looked up once per table, not once per column (each lookup of 100,000 text ids
    # takes a noticeable fraction of a second).
    raw, values, contributions = (frame.loc[table.index] for frame in (raw, values, contributions))
    for c in results.study.criteria:
        table[f"raw_{c.id}"] = raw[c.id].round(DECIMALS)
        table[f"value_{c.id}"] = values[c.id].round(DECIMALS)
        table[f"contrib_{c.id}"] = contributions[c.id].round(DECIMALS)
    return table.reset_index(drop=True)


def write_ranking_csv(results: Results, path: Path) -> Path:
    """Write ranking.csv (UTF-8, one row per candidate, kept candidates first by rank)."""
    return write_csv(path, ranking_frame(results))


def _rank_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of a ranking table that hold ranks (whole numbers, missing where excluded)."""
    return [c for c in frame.columns if c == "rank" or c.startswith("rank_")]


def own_fields(results: Results, sites: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """The sites' own fields (region, population, ...), indexed by id.

    Every field of the layer (default: the candidates) but its id, name, geometry and the
    reference's ``layer``, in the layer's order.  A field whose name the ranking already uses
    (``score``, say) is prefixed with ``attr_``.  A field of text that also holds numbers or
    true/false is written as text, so that every format (GeoPackage, GeoParquet, xlsx) can
    carry it.
    """
    sites = results.candidates if sites is None else sites
    taken = set(ranking_frame_columns(results))
    out = pd.DataFrame(index=sites.index)
    for col in sites.columns:
        if col in ("id", "name", "geometry", "layer"):
            continue
        series = sites[col]
        if series.dtype == object and len({type(v) for v in series.dropna()}) > 1:
            series = series.map(lambda v: v if v is None or pd.isna(v) else str(v))
        out[f"attr_{col}" if col in taken else str(col)] = series
    return out


def ranking_frame_columns(results: Results) -> list[str]:
    """The columns of :func:`ranking_frame` (without computing it)."""
    base = ["rank", "id", "name", "role", "score", "excluded_reason", "in_portfolio"]
    if results.reference is not None:
        base.append("pct_of_reference")
    if results.method_scores.shape[1] > 1:
        for m in results.method_scores.columns:
            base += [f"score_{m}", f"rank_{m}"]
    for c in results.study.criteria:
        base += [f"raw_{c.id}", f"value_{c.id}", f"contrib_{c.id}"]
    return base


def layers_frame(results: Results) -> gpd.GeoDataFrame:
    """The ranking as a point layer: :func:`ranking_frame` with the candidates' own fields.

    One row per candidate and per reference site (``role``), ranks as whole numbers (missing
    where excluded), the candidates' fields after the ranking's columns, the robustness
    probabilities ``p_rank1``, ``p_top3`` and ``p_portfolio`` when the run has them; points in
    EPSG:4326.  What results.gpkg's layers and ranking.parquet hold.
    """
    table = ranking_frame(results)
    for col in _rank_columns(table):
        table[col] = table[col].astype("Int64")
    fields = own_fields(results)
    table = table.join(fields, on="id")
    for col in fields.columns:
        # whole numbers and true/false stay so on the reference rows, where they are missing
        if pd.api.types.is_integer_dtype(fields[col].dtype):
            table[col] = table[col].astype("Int64")
        elif pd.api.types.is_bool_dtype(fields[col].dtype):
            table[col] = table[col].astype("boolean")
    points = results.candidates.geometry
    if results.reference is not None:
        points = pd.concat([points, results.reference.sites.geometry])
    frame = gpd.GeoDataFrame(table, geometry=points.loc[table["id"]].to_numpy(), crs="EPSG:4326")
    sens = results.sensitivity
    if sens is not None:
        # robustness as attributes, so that QGIS can style the candidates by them
        probs = sens.acceptability.acceptability
        frame["p_rank1"] = frame["id"].map(probs.iloc[:, 0]).round(DECIMALS)
        frame["p_top3"] = frame["id"].map(probs.iloc[:, :3].sum(axis=1)).round(DECIMALS)
        if sens.membership is not None:
            member = sens.membership.probability
            frame["p_portfolio"] = frame["id"].map(member).round(DECIMALS)
    return frame


def geopackage_layers(results: Results) -> dict[str, gpd.GeoDataFrame]:
    """The layers of results.gpkg, by name (see :func:`write_geopackage`)."""
    frame = layers_frame(results)
    is_reference = frame["role"] == "reference"
    ranking = frame[~is_reference].reset_index(drop=True)
    chosen = results.portfolio.ids if results.portfolio is not None else []
    portfolio = ranking[ranking["in_portfolio"]].copy()
    portfolio.insert(0, "order", pd.array([chosen.index(i) + 1 for i in portfolio["id"]], "Int64"))
    portfolio = portfolio.sort_values("order").reset_index(drop=True)
    layers = {"ranking": ranking, "portfolio": portfolio}
    options = alternatives_frame(results) if results.alternatives else pd.DataFrame()
    if not options.empty:
        rows = [
            {"option": row.option, "total_score": row.total_score, "id": cid}
            for row in options.itertuples()
            for cid in str(row.ids).split(";")
        ]
        sites = pd.DataFrame(rows)
        sites["name"] = sites["id"].map(results.ranking["name"])
        geometry = results.candidates.geometry.loc[sites["id"]].to_numpy()
        layers["alternatives"] = gpd.GeoDataFrame(sites, geometry=geometry, crs="EPSG:4326")
    ref = results.reference
    if ref is not None:
        reference = frame[is_reference].reset_index(drop=True)
        # the reference is scored by the weighted sum only (``score``) and never ranked
        candidates_only = [
            *own_fields(results).columns,
            *(c for c in reference.columns if c.startswith(("score_", "rank_"))),
            "rank",
            "role",
            "in_portfolio",
            "excluded_reason",
        ]
        reference = reference.drop(columns=[c for c in candidates_only if c in reference])
        reference.insert(2, "place", pd.array(list(reference["id"].map(ref.places)), "Int64"))
        # the reference file mixes sites and facilities: the fields no site fills are left out
        fields = own_fields(results, ref.sites).dropna(axis=1, how="all")
        reference = reference.join(fields, on="id")
        layers["reference"] = gpd.GeoDataFrame(reference, geometry="geometry", crs="EPSG:4326")
    return layers


def write_geopackage(results: Results, path: Path) -> Path:
    """Write results.gpkg: layers ``ranking``, ``portfolio``, ``alternatives`` and ``reference``.

    ``ranking``: every candidate with its rank (a whole number; empty where excluded), score,
    exclusion reason, portfolio membership, the ranks under the compared methods, each
    criterion's raw value, value and contribution, then the candidate's own fields (region,
    population, ...) and, with a robustness analysis, ``p_rank1``, ``p_top3`` and
    ``p_portfolio``.  ``portfolio``: the chosen sites with their ``order``.  ``alternatives``:
    one point per site of each option.  ``reference``: the reference sites (Novosibirsk) with
    their weighted-sum score and ``place``, the rank each would take among the candidates.
    EPSG:4326 points.

    Two identical runs give byte-identical files: GeoPackage's own timestamps are pinned to
    :data:`GPKG_DATE` (GDAL's ``OGR_CURRENT_DATE``).  A failure (a full disk, a file-size
    limit) or a warning from GDAL becomes an :class:`~siting.errors.OutputError` saying
    what happened: a GeoPackage GDAL complained about is not handed on.
    """
    layers = geopackage_layers(results)

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


def pinned_date() -> str:
    """The date outputs record as their own (:data:`GPKG_DATE`, or ``SOURCE_DATE_EPOCH``)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return GPKG_DATE


@contextlib.contextmanager
def _pinned_gpkg_date() -> Iterator[None]:
    """Within the block GDAL stamps GeoPackage tables with :data:`GPKG_DATE` (or SOURCE_DATE_EPOCH)."""
    import pyogrio

    date = pinned_date()
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


def write_parquet(results: Results, path: Path) -> Path:
    """Write ranking.parquet: :func:`layers_frame` as GeoParquet (geopandas, pyarrow).

    The rows of ranking.csv (candidates, then reference sites) with their points, whole-number
    ranks, the candidates' own fields and the robustness probabilities when computed; the
    ``geo`` metadata of GeoParquet names the geometry column and its CRS (EPSG:4326), so that
    ``geopandas.read_parquet``, QGIS and DuckDB read it as a layer.  Two identical runs give
    identical bytes (the file holds no time).
    """
    frame = layers_frame(results)
    return write_with(path, lambda tmp: frame.to_parquet(tmp, index=False))
