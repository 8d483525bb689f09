"""Robustness analysis speed: SMAA rank acceptability and portfolio membership.

1. Rank acceptability, 10,000 weight draws over 500 candidates × 10 criteria (target < 2 s):
   siting's chunked matrix product + argsort against the peer, a loop of pymcdm's WSM (one
   weight vector per call) ranked with scipy.  The peer runs on fewer draws (it is linear in
   the draws) and is compared per draw; both must give the same acceptability indices on the
   draws they share.
2. Portfolio membership on the shipped study (criteria/novosibirsk.yaml: 52 kept candidates,
   3 sites, 300 km spacing, one per macro-region), 1,000 draws (target < 60 s): the model built
   once with only the objective changed (PortfolioResolver, HiGHS in process, and CBC) against
   rebuilding it every draw with siting.optimise.select_portfolio (CBC), compared per draw; the
   portfolios must agree.

Run:  .venv/bin/python benchmarks/bench_sensitivity.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pymcdm.methods import WSM
from scipy.stats import rankdata

from siting import sensitivity as sens
from siting.choice import portfolio_rules
from siting.optimise.resolver import PortfolioResolver

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time over ``repeat`` runs, and the last result."""
    times = []
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def identity(matrix: np.ndarray, cost: bool = False) -> np.ndarray:
    """The values are already 0..1 and oriented: no renormalisation."""
    return matrix


def pymcdm_acceptability(values: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """SMAA rank acceptability by a loop over draws with pymcdm's weighted sum."""
    m, n = values.shape
    wsm = WSM(normalization_function=identity)
    counts = np.zeros((m, m))
    types = np.ones(n)
    for w in samples:
        ranks = rankdata(-wsm(values, w, types), method="min").astype(int)
        counts[np.arange(m), ranks - 1] += 1
    return counts / len(samples)


def bench_acceptability(repeat: int, draws: int, candidates: int, peer_draws: int) -> None:
    rng = np.random.default_rng(20251125)
    values = rng.random((candidates, 10))
    samples = sens.sample_weights(10, draws, rng=np.random.default_rng(1))
    ours, result = timed(lambda: sens.rank_acceptability(values, weight_samples=samples), repeat)
    sub = samples[:peer_draws]
    peer, b_peer = timed(lambda: pymcdm_acceptability(values, sub), max(1, repeat // 2))
    b_ours = sens.rank_acceptability(values, weight_samples=sub).acceptability.to_numpy()
    assert np.allclose(b_ours, b_peer), "siting and the pymcdm loop disagree"
    noisy, _ = timed(
        lambda: sens.rank_acceptability(
            values,
            weight_samples=samples,
            value_uncertainty=[0.05] * 10,
            rng=np.random.default_rng(2),
        ),
        repeat,
    )
    per_ours = ours / draws
    per_peer = peer / peer_draws
    print(f"rank acceptability, {draws:,} draws × {candidates} candidates × 10 criteria")
    print(f"  siting                      {ours:8.3f} s   ({per_ours * 1e6:8.1f} µs/draw)")
    print(f"  siting, values ±0.05        {noisy:8.3f} s")
    print(
        f"  pymcdm WSM loop ({peer_draws:,} draws) {peer:8.3f} s   ({per_peer * 1e6:8.1f} µs/draw)"
        f"   ratio {per_peer / per_ours:6.1f}× slower"
    )
    print(f"  first-rank acceptability of the best candidate: {result.acceptability[1].max():.3f}")


def bench_portfolio(repeat: int, draws: int, peer_draws: int) -> None:
    from siting.optimise import solve_rules
    from siting.pipeline import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        results = run(ROOT / "criteria" / "novosibirsk.yaml")
        rules = portfolio_rules(results)
        values = results.values.loc[results.included]
        samples = sens.sample_weights(values.shape[1], draws, rng=np.random.default_rng(3))

        def membership(solver: str, k: int) -> sens.PortfolioMembership:
            solve = PortfolioResolver(rules, solver=solver)  # type: ignore[arg-type]
            return sens.portfolio_membership(values, weight_samples=samples[:k], solve=solve)

        def rebuild(k: int) -> list[list[int]]:
            out = []
            for w in samples[:k]:
                # Rebuilt from scratch each draw: the cost the resolver avoids.
                res = solve_rules(
                    dataclasses.replace(rules.with_scores(values.to_numpy() @ w), solver="cbc"),
                    explain_binding=False,
                )
                out.append(res.selected.tolist())
            return out

        highs, result = timed(lambda: membership("highs", draws), repeat)
        cbc, _ = timed(lambda: membership("cbc", peer_draws), 1)
        peer, picks = timed(lambda: rebuild(peer_draws), 1)
        ours = membership("highs", peer_draws)
    again = np.zeros(len(values))
    for p in picks:
        again[p] += 1
    assert np.allclose(again / peer_draws, ours.probability.to_numpy()), "portfolios disagree"
    per = highs / draws
    print(f"portfolio membership, criteria/novosibirsk.yaml ({len(values)} kept candidates)")
    print(f"  built once, HiGHS, {draws:,} draws   {highs:8.3f} s   ({per * 1e3:6.2f} ms/draw)")
    print(
        f"  built once, CBC, {peer_draws} draws      {cbc:8.3f} s   "
        f"({cbc / peer_draws * 1e3:6.2f} ms/draw)   ratio {cbc / peer_draws / per:5.1f}×"
    )
    print(
        f"  rebuilt per draw (select_portfolio, CBC), {peer_draws} draws {peer:8.3f} s   "
        f"({peer / peer_draws * 1e3:6.2f} ms/draw)   ratio {peer / peer_draws / per:5.1f}×"
    )
    top = result.probability.sort_values(ascending=False).head(5)
    print("  most likely members: " + ", ".join(f"{k} {v:.2f}" for k, v in top.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--peer-draws", type=int, default=500)
    parser.add_argument("--portfolio-draws", type=int, default=1000)
    parser.add_argument("--portfolio-peer-draws", type=int, default=100)
    args = parser.parse_args()
    bench_acceptability(args.repeat, args.draws, args.candidates, args.peer_draws)
    bench_portfolio(max(1, args.repeat // 2), args.portfolio_draws, args.portfolio_peer_draws)


if __name__ == "__main__":
    main()
