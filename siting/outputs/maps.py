"""The interactive map: a folium map, saved as one self-contained page that works with no network.

A decision-maker often opens the map from an e-mail on a closed network, on a phone, and
reads Kazakh or Russian first.  So the page opens on the answer (the chosen sites, why, how
sure, what would change it), in the study's language with a switch to the other two, and
carries everything it needs: Leaflet's JavaScript and CSS (from the xstatic-leaflet package,
inlined), the in-page engine (every MCDA method and the portfolio's integer program), the
boundaries as a vector base map, the study's numbers as inlined JSON and the page script's
messages in Kazakh, Russian and English.  The page script builds every element from that JSON
with ``textContent``, never ``innerHTML``, so text from data cannot run; a
Content-Security-Policy that admits only the page's own scripts (by hash) and ``data:`` images
is a second lock on the same door.

The map is a ``folium.Map`` (:func:`folium_map`, and ``Results.map()``), so that an analyst
extends it with folium's own API and a notebook shows it inline; ``siting run`` saves that same
map (:func:`write_map`).  folium's own elements draw what folium has (the map, the boundaries,
online tiles, the layer control); elements of :mod:`siting.outputs.map.elements` the rest.

The what-if panel: moving a slider re-scores every candidate with the study's method and
options, re-ranks, re-solves the portfolio exactly and redraws the chosen sites, the rules that
bind and the nearest alternative (the in-page engine, :mod:`siting.outputs.engine`; with the
live portfolio off, the study's portfolio stays).  The sliders start at the shares of
``results.weighting``, so the reset state reproduces the study's weights exactly whatever
weighting method produced them.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

import folium
from folium.features import GeoJson
from folium.map import CustomPane, Layer, LayerControl
from folium.utilities import JsCode

from siting.i18n import translator
from siting.outputs.files import write_text
from siting.outputs.map.elements import (
    Engine,
    PageData,
    PageScript,
    Panel,
    SitingFigure,
    SitingLayer,
    SitingMap,
)
from siting.outputs.map.payload import (
    TILES,
    base_map,
    boundary_features,
    boundary_note,
    compact,
    coverage_radius,
    live_portfolio,
    map_data,
    portfolio_radius_km,
)
from siting.results import Results

__all__ = [
    "LIVE_MAX_CANDIDATES",
    "TILES",
    "base_map",
    "boundary_note",
    "coverage_radius",
    "folium_map",
    "map_data",
    "portfolio_radius_km",
    "render_map",
    "write_map",
]

# The country outline stays inert, so that it never swallows a click meant for what lies
# inside it; the page script gives each region its name (as text, in the reader's language).
_COUNTRY_INERT = JsCode(
    """function (feature, layer) {
    if (feature.properties.level === "country") layer.options.interactive = false;
}"""
)


#: Above this many kept candidates the page does not re-solve the portfolio: the model's
#: spacing pairs grow with the square of the candidates (2,000 candidates 300 km apart carry
#: 300,000 pairs, 11 MB), and each slider move would solve a program that size in the browser.
LIVE_MAX_CANDIDATES = 500


def _engine(results: Results, live: bool) -> tuple[dict[str, Any], list[str], list[str]]:
    """The in-page engine's model of the run, its scripts and the policy sources it needs.

    The engine (:mod:`siting.outputs.engine`) mirrors every MCDA method and the portfolio's
    integer program in the page.  Without a live portfolio the model leaves the portfolio out
    (the page scores and ranks by the study's method and keeps the study's portfolio).  Its
    scripts are admitted by hash like every other script of the page
    (:mod:`siting.outputs.map.page` hashes them after rendering); of its sources only
    ``'wasm-unsafe-eval'`` says what a hash cannot.
    """
    from siting.outputs import engine

    scored = results
    if not live and results.study.portfolio is not None:
        scored = dataclasses.replace(
            results, study=results.study.model_copy(update={"portfolio": None})
        )
    assets = engine.engine_assets(solver=live and results.study.portfolio is not None)
    sources = [s for s in assets.csp_sources if not s.startswith("'sha256-")]
    return engine.page_model(scored), list(assets.scripts), sources


def _boundaries(features: list[dict[str, Any]]) -> GeoJson | None:
    """The border and regions as folium's GeoJson, drawn in the base pane under everything."""
    if not features:
        return None
    single = len(features) == 1

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        outer = single or feature["properties"]["level"] == "country"
        return {
            "color": "#555" if outer else "#999",
            "weight": 1.6 if outer else 0.7,
            "fillColor": "#f4f1ea",
            "fillOpacity": 0.9 if outer else 0.35,
        }

    return GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Border and regions",
        style_function=style,
        on_each_feature=_COUNTRY_INERT,
        pane="base",
    )


def folium_map(
    results: Results,
    *,
    lang: str | None = None,
    offline: bool = True,
    tiles: str | None = None,
    live: bool | None = None,
    height: int = 640,
) -> folium.Map:
    """The interactive map of a run, as a ``folium.Map``.

    A notebook shows it inline (nothing fetched); folium's own API extends it (add a layer or
    online tiles: they are listed in the map's layer control); ``save`` writes the same offline
    page as :func:`write_map`.

    Parameters
    ----------
    results
        The run to draw.
    lang
        The language the page opens in: ``kk``, ``ru`` or ``en`` (default: the study's
        ``language``); the page switches between all three.
    offline
        True (default): Leaflet and everything else inlined, nothing fetched.  False: Leaflet
        from unpkg (with integrity hashes), and online tiles shown at start.
    tiles
        ``"osm"`` or a Leaflet URL template for an online tile layer.  Offline it is offered
        unticked in the layer control, so nothing is fetched unless the reader asks; the
        vector base map (the run's boundaries) stays when the tiles cannot load.
    live
        Whether moving a slider re-solves the portfolio (default: the study's map option,
        else True when the study has a portfolio); never for a study of more than
        :data:`LIVE_MAX_CANDIDATES` kept candidates.
    height
        Height of the frame a notebook shows the map in, in pixels.

    Returns
    -------
    folium.Map
        The map (a :class:`~siting.outputs.map.elements.SitingMap`).
    """
    lang = lang or results.study.language
    translator(lang)  # refuses a language siting does not speak
    live = live_portfolio(results, live) and len(results.included) <= LIVE_MAX_CANDIDATES
    model, scripts, sources = _engine(results, live)
    data = map_data(results, tiles=tiles, offline=offline, lang=lang, live=live, engine=True)
    data["model"] = model
    bounds = data["bounds"] or [[40.5, 46.5], [55.5, 87.5]]
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = SitingMap(
        title=data["title"][lang],
        lang=lang,
        offline=offline,
        location=centre,
        zoom_start=4,
        zoom_snap=0.25,
        font_size="12px",
    )
    root = m.get_root()
    if isinstance(root, SitingFigure):
        root.frame_height = height
    layers: dict[str, Layer] = {}
    if tiles is not None:
        url, attribution = TILES.get(tiles, (tiles, ""))
        if any(mark in url for mark in ("{{", "{%", "{#")):
            # folium reads its rendered script as a template a second time
            msg = f"tiles {url!r} is not a Leaflet URL template (it holds {{{{, {{% or {{#)"
            raise ValueError(msg)
        # the attribution is HTML in Leaflet: an unknown one is shown as text
        layers["tiles"] = folium.TileLayer(
            url,
            attr=html.escape(attribution) or "&nbsp;",
            name="Online tiles (needs a network)",
            overlay=True,
            show=not offline,
            max_zoom=18,
        )
    features, names = boundary_features(base_map(results))
    data["boundary_names"] = names
    boundaries = _boundaries(features)
    if boundaries is not None:
        m.add_child(CustomPane("base", z_index=250, pointer_events=True))
        layers["boundaries"] = boundaries
    layers |= _siting_layers(data, results)
    for layer_element in layers.values():
        m.add_child(layer_element)
    control = LayerControl(collapsed=True)
    m.add_child(control)
    # each number and text once (the engine reads the markers' values): see payload.compact
    m.add_child(PageData(compact(data)))
    m.add_child(Panel())
    m.add_child(Engine(scripts, {"script-src": sources}))
    script = PageScript(layers, control)
    if results.surface is not None:
        from siting.outputs.map.surface import SurfaceScript, surface_data

        # a child of the page script, so that it runs after it (it reads window.siting)
        script.add_child(
            SurfaceScript(
                surface_data(results),
                m,
                layers["surface"],
                sites=layers.get("surface_sites"),
                regions=layers.get("surface_regions"),
            )
        )
    m.add_child(script)
    return m


def _siting_layers(data: dict[str, Any], results: Results) -> dict[str, Layer]:
    """The page's own layers, bottom to top, as the layer control lists them."""
    layers: dict[str, Layer] = {}
    for layer in data["layers"]:
        # dense layers (the ~300 settlements) start switched off so that they do not bury
        # the candidates; the layer control brings them back
        layers[f"facility:{layer['name']}"] = SitingLayer(
            f"facility:{layer['name']}", layer["label"], show=len(layer["lat"]) <= 100
        )
    if data["robustness"] is not None and data["robustness"]["membership"] is not None:
        layers["membership"] = SitingLayer("membership", "Portfolio membership", show=False)
    if data["stakeholders"] is not None:
        layers["stakeholders"] = SitingLayer(
            "stakeholders", "Whose weights put the site in the portfolio", show=False
        )
    if results.surface is not None:
        # under the candidates and the chosen sites (its own pane, siting.outputs.map.surface)
        layers["surface"] = SitingLayer("surface", "Suitability surface")
        # what was chosen from it (siting.outputs.map.surface.picks_data): numbered markers
        # and outlines, hidden at start: the first view answers with the chosen portfolio,
        # whose towns the best cells sit on, and a second set of numbers there would read as
        # its ranks (the shipped study's site 4 is on Atyrau, the portfolio's third town)
        if results.surface_sites is not None:
            layers["surface_sites"] = SitingLayer(
                "surface_sites", "Sites chosen from the surface", show=False
            )
        if results.surface_regions is not None:
            layers["surface_regions"] = SitingLayer(
                "surface_regions", "Regions chosen from the surface", show=False
            )
    layers["candidates"] = SitingLayer("candidates", "Candidates, coloured by score")
    layers["excluded"] = SitingLayer("excluded", "Excluded candidates")
    if data["portfolio"] is not None:
        layers["portfolio"] = SitingLayer("portfolio", "Chosen portfolio")
        if data["portfolio"]["radius_km"]:
            layers["coverage"] = SitingLayer("coverage", "Portfolio coverage")
    for k in range(len(data["alternatives"])):
        layers[f"alternative:{k}"] = SitingLayer(
            f"alternative:{k}", f"Alternative {k + 1}", show=False
        )
    if data["pareto"]:
        layers["pareto"] = SitingLayer("pareto", "Pareto point chosen in the panel")
    if data["reference"] is not None:
        layers["reference"] = SitingLayer("reference", "Novosibirsk reference")
    layers["labels"] = SitingLayer("labels", "Town names")
    return layers


def render_map(
    results: Results,
    *,
    offline: bool = True,
    tiles: str | None = None,
    lang: str | None = None,
    live: bool | None = None,
) -> str:
    """The map page as one HTML string (see :func:`write_map`)."""
    m = folium_map(results, offline=offline, tiles=tiles, lang=lang, live=live)
    return str(m.get_root().render())


def write_map(
    results: Results,
    path: str | Path,
    *,
    offline: bool = True,
    tiles: str | None = None,
    lang: str | None = None,
    live: bool | None = None,
) -> Path:
    """Write the interactive map as one self-contained HTML file.

    Parameters
    ----------
    results
        The run to draw.
    path
        Where to write (``map.html``); written atomically.
    offline, tiles, lang, live
        See :func:`folium_map`.

    Returns
    -------
    Path
        ``path``.
    """
    page = render_map(results, offline=offline, tiles=tiles, lang=lang, live=live)
    return write_text(Path(path), page)
