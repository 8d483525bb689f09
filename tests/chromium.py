"""Debian's headless chromium as every browser test and benchmark starts it: one path, one set
of flags, one launcher (``playwright install`` is never needed: the browser is the system's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Debian's chromium (``apt-get install -y chromium``); the test command installs it.
CHROMIUM = Path("/usr/bin/chromium")

#: Headless, and nothing that would reach for the network or a profile: the pages under test
#: must work offline, and a shared machine has no GPU.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Any) -> Any:
    """A headless chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
