"""Several stakeholders on disk and in words: their tables and the sentences every output shows.

The tables and sentences read :attr:`siting.results.Results.stakeholders` only (one
computation, :mod:`siting.stakeholders`); the report, the CLI summary and the map take their
sentences from :func:`stakeholder_sentences`, so they say the same thing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siting.i18n import Translator
from siting.outputs.files import write_csv
from siting.outputs.words import Words, local
from siting.results import Results
from siting.stakeholders import METHOD_WORDS

#: The files :func:`write_stakeholders` writes.
FILES = ("stakeholders.csv", "stakeholder_weights.csv", "stakeholder_sites.csv")


def _ids(ids: list[str]) -> str:
    return ";".join(ids)


def members_frame(results: Results) -> pd.DataFrame:
    """stakeholders.csv: one row per stakeholder, then one for the group.

    Columns: id, name, kind, voice (share of the group's voice), cr (AHP consistency ratio),
    consistent, worst_a, worst_b, worst_judgement, worst_consistent, worst_share (the judgement
    causing most of the inconsistency), distance (share of weight that would move to reach
    the group's), spearman (rank correlation with the group's ranking), top, portfolio,
    shared (sites in common with the group's portfolio), loo_distance, loo_portfolio,
    loo_added, loo_dropped, pivotal (the stakeholder whose leaving out changes the portfolio
    most); the group's row gives its consensus in ``consensus`` and its AIJ consistency ratio.
    """
    a = results.stakeholders
    if a is None:
        return pd.DataFrame()
    m = a.members.reset_index()
    for col in ("portfolio", "loo_portfolio", "loo_added", "loo_dropped"):
        m[col] = m[col].map(_ids)
    m["name"] = m["name"].map(str)
    m["pivotal"] = m["id"] == a.pivotal
    m["consensus"] = pd.NA
    group = {
        "id": "group",
        "name": "",
        "kind": a.panel.method,
        "voice": 1.0,
        "cr": a.panel.group.cr if a.panel.group is not None else float("nan"),
        "consistent": a.panel.group.acceptable if a.panel.group is not None else pd.NA,
        "distance": 0.0,
        "spearman": 1.0,
        "top": str(results.top(1).index[0]),
        "portfolio": _ids(list(results.portfolio.ids)) if results.portfolio is not None else "",
        "shared": len(results.portfolio.ids) if results.portfolio is not None else 0,
        "pivotal": False,
        "consensus": a.panel.consensus,
    }
    return pd.concat([m, pd.DataFrame([group])], ignore_index=True)


def weights_frame(results: Results) -> pd.DataFrame:
    """stakeholder_weights.csv: criterion × stakeholder weights, then the group's (the run's)."""
    a = results.stakeholders
    if a is None:
        return pd.DataFrame()
    return a.panel.table.reset_index()


def sites_frame(results: Results) -> pd.DataFrame:
    """stakeholder_sites.csv: per kept candidate, each stakeholder's rank and the robustness.

    Columns: id, name, group_rank, best_rank, worst_rank, first_share, chosen_share,
    chosen_by, loo_share, hull_first, hull_membership, in_portfolio (see
    :class:`siting.stakeholders.StakeholderAnalysis`), then ``rank_<stakeholder>``.
    """
    a = results.stakeholders
    if a is None:
        return pd.DataFrame()
    sites = a.sites.copy()
    for sid in a.panel.ids:
        sites[f"rank_{sid}"] = a.ranks[sid]
    return sites.reset_index()


def write_stakeholders(results: Results, folder: Path) -> dict[str, Path]:
    """Write the three stakeholder tables into ``folder`` (atomically, one by one)."""
    frames = {
        "stakeholders.csv": members_frame(results),
        "stakeholder_weights.csv": weights_frame(results),
        "stakeholder_sites.csv": sites_frame(results),
    }
    return {name: write_csv(folder / name, frame) for name, frame in frames.items()}


def member_name(results: Results, sid: str, lang: str) -> str:
    """A stakeholder's name in ``lang`` (their id when the file gives none)."""
    a = results.stakeholders
    if a is None:
        return sid
    by_id = {m.id: m for m in a.panel.members}
    return local(by_id[sid].name, lang) if sid in by_id else sid


def stakeholder_sentences(results: Results, t: Translator) -> list[str]:
    """What the stakeholders' analysis says, in sentences: the same in every output.

    The group's weights and their consensus; who would change the portfolio if left out; how
    many would choose the group's portfolio on their own; whose judgements are inconsistent.
    """
    a = results.stakeholders
    if a is None:
        return []
    w = Words(results, t)
    panel = a.panel
    out = [
        t(
            "{n} stakeholders weighed the criteria; the weights used are their {how}. "
            "Consensus {consensus} (Goepel's relative homogeneity: 100 % when all give the same "
            "priorities).",
            n=t.integer(len(panel.members)),
            how=t(METHOD_WORDS[panel.method]),
            consensus=t.percent(panel.consensus),
        )
    ]
    if results.portfolio is not None:
        same = int((a.members["shared"] == len(results.portfolio.ids)).sum())
        out.append(
            t(
                "{same} of {n} would choose the same sites on their own weights.",
                same=t.integer(same),
                n=t.integer(len(panel.members)),
            )
        )
        if a.pivotal is not None:
            row = a.members.loc[a.pivotal]
            out.append(
                t(
                    "Left out, {name} would change the portfolio most: {dropped} would leave "
                    "it, {added} would enter.",
                    name=member_name(results, a.pivotal, t.lang),
                    dropped=", ".join(w.names(row["loo_dropped"])),
                    added=", ".join(w.names(row["loo_added"])) or "–",
                )
            )
        else:
            out.append(t("Leaving out any one stakeholder keeps the same portfolio."))
    for sid, row in a.members.iterrows():
        ok = row["consistent"]
        if row["kind"] == "ahp" and not pd.isna(ok) and not bool(ok):
            out.append(
                t(
                    "{name}'s judgements are inconsistent (CR {cr} > 0.10); revisit first "
                    "{a} vs {b}: judged {judgement}, the other judgements imply {consistent}.",
                    name=member_name(results, str(sid), t.lang),
                    cr=t.number(float(row["cr"]), 3),
                    a=w.criterion(str(row["worst_a"])),
                    b=w.criterion(str(row["worst_b"])),
                    judgement=t.number(float(row["worst_judgement"]), 3),
                    consistent=t.number(float(row["worst_consistent"]), 3),
                )
            )
    return out
