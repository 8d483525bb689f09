from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMIUM, launch

TINY = Path(__file__).parent / "fixtures" / "tiny"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A private copy of the tiny study; tests edit it freely."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


@pytest.fixture
def edit() -> Callable[[Path, str, str], Path]:
    """Replace one exact piece of text in a file (it must occur), return the path."""

    def _edit(path: Path, old: str, new: str) -> Path:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return _edit


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium (tests/chromium.py), one per test module; skipped where it is missing.

    The modules that must run in CI (test_browser.py, test_report_print.py) refuse to be
    skipped there on their own.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"headless chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
