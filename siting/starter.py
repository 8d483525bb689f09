"""Write a new criteria file to start a study from: ``siting init NAME [--from PROFILE]``.

A planner's first file is either a small starter study (:data:`STARTER`, every key commented)
or a copy of one of the shipped profiles (``criteria/*.yaml``).  Either way the file runs as
it is written: its paths to the shipped data, and to the schema editors complete from, are
rewritten relative to where the new file is, and nothing that already exists is overwritten.

The shipped data and profiles live beside the package in a source checkout (``data/``,
``criteria/``, ``schema/``); an installation without them is told so.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import string
from pathlib import Path

from ruamel.yaml import YAML

from siting.errors import CriteriaError
from siting.i18n import N_, Msg
from siting.messages import Located, did_you_mean, listing

#: The checkout the package sits in: its shipped profiles, data and schema.
ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "criteria"
DATA = ROOT / "data"
SCHEMA = ROOT / "schema" / "criteria.schema.json"

#: Keys whose values are paths to layer files, relative to the criteria file.
_PATH_KEYS = ("candidates", "reference", "boundaries")

#: The starter study: four criteria on the shipped data, a rule, a portfolio, every key
#: commented.  ``${...}`` are filled by :func:`write_study` (``$$`` is a dollar sign).
STARTER = string.Template(
    """\
# yaml-language-server: $$schema=${schema}
#
# A starter study written by `siting init`: a science city on the Novosibirsk model, kept
# small. Every key is explained in docs/criteria.md; docs/tutorial.md walks through it.
#   siting validate ${file}    checks this file and the data it names, writes nothing
#   siting run ${file}         ranks the candidates, chooses the sites, writes the map
# Distances are great-circle kilometres; paths are relative to this file.

study: ${title}
description: >-
  Where could a science city go? Candidates are scored on research institutes and
  universities within reach, an international airport and the size of the town; three
  sites are chosen, at least 300 km apart.
language: en                      # outputs in en (English), ru (Russian) or kk (Kazakh)

# The towns that could host the science city (points with `id` and `name`).
candidates: ${data}/candidates.geojson
# Polygons drawn under the map; they also catch a file with latitude and longitude swapped.
boundaries: ${data}/boundaries.geojson
# Facility layers the criteria measure, by the name the criteria use.
layers:
  universities: ${data}/universities.geojson
  institutes: ${data}/research_institutes.geojson
  airports: ${data}/airports.geojson

# Hard rules: a candidate that fails one stays in the table, unranked, with the reason.
exclude:
  - field: population
    below: 20000
    reason: too small to host a science city (under 20,000 people)

# The portfolio: the set of sites with the best total score under these rules.
portfolio:
  sites: 3                        # choose three sites
  min_spacing_km: 300             # at least 300 km apart
  # at_most_per: {field: agglomeration, count: 1}   # or: at most one site per agglomeration

# The criteria. Each says what is measured (measure), which way is better (direction), how a
# raw value becomes a value from 0 (worst) to 1 (best) (value) and how much it counts
# (weight, relative to the others). Add yours at the end of this list.
criteria:
  - id: institutes_nearby
    label: Research institutes within reach
    # An institute within 30 km counts fully, one at 55 km half, one beyond 80 km not at all.
    measure: {count: institutes, decay: {linear: {full_km: 30, zero_km: 80}}}
    direction: benefit
    value: {piecewise: {points: [[0, 0], [1, 0.4], [5, 0.8], [15, 1]]}}
    unit: institutes
    weight: 3

  - id: university_km
    label: Distance to the nearest university with 5,000+ students
    measure: {nearest: universities, where: {students: {min: 5000}}}
    direction: cost               # nearer is better
    value: {linear: {best: 5, worst: 150}}    # 1 within 5 km, 0 from 150 km
    unit: km
    weight: 2

  - id: airport_km
    label: Distance to the nearest international airport
    measure: {nearest: airports}
    direction: cost
    value: {linear: {best: 20, worst: 250}}
    unit: km
    weight: 1

  - id: population
    label: Population of the town
    measure: {attribute: population}
    direction: benefit
    value: {piecewise: {points: [[20000, 0], [100000, 0.5], [1000000, 1]]}}
    unit: people
    weight: 1
"""
)


def shipped_profiles() -> dict[str, Path]:
    """The shipped profiles by name (``novosibirsk``, ``technopark``, ...)."""
    return {p.stem: p for p in sorted(PROFILES.glob("*.yaml"))}


def target_path(name: str | Path, folder: Path | None = None) -> Path:
    """Where ``siting init NAME`` writes: ``NAME.yaml`` in ``folder``, or the path given.

    A name without a ``.yaml`` / ``.yml`` suffix gets ``.yaml``; a relative path is taken
    from ``folder`` (default: the current folder).
    """
    path = Path(name)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    return path if path.is_absolute() else (folder or Path.cwd()) / path


def write_study(
    name: str | Path, *, profile: str | None = None, folder: Path | None = None
) -> Path:
    """Write a new criteria file that runs as it is; never overwrite one.

    Parameters
    ----------
    name
        ``NAME`` (written as ``NAME.yaml`` in ``folder``) or a path to a ``.yaml`` file; its
        folder is created when missing.
    profile
        A shipped profile to copy (:func:`shipped_profiles`); None for the starter study.
    folder
        Where a relative ``name`` is written (default: the current folder).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    CriteriaError
        When the file exists already, the profile is not a shipped one, the shipped data is
        not beside the package, or the file cannot be written.

    Examples
    --------
    >>> path = write_study("south", folder=Path(tempfile.mkdtemp()))  # doctest: +SKIP
    >>> siting.run(path).top(3)  # doctest: +SKIP
    """
    target = target_path(name, folder)
    shown = str(name)
    if target.exists() or target.is_symlink():
        raise CriteriaError(_exists(target))
    if not DATA.is_dir():
        msg = Located(
            shown,
            Msg(
                N_(
                    "the shipped data is not beside the package (looked in {folder}); run "
                    "siting from a source checkout, or write the criteria file by hand (see "
                    "docs/criteria.md)"
                ),
                folder=str(DATA),
            ),
        )
        raise CriteriaError(msg)
    folder_of = target.parent.resolve() if target.parent.exists() else target.parent.absolute()
    text = _profile_text(profile, folder_of) if profile else _starter_text(target, folder_of)
    _write_new(target, text, shown)
    return target


def _exists(target: Path) -> Located:
    return Located(
        str(target),
        Msg(
            N_(
                "the file exists already and is left as it is; choose another name, or rename "
                "or delete the existing file first"
            )
        ),
    )


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` with forward slashes (absolute when no relative path exists)."""
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _starter_text(target: Path, folder: Path) -> str:
    words = re.sub(r"[_\-.]+", " ", target.stem).strip()
    title = (words[:1].upper() + words[1:]) if words else "My study"
    return STARTER.substitute(
        schema=_relative(SCHEMA, folder),
        data=_relative(DATA, folder),
        file=target.name,
        title=_yaml_text(title),
    )


def _yaml_text(text: str) -> str:
    """``text`` as a YAML scalar: plain when that reads back the same, else double-quoted."""
    if re.fullmatch(r"[A-Za-z][\w ]*", text) and text.lower() not in ("yes", "no", "true", "false"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _profile_text(profile: str, folder: Path) -> str:
    """A shipped profile's text with its paths rewritten relative to ``folder``."""
    profiles = shipped_profiles()
    source = profiles.get(profile)
    if source is None:
        close = difflib.get_close_matches(profile, list(profiles), n=1)
        hint = did_you_mean(close[0]) if close else Msg(N_("use one of them"))
        msg = Located(
            "--from",
            Msg(
                N_("{name} is not a shipped profile ({hint}); the profiles are {names}"),
                name=repr(profile),
                hint=hint,
                names=listing(list(profiles)),
            ),
        )
        raise CriteriaError(msg)
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    data = YAML(typ="rt").load(text)
    spots: list[tuple[object, str]] = [(data, key) for key in _PATH_KEYS if key in data]
    layers = data.get("layers") or {}
    spots += [(layers, key) for key in layers]
    for mapping, key in spots:
        written = str(mapping[key])  # type: ignore[index]
        row, column = mapping.lc.value(key)  # type: ignore[attr-defined]
        moved = _relative((source.parent / written).resolve(), folder)
        line = lines[row]
        if line[column : column + len(written)] == written:
            lines[row] = line[:column] + moved + line[column + len(written) :]
        else:  # quoted in the file: replace the text inside the quotes
            lines[row] = line.replace(written, moved, 1)
    out = "".join(lines)
    return out.replace(
        "$schema=../schema/criteria.schema.json", f"$schema={_relative(SCHEMA, folder)}", 1
    )


def _write_new(target: Path, text: str, shown: str) -> None:
    """Write ``text`` to ``target`` whole or not at all, and never over an existing file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        # A hard link appears whole and fails if the name is taken, even by a file written in
        # the meantime; where links are not supported, exclusive creation does the same.
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise
        except OSError:
            with target.open("x", encoding="utf-8") as handle:
                handle.write(text)
    except FileExistsError as exc:
        raise CriteriaError(_exists(target)) from exc
    except OSError as exc:
        msg = Located(
            shown,
            Msg(
                N_("cannot write the file ({reason}); choose a folder you may write to"),
                reason=str(exc.strerror or exc),
            ),
        )
        raise CriteriaError(msg) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
