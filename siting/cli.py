"""Command line: each command parses its options, makes one library call and prints.

Exit codes: 0 success, 2 a mistake in the input (message, no traceback), 1 a bug.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siting import criteria, pipeline
from siting.errors import SitingError
from siting.results import Results
from siting.spec import Language

if TYPE_CHECKING:
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
    """Compare studies: rank changes, rank correlations, top-k overlap, portfolios, file differences."""
    from siting.compare import compare as compare_studies
    from siting.i18n import translator
    from siting.outputs.comparison import write_comparison
    from siting.outputs.words import Words

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
    table = Table(title=t("Rank agreement between studies"), title_justify="left")
    table.add_column(t("study A"))
    table.add_column(t("study B"))
    for head in (t("Kendall τ-b"), t("Spearman ρ"), t("top-{k} overlap", k=t.integer(k))):
        table.add_column(head, justify="right")
    for row in cmp.pairs.itertuples():
        table.add_row(
            Text(str(row.study_a)),
            Text(str(row.study_b)),
            t.number(float(row.kendall_tau_b), 2),  # type: ignore[arg-type]
            t.number(float(row.spearman_rho), 2),  # type: ignore[arg-type]
            t.percent(float(row.top_k_overlap)),  # type: ignore[arg-type]
        )
    out_console.print(table)
    ports = Table(title=t("Chosen sites"), title_justify="left")
    columns = []
    for label, r in zip(cmp.labels, cmp.results, strict=True):
        ports.add_column(Text(label))
        names = Words(r, t).names(r.portfolio.ids) if r.portfolio is not None else []
        columns.append(names)
    for i in range(max((len(c) for c in columns), default=0)):
        ports.add_row(*(Text(c[i] if i < len(c) else "") for c in columns))
    out_console.print(ports)
    folder = f"{target}/"
    out_console.print(
        Text(
            t.plural(
                "{n} difference between the files; outputs in {folder}: {files}",
                "{n} differences between the files; outputs in {folder}: {files}",
                len(cmp.differences),
                folder=folder,
                files=", ".join(written),
            )
        )
    )
    out_console.print(
        Text(
            t(
                "Kendall τ-b and Spearman ρ: agreement of two rankings, 1 identical, 0 unrelated, "
                "−1 reversed; top-{k} overlap: share of the first {k} both studies name.",
                k=t.integer(k),
            ),
            style="dim",
        )
    )


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


def main() -> None:  # pragma: no cover - console-script shim
    """Entry point for ``python -m siting``."""
    app()
