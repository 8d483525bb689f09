"""Tables for analysts: ranking.csv and results.gpkg (opens in QGIS)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.outputs.files import write_text, write_with
from siting.results import Results

#: Decimals kept in tables: enough for any score or distance, few enough to diff cleanly.
DECIMALS = 6


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
        pct = (100 * ws.loc[table.index] / best).round(2) if best else None
        # excluded candidates are not compared with the benchmark: they are out of the study
        table["pct_of_reference"] = pct.where(table["excluded_reason"] == "") if best else None
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
    return write_text(path, ranking_frame(results).to_csv(index=False, lineterminator="\n"))


def write_geopackage(results: Results, path: Path) -> Path:
    """Write results.gpkg: layers ``ranking``, ``portfolio`` and ``alternatives`` (EPSG:4326 points).

    With a robustness analysis the ranking layer also carries ``p_rank1``, ``p_top3`` and
    ``p_portfolio``; the ``alternatives`` layer has one point per site of each option.
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
            for cid in row.ids.split(";")
        ]
        frame = pd.DataFrame(rows)
        frame["name"] = frame["id"].map(results.ranking["name"])
        alternatives = gpd.GeoDataFrame(
            frame, geometry=points.loc[frame["id"]].to_numpy(), crs="EPSG:4326"
        )

    def write(tmp: Path) -> None:
        ranking.to_file(tmp, layer="ranking", driver="GPKG", engine="pyogrio")
        portfolio.to_file(tmp, layer="portfolio", driver="GPKG", engine="pyogrio")
        if alternatives is not None:
            alternatives.to_file(tmp, layer="alternatives", driver="GPKG", engine="pyogrio")

    return write_with(path, write)


def write_agreement_csv(results: Results, path: Path) -> Path:
    """Write method_agreement.csv: Spearman's ρ, Kendall's τ-b and top-k overlap per method pair."""
    return write_text(
        path, results.agreement.round(DECIMALS).to_csv(index=False, lineterminator="\n")
    )


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
    return write_text(path, alternatives_frame(results).to_csv(index=False, lineterminator="\n"))


def write_pareto_csv(results: Results, path: Path) -> Path:
    """Write pareto.csv: the score–coverage front, ids joined by ';'."""
    front = results.pareto.copy()
    front["ids"] = [";".join(ids) for ids in front["ids"]]
    return write_text(path, front.round(DECIMALS).to_csv(index=False, lineterminator="\n"))
