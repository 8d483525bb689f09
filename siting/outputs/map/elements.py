"""The folium elements of the map that folium has none of.

What folium has (the map, online tiles, the boundaries' GeoJSON, the layer control) is folium's
own; the rest is here:

- :class:`SitingFigure`: the page (a ``branca`` Figure) rendered offline (:mod:`.page`);
- :class:`SitingMap`: a ``folium.Map`` that carries Leaflet inline instead of linking folium's
  CDN assets (Leaflet, jQuery, Bootstrap, awesome-markers: only Leaflet is used);
- :class:`SitingLayer`: an overlay the page script fills from the page's data (the candidates,
  their labels, the portfolio, the facility layers ...), listed in folium's layer control;
- :class:`PageData`: the page's data and its messages in every language, as inert JSON;
- :class:`Panel`: the answer first, the sliders, the ranking and the rest of the side panel;
- :class:`Engine`: the in-page engine (every MCDA method, the portfolio's integer program);
- :class:`PageScript`: the script that draws everything and answers the sliders.

An analyst extends the map with folium's own API (``folium.TileLayer(...).add_to(m)``, a
``FeatureGroup`` of markers): the layer control and the page script are rendered after every
other element whatever the order of adding, so a layer added later is listed too.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer, LayerControl
from folium.raster_layers import TileLayer, WmsTileLayer
from folium.template import Template

from siting.outputs import offline as offline_page
from siting.outputs.map import page

__all__ = [
    "LEAFLET_CDN",
    "Engine",
    "PageData",
    "PageScript",
    "Panel",
    "SitingFigure",
    "SitingLayer",
    "SitingMap",
]

# Leaflet 1.9.3 on unpkg, with the Subresource Integrity hashes of the exact files
# xstatic-leaflet ships (checked against the package in tests): the browser refuses
# a tampered copy.
LEAFLET_CDN = {
    "js": "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js",
    "css": "https://unpkg.com/leaflet@1.9.3/dist/leaflet.css",
}


def _sri(kind: str) -> str:
    # Hash the bytes as shipped: reading as text would normalise line ends and change the hash.
    data = offline_page.leaflet_dir().joinpath(f"leaflet.{kind}").read_bytes()
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def _inline(script: str) -> str:
    """A script's text safe inside ``<script>``: a literal ``</script`` would end it early."""
    return script.replace("</script", "<\\/script")


def _policy(element: MacroElement) -> page.Policy | None:
    """The policy of the page ``element`` renders into, when it is a :class:`SitingFigure`."""
    root = element.get_root()
    return root.policy if isinstance(root, SitingFigure) else None


class _Text(Element):
    """A rendered part of the page, added as it is.

    folium adds each element's rendered parts to the figure as new elements whose *template* is
    that text, and renders them again: a ``{{`` in Leaflet, the engine or the data would be read
    as template code.  Parts added as this class are never read again.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self.text


def _render_parts(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """Add ``element``'s rendered header, body and script to its page, as text (see :class:`_Text`)."""
    figure = element.get_root()
    module = element._template.module
    for part in ("header", "html", "script"):
        macro = getattr(module, part, None)
        if macro is not None:
            getattr(figure, part).add_child(
                _Text(str(macro(element, kwargs))), name=element.get_name()
            )


class _TextMacro(MacroElement):
    """A folium element whose rendered parts are added as text, then its children rendered."""

    def render(self, **kwargs: Any) -> str:
        """Render this element's parts as text, then its children (into the page)."""
        _render_parts(self, kwargs)
        for child in list(self._children.values()):
            child.render(**kwargs)
        return ""


class SitingFigure(Figure):
    """The page: a ``branca`` Figure whose render is the offline page itself.

    ``render()`` (used by ``save``, by a notebook and by :func:`siting.outputs.maps.render_map`)
    pins the elements' ids, renders them and adds a Content-Security-Policy that admits exactly
    the page's inline scripts (:mod:`siting.outputs.map.page`).

    Parameters
    ----------
    title
        The page's title (the study's, in the language the page opens in).
    lang
        The language the page opens in (``<html lang>``).
    offline
        Refuse anything linked from the network (see :func:`.page.secure`).
    height
        Height of the frame a notebook shows the page in, in pixels.
    """

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang|e }}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'
        "<title>{{ this.title|e }}</title>\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{{ this.html.render(**kwargs) }}\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</body>\n"
        "</html>\n"
    )

    def __init__(
        self, *, title: str = "", lang: str = "en", offline: bool = True, height: int = 640
    ) -> None:
        super().__init__(title=title)
        self._name = "SitingFigure"
        self.lang = lang
        self.offline = offline
        self.frame_height = height
        self.policy = page.Policy()

    def render(self, **kwargs: Any) -> str:
        """The whole page: every element rendered, ids pinned, scripts admitted by hash."""
        page.reset(self)
        page.pin_ids(self)
        self.policy = page.Policy()
        for child in list(self._children.values()):
            child.render(**kwargs)
        text = self._template.render(this=self, kwargs=kwargs)
        return page.secure(text, self.policy, offline=self.offline)

    def _repr_html_(self, **kwargs: Any) -> str:
        """The page in a frame, as a notebook shows it (nothing fetched: all of it is inline)."""
        return page.notebook_frame(self.render(**kwargs), height=self.frame_height)


class SitingMap(folium.Map):
    """A ``folium.Map`` whose page carries Leaflet inline and works with no network.

    folium links Leaflet, jQuery, Bootstrap and awesome-markers from CDNs; this map needs only
    Leaflet and carries it inline (from the xstatic-leaflet package, its images as data URIs),
    or, with ``offline=False``, links it from unpkg with its integrity hashes.  The map sits in a
    :class:`SitingFigure`, so that ``save``, a notebook and ``siting run`` write the same page.

    Parameters
    ----------
    title, lang, offline
        See :class:`SitingFigure`.
    style
        The page's own style sheet (inlined after Leaflet's).
    **kwargs
        ``folium.Map``'s own (``location``, ``zoom_start``, ...).
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class-level asset lists
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {%- if this.offline %}
        <style>{{ this.leaflet_css }}</style>
        {%- else %}
        <link rel="stylesheet" href="{{ this.cdn.css }}" integrity="{{ this.sri_css }}" crossorigin="">
        {%- endif %}
        <style>#{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }
        .leaflet-container { font-size: {{ this.font_size }}; }</style>
        {%- if this.offline %}
        <script>{{ this.leaflet_js }}</script>
        {%- else %}
        <script src="{{ this.cdn.js }}" integrity="{{ this.sri_js }}" crossorigin=""></script>
        {%- endif %}
        {% endmacro %}

        {% macro html(this, kwargs) %}
        <div class="folium-map" id="{{ this.get_name() }}" role="application"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
            center: {{ this.location|tojson }},
            crs: L.CRS.{{ this.crs }},
            ...{{ this.options|tojavascript }}
        });
        {%- if this.control_scale %}
        L.control.scale({imperial: false}).addTo({{ this.get_name() }});
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        title: str = "",
        lang: str = "en",
        offline: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("tiles", None)
        super().__init__(**kwargs)
        self._name = "Map"
        self.offline = offline
        self.cdn = LEAFLET_CDN
        self.page_title = title
        self.page_lang = lang
        SitingFigure(title=title, lang=lang, offline=offline).add_child(self)

    @property
    def leaflet_js(self) -> str:
        """Leaflet's script, inline."""
        return _inline(offline_page.leaflet_js())

    @property
    def leaflet_css(self) -> str:
        """Leaflet's style sheet, its images inlined."""
        return offline_page.leaflet_css()

    @property
    def sri_js(self) -> str:
        """Integrity hash of the CDN's leaflet.js (the bytes xstatic-leaflet ships)."""
        return _sri("js")

    @property
    def sri_css(self) -> str:
        """Integrity hash of the CDN's leaflet.css."""
        return _sri("css")

    def render(self, **kwargs: Any) -> str:
        """Render the map, its layers, then the layer control and the page script last."""
        # folium's layer control lists the layers that exist when its script runs, and the page
        # script fills and relabels them: both go after every layer, even one added later.
        for kind in (LayerControl, PageScript):
            for key in [k for k, v in self._children.items() if isinstance(v, kind)]:
                self._children.move_to_end(key)
        policy = _policy(self)
        if policy is not None and not self.offline:
            policy.allow("script-src", self.cdn["js"])
            policy.allow("style-src", self.cdn["css"])
        if policy is not None:
            # online tiles (ours, or a layer an analyst added) load as images from their server
            for child in self._children.values():
                if isinstance(child, TileLayer | WmsTileLayer):
                    scheme = urlsplit(
                        str(getattr(child, "tiles", getattr(child, "url", "")))
                    ).scheme
                    policy.allow("img-src", f"{scheme or 'https'}:")
        # folium.Map's own render would add its parts as templates (see _Text): Leaflet's
        # script holds "{{"; the map needs none of the CDN links it would add either.
        _render_parts(self, kwargs)
        for child in list(self._children.values()):
            child.render(**kwargs)
        return ""

    def _repr_html_(self, **kwargs: Any) -> str:
        """The offline page in a frame, as a notebook shows it."""
        root = self.get_root()
        if not isinstance(root, SitingFigure):
            root = SitingFigure(title=self.page_title, lang=self.page_lang, offline=self.offline)
            root.add_child(self)
        return root._repr_html_(**kwargs)


class SitingLayer(Layer):
    """An overlay of the map that the page script fills from the page's data.

    Parameters
    ----------
    role
        What it holds, for the page script (``candidates``, ``labels``, ``portfolio``,
        ``facility:universities`` ...).
    name
        Its name in the layer control (the page script words it in the reader's language).
    show
        Drawn at start.
    control
        Listed in the layer control.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        {%- if this.show %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, role: str, name: str, *, show: bool = True, control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "SitingLayer"
        self.role = role

    def render(self, **kwargs: Any) -> str:
        """Declare the (empty) layer, add it to the map when shown at start, then its children."""
        _render_parts(self, kwargs)
        for child in list(self._children.values()):
            child.render(**kwargs)
        return ""


class PageData(_TextMacro):
    """The page's data as inert JSON (``<script type="application/json" id="siting-data">``).

    Parameters
    ----------
    data
        Everything the page draws (:func:`siting.outputs.map.payload.map_data`).
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="siting-data">{{ this.json }}</script>
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "PageData"
        self.data = data

    @property
    def json(self) -> str:
        """The data as JSON that cannot end its element or open a comment."""
        return offline_page.script_json(self.data)


class Panel(_TextMacro):
    """The side panel: the answer first, then the sliders, the ranking and the rest.

    Its markup holds no text: the page script writes every text in the reader's language.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        {{ this.markup }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Panel"
        self.css = offline_page.template("map.css")
        self.markup = offline_page.template("map.html")


class Engine(_TextMacro):
    """The in-page engine: its scripts inline, and the policy sources it needs.

    Parameters
    ----------
    scripts
        The engine's script texts, in load order.
    sources
        Content-Security-Policy sources by directive (``{"script-src": ["'wasm-unsafe-eval'"]}``).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {%- for script in this.scripts %}
        <script>{{ script }}</script>
        {%- endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, scripts: Sequence[str], sources: Mapping[str, Sequence[str]]) -> None:
        super().__init__()
        self._name = "Engine"
        self.scripts = [_inline(s) for s in scripts]
        self.sources = {k: list(v) for k, v in sources.items()}

    def render(self, **kwargs: Any) -> str:
        """Add the engine's scripts to the page's head and its sources to the policy."""
        policy = _policy(self)
        if policy is not None:
            for directive, values in self.sources.items():
                for value in values:
                    policy.allow(directive, value)
        return super().render(**kwargs)


class PageScript(_TextMacro):
    """The page script (``templates/map.js``), called with the folium elements it works on.

    Parameters
    ----------
    layers
        The map's overlays by role (:class:`SitingLayer`, folium's ``GeoJson`` of the
        boundaries, an online ``TileLayer``).
    control
        folium's layer control, which the page script relabels in the reader's language.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
        {{ this.code }}
        sitingPage({
            map: {{ this._parent.get_name() }},
            control: {{ this.control.get_name() if this.control else "null" }},
            layers: {
            {%- for role, layer in this.layers.items() %}
                {{ role|tojson }}: {{ layer.get_name() }},
            {%- endfor %}
            }
        });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layers: Mapping[str, Layer], control: LayerControl | None) -> None:
        super().__init__()
        self._name = "PageScript"
        self.layers = dict(layers)
        self.control = control
        self.code = _inline(offline_page.template("map.js"))
