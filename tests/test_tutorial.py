"""docs/tutorial.md runs as written: every shell command, in order, in an empty folder.

The tutorial's ``sh`` blocks are run one after the other, each in the folder the previous one
left (so ``cd`` carries on), with the project's ``siting`` first on the path.  A block must
succeed, unless an ``<!-- expect: exit N -->`` line just before it says it fails on purpose.
The ``text`` block after a command shows lines of its output: each must appear in what the
command printed (spaces and line breaks aside, since the console wraps long lines).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"

_FENCE = re.compile(r"(?:<!-- expect: exit (\d+) -->\n)?```(\w+)\n(.*?)```", re.DOTALL)


@dataclass
class Step:
    """One ``sh`` block, the exit code it must end with, and the output lines it must print."""

    code: str
    exit: int
    shows: list[str]


def steps(text: str) -> list[Step]:
    """The tutorial's commands in order, each with the ``text`` block that follows it."""
    out: list[Step] = []
    for match in _FENCE.finditer(text):
        expect, kind, body = match.groups()
        if kind == "sh":
            out.append(Step(body, int(expect or 0), []))
        elif kind == "text" and out and not out[-1].shows:
            out[-1].shows = [line for line in body.splitlines() if line.strip()]
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    found = steps(TUTORIAL.read_text(encoding="utf-8"))
    assert len(found) >= 6
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "100",
        "NO_COLOR": "1",
    }
    here = tmp_path
    for k, step in enumerate(found, 1):
        marker = tmp_path / ".pwd"
        script = f"set -e\n{step.code}\npwd > '{marker}'\n"
        run = subprocess.run(
            ["bash", "-c", script], cwd=here, env=env, capture_output=True, text=True, timeout=120
        )
        output = run.stdout + run.stderr
        assert "Traceback" not in output, output
        if step.exit:
            assert run.returncode == step.exit, f"step {k}:\n{step.code}\n{output}"
        else:
            assert run.returncode == 0, f"step {k}:\n{step.code}\n{output}"
            here = Path(marker.read_text().strip())
        for line in step.shows:
            assert _flat(line) in _flat(output), f"step {k} did not print {line!r}:\n{output}"
    # where the planner ends: a map, a study with the south in it, a copy of a profile
    study = tmp_path / "south-study"
    assert (study / "out" / "south" / "map.html").stat().st_size > 100_000
    ranking = pd.read_csv(study / "out" / "south" / "ranking.csv", dtype={"id": str})
    assert ranking.set_index("id").at["almaty", "raw_south"] == 1.0
    assert "\n  at_most_per: {field: agglomeration" in (study / "south.yaml").read_text()
    assert (study / "nsk.yaml").is_file()


def test_the_steps_are_read_with_their_outputs() -> None:
    text = (
        "```sh\nsiting init a\n```\n\n```text\nwrote a.yaml\n```\n"
        "<!-- expect: exit 2 -->\n```sh\nsiting validate b.yaml\n```\n```yaml\nx: 1\n```\n"
    )
    assert steps(text) == [
        Step("siting init a\n", 0, ["wrote a.yaml"]),
        Step("siting validate b.yaml\n", 2, []),
    ]
