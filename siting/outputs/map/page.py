"""A folium map rendered as one offline page: pinned ids, every script hashed, nothing fetched.

folium names every element with 32 random hex digits and renders it into a ``branca`` Figure;
the page a decision-maker receives must be byte-identical from one run to the next, admit only
its own scripts and fetch nothing.  So, at every render:

- each element of the tree gets a sequential id the first time a render sees it
  (:func:`pin_ids`), so two runs that build the same map write the same bytes, and an element
  keeps its id when an analyst adds more and renders again;
- every inline ``<script>`` of the rendered page (Leaflet, the engine, folium's generated code
  and the page script) is hashed and only those hashes may run (:func:`secure`), with the
  sources the elements declared while rendering (``'wasm-unsafe-eval'`` for the engine,
  ``https:`` images for an online tile layer);
- an offline page that still links a script, a style sheet or an image from elsewhere (a
  folium plugin an analyst added links its assets from a CDN) is refused with the fix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from branca.element import Element

from siting.errors import OutputError
from siting.outputs import offline as offline_page

if TYPE_CHECKING:
    from branca.element import Figure

__all__ = ["Policy", "elements", "notebook_frame", "pin_ids", "secure"]

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_LINKED = re.compile(
    r"""<(script|link|img|iframe|source)\b[^>]*?\b(src|href)\s*=\s*["']?([^"'\s>]+)""",
    re.IGNORECASE,
)


class Policy:
    """The Content-Security-Policy sources that elements ask for while the page renders.

    Scripts are admitted by hash after rendering; elements add only what hashes cannot say
    (``'wasm-unsafe-eval'`` to compile WebAssembly, ``https:`` images for online tiles, the CDN
    of an online page).
    """

    def __init__(self) -> None:
        self.sources: dict[str, list[str]] = {
            "script-src": [],
            "style-src": ["'unsafe-inline'"],
            "img-src": ["data:"],
        }

    def allow(self, directive: str, source: str) -> None:
        """Admit ``source`` under ``directive`` (once)."""
        values = self.sources.setdefault(directive, [])
        if source not in values:
            values.append(source)

    def header(self, scripts: list[str]) -> str:
        """The policy's text, with ``scripts`` (their exact text) admitted by hash."""
        hashes = [f"'{offline_page.script_hash(s)}'" for s in scripts]
        parts = ["default-src 'none'"]
        for directive, values in self.sources.items():
            if directive == "script-src":
                values = [*dict.fromkeys(hashes), *values]
            if values:
                parts.append(f"{directive} {' '.join(values)}")
        parts += ["base-uri 'none'", "form-action 'none'"]
        return "; ".join(parts)


def elements(root: Element) -> Iterator[Element]:
    """Every element under ``root``, depth first in the order folium renders them."""
    for child in list(root._children.values()):
        yield child
        yield from elements(child)


def pin_ids(root: Element) -> None:
    """Give each element not seen before the next sequential id (``get_name()`` → ``map_0001``).

    folium draws ids from ``os.urandom``; a page must not change from one run to the next.  The
    counter lives on the root, so an element keeps its id across renders and an element an
    analyst adds later takes the next number.
    """
    count = int(getattr(root, "_siting_ids", 0))
    for element in elements(root):
        if not getattr(element, "_siting_pinned", False):
            count += 1
            element._id = f"{count:04d}"
            element._siting_pinned = True  # type: ignore[attr-defined]
    root._siting_ids = count  # type: ignore[attr-defined]


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): next((g for g in m.group(3, 4, 5) if g is not None), "")
        for m in re.finditer(r"""([\w-]+)\s*(=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""", text)
    }


def secure(page: str, policy: Policy, *, offline: bool) -> str:
    """``page`` with a Content-Security-Policy that admits exactly its inline scripts.

    Parameters
    ----------
    page
        The rendered page; its ``<head>`` starts with ``<meta charset="utf-8">``, after which
        the policy is placed (before any script, so that it governs them all).
    policy
        The sources the elements asked for.
    offline
        Refuse any script, style sheet, image or frame linked from elsewhere than ``data:``.

    Raises
    ------
    OutputError
        An offline page links something from elsewhere.
    """
    scripts = []
    for match in _SCRIPT.finditer(page):
        attrs = _attributes(match.group(1))
        if attrs.get("type", "").lower() == "application/json" or "src" in attrs:
            continue
        scripts.append(match.group(2))
    if offline:
        linked = sorted(
            {m.group(3) for m in _LINKED.finditer(page) if not m.group(3).startswith("data:")}
        )
        if linked:
            msg = (
                f"the offline map links {', '.join(linked)}, which a reader without network "
                "cannot load (a folium plugin links its assets from a CDN); remove that "
                "element, or render the map with offline=False"
            )
            raise OutputError(msg)
    meta = (
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{html.escape(policy.header(scripts), quote=True)}">'
    )
    head = page.find('<meta charset="utf-8">')
    if head < 0:  # pragma: no cover - the figure's own template starts the head with it
        msg = "the page has no <meta charset> to place the policy after"
        raise OutputError(msg)
    cut = head + len('<meta charset="utf-8">')
    return page[:cut] + "\n" + meta + page[cut:]


def notebook_frame(page: str, *, height: int = 640) -> str:
    """``page`` in a frame a notebook shows inline (its own document, so its policy holds).

    The frame is sandboxed to scripts only: the page needs nothing else and reaches nothing.
    """
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:0" sandbox="allow-scripts" '
        'title="siting map"></iframe>'
    )


def reset(figure: Figure) -> None:
    """Empty the figure's header, body and script before a render.

    folium adds each element's rendered parts to the figure under the element's name; a
    second render (a notebook shows the map, the analyst adds a layer, it shows it again)
    would otherwise keep parts of the first.
    """
    for part in ("header", "html", "script"):
        fresh = Element()
        fresh._parent = figure
        setattr(figure, part, fresh)
