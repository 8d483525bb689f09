"""manifest.json: what went in (file hashes), with what (versions, seed) and how long it took."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from siting.outputs.files import write_text
from siting.results import Results

#: The manifest's file name; it is written last and names every other file of the set.
MANIFEST = "manifest.json"

PACKAGES = (
    "siting", "numpy", "pandas", "scipy", "geopandas", "shapely", "pyproj", "pyogrio",
    "pulp", "highspy", "folium", "matplotlib", "pydantic", "ruamel.yaml", "h3", "h3ronpy",
    "dask", "distributed", "rasterio",
)  # fmt: skip


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Installed versions of Python and the packages a run depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_files(results: Results) -> list[Path]:
    """The criteria file and every layer file it names (candidates, layers, reference, boundaries)."""
    return list(results.inputs)


def manifest(
    results: Results, outputs: dict[str, Path], *, timings: dict[str, float] | None = None
) -> dict[str, Any]:
    """The manifest as a dictionary (see :func:`write_manifest`)."""
    data: dict[str, Any] = {
        "study": results.study.study,
        "criteria_file": str(results.source),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {str(p): digest for p, digest in results.inputs.items()},
        "seed": results.study.seed,
        "versions": versions(),
        "timings_s": {k: round(v, 4) for k, v in results.timings.items()},
        "output_timings_s": {k: round(v, 4) for k, v in (timings or {}).items()},
        "outputs": {name: sha256(p) for name, p in outputs.items()},
    }
    if results.changed_in_code:
        # the criteria file no longer describes the study (Study.replace): record the study
        data["changed_in_code"] = True
        data["study_spec"] = results.study.model_dump(mode="json", by_alias=True)
    if results.portfolio is not None:
        p = results.portfolio
        data["solver"] = {"name": p.solver, "version": p.solver_version, "status": p.status}
    if results.sensitivity is not None:
        data["sensitivity"] = results.sensitivity.options
    if results.surface is not None:
        grid = results.surface
        data["surface"] = {
            "resolution": grid.resolution,
            "cells": len(grid),
            "kept": int(grid.kept.sum()),
            "engine": grid.engine,
            "method": grid.method,
            "timings_s": {k: round(v, 4) for k, v in grid.timings.items()},
        }
    return data


def write_manifest(
    results: Results,
    path: Path,
    outputs: dict[str, Path],
    *,
    timings: dict[str, float] | None = None,
) -> Path:
    """Write manifest.json with input hashes, versions, seed, timings and output hashes.

    ``timings`` are the seconds each output took to write (``output_timings_s``); the stages'
    are the run's own (``timings_s``).
    """
    data = manifest(results, outputs, timings=timings)
    return write_text(path, json.dumps(data, indent=2) + "\n")


def recorded_outputs(path: Path) -> dict[str, str] | None:
    """The outputs a manifest.json records, name → SHA-256, or None if it is not siting's.

    Parameters
    ----------
    path
        A ``manifest.json``; it may be missing, unreadable, or another tool's file.

    Returns
    -------
    dict or None
        Only plain file names (a tampered manifest must not reach outside its folder) with
        hexadecimal hashes; None when the file is not a manifest this tool wrote (missing, not
        JSON, or without the ``outputs`` and ``criteria_file`` keys every manifest has).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "criteria_file" not in data:
        return None
    outputs = data.get("outputs")
    if not isinstance(outputs, dict):
        return None
    return {
        name: digest
        for name, digest in outputs.items()
        if isinstance(name, str)
        and name == Path(name).name
        and name not in ("", ".", "..", MANIFEST)
        and isinstance(digest, str)
        and len(digest) == 64
    }
