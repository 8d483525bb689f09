"""The offline page's engine: the study's scoring method and its portfolio program, in the page.

A decision-maker who moves a priority on the map should see what ``siting run`` would say under
those weights: the candidates scored by the study's own method (not a weighted sum standing in
for it) and the portfolio re-chosen by the same integer program, solved exactly.  Two pieces
make that possible:

:func:`page_model`
    Everything the page needs, computed from :class:`~siting.results.Results` only: the value
    matrix, the study's weights, every method of :data:`siting.mcda.REGISTRY` with the options
    :func:`siting.mcda.score_study` would use and the criteria it would use, and the portfolio
    model of :func:`siting.choice.portfolio_rules` in the page's terms (its spacing rows and
    clique cuts read from :func:`siting.optimise.model.build`, so the page solves that program).
:func:`engine_assets`
    The inline scripts: the HiGHS WebAssembly binary (gzip, base64), the HiGHS loader (npm
    ``highs`` 1.15.3, MIT, vendored under ``vendor/highs/``) and ``templates/engine.js``, which
    defines ``window.SitingEngine`` (``ready``, ``score``, ``rank``, ``solve``), with the CSP
    sources that admit them.  ``docs/engine.md`` describes the API and how exactness is tested.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import math
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from siting import mcda
from siting.choice import portfolio_rules
from siting.errors import OutputError
from siting.optimise.model import build
from siting.optimise.rules import PortfolioRules
from siting.outputs.offline import script_hash, script_json, template
from siting.results import Results
from siting.tolerances import OBJECTIVE_ABS, OBJECTIVE_REL, SCORE_TIE, WEIGHT_SUM

__all__ = [
    "HIGHS_NPM",
    "MODEL_VERSION",
    "WASM_UNSAFE_EVAL",
    "EngineAssets",
    "engine_assets",
    "engine_constants",
    "model_json",
    "page_model",
    "portfolio_model",
]

#: The npm package the solver comes from, pinned (``vendor/highs/README.md``).
HIGHS_NPM = "highs@1.15.3"

#: SHA-256 of each vendored file: the page is built only from the exact files of that tarball.
_VENDOR_SHA256 = {
    "highs.js": "0bd23843c9795753f2276e9901eb2a1e66288547b6bcba84fa0665dc037b5c7c",
    "highs.wasm": "528be4365bea1d4188988646b244263f50320df55782e14d6af5bce7cd45c840",
    "LICENSE": "9f8d8dcf27789ac59c0d7c732d6682f148804a5e99d83e9f207d6c1882b98bfa",
}

#: The CSP source that lets a page compile WebAssembly (and nothing else that ``eval`` would).
WASM_UNSAFE_EVAL = "'wasm-unsafe-eval'"

#: Shape of :func:`page_model`'s dict; engine.js refuses a model of another version.
MODEL_VERSION = 1

# Methods whose options hold one entry per criterion (PROMETHEE's thresholds and functions).
_PER_CRITERION = ("preference", "q", "p", "s")


# --------------------------------------------------------------------------- the model


def _number(x: Any) -> float | None:
    """A JSON number, or None for a missing value (JSON has no NaN)."""
    value = float(x)
    return value if math.isfinite(value) else None


def _numbers(values: Any) -> list[float | None]:
    return [_number(v) for v in np.asarray(values, dtype=float).ravel()]


def _method_entry(
    method: Any, name: str, criteria: list[str], varied: list[bool]
) -> dict[str, Any] | None:
    """One method as the page scores it: the criteria it uses and its options, as score_study."""
    info = mcda.REGISTRY[name]
    used = [j for j in range(len(criteria)) if varied[j] or not info.divides_by_range]
    options = mcda.study_options(method, name, [criteria[j] for j in used])
    if info.required - set(options):
        return None  # OWA without order weights: the study cannot score it either
    for key in _PER_CRITERION:
        # mcda.promethee_ii takes one value for all or one per criterion; the page takes lists.
        if key in info.options and not isinstance(options.get(key), list):
            options[key] = [options.get(key)] * len(used)
    return {
        "label": info.label,
        "pointwise": info.pointwise,
        "needs_positive": info.needs_positive,
        "divides_by_range": info.divides_by_range,
        "criteria": used,
        "options": options,
    }


def _scoring(results: Results, order: list[Any], kept: list[Any]) -> dict[str, Any]:
    criteria = [str(c) for c in results.values.columns]
    values = results.values.loc[order]
    kept_values = results.values.loc[kept]
    # score_study's constant-column rule: it depends on the kept candidates' values only.
    varied = [bool(np.ptp(kept_values[c].to_numpy(dtype=float)) > 0) for c in results.values]
    method = results.study.method
    methods = {}
    for name in mcda.REGISTRY:
        entry = _method_entry(method, name, criteria, varied)
        if entry is not None:
            methods[name] = entry
    return {
        "criteria": criteria,
        "values": [_numbers(row) for row in values.to_numpy(dtype=float)],
        "weights": _numbers(results.weights.reindex(results.values.columns)),
        "varied": varied,
        "method": method.name,
        "compare": [m for m in method.all if m != method.name],
        "methods": methods,
        "product_floor": mcda.PRODUCT_FLOOR,
        "score_tie": SCORE_TIE,
        "weight_sum": WEIGHT_SUM,
    }


def _cliques(rules: PortfolioRules) -> list[list[int]]:
    """The clique cuts of the spacing rule, read from the model Python solves.

    :func:`siting.optimise.model.add_spacing` decides which cliques hold; reading its rows
    (named ``cl<c>``, variables ``x<j>``) keeps that decision in one place.
    """
    built = build(rules)
    index = {v.name: j for j, v in enumerate(built.x)}
    out = []
    for row in built.prob.constraints():
        if str(row.name).startswith("cl"):
            out.append(sorted(index[v.name] for v, _ in row.items()))
    return out


def portfolio_model(
    rules: PortfolioRules, *, alternatives: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The portfolio part of :func:`page_model`, from validated rules (candidate ``j`` = row ``j``).

    Parameters
    ----------
    rules
        The model :func:`siting.optimise.solve_rules` solves.
    alternatives
        ``(count, differ_by)`` of the alternatives the page finds by default, or None.

    Returns
    -------
    dict
        See :func:`page_model` (``portfolio``).
    """
    out: dict[str, Any] = {
        "size": rules.size,
        "count": {"n": rules.count.n, "exact": rules.count.exact},
        "families": list(rules.families),
        "lock": {
            "include": rules.lock.include.tolist(),
            "exclude": rules.lock.exclude.tolist(),
        },
        "spacing": None,
        "groups": None,
        "budget": None,
        "coverage": None,
        "equity": None,
        "alternatives": None,
        "objective_rel": OBJECTIVE_REL,
        "objective_abs": OBJECTIVE_ABS,
    }
    if rules.spacing is not None:
        i, j, km = rules.spacing.pairs_km()
        out["spacing"] = {
            "min_km": rules.spacing.min_km,
            "pairs": [
                [int(a), int(b), float(d)]
                for a, b, d in zip(i.tolist(), j.tolist(), km.tolist(), strict=True)
            ],
            "cliques": _cliques(rules),
        }
    if rules.groups is not None:
        g = rules.groups
        out["groups"] = {
            "field": g.field,
            "labels": list(g.labels),
            "codes": g.codes.tolist(),
            "at_most": g.at_most,
            "at_least": g.at_least,
        }
    if rules.budget is not None:
        out["budget"] = {"costs": _numbers(rules.budget.costs), "limit": rules.budget.limit}
    if rules.coverage is not None:
        cov = rules.coverage
        out["coverage"] = {
            "radius_km": cov.radius_km,
            "weight": cov.weight,
            "total": cov.total,
            # Only the demand points that get a variable (some candidate in reach, people there):
            # the others are never covered or add nobody.
            "demand": cov.demand.tolist(),
            "population": _numbers(cov.population[cov.demand]),
            "cover_sets": [cov.cover_sets[i].tolist() for i in cov.demand],
        }
    if rules.equity is not None:
        eq = rules.equity
        out["equity"] = {
            "within_km": eq.within_km,
            "centres": list(eq.centre_names),
            "reach": [
                np.flatnonzero(row <= eq.within_km).tolist() for row in eq.centre_distances_km
            ],
            "distances_km": [_numbers(row) for row in eq.centre_distances_km],
        }
    if alternatives is not None:
        out["alternatives"] = {"count": alternatives[0], "differ_by": alternatives[1]}
    return out


def _portfolio(results: Results) -> dict[str, Any] | None:
    spec = results.study.portfolio
    if spec is None:
        return None
    rules = portfolio_rules(results)
    if list(rules.names) != [str(n) for n in results.ranking["name"].iloc[: rules.size]]:
        msg = "the portfolio model's candidates are not the ranking's kept candidates in order"
        raise OutputError(msg)  # pragma: no cover - build_rules takes them in that order
    alternatives = spec.alternatives
    return portfolio_model(
        rules,
        alternatives=None if alternatives is None else (alternatives.count, alternatives.differ_by),
    )


def page_model(results: Results) -> dict[str, Any]:
    """What the page needs to score and choose as ``siting run`` does, ready for JSON.

    Parameters
    ----------
    results
        A run.  Only :class:`~siting.results.Results` is read; no file.

    Returns
    -------
    dict
        ``version``; ``candidates`` (``id``, ``name``, ``kept``: the ranking's order, kept
        candidates first); ``scores`` (the run's main score of each, None where not scored);
        ``criteria`` (ids); ``values`` (candidate × criterion value-function outputs, 0..1);
        ``weights`` (the study's global weights); ``varied`` (per criterion: not the same for
        every kept candidate); ``method`` (the main method), ``compare``; ``methods`` (every
        method of :data:`siting.mcda.REGISTRY` the study can score: ``criteria``, the column
        indices it uses, ``options`` as :func:`siting.mcda.study_options` gives them for those
        columns, PROMETHEE's per criterion, and its registry flags); ``product_floor``,
        ``score_tie``, ``weight_sum``; ``portfolio`` (None without a portfolio section), whose
        candidate ``j`` is ``candidates[j]``: ``size``, ``count``, ``families``, ``lock``,
        ``spacing`` (``min_km``, ``pairs`` ``[i, j, km]``, ``cliques``), ``groups`` (``field``,
        ``labels``, ``codes``, ``at_most``, ``at_least``), ``budget`` (``costs``, ``limit``),
        ``coverage`` (``radius_km``, ``weight``, ``total``, ``demand``, ``population``,
        ``cover_sets``), ``equity`` (``within_km``, ``centres``, ``reach``, ``distances_km``),
        ``alternatives`` (``count``, ``differ_by``), ``objective_rel``, ``objective_abs``.

    Raises
    ------
    OutputError
        The run's portfolio model does not line up with its ranking (a bug).
    """
    ranking = results.ranking
    order = list(ranking.index)
    keep = (ranking["excluded_reason"] == "").to_numpy()
    kept = [cid for cid, k in zip(order, keep, strict=True) if k]
    ids = [str(c) for c in order]
    model: dict[str, Any] = {
        "version": MODEL_VERSION,
        "candidates": {
            "id": ids,
            "name": [str(n) for n in ranking["name"]],
            "kept": [bool(k) for k in keep],
        },
        "scores": _numbers(ranking["score"].astype(float)),
    }
    model.update(_scoring(results, order, kept))
    model["portfolio"] = _portfolio(results)
    return model


# --------------------------------------------------------------------------- the scripts


class EngineAssets(NamedTuple):
    """The engine's inline scripts and the CSP sources that admit them.

    Attributes
    ----------
    scripts
        The exact text of each classic inline script, in page order: the HiGHS binary and the
        engine's constants, the HiGHS loader with its licence, ``engine.js``.  Put each in a
        plain ``<script>`` element, before any script that uses ``window.SitingEngine``.
    csp_sources
        For ``script-src``: the hash of each script, then ``'wasm-unsafe-eval'`` (compiling
        WebAssembly needs it; it does not admit ``eval``).
    """

    scripts: tuple[str, ...]
    csp_sources: tuple[str, ...]

    @property
    def html(self) -> str:
        """The scripts as ``<script>`` elements, one per line."""
        return "\n".join(f"<script>{s}</script>" for s in self.scripts)

    @property
    def size(self) -> int:
        """Bytes the scripts add to the page (UTF-8)."""
        return sum(len(s.encode("utf-8")) for s in self.scripts)


def engine_constants() -> dict[str, Any]:
    """The numbers engine.js reads from the page (``SitingEngineAssets.constants``).

    Each comes from where siting defines it (:mod:`siting.tolerances`, :mod:`siting.mcda`), so
    the page cannot compare or floor differently from the run.
    """
    return {
        "highs": HIGHS_NPM,
        "modelVersion": MODEL_VERSION,
        "scoreTie": SCORE_TIE,
        "weightSum": WEIGHT_SUM,
        "productFloor": mcda.PRODUCT_FLOOR,
        "objectiveRel": OBJECTIVE_REL,
        "objectiveAbs": OBJECTIVE_ABS,
    }


def _vendor(name: str) -> bytes:
    """A vendored HiGHS file, refused unless it is the pinned tarball's."""
    data = resources.files("siting.outputs").joinpath("vendor", "highs", name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != _VENDOR_SHA256[name]:
        msg = (
            f"siting/outputs/vendor/highs/{name} has SHA-256 {digest}, not the pinned "
            f"{_VENDOR_SHA256[name]} of {HIGHS_NPM}; restore it from that tarball "
            "(vendor/highs/README.md)"
        )
        raise OutputError(msg)
    return data


def _safe(js: str) -> str:
    """Script text that cannot end its ``<script>`` element early (as offline.leaflet_js)."""
    return js.replace("</script", "<\\/script")


@functools.cache
def engine_assets(*, solver: bool = True) -> EngineAssets:
    """The engine's inline scripts (HiGHS binary, HiGHS loader, engine.js) and CSP sources.

    With ``solver=False`` (a page that re-scores and re-ranks but keeps the study's portfolio)
    the binary and the loader are left out, 1.8 MB less, and so is ``'wasm-unsafe-eval'``;
    ``SitingEngine.solve`` then answers ``not-ready``.

    The WebAssembly binary (3.5 MB) is inlined gzip-compressed (level 9, no timestamp, so the
    same files give the same page) and base64-encoded; the page inflates it with
    ``DecompressionStream("gzip")`` and instantiates it from the bytes, so nothing is fetched.
    Computed once per process.

    Returns
    -------
    EngineAssets
        ``scripts`` and ``csp_sources``; give the page a policy such as
        ``offline.csp(page_scripts + list(assets.scripts), extra_script_src=WASM_UNSAFE_EVAL)``.

    Raises
    ------
    OutputError
        A vendored file is not the pinned one.
    """
    if not solver:
        constants = (
            "(function (a) {\n"
            f"  a.constants = {script_json(engine_constants())};\n"
            "})(globalThis.SitingEngineAssets = globalThis.SitingEngineAssets || {});\n"
        )
        bare: tuple[str, ...] = (_safe(constants), _safe(template("engine.js")))
        return EngineAssets(scripts=bare, csp_sources=tuple(f"'{script_hash(s)}'" for s in bare))
    wasm = gzip.compress(_vendor("highs.wasm"), compresslevel=9, mtime=0)
    encoded = base64.b64encode(wasm).decode("ascii")
    data = (
        f"/* siting engine: HiGHS ({HIGHS_NPM}, MIT) as WebAssembly, gzip, base64 */\n"
        "(function (a) {\n"
        f"  a.constants = {script_json(engine_constants())};\n"
        f'  a.highsWasm = "{encoded}";\n'
        "})(globalThis.SitingEngineAssets = globalThis.SitingEngineAssets || {});\n"
    )
    licence = _vendor("LICENSE").decode("utf-8").strip().replace("*/", "* /")
    loader = (
        f"/*! {HIGHS_NPM} (build/highs.js), https://github.com/lovasoa/highs-js\n"
        f"{licence}\n*/\n"
        # The loader declares a global `Module`; the function scope keeps it out of the page's.
        "(function () {\n"
        + _vendor("highs.js").decode("utf-8")
        + "\n;(globalThis.SitingEngineAssets = globalThis.SitingEngineAssets || {}).highs = Module;\n"
        "})();\n"
    )
    scripts = (_safe(data), _safe(loader), _safe(template("engine.js")))
    sources = (*(f"'{script_hash(s)}'" for s in scripts), WASM_UNSAFE_EVAL)
    return EngineAssets(scripts=scripts, csp_sources=sources)


def model_json(results: Results) -> str:
    """:func:`page_model` as JSON safe inside a ``<script type="application/json">`` element."""
    return script_json(page_model(results))
