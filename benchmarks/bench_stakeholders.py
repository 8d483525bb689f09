"""Several stakeholders: the group's weights and everything per stakeholder, 50 × 10 (issue 15).

1. Aggregation of 50 judges' 10 × 10 AHP matrices (target < 1 s): ``siting.weights.group_ahp``
   (AIJ and AIP: each judge's priorities, consistency ratio and inconsistency table, the
   group's matrix and its priorities, Goepel's consensus) against the peer, pymcdm's AHP for
   each judge (weights and CR only) and numpy's eigenvector of the geometric-mean matrix
   (pymcdm takes only values of Saaty's scale).
   Both must give the same group weights.
2. Everything per stakeholder on the shipped data (criteria/stakeholders.yaml with 50 members
   instead of 4, target < 1 s): the group's weights (``siting.stakeholders.aggregate``), then each
   member's ranking and portfolio, the leave-one-out groups re-aggregated and re-solved, and
   1,000 weightings drawn from the convex hull of theirs, each ranked and its portfolio solved
   (``siting.stakeholders.analyse``).  Against today's route without the section: one study
   file per stakeholder, each run with ``siting.run`` (timed on a few and compared per
   stakeholder); the portfolios must agree.

Run:  .venv/bin/python benchmarks/bench_stakeholders.py [--repeat 5] [--members 50]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pymcdm.weights.subjective import AHP as PYMCDM_AHP

import siting
from siting import stakeholders, weights
from siting.study import Study

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = [
    "institutes_nearby",
    "facility_km",
    "university_km",
    "students_nearby",
    "research_university_km",
    "enterprises_nearby",
    "innovation_zone_km",
    "airport_km",
    "population",
    "existing_zone",
]
# The four illustrative bodies of criteria/stakeholders.yaml: each synthetic member is one of them
# with its priorities shaken (log-normal, sd 0.3) and rounded onto Saaty's scale.
BASES = np.array(
    [
        [0.20, 0.15, 0.12, 0.10, 0.12, 0.05, 0.06, 0.08, 0.06, 0.06],
        [0.06, 0.08, 0.06, 0.06, 0.04, 0.22, 0.18, 0.10, 0.10, 0.10],
        [0.06, 0.04, 0.08, 0.10, 0.05, 0.14, 0.08, 0.15, 0.20, 0.10],
        [0.24, 0.20, 0.08, 0.06, 0.14, 0.04, 0.06, 0.08, 0.04, 0.06],
    ]
)


CPU: dict[int, float] = {}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time over ``repeat`` runs, and the last result.

    The median CPU time of the process is kept in :data:`CPU` (by ``id`` of the result): on a
    machine shared with other jobs the wall time also counts the time spent waiting for a core.
    """
    times = []
    cpu = []
    out = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[id(out)] = statistics.median(cpu)
    return statistics.median(times), out


def saaty(r: float) -> float:
    """A ratio rounded onto Saaty's 1..9 scale or its reciprocals."""
    k = min(9, max(1, round(r if r >= 1 else 1 / r)))
    return float(k) if r >= 1 else 1.0 / k


def matrices(k: int, seed: int = 15) -> list[np.ndarray]:
    """``k`` judges' reciprocal matrices on Saaty's scale around the four bodies' priorities."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(k):
        p = BASES[j % 4] * rng.lognormal(0.0, 0.3, BASES.shape[1])
        a = np.eye(len(p))
        for i in range(len(p)):
            for m in range(i + 1, len(p)):
                a[i, m] = saaty(p[i] / p[m])
                a[m, i] = 1.0 / a[i, m]
        out.append(a)
    return out


def peer_aij(mats: list[np.ndarray]) -> np.ndarray:
    """pymcdm: each judge's AHP (weights, CR), then the AHP of the geometric-mean matrix."""
    for a in mats:
        judge = PYMCDM_AHP(matrix=a)
        judge()
        judge.get_cr()
    # pymcdm accepts only values of Saaty's scale: the group's matrix (geometric means) is
    # solved with numpy's eigenvectors, as pymcdm does inside
    group = np.exp(np.mean([np.log(a) for a in mats], axis=0))
    values, vectors = np.linalg.eig(group)
    v = np.abs(vectors[:, int(np.argmax(values.real))].real)
    return v / v.sum()


def member_yaml(sid: str, a: np.ndarray) -> str:
    def cell(x: float) -> str:
        return str(round(x)) if x >= 1 else f"1/{round(1 / x)}"

    rows = "\n".join(f"        - [{', '.join(cell(x) for x in row)}]" for row in a)
    return f"    - id: {sid}\n      matrix:\n{rows}\n"


def study_file(folder: Path, mats: list[np.ndarray]) -> Path:
    """criteria/stakeholders.yaml with ``mats`` as its members, no Pareto front or alternatives."""
    text = (ROOT / "criteria" / "stakeholders.yaml").read_text(encoding="utf-8")
    text = text.replace("  pareto: {points: 9}\n", "").replace(
        "  alternatives: {count: 3, differ_by: 1}\n", ""
    )
    text = re.sub(r"\nsensitivity:\n(  .*\n)+", "\n", text)
    members = "".join(member_yaml(f"member_{k:02d}", a) for k, a in enumerate(mats))
    text = re.sub(r"  members:\n(?:    .*\n)+", "  members:\n" + members, text, count=1)
    (folder / "data").symlink_to(ROOT / "data")
    (folder / "criteria").mkdir()
    path = folder / "criteria" / "panel.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def alone_file(path: Path, w: Any) -> Path:
    """The same study weighted by one member alone: their weights on the criteria, no groups."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\n# ILLUSTRATIVE judgements.*\nstakeholders:\n(?: .*\n)+", "\n", text)
    text = re.sub(r"\ngroups:\n(?:  .*\n)+", "\n", text)
    text = re.sub(r"\n    group: \w+", "", text)
    for cid, x in w.items():
        text = text.replace(f"  - id: {cid}\n", f"  - id: {cid}\n    weight: {x!r}\n", 1)
    out = path.with_name(f"alone_{abs(hash(tuple(w))) % 10**8}.yaml")
    out.write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--alone", type=int, default=3, help="stakeholders run one by one")
    args = parser.parse_args()
    k = args.members
    mats = matrices(k)

    print(f"1. Aggregation, {k} judges × {len(CRITERIA)} criteria (medians of {args.repeat})")
    t_aij, ours = timed(lambda: weights.group_ahp(mats, method="aij"), args.repeat)
    t_aip, _ = timed(lambda: weights.group_ahp(mats, method="aip"), args.repeat)
    t_peer, theirs = timed(lambda: peer_aij(mats), args.repeat)
    np.testing.assert_allclose(np.asarray(ours.weights), theirs, rtol=0, atol=1e-9)
    print("| route | siting | pymcdm (peer) | ratio |")
    print("|---|---|---|---|")
    print(f"| AIJ | {t_aij * 1e3:.1f} ms | {t_peer * 1e3:.1f} ms | {t_peer / t_aij:.2f} |")
    print(f"| AIP | {t_aip * 1e3:.1f} ms | – | – |")
    print(f"consensus {ours.consensus:.3f}; same group weights as the peer (atol 1e-9)")

    with tempfile.TemporaryDirectory() as tmp:
        path = study_file(Path(tmp), mats)
        loaded = Study.load(path)
        results = siting.run(loaded, sensitivity=False)
        assert results.stakeholders is not None
        t_agg, panel = timed(lambda: stakeholders.aggregate(loaded.source), args.repeat)
        t_per, per_run = timed(lambda: stakeholders.analyse(results, panel, draws=0), args.repeat)
        t_all, analysis = timed(lambda: stakeholders.analyse(results, panel), args.repeat)
        c_agg, c_per, c_all = CPU[id(panel)], CPU[id(per_run)], CPU[id(analysis)]
        sites = len(results.included)
        print(
            f"\n2. Everything per stakeholder, {k} members, {sites} kept candidates "
            f"(medians of {args.repeat}; wall time, CPU time of the process)"
        )
        print("| part | wall | CPU |")
        print("|---|---|---|")
        rows = [
            ("the group's weights (aggregate: each one's AHP, AIJ, consensus)", t_agg, c_agg),
            ("per stakeholder: ranking, portfolio, leave-one-out re-aggregated and re-solved",
             t_per, c_per),
            ("together (target < 1 s)", t_agg + t_per, c_agg + c_per),
            (f"with {analysis.hull_draws} hull draws ranked and re-solved", t_agg + t_all,
             c_agg + c_all),
        ]  # fmt: skip
        for label, wall, cpu in rows:
            print(f"| {label} | {wall:.3f} s | {cpu:.3f} s |")
        # today's route: one study per stakeholder, run in turn
        per = []
        for m in panel.members[: args.alone]:
            alone = alone_file(path, m.weights)
            start = time.perf_counter()
            r = siting.run(alone, sensitivity=False)
            per.append(time.perf_counter() - start)
            assert list(r.portfolio.ids) == analysis.members.at[m.id, "portfolio"], m.id
        each = statistics.median(per)
        print(
            f"one study file per stakeholder (siting.run, median of {len(per)}): {each:.2f} s "
            f"each, {each * k:.1f} s for {k}; ratio {each * k / (t_agg + t_all):.0f}× "
            "(same portfolios)"
        )


if __name__ == "__main__":
    main()
