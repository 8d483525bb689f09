"""The robustness analysis on disk: its CSV tables and the one-at-a-time chart."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from siting.outputs.files import csv_text, ensure_dir, save_figure, write_bytes, write_text
from siting.sensitivity import Sensitivity


def sensitivity_frames(result: Sensitivity) -> dict[str, pd.DataFrame]:
    """The tables :func:`write_sensitivity` writes, by file name.

    ``sensitivity.csv``
        The one-at-a-time sweep (tidy: criterion, weight, current, candidate, name, score, rank).
    ``stability.csv``
        One row per criterion: the stability intervals of the first place, the top-N set and
        the portfolio.
    ``acceptability.csv``
        One row per kept candidate in ranking order: id, name, rank, expected_rank, first
        (``b_i^1``), confidence, portfolio (membership probability, empty without a
        portfolio), central weights (``central_<criterion>``) and ``rank_1 .. rank_m``.
    ``methods_all.csv``
        Candidate × MCDA method ranks, then the pairwise agreement in ``method_agreement_all.csv``.
    """
    names = result.names
    oat = result.one_at_a_time.copy()
    oat.insert(4, "name", oat["candidate"].map(names))
    acc = result.acceptability
    ids = list(names.index)
    table = pd.DataFrame(
        {
            "id": ids,
            "name": names.to_numpy(),
            "rank": result.base_rank.to_numpy(),
            "expected_rank": acc.expected_rank.loc[ids].to_numpy(),
            "first": acc.acceptability.loc[ids, 1].to_numpy(),
            "confidence": acc.confidence.loc[ids].to_numpy(),
            "portfolio": (
                result.membership.probability.loc[ids].to_numpy()
                if result.membership is not None
                else np.full(len(ids), np.nan)
            ),
        }
    )
    for c in acc.central_weights.columns:
        table[f"central_{c}"] = acc.central_weights.loc[ids, c].to_numpy()
    for r in acc.acceptability.columns:
        table[f"rank_{r}"] = acc.acceptability.loc[ids, r].to_numpy()
    frames = {
        "sensitivity.csv": oat,
        "stability.csv": result.stability,
        "acceptability.csv": table,
    }
    if result.membership is not None:
        frames["portfolios.csv"] = result.membership.portfolios
    if result.methods is not None:
        ranks = result.methods.ranks.loc[ids].rename_axis("id").reset_index()
        ranks.insert(1, "name", names.to_numpy())
        frames["methods_all.csv"] = ranks
        frames["method_agreement_all.csv"] = result.methods.agreement
    return frames


def write_sensitivity(
    result: Sensitivity, out_dir: str | Path, *, top: int = 8, chart: bytes | None = None
) -> dict[str, Path]:
    """Write the robustness tables and the one-at-a-time chart into ``out_dir``, atomically.

    Parameters
    ----------
    result
        From :func:`analyse`.
    out_dir
        Folder (created if needed).
    top
        Candidates drawn in the chart (the best-ranked ones).
    chart
        The chart's PNG when drawn already (by :func:`oat_chart_png` with the same ``top``).

    Returns
    -------
    dict
        File name → path: the CSV tables of :func:`sensitivity_frames` (in the project's
        number format, :func:`siting.outputs.files.csv_text`, so the same inputs and seed give
        byte-identical files) and ``sensitivity.png``.
    """
    out = ensure_dir(Path(out_dir))
    written = {
        name: write_text(out / name, csv_text(frame))
        for name, frame in sensitivity_frames(result).items()
    }
    png = chart if chart is not None else oat_chart_png(result, top=top)
    written["sensitivity.png"] = write_bytes(out / "sensitivity.png", png)
    return written


def oat_chart_png(result: Sensitivity, *, top: int = 8) -> bytes:
    """The one-at-a-time chart (``sensitivity.png``) as PNG bytes.

    Rank against swept weight, one panel per criterion, for the ``top`` best-ranked candidates.
    """
    from matplotlib.figure import Figure

    oat = result.one_at_a_time
    criteria = list(dict.fromkeys(oat["criterion"]))
    best = list(result.base_rank.sort_values(kind="stable").index[:top])
    cols = min(3, len(criteria))
    rows = math.ceil(len(criteria) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    colours = [f"C{i % 10}" for i in range(len(best))]
    worst = int(oat["rank"].max())
    for k, crit in enumerate(criteria):
        ax = axes[k // cols][k % cols]
        part = oat[oat["criterion"] == crit]
        for cand, colour in zip(best, colours, strict=True):
            line = part[part["candidate"] == cand]
            ax.step(
                line["weight"], line["rank"], where="mid", color=colour, label=result.names[cand]
            )
        current = part.loc[part["current"], "weight"]
        if len(current):
            ax.axvline(float(current.iloc[0]), color="0.4", linestyle="--", linewidth=0.8)
        ax.set_ylim(min(worst, top + 2) + 0.5, 0.5)
        ax.set_xlim(0, 1)
        ax.set_title(crit, fontsize=9)
        ax.set_xlabel("weight", fontsize=8)
        ax.set_ylabel("rank", fontsize=8)
        ax.tick_params(labelsize=7)
    for k in range(len(criteria), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=7, title="candidate")
    fig.suptitle("Rank as one weight varies (others rescaled in proportion)", fontsize=10)
    buf = io.BytesIO()
    save_figure(fig, buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()
