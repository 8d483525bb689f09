"""Command line: each command parses its options, makes one library call and prints.

Exit codes: 0 success, 2 a mistake in the input (message, no traceback), 1 a bug.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siting import criteria, pipeline
from siting.errors import SitingError
from siting.results import Results
from siting.spec import Language

if TYPE_CHECKING:
    from siting.compare import Comparison
    from siting.outputs.words import Words

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Site selection for science cities: score candidates, choose a portfolio, map it.",
)
out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

FileArg = Annotated[Path, typer.Argument(help="Criteria file (YAML).", show_default=False)]


def _fail(exc: SitingError, lang: str | None = None) -> None:
    """Print every problem and note of ``exc`` and exit with code 2.

    In ``lang``; by default in the study's language when the error knows it (the file was read
    that far), else in English.  Locations (``path:line: key:``) are printed as they are.
    """
    # imported here, not at the top, so that this function's change stays within it
    from siting.i18n import translator
    from siting.messages import render_text

    t = translator(lang or exc.language or "en")
    count = len(exc.problems)
    err_console.print(
        Text(t.plural("error: {n} problem", "error: {n} problems", count), style="bold red")
    )
    for problem in exc.problems:
        err_console.print(Text(render_text(problem, t)), soft_wrap=True)
    for note in exc.notes:
        err_console.print(Text(t("note: {note}", note=render_text(note, t))), soft_wrap=True)
    raise typer.Exit(code=2)


def default_out(path: Path) -> Path:
    """``out/<criteria file stem>/`` under the current folder."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-") or "study"
    return Path("out") / slug


OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output folder (default: out/<criteria file name>/)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
LangOpt = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        "-l",
        help="Language of the outputs and messages: kk, ru or en (default: the study's).",
        show_default=False,
    ),
]


def _run_and_write(
    path: Path, out: Path | None, *, quiet: bool, sensitivity: bool | None, lang: str | None
) -> None:
    """Run the study with a progress display, write every output, print the summary."""
    from siting.i18n import translator
    from siting.outputs import write_all

    target = out or default_out(path)
    t = translator(lang or "en")
    try:
        with err_console.status(t("starting"), spinner="dots") as status:

            def progress(stage: str) -> None:
                if not quiet:
                    status.update(f"[bold]{t(pipeline.STAGES.get(stage, stage))}[/bold]")

            results = pipeline.run(path, progress=progress, sensitivity=sensitivity)
            t = translator(lang or results.study.language)
            status.update(f"[bold]{t('writing outputs')}[/bold]")
            written = write_all(results, target, lang=t.lang)
    except SitingError as exc:
        _fail(exc, lang)
        return
    if not quiet:
        _summary(results, lang=t.lang)
        _surface_line(results, t.lang)
        folder = f"{target}/"
        out_console.print(
            Text(t("outputs in {folder}: {files}", folder=folder, files=", ".join(written)))
        )


@app.command()
def run(path: FileArg, out: OutOpt = None, quiet: QuietOpt = False, lang: LangOpt = None) -> None:
    """Run a study: rank the candidates, choose the portfolio, write tables, map and manifest."""
    _run_and_write(path, out, quiet=quiet, sensitivity=None, lang=lang)


def _summary(results: Results, n: int = 10, *, lang: str | None = None) -> None:
    """The answer first, then the shortlist, then the notes.

    The answer: the recommendation, its close calls, the rules that bind and the nearest
    alternative (:class:`~siting.outputs.words.Words`, as the report's first page); the
    shortlist with its ranks under other methods and its robustness.
    """
    from siting.i18n import translator
    from siting.outputs.words import Words, local

    t = translator(lang or results.study.language)
    w = Words(results, t)
    out_console.print(Text(local(results.study.study, t.lang), style="bold"))
    out_console.print(Text(w.headline(), style="bold"))
    for sentence in w.close_calls():
        out_console.print(Text(sentence, style="bold red"), soft_wrap=True)
    for sentence in w.binding_sentences():
        out_console.print(Text("  " + sentence), soft_wrap=True)
    alternative = w.alternative()
    if alternative:
        out_console.print(Text("  " + alternative), soft_wrap=True)
    method = results.study.method.name
    others = [m for m in results.method_ranks.columns if m != method]
    sens = results.sensitivity
    notes = [t("score: {method}", method=w.method(method))]
    if others:
        notes.append(t("rank under {methods}", methods=", ".join(w.method(m) for m in others)))
    if sens is not None:
        notes.append(
            t(
                "P(1st), P(top3), P(port.): share of weight draws in which it ranks first, in "
                "the top 3, in the best portfolio"
            )
        )
    table = Table(
        title=t("Top {n}", n=t.integer(n)),
        title_justify="left",
        caption="; ".join(notes),
        caption_justify="left",
    )
    table.add_column(t("rank"), justify="right")
    table.add_column(t("candidate"))
    table.add_column(t("score"), justify="right")
    for m in others:
        table.add_column(w.method(m), justify="right")
    if sens is not None:
        table.add_column(t("P(1st)"), justify="right")
        table.add_column(t("P(top3)"), justify="right")
        if sens.membership is not None:
            table.add_column(t("P(port.)"), justify="right")
    chosen = set(results.portfolio.ids) if results.portfolio else set()
    for cid, row in results.top(n).iterrows():
        mark = " ★" if cid in chosen else ""
        cells: list[str | Text] = [
            t.integer(int(row["rank"])),
            Text(f"{w.name(cid)}{mark}"),
            t.number(float(row["score"]), 3),
        ]
        cells += [t.integer(_num(results.method_ranks.at[cid, m])) for m in others]
        if sens is not None:
            accept = sens.acceptability.acceptability
            probs = accept.to_numpy(dtype=float)[accept.index.get_loc(str(cid))]
            cells += [t.number(float(probs[0]), 2), t.number(float(probs[:3].sum()), 2)]
            if sens.membership is not None:
                cells.append(t.number(float(sens.membership.probability.get(cid, 0.0)), 2))
        table.add_row(*cells)
    out_console.print(table)
    _summary_notes(results, w)


def _num(x: object) -> float | None:
    """A table cell as a number (None when missing)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _summary_notes(results: Results, w: Words) -> None:
    """The lines under the shortlist: robustness, reference, weights, exclusions, portfolio."""
    from siting.i18n import render

    t = w.t
    sens = results.sensitivity
    if sens is not None:
        out_console.print(
            Text(
                t(
                    "robustness: {n} weight draws (every weighting as likely), seed {seed}, "
                    "scored with the weighted sum of the values",
                    n=t.integer(sens.samples),
                    seed=str(sens.seed),
                )
            )
        )
    ref = results.reference
    if ref is not None:
        best = ref.best
        name = t.place(ref.sites.loc[best], fallback=best)
        top_id = str(results.top(1).index[0])
        out_console.print(
            Text(
                t(
                    "reference: {name} scores {score} (weighted sum); the best candidate, "
                    "{best}, reaches {share} of it",
                    name=name,
                    score=t.number(float(ref.score[best]), 3),
                    best=w.name(top_id),
                    share=t.percent(float(ref.percent[top_id]) / 100),
                )
            )
        )
    for note in results.weight_notes:
        out_console.print(Text(t("weights: {note}", note=render(note, t))))
    excluded = int((results.ranking["excluded_reason"] != "").sum())
    if excluded:
        out_console.print(
            Text(
                t.plural(
                    "{n} candidate excluded by hard constraints (see ranking.csv)",
                    "{n} candidates excluded by hard constraints (see ranking.csv)",
                    excluded,
                )
            )
        )
    if results.portfolio is not None:
        p = results.portfolio
        solver = f"{p.solver} {p.solver_version}"
        covered = (
            t("; {people} people covered", people=t.integer(p.population_covered))
            if p.population_covered is not None
            else ""
        )
        out_console.print(
            Text(
                t(
                    "portfolio (★, {status}, {solver}): {sites}; total score {total}",
                    status=w.status(p.status),
                    solver=solver,
                    sites=", ".join(w.names(p.ids)),
                    total=t.number(p.objective, 3),
                )
                + covered
            )
        )
        for i, alt in enumerate(results.alternatives, start=1):
            out_console.print(
                Text(
                    t(
                        "  alternative {i}: {sites}; total score {total}",
                        i=t.integer(i),
                        sites=", ".join(w.names(alt.ids)),
                        total=t.number(alt.objective, 3),
                    )
                )
            )


@app.command()
def surface(
    path: FileArg,
    out: OutOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running dask scheduler (tcp://host:8786): build the surface on "
            "that cluster (default: the study's engine, dask on a local cluster or numpy).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score the study's suitability surface: surface.parquet, surface.tif, best_cells.csv."""
    from siting.i18n import translator
    from siting.outputs import write_surface_set

    target = out or default_out(path)
    t = translator(lang or "en")
    try:
        with err_console.status(t("starting"), spinner="dots") as status:

            def progress(stage: str) -> None:
                if not quiet:
                    status.update(f"[bold]{t(pipeline.STAGES.get(stage, stage))}[/bold]")

            from siting.study import Study

            loaded = Study.load(path)
            if loaded.spec.surface is None:
                msg = t(
                    "{file} has no `surface:` section; add one, for example `surface: "
                    "{{resolution: 6}}` (docs/criteria.md)",
                    file=str(path),
                )
                err_console.print(Text(msg, style="bold red"))
                raise typer.Exit(code=2)
            results = pipeline.run(
                loaded,
                progress=progress,
                sensitivity=False,
                surface=True,
                portfolio=False,
                scheduler=scheduler,
            )
            t = translator(lang or results.study.language)
            status.update(f"[bold]{t('writing outputs')}[/bold]")
            written = write_surface_set(results, target, lang=t.lang)
    except SitingError as exc:
        _fail(exc, lang)
        return
    if not quiet:
        _surface_line(results, t.lang)
        out_console.print(
            Text(t("outputs in {folder}: {files}", folder=f"{target}/", files=", ".join(written)))
        )


def _surface_line(results: Results, lang: str) -> None:
    """One line on the run's surface: its cells, the kept ones and the best score."""
    from siting.i18n import translator

    grid = results.surface
    if grid is None:
        return
    t = translator(lang)
    best = float(grid.score[grid.kept].max()) if grid.kept.any() else None
    out_console.print(
        Text(
            t(
                "{cells} cells at H3 resolution {resolution}, {kept} kept; best score {best}",
                cells=t.integer(len(grid)),
                resolution=grid.resolution,
                kept=t.integer(int(grid.kept.sum())),
                best=t.number(best),
            )
        )
    )


@app.command()
def sensitivity(
    path: FileArg, out: OutOpt = None, quiet: QuietOpt = False, lang: LangOpt = None
) -> None:
    """Run a study with its robustness analysis (settings from its `sensitivity:` section)."""
    _run_and_write(path, out, quiet=quiet, sensitivity=True, lang=lang)


@app.command()
def compare(
    paths: Annotated[
        list[Path], typer.Argument(help="Two or more criteria files; the first is the baseline.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: out/compare-<a>-<b>.../)."),
    ] = None,
    k: Annotated[int, typer.Option("--top", "-k", help="Shortlist size for the overlap.")] = 10,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Compare studies: ranks by method, effective weights, portfolios by site, rank agreement."""
    from siting.compare import compare as compare_studies
    from siting.i18n import translator
    from siting.outputs.comparison import write_comparison

    if len(paths) < 2:
        _fail(SitingError("compare needs at least two criteria files"), lang)
        return
    target = out or Path("out") / ("compare-" + "-".join(default_out(p).name for p in paths))
    t = translator(lang or "en")
    try:
        with err_console.status(t("starting"), spinner="dots") as status:
            runs = []
            for p in paths:
                if not quiet:
                    status.update(f"[bold]{t('running {file}', file=str(p))}[/bold]")
                runs.append(pipeline.run(p))
            t = translator(lang or runs[0].study.language)
            status.update(f"[bold]{t('comparing')}[/bold]")
            cmp = compare_studies(runs, k=k)
            written = write_comparison(cmp, target, lang=t.lang)
    except SitingError as exc:
        _fail(exc, lang)
        return
    if quiet:
        return
    _comparison_summary(cmp, t.lang)
    folder = f"{target}/"
    out_console.print(
        Text(
            t.plural(
                "{n} difference between the files (comparison_differences.csv); outputs in "
                "{folder}: {files}",
                "{n} differences between the files (comparison_differences.csv); outputs in "
                "{folder}: {files}",
                len(cmp.differences),
                folder=folder,
                files=", ".join(written),
            )
        )
    )


def _comparison_summary(cmp: Comparison, lang: str) -> None:
    """The comparison in the terminal: warning, ranks by method, weights, portfolios, agreement."""
    from siting.i18n import translator
    from siting.messages import render_text
    from siting.outputs.words import Words

    t = translator(lang)
    words = [Words(r, t) for r in cmp.results]
    methods = [w.method(r.study.method.name) for r, w in zip(cmp.results, words, strict=True)]
    for warning in cmp.warnings:
        out_console.print(Text(render_text(warning, t), style="bold red"), soft_wrap=True)
    # ranks and scores, each study's method in its header
    ranks = cmp.ranks
    best = ranks[[f"rank_{label}" for label in cmp.labels]].min(axis=1, skipna=True)
    shown = ranks[best <= min(cmp.k, 10)].assign(_best=best).sort_values("_best", kind="stable")
    table = Table(
        title=t("Ranks and scores: the best {k} of each study", k=t.integer(min(cmp.k, 10))),
        title_justify="left",
    )
    table.add_column(t("candidate"))
    for label, method in zip(cmp.labels, methods, strict=True):
        table.add_column(Text(f"{label}\n{method}"), justify="right")
    for _, row in shown.iterrows():
        cells: list[str | Text] = [Text(_site_name(words, row["id"]))]
        for label in cmp.labels:
            rank, score = row[f"rank_{label}"], row[f"score_{label}"]
            cells.append(
                t("excluded")
                if pd.isna(rank)
                else f"{t.integer(int(rank))} · {t.number(float(score), 3)}"
            )
        table.add_row(*cells)
    out_console.print(table)
    _comparison_weights(cmp, words)
    _comparison_portfolios(cmp, words)
    agreement = Table(title=t("Rank agreement between studies"), title_justify="left")
    agreement.add_column(t("study A"))
    agreement.add_column(t("study B"))
    for head in (t("Kendall τ-b"), t("Spearman ρ"), t("top-{k} overlap", k=t.integer(cmp.k))):
        agreement.add_column(head, justify="right")
    for pair in cmp.pairs.itertuples():
        agreement.add_row(
            Text(str(pair.study_a)),
            Text(str(pair.study_b)),
            t.number(float(pair.kendall_tau_b), 2),  # type: ignore[arg-type]
            t.number(float(pair.spearman_rho), 2),  # type: ignore[arg-type]
            t.percent(float(pair.top_k_overlap)),  # type: ignore[arg-type]
        )
    out_console.print(agreement)
    out_console.print(
        Text(
            t(
                "Kendall τ-b and Spearman ρ: agreement of two rankings, 1 identical, 0 unrelated, "
                "−1 reversed; top-{k} overlap: share of the first {k} both studies name.",
                k=t.integer(cmp.k),
            ),
            style="dim",
        )
    )


def _site_name(words: list[Words], cid: object) -> str:
    """A candidate's name in the reader's language, from the first study that has it."""
    for w in words:
        if cid in w.results.ranking.index:
            return w.name(cid)
    return str(cid)


def _comparison_weights(cmp: Comparison, words: list[Words]) -> None:
    """The effective weights side by side, with their change against the baseline."""
    t = words[0].t
    table = Table(
        title=t("Weights each study uses (global, summing to 1)"),
        title_justify="left",
        caption=t("change: the weight minus the baseline's ({label})", label=cmp.labels[0]),
        caption_justify="left",
    )
    table.add_column(t("criterion"))
    for label in cmp.labels:
        table.add_column(Text(label), justify="right")
    for label in cmp.labels[1:]:
        table.add_column(Text(t("change: {label}", label=label)), justify="right")
    for _, row in cmp.weights.iterrows():
        cid = str(row["criterion"])
        label_of = next((w for w in words if cid in w.results.weights.index), words[0])
        cells: list[str | Text] = [Text(label_of.criterion(cid))]
        for label in cmp.labels:
            value = row[f"weight_{label}"]
            cells.append("–" if pd.isna(value) else t.number(float(value), 3))
        for label in cmp.labels[1:]:
            change = float(row[f"change_{label}"])
            sign = "+" if change > 0 else "−" if change < 0 else ""
            cells.append(sign + t.number(abs(change), 3))
        table.add_row(*cells)
    out_console.print(table)


def _comparison_portfolios(cmp: Comparison, words: list[Words]) -> None:
    """The portfolios lined up by site: shared, or chosen by some studies only."""
    t = words[0].t
    if cmp.portfolios.empty:
        return
    table = Table(title=t("Chosen sites, lined up by site"), title_justify="left")
    table.add_column(t("site"))
    for label in cmp.labels:
        table.add_column(Text(label), justify="center")
    table.add_column(t("status"))
    for _, row in cmp.portfolios.iterrows():
        inside = [label for label in cmp.labels if bool(row[f"in_{label}"])]
        if len(inside) == len(cmp.labels):
            status = t("shared")
        elif len(inside) == 1:
            status = t("only in {label}", label=inside[0])
        else:
            status = t("in {labels}", labels=", ".join(inside))
        cells: list[str | Text] = [Text(_site_name(words, row["id"]))]
        cells += ["★" if bool(row[f"in_{label}"]) else "" for label in cmp.labels]
        cells.append(Text(status))
        table.add_row(*cells)
    out_console.print(table)


@app.command()
def validate(path: FileArg, lang: LangOpt = None) -> None:
    """Check a criteria file, its layers and its rules without writing anything.

    Runs every stage that can find a mistake (loading, layers, measures, values, weights,
    methods, the portfolio's feasibility) and reports every problem; writes no output.  The
    messages are in --lang, else in the study's language when the file can be read that far,
    else in English.
    """
    from siting.i18n import translator

    try:
        results = pipeline.validate(path)
    except SitingError as exc:
        _fail(exc, lang=lang)
        return
    study = results.study
    t = translator(lang or study.language)
    kept = len(results.included)
    parts = [
        t.plural("{n} criterion", "{n} criteria", len(study.criteria)),
        t.plural("{n} layer", "{n} layers", len(study.layers)),
        t.plural(
            "{kept} of {n} candidate kept",
            "{kept} of {n} candidates kept",
            len(results.candidates),
            kept=t.integer(kept),
        ),
    ]
    if results.portfolio is not None:
        parts.append(t("portfolio feasible"))
    out_console.print(Text(f"{path}: " + t("OK ({details})", details=", ".join(parts))))


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of criteria files (for editors' completion and checking)."""
    text = criteria.json_schema_text()
    if out is None:
        sys.stdout.write(text)
        return
    from siting.outputs.files import write_text

    try:
        write_text(out, text)
    except SitingError as exc:
        _fail(exc)


@app.command()
def init(
    name: Annotated[
        str,
        typer.Argument(
            help="The new study: NAME writes NAME.yaml in the current folder; a path writes "
            "that file.",
            show_default=False,
        ),
    ],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            "-f",
            help="Start from a shipped profile (novosibirsk, academic_campus, biotech_city, "
            "nuclear_town, technopark) instead of the small starter study.",
            show_default=False,
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write a new, commented criteria file that runs as it is (never over an existing file)."""
    from siting.i18n import translator
    from siting.starter import write_study

    try:
        path = write_study(name, profile=from_)
    except SitingError as exc:
        _fail(exc, lang)
        return
    t = translator(lang or "en")
    shown = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
    what = (
        t("a copy of the shipped profile {profile}", profile=from_)
        if from_
        else t("a small starter study")
    )
    out_console.print(Text(t("wrote {file}: {what}", file=shown, what=what)), soft_wrap=True)
    out_console.print(
        Text(
            t(
                "next: edit it in a text editor, check it with `siting validate {file}`, run it "
                "with `siting run {file}` (see docs/tutorial.md)",
                file=shown,
            )
        ),
        soft_wrap=True,
    )


def main() -> None:  # pragma: no cover - console-script shim
    """Entry point for ``python -m siting``."""
    app()
