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

PACKAGES = (
    "siting", "numpy", "pandas", "scipy", "geopandas", "shapely", "pyproj", "pyogrio",
    "pulp", "highspy", "folium", "matplotlib", "pydantic", "ruamel.yaml",
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
    folder = results.source.parent
    study = results.study
    files = [results.source, (folder / study.candidates).resolve()]
    files += [(folder / p).resolve() for p in study.layers.values()]
    files += [(folder / p).resolve() for p in (study.reference, study.boundaries) if p is not None]
    return list(dict.fromkeys(files))


def manifest(results: Results, outputs: dict[str, Path]) -> dict[str, Any]:
    """The manifest as a dictionary (see :func:`write_manifest`)."""
    data: dict[str, Any] = {
        "study": results.study.study,
        "criteria_file": str(results.source),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {str(p): sha256(p) for p in input_files(results)},
        "seed": results.study.seed,
        "versions": versions(),
        "timings_s": {k: round(v, 4) for k, v in results.timings.items()},
        "outputs": {name: sha256(p) for name, p in outputs.items()},
    }
    if results.portfolio is not None:
        p = results.portfolio
        data["solver"] = {"name": p.solver, "version": p.solver_version, "status": p.status}
    if results.sensitivity is not None:
        data["sensitivity"] = results.sensitivity.options
    return data


def write_manifest(results: Results, path: Path, outputs: dict[str, Path]) -> Path:
    """Write manifest.json with input hashes, versions, seed, timings and output hashes."""
    return write_text(path, json.dumps(manifest(results, outputs), indent=2) + "\n")
