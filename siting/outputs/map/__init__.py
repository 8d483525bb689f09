"""The interactive map, built as a folium map and saved as one offline page.

- :mod:`~siting.outputs.map.payload`: everything the page draws, as JSON-ready data, with
  every text a person reads in each of the three languages (or the catalogs that render it);
- :mod:`~siting.outputs.map.elements`: the folium elements folium has none of (the inlined
  assets, the data, the panel with the answer and the sliders, the engine, the page script)
  and :class:`~siting.outputs.map.elements.SitingMap`, the ``folium.Map`` that holds them;
- :mod:`~siting.outputs.map.page`: rendering that map as one offline page (pinned element
  ids, a Content-Security-Policy by hash of every inline script) and as a notebook frame;
- :mod:`~siting.outputs.map.summary`: the compact answer a notebook shows for a run.

:mod:`siting.outputs.maps` is the public entry: ``folium_map``, ``render_map``, ``write_map``.
"""
