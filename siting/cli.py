"""Command line: each command parses its options, makes one library call and prints.

Exit codes: 0 success, 2 a mistake in the input (message, no traceback), 1 a bug.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siting import criteria, pipeline
from siting.errors import SitingError
from siting.results import Results
from siting.spec import Language

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Site selection for science cities: score candidates, choose a portfolio, map it.",
)
out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

FileArg = Annotated[Path, typer.Argument(help="Criteria file (YAML).", show_default=False)]


def _fail(exc: SitingError) -> None:
    err_console.print(Text(f"error: {len(exc.problems)} problem(s)", style="bold red"))
    for problem in exc.problems:
        err_console.print(Text(problem), soft_wrap=True)
    for note in exc.notes:
        err_console.print(Text(f"note: {note}"), soft_wrap=True)
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
    from siting.outputs import write_all

    target = out or default_out(path)
    try:
        with err_console.status("starting", spinner="dots") as status:

            def progress(stage: str) -> None:
                if not quiet:
                    status.update(f"[bold]{stage}[/bold]")

            results = pipeline.run(path, progress=progress, sensitivity=sensitivity)
            status.update("[bold]writing outputs[/bold]")
            written = write_all(results, target, lang=lang)
    except SitingError as exc:
        _fail(exc)
        return
    if not quiet:
        _summary(results)
        out_console.print(Text(f"outputs in {target}/: " + ", ".join(written)))


@app.command()
def run(path: FileArg, out: OutOpt = None, quiet: QuietOpt = False, lang: LangOpt = None) -> None:
    """Run a study: rank the candidates, choose the portfolio, write tables, map and manifest."""
    _run_and_write(path, out, quiet=quiet, sensitivity=None, lang=lang)


def _summary(results: Results, n: int = 10) -> None:
    """The shortlist with, when computed, its ranks under other methods and its robustness."""
    out_console.print(Text(f"{results.study.study}: top {n}", style="bold"))
    others = [m for m in results.method_ranks.columns if m != results.study.method.name]
    sens = results.sensitivity
    notes = [f"score: {results.study.method.name}"]
    if others:
        notes.append("rank under " + ", ".join(others))
    if sens is not None:
        notes.append(
            "P(1st), P(top3), P(port.): share of weight draws in which it ranks first, "
            "in the top 3, in the optimal portfolio"
        )
    table = Table(caption="; ".join(notes), caption_justify="left")
    table.add_column("rank", justify="right")
    table.add_column("candidate")
    table.add_column("score", justify="right")
    for method in others:
        table.add_column(method.replace("_", " "), justify="right")
    if sens is not None:
        table.add_column("P(1st)", justify="right")
        table.add_column("P(top3)", justify="right")
        if sens.membership is not None:
            table.add_column("P(port.)", justify="right")
    chosen = set(results.portfolio.ids) if results.portfolio else set()
    for cid, row in results.top(n).iterrows():
        mark = " ★" if cid in chosen else ""
        cells: list[str | Text] = [
            str(row["rank"]),
            Text(f"{row['name']}{mark}"),
            f"{row['score']:.3f}",
        ]
        cells += [str(results.method_ranks.at[cid, m]) for m in others]
        if sens is not None:
            probs = sens.acceptability.acceptability.loc[str(cid)]
            cells += [f"{probs.iloc[0]:.2f}", f"{probs.iloc[:3].sum():.2f}"]
            if sens.membership is not None:
                cells.append(f"{sens.membership.probability.get(cid, 0.0):.2f}")
        table.add_row(*cells)
    out_console.print(table)
    _summary_notes(results)


def _summary_notes(results: Results) -> None:
    """The lines under the shortlist: robustness, reference, weights, exclusions, portfolio."""
    sens = results.sensitivity
    if sens is not None:
        out_console.print(
            Text(
                f"robustness: {sens.samples:,} weight draws (uniform on the simplex), seed "
                f"{sens.seed}, scored with the weighted sum of the values"
            )
        )
    ref = results.reference
    if ref is not None:
        best = ref.best
        name = ref.sites.at[best, "name"]
        top_id = results.top(1).index[0]
        share = ref.percent[top_id]
        out_console.print(
            Text(
                f"reference: {name} scores {ref.score[best]:.3f} (weighted sum); "
                f"the best candidate, {results.ranking['name'].at[top_id]}, reaches {share:.0f} % of it"
            )
        )
    for note in results.weight_notes:
        out_console.print(Text(f"weights: {note}"))
    excluded = int((results.ranking["excluded_reason"] != "").sum())
    if excluded:
        out_console.print(
            Text(f"{excluded} candidate(s) excluded by hard constraints (see ranking.csv)")
        )
    if results.portfolio is not None:
        p = results.portfolio
        names = ", ".join(results.ranking.loc[p.ids, "name"])
        covered = (
            f"; {p.population_covered:,.0f} people covered"
            if p.population_covered is not None
            else ""
        )
        out_console.print(
            Text(
                f"portfolio (★, {p.status}, {p.solver} {p.solver_version}): {names}; "
                f"total score {p.objective:.3f}{covered}"
            )
        )
        for sentence in p.binding:
            out_console.print(Text(f"  binding: {sentence}"))
        for i, alt in enumerate(results.alternatives, start=1):
            alt_names = ", ".join(results.ranking.loc[alt.ids, "name"])
            out_console.print(
                Text(f"  alternative {i}: {alt_names}; total score {alt.objective:.3f}")
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
) -> None:
    """Compare studies: rank changes, rank correlations, top-k overlap, portfolios, file differences."""
    from siting.compare import compare as compare_studies
    from siting.outputs.comparison import write_comparison

    if len(paths) < 2:
        _fail(SitingError("compare needs at least two criteria files"))
        return
    target = out or Path("out") / ("compare-" + "-".join(default_out(p).name for p in paths))
    try:
        with err_console.status("starting", spinner="dots") as status:
            runs = []
            for p in paths:
                if not quiet:
                    status.update(f"[bold]running {p}[/bold]")
                runs.append(pipeline.run(p))
            status.update("[bold]comparing[/bold]")
            cmp = compare_studies(runs, k=k)
            written = write_comparison(cmp, target)
    except SitingError as exc:
        _fail(exc)
        return
    if quiet:
        return
    table = Table(title="rank agreement between studies", title_justify="left")
    for col in ("study_a", "study_b", "kendall_tau_b", "spearman_rho", "top_k_overlap"):
        table.add_column(col, justify="right" if col not in ("study_a", "study_b") else "left")
    for row in cmp.pairs.itertuples():
        table.add_row(
            Text(str(row.study_a)),
            Text(str(row.study_b)),
            f"{row.kendall_tau_b:.2f}",
            f"{row.spearman_rho:.2f}",
            f"{row.top_k_overlap:.2f}",
        )
    out_console.print(table)
    ports = Table(title="portfolios", title_justify="left")
    for col in cmp.portfolios.columns:
        ports.add_column(Text(str(col)))
    for row in cmp.portfolios.itertuples(index=False):
        ports.add_row(*(Text(str(v)) for v in row))
    out_console.print(ports)
    out_console.print(
        Text(
            f"{len(cmp.differences)} difference(s) between the files; outputs in {target}/: "
            + ", ".join(written)
        )
    )


@app.command()
def validate(path: FileArg) -> None:
    """Check a criteria file, its layers and its rules without writing anything.

    Runs every stage that can find a mistake (loading, layers, measures, values, weights,
    methods, the portfolio's feasibility) and reports every problem; writes no output.
    """
    try:
        results = pipeline.validate(path)
    except SitingError as exc:
        _fail(exc)
        return
    study = results.study
    kept = len(results.included)
    out_console.print(
        Text(
            f"{path}: OK ({len(study.criteria)} criteria, {len(study.layers)} layers, "
            f"{kept} of {len(results.candidates)} candidates kept"
            + (", portfolio feasible" if results.portfolio is not None else "")
            + ")"
        )
    )


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
