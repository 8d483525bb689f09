"""What every offline page needs: Leaflet inlined, page assets, data as JSON, a hash-based CSP.

The map and the comparison map are single HTML files that must work opened from an e-mail on a
closed network, so each carries Leaflet's JavaScript and CSS (from the xstatic-leaflet package,
its images inlined as data URIs), its own script and style from ``templates/``, and its data as
JSON in a ``<script type="application/json">`` element.  A Content-Security-Policy admits only
the page's own scripts, by hash.  Both pages build them here, so that a fix to one is a fix to
both.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

from siting.errors import OutputError

__all__ = [
    "csp",
    "leaflet_css",
    "leaflet_dir",
    "leaflet_js",
    "script_hash",
    "script_json",
    "template",
]


def leaflet_dir() -> Path:
    """The folder of the xstatic-leaflet package (leaflet.js, leaflet.css, images/)."""
    try:
        from xstatic.pkg import leaflet
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        msg = "xstatic-leaflet is not installed; install it with `pip install xstatic-leaflet`"
        raise OutputError(msg) from exc
    return Path(leaflet.BASE_DIR)


@functools.cache
def leaflet_js() -> str:
    """Leaflet's JavaScript, safe inside a ``<script>`` element."""
    js = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    # A literal "</script" inside the library would end the element early.
    return js.replace("</script", "<\\/script")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URIs, so nothing is fetched from disk either."""
    folder = leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (folder / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    # An old-IE `behavior: url(#default#VML)` is the only other url(); browsers ignore it.
    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


def template(name: str) -> str:
    """A page asset shipped in ``siting/outputs/templates/`` (script, style or page)."""
    return resources.files("siting.outputs").joinpath("templates", name).read_text("utf-8")


def script_hash(text: str) -> str:
    """The CSP source of an inline script: ``sha256-`` and the base64 of its SHA-256."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, no stray ``&``."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def csp(
    scripts: list[str],
    *,
    extra_script_src: str = "",
    extra_style_src: str = "",
    img_src: str = "data:",
) -> str:
    """A policy that lets only ``scripts`` (by hash) run and nothing be fetched.

    Parameters
    ----------
    scripts
        The exact text of every inline script of the page.
    extra_script_src, extra_style_src
        Further sources (a CDN) for pages that are allowed online.
    img_src
        Image sources (``data:`` offline; add ``https:`` for an online tile layer).
    """
    hashes = " ".join(f"'{script_hash(s)}'" for s in scripts)
    script_src = f"{hashes} {extra_script_src}".strip()
    style_src = f"'unsafe-inline' {extra_style_src}".strip()
    return (
        f"default-src 'none'; script-src {script_src}; style-src {style_src}; "
        f"img-src {img_src}; base-uri 'none'; form-action 'none'"
    )
