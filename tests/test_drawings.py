"""Figures drawn in a second process: the same bytes as drawn here, and a failure costs nothing."""

from __future__ import annotations

import os

import pytest

from siting.outputs.drawings import Drawings, can_fork


def _pid() -> bytes:
    return str(os.getpid()).encode()


@pytest.mark.skipif(not can_fork(), reason="figures are drawn in this process here")
def test_figures_come_from_a_second_process_in_order() -> None:
    with Drawings({"a": _pid, "b": lambda: b"bee"}) as drawings:
        assert drawings.get("b") == b"bee"
        child = drawings.get("a")
    assert child != _pid() and int(child) > 0
    assert set(drawings.seconds) == {"a", "b"}


def test_a_failing_child_leaves_the_figure_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def flaky() -> bytes:
        calls.append(os.getpid())
        if os.getpid() != here:
            raise RuntimeError("drawing failed in the child")
        return b"drawn here"

    here = os.getpid()
    with Drawings({"x": flaky}) as drawings:
        assert drawings.get("x") == b"drawn here"
    assert calls[-1] == here


def test_inline_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DRAW_INLINE", "1")
    assert not can_fork()
    with Drawings({"a": _pid}) as drawings:
        assert drawings.get("a") == _pid()


def test_leaving_early_ends_the_child() -> None:
    import time

    with Drawings({"slow": lambda: time.sleep(30) or b""}) as drawings:
        pid = drawings._pid
    if pid is not None:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
