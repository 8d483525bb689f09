"""A study in memory: load it once, change it in code, run it again and again.

:class:`Study` holds a validated study (:class:`siting.spec.Study`) together with the criteria
file it came from and a cache of what is slow to redo: the layer files read from disk and the
raw values measured on them.  :meth:`Study.replace` returns a changed copy, validated like a
file (every problem together, each naming its key); the copy shares the cache, so a sweep over
weights in a loop reads and measures the layers once::

    study = Study.load("criteria/novosibirsk.yaml")
    for w in (1, 2, 3):
        results = siting.run(study.replace(weights={"university_km": w}))

What the cache keeps, and what invalidates it (every key names all an item depends on, so a hit
is what a fresh read would give):

- a layer file read (:func:`siting.layers.read_layer`), by its resolved path, its size,
  modification time (ns), inode and device, and the options it is read with: an edited or
  replaced file, or another path, is read again;
- a criterion's raw values, by its measure (as data: kind, layer, radius, field, ``where``
  filters), the file of the sites measured (the candidates, or the reference) and the file of
  every layer the measure names: changing a measure or the path of a layer it reads measures
  it again; changing a weight, a value function, an exclusion, the method or the portfolio
  re-measures nothing.

Everything else (exclusions, values, weights, scores, the portfolio) is computed afresh by
every run.  The cache holds its data for as long as the study or one of its copies is alive.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel

from siting import criteria as criteria_files
from siting.criteria import StudyFile
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.inputs import (
    input_hashes,
    measure_all,
    read_boundaries,
    read_layers,
    read_reference,
    with_reference,
)
from siting.layers import read_layer
from siting.messages import Located, did_you_mean
from siting.spec import Criterion, LocalText, Method
from siting.spec import Study as Spec

__all__ = ["Inputs", "Study"]

#: A file as the cache knows it: resolved path, size, modification time (ns), inode, device.
FileKey = tuple[str, int, int, int, int]

#: Where problems in the arguments of :meth:`Study.replace` are located.
_REPLACE = "Study.replace"


def _file_key(path: Path) -> FileKey | None:
    """The identity of a file's contents as far as the file system tells, or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (str(path), info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


class _Cache:
    """Layer files read and raw values measured, shared by a study and its changed copies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.frames: dict[tuple[Any, ...], tuple[gpd.GeoDataFrame, list[str]]] = {}
        self.raw: dict[tuple[Any, ...], np.ndarray] = {}

    def reader(self) -> _Reader:
        """A reader for one run: it records the identity of every file it reads."""
        return _Reader(self)


@dataclass
class _Reader:
    """:func:`siting.layers.read_layer` in front of the cache, for one run.

    ``keys`` records the identity each file had when it was read (taken before reading), so
    that the raw values measured on it are cached under the same identity.
    """

    cache: _Cache
    keys: dict[Path, FileKey | None] = dataclasses.field(default_factory=dict)

    def read(
        self, path: str | Path, *, problems: list[str] | None = None, **options: Any
    ) -> gpd.GeoDataFrame:
        """Read a layer file as :func:`~siting.layers.read_layer` does, once per identity."""
        path = Path(path)
        file = _file_key(path)
        self.keys[path] = file
        if file is None:
            return read_layer(path, problems=problems, **options)
        # Without a list to collect them in, problems in the file raise (nothing is kept); the
        # two ways of reading are kept apart.
        collect = problems is not None
        key = (file, collect, tuple(sorted((k, repr(v)) for k, v in options.items())))
        with self.cache._lock:
            hit = self.cache.frames.get(key)
        if hit is None:
            found: list[str] = []
            frame = read_layer(path, problems=found if collect else None, **options)
            hit = (frame, found)
            with self.cache._lock:
                self.cache.frames[key] = hit
        frame, found = hit
        if problems is not None:
            problems += found
        # A copy: a run (or a notebook) may change its frames without changing the cache's.
        return frame.copy()


@dataclass(frozen=True)
class Inputs:
    """What a run reads: the layers, the reference, the boundaries, and the files' hashes.

    Attributes
    ----------
    candidates, layers
        As :func:`siting.inputs.read_layers` returns them.
    reference_sites, reference_facilities
        As :func:`siting.inputs.read_reference` returns them (None and empty without one).
    boundaries
        As :func:`siting.inputs.read_boundaries` returns them.
    hashes
        As :func:`siting.inputs.input_hashes` returns them.
    files
        The identity of every file read, by resolved path (the cache's keys).
    """

    candidates: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    reference_sites: gpd.GeoDataFrame | None
    reference_facilities: dict[str, gpd.GeoDataFrame]
    boundaries: gpd.GeoDataFrame | None
    hashes: dict[Path, str]
    files: dict[Path, FileKey | None]


class Study:
    """A validated study in memory: change it in code, run it with :func:`siting.run`.

    Build one with :meth:`load`; :meth:`replace` returns a changed copy.  A study is never
    changed in place: every copy is validated as a whole and can be run, compared or written.

    Parameters
    ----------
    source
        The validated study and the criteria file it came from (:func:`siting.criteria.load`).

    Examples
    --------
    >>> study = Study.load("tests/fixtures/tiny/study.yaml")
    >>> study.weights.to_dict()
    {'university_km': 1.0, 'institutes_100km': 1.0, 'population': 1.0}
    >>> study.replace(weights={"population": 3}).weights["population"]
    np.float64(3.0)
    """

    def __init__(self, source: StudyFile, *, _cache: _Cache | None = None) -> None:
        self._source = source
        self._cache = _cache if _cache is not None else _Cache()

    # ------------------------------------------------------------------ reading

    @classmethod
    def load(cls, path: str | Path) -> Study:
        """Read and validate a criteria file (YAML).

        Raises
        ------
        siting.errors.CriteriaError
            Every problem of the file, each at its line (as ``siting validate`` prints them).
        """
        return cls(criteria_files.load(path))

    # ------------------------------------------------------------------ what it is

    @property
    def spec(self) -> Spec:
        """The validated study (:class:`siting.spec.Study`), as :attr:`Results.study` holds it."""
        return self._source.study

    @property
    def source(self) -> StudyFile:
        """The study with the criteria file it came from (paths are relative to its folder)."""
        return self._source

    @property
    def path(self) -> Path:
        """The criteria file, absolute."""
        return self._source.path

    @property
    def changed(self) -> bool:
        """True when the study was changed in code after its file was read."""
        return self._source.changed

    @property
    def title(self) -> str:
        """The study's title (``study:`` in the file)."""
        return str(self.spec.study)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """The criteria, in the file's order."""
        return tuple(self.spec.criteria)

    @property
    def method(self) -> Method:
        """The MCDA method and the methods compared with it."""
        return self.spec.method

    @property
    def weights(self) -> pd.Series:
        """Each criterion's weight as written (relative; NaN where derived), by criterion id.

        The weights a run uses (normalised, through groups, AHP or objective methods) are
        :attr:`siting.results.Results.weights`.
        """
        return pd.Series(
            [np.nan if c.weight is None else float(c.weight) for c in self.spec.criteria],
            index=pd.Index([c.id for c in self.spec.criteria], name="criterion"),
            dtype=float,
            name="weight",
        )

    def to_dict(self) -> dict[str, Any]:
        """The study as plain data, keys as in a criteria file (what :meth:`replace` changes)."""
        return self.spec.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def __repr__(self) -> str:
        """``Study('Tiny fixture': 3 criteria, weighted_sum, tests/.../study.yaml)``."""
        where = str(self._source.shown or self.path)
        changed = ", changed in code" if self.changed else ""
        return (
            f"Study({self.title!r}: {len(self.spec.criteria)} criteria, "
            f"{self.spec.method.name}, {where}{changed})"
        )

    # ------------------------------------------------------------------ changing it

    def replace(
        self,
        *,
        weights: Mapping[str, Any] | pd.Series | None = None,
        group_weights: Mapping[str, Any] | pd.Series | None = None,
        criteria: Mapping[str, Any] | Sequence[Any] | None = None,
        method: str | Mapping[str, Any] | None = None,
        **keys: Any,
    ) -> Study:
        """A copy of the study with some of its parts changed, validated as a whole.

        Parameters
        ----------
        weights
            Criterion id → weight (as ``weight:`` in the file: relative, >= 0).
        group_weights
            Group id → the group's weight.
        criteria
            Criterion id → the keys to change in that criterion (``{"university_km":
            {"value": {"linear": {"best": 5, "worst": 200}}}}``); a key set to None is
            removed, and a criterion set to None is removed from the study.  A list replaces
            every criterion (each as in the file).
        method
            The main method's name (``"topsis"``), or keys of the ``method:`` section to change
            (``{"name": "vikor", "vikor": {"v": 0.3}}``).
        **keys
            Any other key of a criteria file (``exclude``, ``portfolio``, ``groups``,
            ``layers``, ``sensitivity``, ``map``, ``seed``, ``language``, ``study`` ...), and
            ``weighting`` for the file's ``weights:`` section (how weights are derived), each
            in the file's form.  A mapping changes the keys it names in a section that is a
            mapping (``portfolio={"sites": 4}`` keeps the other rules); None removes the key
            (``portfolio=None``: no portfolio).

        The file's sections (``**keys``) are changed first, then ``criteria``, ``method``,
        ``weights`` and ``group_weights``.

        Returns
        -------
        Study
            The changed copy; it shares this study's cache of layers and measured values.

        Raises
        ------
        siting.errors.CriteriaError
            Every problem at once: ids that are not in the study, keywords that are not keys
            of a criteria file, and every problem of the changed study, each naming its key
            (``criteria[2].weight``) and saying what to write.
        """
        # The sections first, then the criteria, then the changes within them, so that
        # ``criteria=[...]`` with ``weights={...}`` weighs the new criteria.
        given = {
            **keys,
            "criteria": criteria,
            "method": method,
            "weights": weights,
            "group_weights": group_weights,
        }
        given = {k: v for k, v in given.items() if k in keys or v is not None}
        if not given:
            return self
        data = self.to_dict()
        problems: list[Located] = []
        for keyword, value in given.items():
            _apply(data, keyword, _plain(value), problems)
        source = criteria_files.from_data(data, like=self._source, problems=problems)
        return Study(source, _cache=self._cache)

    # ------------------------------------------------------------------ running it

    def read_inputs(self) -> Inputs:
        """Read what a run of the study reads, through the cache (the pipeline's first stage).

        Raises
        ------
        siting.errors.DataError
            As :func:`siting.inputs.read_layers` and :func:`~siting.inputs.read_reference`.
        """
        source = self._source
        reader = self._cache.reader()
        candidates, layers = read_layers(source, read=reader.read)
        ref_sites, ref_facilities = read_reference(source, layers, read=reader.read)
        boundaries = read_boundaries(source, read=reader.read)
        return Inputs(
            candidates=candidates,
            layers=layers,
            reference_sites=ref_sites,
            reference_facilities=ref_facilities,
            boundaries=boundaries,
            hashes=input_hashes(source),
            files=dict(reader.keys),
        )

    def measure(self, inputs: Inputs) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Raw values of the candidates and of the reference sites, through the cache.

        Returns
        -------
        tuple
            Candidate × criterion raw values, and reference site × criterion (None without a
            reference), as :func:`siting.inputs.measure_all` gives them.
        """
        study, files = self.spec, inputs.files
        candidates_file = files.get(self._source.resolve(study.candidates))
        raw = self._measured(
            inputs.candidates, inputs.layers, ("candidates", candidates_file), files
        )
        if inputs.reference_sites is None or study.reference is None:
            return raw, None
        reference_file = files.get(self._source.resolve(study.reference))
        ref_raw = self._measured(
            inputs.reference_sites,
            with_reference(inputs.layers, inputs.reference_facilities),
            # the reference's own facilities join the study's layers, so its file is in every key
            ("reference", reference_file, candidates_file),
            files,
        )
        return raw, ref_raw

    def _measured(
        self,
        sites: gpd.GeoDataFrame,
        layers: dict[str, gpd.GeoDataFrame],
        what: tuple[Any, ...],
        files: Mapping[Path, FileKey | None],
    ) -> pd.DataFrame:
        """:func:`siting.inputs.measure_all`, each criterion measured once per key."""
        source, study, cache = self._source, self.spec, self._cache
        keys = {c.id: self._raw_key(c, what, files) for c in study.criteria}
        with cache._lock:
            known = {cid: cache.raw[key] for cid, key in keys.items() if key in cache.raw}
        todo = [c for c in study.criteria if c.id not in known]
        if todo:
            part = dataclasses.replace(source, study=study.model_copy(update={"criteria": todo}))
            try:
                measured = measure_all(part, sites, layers)
            except DataError:
                # Measured again as a whole, so that each problem names its criterion's place
                # in the study (criteria[3]), not its place in the part measured here.
                measure_all(source, sites, layers)
                raise
            for c in todo:
                column = measured[c.id].to_numpy(dtype=float, copy=True)
                column.flags.writeable = False
                known[c.id] = column
                key = keys[c.id]
                if key is not None:
                    with cache._lock:
                        cache.raw[key] = column
        # copies: a run may change its tables without changing the cache's
        columns = {c.id: np.array(known[c.id]) for c in study.criteria}
        return pd.DataFrame(columns, index=sites.index)

    def _raw_key(
        self, crit: Criterion, what: tuple[Any, ...], files: Mapping[Path, FileKey | None]
    ) -> tuple[Any, ...] | None:
        """All a criterion's raw values depend on; None when a file's identity is unknown."""
        if any(part is None for part in what[1:]):
            return None
        measure = crit.measure.model_dump(mode="json", by_alias=True)
        layer_files = []
        # every layer the measure names (today one; a measure of two layers would name both)
        for name in sorted(set(_strings(measure)) & set(self.spec.layers)):
            file = files.get(self._source.resolve(self.spec.layers[name]))
            if file is None:
                return None
            layer_files.append((name, file))
        return (*what, json.dumps(measure, sort_keys=True), tuple(layer_files))


# --------------------------------------------------------------------------- replace's parts


def _strings(value: Any) -> Iterator[str]:
    """Every text inside plain data (the layer names a measure refers to, among others)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _plain(value: Any) -> Any:
    """A value given in code as plain data in a criteria file's form.

    Models become their data, paths and texts in several languages their file form, numpy
    numbers Python numbers, a pandas Series a mapping; everything else is left to validation.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, LocalText):
        return dict(value.translations) if value.translations else str(value)
    if isinstance(value, pd.Series):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


#: Keywords of :meth:`Study.replace` that are not keys of a criteria file, and the file's
#: ``weights:`` section, whose keyword is ``weighting`` (``weights`` gives criteria weights).
_KEYWORDS = ("weights", "group_weights", "criteria", "method", "weighting")


def _file_keys() -> list[str]:
    return [info.alias or name for name, info in Spec.model_fields.items()]


def _problem(key: str, text: Msg) -> Located:
    return Located(_REPLACE, text, key=key)


def _by_id(
    keyword: str, value: Any, ids: Sequence[str], what: str, problems: list[Located]
) -> dict[str, Any]:
    """``value`` as a mapping from ids of ``ids``; problems for anything else."""
    if not isinstance(value, Mapping):
        problems.append(
            _problem(
                keyword,
                Msg(
                    N_("expected a mapping of {what} id to value, such as {example}; got {value}"),
                    what=what,
                    example=f"{{{ids[0]!r}: 2}}" if ids else "{'id': 2}",
                    value=repr(value)[:80],
                ),
            )
        )
        return {}
    out = {}
    for key, item in value.items():
        if key not in ids:
            close = difflib.get_close_matches(str(key), list(ids), n=1)
            hint = (
                did_you_mean(close[0])
                if close
                else Msg(N_("the ids are {ids}"), ids=", ".join(ids) or "-")
            )
            problems.append(
                _problem(
                    f"{keyword}[{key!r}]",
                    Msg(
                        N_("{id} is not a {what} of this study; {hint}"),
                        id=repr(key),
                        what=what,
                        hint=hint,
                    ),
                )
            )
            continue
        out[key] = item
    return out


def _merge(section: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping section with the keys ``changes`` names replaced (None removes a key)."""
    out = dict(section) if isinstance(section, Mapping) else {}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _apply(data: dict[str, Any], keyword: str, value: Any, problems: list[Located]) -> None:
    """Apply one keyword of :meth:`Study.replace` to the study's data."""
    crits = data.get("criteria", [])
    ids = [str(c.get("id")) for c in crits]
    if keyword == "weights":
        for cid, weight in _by_id(keyword, value, ids, Msg(N_("criterion")), problems).items():
            crits[ids.index(cid)]["weight"] = weight
    elif keyword == "group_weights":
        groups = data.get("groups") or {}
        for gid, weight in _by_id(keyword, value, list(groups), Msg(N_("group")), problems).items():
            groups[gid] = {**groups[gid], "weight": weight}
    elif keyword == "criteria":
        _apply_criteria(data, value, ids, problems)
    elif keyword == "method":
        _apply_method(data, value, problems)
    else:
        _apply_key(data, keyword, value, problems)


def _apply_criteria(
    data: dict[str, Any], value: Any, ids: list[str], problems: list[Located]
) -> None:
    """``criteria=``: a list replaces every criterion; a mapping changes criteria by id."""
    if isinstance(value, list):
        data["criteria"] = value
        return
    changes = _by_id("criteria", value, ids, Msg(N_("criterion")), problems)
    kept = []
    for cid, crit in zip(ids, data["criteria"], strict=True):
        change = changes.get(cid, {})
        if cid in changes and change is None:
            continue  # removed
        if not isinstance(change, Mapping):
            problems.append(
                _problem(
                    f"criteria[{cid!r}]",
                    Msg(
                        N_(
                            "expected the keys to change, such as {example}, or None to "
                            "remove the criterion; got {value}"
                        ),
                        example="{'weight': 2}",
                        value=repr(change)[:80],
                    ),
                )
            )
            change = {}
        kept.append(_merge(crit, change))
    data["criteria"] = kept


def _apply_method(data: dict[str, Any], value: Any, problems: list[Located]) -> None:
    """``method=``: a name, or keys of the ``method:`` section."""
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        problems.append(
            _problem(
                "method",
                Msg(
                    N_(
                        "expected a method's name such as {example}, or keys of the `method:` "
                        "section; got {value}"
                    ),
                    example="'topsis'",
                    value=repr(value)[:80],
                ),
            )
        )
        return
    data["method"] = _merge(data.get("method"), value)


def _apply_key(data: dict[str, Any], keyword: str, value: Any, problems: list[Located]) -> None:
    """Any other key of a criteria file (``weighting`` for its ``weights:`` section)."""
    key = "weights" if keyword == "weighting" else keyword
    known = [k for k in _file_keys() if k not in ("weights", "criteria", "method")]
    if key != "weights" and key not in known:
        options = [*_KEYWORDS, *known]
        close = difflib.get_close_matches(keyword, options, n=1)
        hint = (
            did_you_mean(close[0])
            if close
            else Msg(N_("use one of {keys}"), keys=", ".join(options))
        )
        problems.append(
            _problem(keyword, Msg(N_("not a key of a criteria file; {hint}"), hint=hint))
        )
        return
    if value is None:
        data.pop(key, None)
    elif isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
        data[key] = _merge(data[key], value)
    else:
        data[key] = value
