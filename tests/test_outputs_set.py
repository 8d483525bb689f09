"""A run's outputs as one set: stopped runs, full disks, inputs, users' files, locks, bytes.

``--out`` must always hold one complete set (the previous run's or this one's) that matches
its manifest.json, keep the files this tool did not write, never replace an input, and two
identical runs must give identical bytes.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from siting import pipeline
from siting.cli import app
from siting.errors import OutputError
from siting.outputs import publish, write_all
from siting.outputs.files import write_text
from siting.results import Results
from tests.conftest import TINY

CLI = [sys.executable, "-c", "from siting.cli import app; app()"]
RUN_NAMES = {
    "ranking.csv",
    "results.gpkg",
    "ranking.parquet",
    "ranking.xlsx",
    "map.html",
    "map.png",
    "report.html",
}


# -- helpers --------------------------------------------------------------------------------


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def complete_set(out: Path, *, own: set[str] = frozenset()) -> dict:
    """Assert ``out`` holds exactly one set matching its manifest (plus ``own`` files)."""
    manifest = json.loads((out / "manifest.json").read_text())
    outputs = manifest["outputs"]
    for name, digest in outputs.items():
        assert sha(out / name) == digest, f"{name} does not match manifest.json"
    entries = {p.name for p in out.iterdir()}
    assert entries == set(outputs) | {"manifest.json"} | set(own), entries
    return manifest


def leftovers(out: Path) -> list[str]:
    """Hidden folders of this tool beside or inside ``out`` (the lock file aside)."""
    beside = [p.name for p in out.parent.glob(f".{out.name}.siting-*") if p.is_dir()]
    inside = [p.name for p in out.glob(".siting-*")] if out.is_dir() else []
    return beside + inside


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny study shared by the tests that do not change it."""
    target = tmp_path_factory.mktemp("study") / "tiny"
    shutil.copytree(TINY, target)
    return target / "study.yaml"


@pytest.fixture(scope="module")
def plain(study: Path) -> Results:
    return pipeline.run(study, sensitivity=False)


@pytest.fixture(scope="module")
def robust(study: Path) -> Results:
    """The same study with a (small) robustness analysis: a larger set than ``plain``'s."""
    path = study.with_name("robust.yaml")
    path.write_text(study.read_text() + "sensitivity: {samples: 200, portfolio_draws: 20}\n")
    return pipeline.run(path, sensitivity=True)


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the drawings (map, report, charts), for tests of how the set is published.

    The drawings take most of a run's time and have their own tests; what matters here is
    that every file of the set goes through the same steps.
    """

    def drawing(results, path, **kwargs):
        return write_text(Path(path), f"{Path(path).name} of {results.study.study}\n")

    monkeypatch.setattr("siting.outputs.maps.write_map", drawing)
    monkeypatch.setattr("siting.outputs.report.write_report", drawing)
    monkeypatch.setattr("siting.outputs.static_map.write_static_map", drawing)
    monkeypatch.setattr("siting.outputs.sensitivity.oat_chart_png", lambda result, top=8: b"")
    monkeypatch.setattr(
        "siting.outputs.static_map.render_static_map", lambda results, **kwargs: b"png"
    )


# -- stopped runs -------------------------------------------------------------------------------


def _stop_at_random(
    runs: dict[Path, subprocess.Popen[bytes]], sig: signal.Signals, rng: random.Random
) -> None:
    """Send ``sig`` to each run at a seeded random moment, mostly while it writes.

    A run writes from the moment its staging folder appears beside its ``--out``; most
    moments are drawn from there to a little past the writing (~0.6 s), a few from its start.
    """
    start = time.monotonic()
    due: dict[Path, float | None] = {}
    for out in runs:
        due[out] = start + rng.uniform(0.3, 1.2) if rng.random() < 0.25 else None
    pending = set(runs)
    while pending and time.monotonic() - start < 60:
        now = time.monotonic()
        for out in list(pending):
            proc = runs[out]
            if proc.poll() is not None:
                pending.discard(out)
                continue
            if due[out] is None and list(out.parent.glob(f".{out.name}.siting-new-*")):
                due[out] = now + rng.uniform(0.0, 0.8)
            if due[out] is not None and now >= due[out]:
                proc.send_signal(sig)
                pending.discard(out)
        time.sleep(0.002)
    for proc in runs.values():
        proc.wait(timeout=60)


ROUNDS = 1  # per signal, each a fresh and a filled folder at once (CI has two cores)


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name
)
def test_a_stopped_run_leaves_one_complete_set(sig, quick, study, robust, tmp_path):
    rng = random.Random(f"stopped-{sig.name}")
    fresh = tmp_path / "fresh" / "out"
    filled = tmp_path / "filled" / "out"
    fresh.parent.mkdir()
    write_all(robust, filled)
    (filled / "notes.txt").write_text("mine")
    before = complete_set(filled, own={"notes.txt"})
    for _ in range(ROUNDS):
        runs = {
            out: subprocess.Popen(
                [*CLI, "run", str(study), "--out", str(out), "-q"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for out in (fresh, filled)
        }
        _stop_at_random(runs, sig, rng)
        for proc in runs.values():
            assert b"Traceback" not in proc.stderr.read() or sig == signal.SIGINT
            proc.stderr.close()
        # fresh: nothing yet, or the complete new set
        if fresh.exists() and any(fresh.iterdir()):
            assert set(complete_set(fresh)["outputs"]) == RUN_NAMES
        # filled: the previous set, or the new one; the user's notes in both
        after = complete_set(filled, own={"notes.txt"})
        assert after == before or set(after["outputs"]) == RUN_NAMES
        assert (filled / "notes.txt").read_text() == "mine"
    # the next run cleans up whatever the stopped ones left beside the folders
    for out in (fresh, filled):
        write_all(robust, out)
        assert not leftovers(out)
    complete_set(filled, own={"notes.txt"})


class _Killed(BaseException):
    """Stands for SIGKILL in a run stopped in-process at a chosen step."""


def _die(*args, **kwargs):
    raise _Killed


def _exit_without_cleanup(self, *exc_info):
    # like SIGKILL: no recovery on the way out; the lock goes, as the kernel drops a dead
    # process's flock
    self._stack.close()


def _exchange_then_die(a, b):
    assert real_exchange(a, b)
    raise _Killed


real_exchange = publish._exchange
real_rename = os.rename
real_replace = os.replace


def _rename_in_then_die(src, dst, *args, **kwargs):
    # the fallback's second rename (staging → --out) never happens
    if ".siting-new-" in os.fspath(src) and ".siting-" not in os.fspath(dst):
        raise _Killed
    return real_rename(src, dst, *args, **kwargs)


def _replace_some_then_die(src, dst, *args, **kwargs):
    # in place: stop once ranking.csv has moved, before the rest
    if Path(dst).name == "map.html" and ".siting-ready-" in os.fspath(src):
        raise _Killed
    return real_replace(src, dst, *args, **kwargs)


STEPS = {
    # where the run dies → the patches that kill it there
    "writing": [("siting.outputs.tables.write_with", _die)],
    "before the swap": [(publish, "_exchange", _die)],
    "after the swap": [(publish, "_exchange", _exchange_then_die)],
    "retiring the old set": [(publish, "_retire", _die)],
    "between the fallback's renames": [
        (publish, "_exchange", lambda a, b: False),
        (publish.os, "rename", _rename_in_then_die),
    ],
    "in place, half moved": [
        (publish.Publication, "_choose", lambda self: "in_place"),
        (publish.os, "replace", _replace_some_then_die),
    ],
}


@pytest.mark.parametrize("step", list(STEPS))
def test_the_next_run_recovers_from_a_run_killed_at_each_step(
    step, monkeypatch, quick, plain, robust, tmp_path
):
    out = tmp_path / "out"
    write_all(robust, out)
    (out / "notes.txt").write_text("mine")
    before = complete_set(out, own={"notes.txt"})
    with monkeypatch.context() as patch:
        patch.setattr(publish.Publication, "__exit__", _exit_without_cleanup)
        for target, *rest in STEPS[step]:
            patch.setattr(target, *rest)
        with pytest.raises(_Killed):
            write_all(plain, out)
    if step == "between the fallback's renames":
        # the documented instant of the fallback: --out is missing until the next run
        assert not out.exists()
    elif step == "in place, half moved":
        # the documented in-place window: no manifest.json while the files change
        assert not (out / "manifest.json").exists()
    else:
        after = complete_set(out, own={"notes.txt"})
        assert after == before or set(after["outputs"]) == RUN_NAMES
    # the next run puts the folder right before writing its own set
    write_all(plain, out)
    assert set(complete_set(out, own={"notes.txt"})["outputs"]) == RUN_NAMES
    assert (out / "notes.txt").read_text() == "mine"
    assert not leftovers(out)


# -- limits of the machine ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit",
    [60_000, 160_000],
    ids=["stops results.gpkg (GDAL)", "stops map.html (a plain write)"],
)
def test_a_file_size_limit_is_a_message_and_keeps_the_previous_set(
    limit, quick, study, robust, tmp_path
):
    out = tmp_path / "out"
    write_all(robust, out)
    before = snapshot(out)
    limited = (
        "import resource; "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "from siting.cli import app; app()"
    )
    done = subprocess.run(
        [sys.executable, "-c", limited, "run", str(study), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "file-size limit" in done.stderr
    assert "ulimit -f" in done.stderr
    assert "Traceback" not in done.stderr
    assert ".siting-new-" not in done.stderr  # the message names --out, not the staging folder
    assert snapshot(out) == before
    assert not leftovers(out)


@pytest.fixture
def small_disk(tmp_path: Path, plain) -> Iterator[Path]:
    """A tmpfs with room for one set of outputs, not for a second beside it.

    Its size is measured from a set written first (the map's size changes with the page's
    assets), plus a third for the staging folder's own entries.
    """
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs, which only root can mount")
    probe = tmp_path / "probe"
    write_all(plain, probe)
    size = sum(p.stat().st_size for p in probe.rglob("*") if p.is_file())
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={int(size * 1.35) // 1024 + 64}k",
            "tmpfs",
            str(mount),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_a_message_and_keeps_the_previous_set(small_disk, plain):
    out = small_disk / "out"
    write_all(plain, out)
    before = snapshot(out)
    with pytest.raises(OutputError) as info:
        write_all(plain, out)
    (message,) = info.value.problems
    assert "the disk is full" in message
    assert str(out) in message
    assert ".siting-new-" not in message
    assert snapshot(out) == before
    assert not leftovers(out)
    # a fresh folder on the full disk: no folder at all rather than half a set
    with pytest.raises(OutputError, match="disk is full"):
        write_all(plain, small_disk / "fresh")
    assert not (small_disk / "fresh").exists()
    assert not leftovers(small_disk / "fresh")


def test_out_as_a_mount_point_is_written_in_place(small_disk, quick, plain):
    # a container volume: the folder itself cannot be swapped
    (small_disk / "notes.txt").write_text("mine")
    write_all(plain, small_disk)
    complete_set(small_disk, own={"notes.txt"})
    assert not leftovers(small_disk)


# -- inputs and users' files ----------------------------------------------------------------------


def test_out_at_the_data_folder_never_replaces_an_input(tiny, edit):
    universities = gpd.read_file(tiny / "universities.geojson")
    frame = universities.drop(columns="geometry")
    frame["lat"], frame["lon"] = universities.geometry.y, universities.geometry.x
    frame.to_csv(tiny / "ranking.csv", index=False)
    edit(tiny / "study.yaml", "universities: universities.geojson", "universities: ranking.csv")
    before = snapshot(tiny)
    result = CliRunner().invoke(app, ["run", str(tiny / "study.yaml"), "--out", str(tiny)])
    assert result.exit_code == 2, result.output
    assert "would replace it" in result.output
    assert str(tiny / "ranking.csv") in result.output
    assert "choose another folder with --out" in result.output
    assert "Traceback" not in result.output
    assert snapshot(tiny) == before  # nothing written, the input untouched


@pytest.mark.parametrize("kind", ["hard link", "symbolic link"])
def test_an_output_name_linked_to_an_input_is_refused(kind, quick, plain, study, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    source = study.parent / "candidates.geojson"
    data = source.read_bytes()
    (os.link if kind == "hard link" else os.symlink)(source, out / "ranking.csv")
    with pytest.raises(OutputError, match="would replace it"):
        write_all(plain, out)
    assert source.read_bytes() == data


def test_users_files_survive_and_only_unchanged_outputs_are_removed(quick, plain, robust, tmp_path):
    out = tmp_path / "out"
    write_all(robust, out)
    (out / "notes.txt").write_text("mine")
    (out / "mine").mkdir()
    (out / "mine" / "a.txt").write_text("a")
    (out / "results.gpkg-wal").write_bytes(b"a reader's journal")  # SQLite's, not the user's
    # the user edits one robustness table; the next run no longer writes any of them
    (out / "stability.csv").write_text("my own analysis\n")
    write_all(plain, out)
    manifest = complete_set(out, own={"notes.txt", "mine", "stability.csv"})
    assert set(manifest["outputs"]) == RUN_NAMES
    assert (out / "stability.csv").read_text() == "my own analysis\n"
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "mine" / "a.txt").read_text() == "a"
    assert not (out / "sensitivity.csv").exists()  # unchanged since written: removed


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("ranking.csv", lambda p: p.write_text("edited\n"), "changed since siting wrote it"),
        ("report.html", lambda p: p.mkdir(), "a folder named 'report.html'"),
        ("manifest.json", lambda p: p.write_text('{"name": "my web app"}'), "did not write"),
    ],
    ids=["edited output", "folder", "another tool's manifest"],
)
def test_an_output_name_taken_by_someone_elses_file_is_refused(
    name, make, says, quick, plain, tmp_path
):
    out = tmp_path / "out"
    write_all(plain, out)
    target = out / name
    if target.is_file():
        target.unlink()
    make(target)
    before = snapshot(out)
    with pytest.raises(OutputError, match=says) as info:
        write_all(plain, out)
    assert "choose another folder with --out" in str(info.value)
    assert snapshot(out) == before
    assert not leftovers(out)


def test_a_file_not_in_the_manifest_under_an_output_name_is_refused(quick, plain, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("<p>my page</p>")
    with pytest.raises(OutputError, match="which siting did not write"):
        write_all(plain, out)
    assert (out / "map.html").read_text() == "<p>my page</p>"


def test_in_place_mode_keeps_users_files_and_removes_stale_outputs(
    monkeypatch, quick, plain, robust, tmp_path
):
    monkeypatch.setattr(publish.Publication, "_choose", lambda self: "in_place")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    write_all(robust, out)
    write_all(plain, out)
    assert set(complete_set(out, own={"notes.txt"})["outputs"]) == RUN_NAMES
    assert not leftovers(out)


def test_without_renameat2_the_fallback_swaps_the_set(monkeypatch, quick, plain, robust, tmp_path):
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_all(robust, out)
    (out / "notes.txt").write_text("mine")
    write_all(plain, out)
    assert set(complete_set(out, own={"notes.txt"})["outputs"]) == RUN_NAMES
    assert not leftovers(out)


def test_the_folder_keeps_its_permissions(quick, plain, tmp_path):
    out = tmp_path / "out"
    write_all(plain, out)
    out.chmod(0o750)
    write_all(plain, out)
    assert out.stat().st_mode & 0o777 == 0o750


# -- concurrent runs -------------------------------------------------------------------------------


def test_two_concurrent_runs_end_with_one_complete_set(study, tmp_path):
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [*CLI, "run", str(study), "--out", str(out), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [proc.communicate(timeout=120)[1] for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0], errors
    assert "Traceback" not in "".join(errors)
    assert set(complete_set(out)["outputs"]) == RUN_NAMES
    assert not leftovers(out)


def test_a_run_waits_for_the_lock_with_a_note(monkeypatch, capsys, quick, plain, tmp_path):
    out = tmp_path / "out"
    monkeypatch.setattr(publish, "LOCK_TIMEOUT_S", 0.3)
    with open(tmp_path / ".out.siting-lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        with pytest.raises(OutputError, match=r"another siting run \(pid 4242\)"):
            write_all(plain, out)
    assert "waiting for it to finish" in capsys.readouterr().err
    assert not out.exists()
    write_all(plain, out)  # released (as by a dead process): the next run goes ahead
    complete_set(out)


# -- bytes and text ------------------------------------------------------------------------------------


def _same_bytes_but_the_manifests_clock(first: Path, second: Path) -> None:
    a, b = snapshot(first), snapshot(second)
    assert a.keys() == b.keys()
    differ = {name for name in a if a[name] != b[name]}
    assert differ <= {"manifest.json"}, differ
    # the only things that may vary: when the run happened and how long its stages took
    varying = ("created_utc", "timings_s", "output_timings_s")
    ma, mb = (json.loads(m["manifest.json"]) for m in (a, b))
    assert {k: v for k, v in ma.items() if k not in varying} == {
        k: v for k, v in mb.items() if k not in varying
    }


def test_two_identical_runs_give_identical_bytes(study, robust, tmp_path):
    # two runs of the pipeline, and (for the robustness files) one run written twice: the
    # pipeline's own repeatability with a seed is tested in test_cli
    write_all(pipeline.run(study, sensitivity=False), tmp_path / "first")
    write_all(pipeline.run(study, sensitivity=False), tmp_path / "second")
    _same_bytes_but_the_manifests_clock(tmp_path / "first", tmp_path / "second")
    write_all(robust, tmp_path / "robust1")
    write_all(robust, tmp_path / "robust2")
    _same_bytes_but_the_manifests_clock(tmp_path / "robust1", tmp_path / "robust2")


def test_a_formula_in_a_name_reaches_ranking_csv_as_text(tiny, edit, tmp_path):
    edit(tiny / "candidates.geojson", '"name": "Astana"', '"name": "=1+1"')
    out = tmp_path / "out"
    write_all(pipeline.run(tiny / "study.yaml", sensitivity=False), out)
    with (out / "ranking.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["astana"]["name"] == "'=1+1"
    ranking = gpd.read_file(out / "results.gpkg", layer="ranking")
    assert "=1+1" in set(ranking["name"])  # the GeoPackage is no spreadsheet: kept as is


def test_a_read_only_parent_folder_means_writing_in_place(
    monkeypatch, quick, plain, robust, tmp_path
):
    # e.g. --out /data/results where /data belongs to root: neither the lock nor a new
    # folder can go beside it (simulated: root may write anywhere)
    out = tmp_path / "out"
    monkeypatch.setattr(publish, "_writable", lambda folder: Path(folder) != tmp_path)
    write_all(robust, out)
    (out / "notes.txt").write_text("mine")
    write_all(plain, out)
    assert set(complete_set(out, own={"notes.txt", ".siting-lock"})["outputs"]) == RUN_NAMES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_out_naming_a_file_is_refused(quick, plain, tmp_path):
    target = tmp_path / "ranking"
    target.write_text("a file")
    with pytest.raises(OutputError, match="a file has that name; choose another folder"):
        write_all(plain, target)
    assert target.read_text() == "a file"


def test_a_gdal_warning_is_a_message_and_keeps_the_previous_set(
    monkeypatch, quick, plain, tmp_path
):
    out = tmp_path / "out"
    write_all(plain, out)
    before = snapshot(out)
    to_file = gpd.GeoDataFrame.to_file

    def with_a_bad_option(self, *args, **kwargs):
        # an option GPKG does not know: GDAL warns, pyogrio re-issues it as a RuntimeWarning
        return to_file(self, *args, layer_options={"NO_SUCH_OPTION": "1"}, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", with_a_bad_option)
    with pytest.raises(OutputError, match="GDAL warned while writing") as info:
        write_all(plain, out)
    assert "NO_SUCH_OPTION" in str(info.value)
    assert str(out / "results.gpkg") in str(info.value)
    assert ".siting-new-" not in str(info.value)
    assert snapshot(out) == before


def test_other_warnings_while_writing_the_geopackage_are_passed_on(
    monkeypatch, quick, plain, tmp_path
):
    to_file = gpd.GeoDataFrame.to_file

    def warns(self, *args, **kwargs):
        import warnings

        warnings.warn("not GDAL's", UserWarning, stacklevel=2)
        return to_file(self, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", warns)
    with pytest.warns(UserWarning, match="not GDAL's"):
        write_all(plain, tmp_path / "out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_read_only_out_folder_is_a_message(quick, plain, tmp_path):
    out = tmp_path / "out"
    write_all(plain, out)
    before = snapshot(out)
    out.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="is not writable; change its permissions"):
            write_all(plain, out)
    finally:
        out.chmod(0o755)
    assert snapshot(out) == before
