"""A suitability surface: a study's criteria measured and scored over an H3 hexagon grid.

Where in Kazakhstan, not only which town: the cells of an H3 grid over the study's area
(``surface:`` in a criteria file, docs/criteria.md) are measured with the functions the
candidates are measured with (:mod:`siting.features`), valued with the study's value functions
(:mod:`siting.value`), excluded by its rules and scored with its weights and method
(:mod:`siting.mcda`): a cell is scored as a candidate town at the cell's centre would be.

Public interface (for sites and regions chosen from the surface, maps and clicks)
--------------------------------------------------------------------------------
:func:`build` (``siting.surface.build(source, candidates=..., layers=..., boundaries=...,
weights=..., kept=...)``; :func:`siting.pipeline.run` calls it and puts the result in
``Results.surface``) returns a :class:`Surface`, whose arrays are aligned row by row:

- ``surface.cells``: ``(n,)`` uint64 H3 indexes; ``surface.hex_ids()`` as text;
- ``surface.lonlat``: ``(n, 2)`` cell centres, longitude and latitude in degrees;
- ``surface.score``: ``(n,)`` score by ``surface.method`` (higher is better);
- ``surface.values``: ``(n, m)`` values (0..1) of ``surface.criteria``; ``surface.raw`` the
  raw values in each criterion's unit; ``surface.weights`` the global weights (sum 1);
- ``surface.kept`` / ``surface.excluded``: ``(n,)`` exclusion mask; ``surface.excluded_by``
  the rules as bits, ``surface.reasons`` the rules in words;
- ``surface.neighbours()``: ``(n, 6)`` rows of each cell's neighbours, -1 where none;
- ``surface.index_of(h3)``, ``surface.cell_at(lonlat)``: rows of cells; ``area_km2()``;
- ``surface.score_points(lonlat)``: any point measured, valued, excluded and scored as the
  cells are (an :class:`~siting.surface.measure.Evaluation`): what a click on a map shows;
- ``surface.candidates``: the candidate towns scored the same way, at their points;
- ``surface.frame()``: one row per cell, every column, for tables.

Modules: :mod:`~siting.surface.grid` (cells of the area in partitions, centres, neighbours),
:mod:`~siting.surface.measure` (the plan and :func:`evaluate`),
:mod:`~siting.surface.plan` (from a study to a plan and an area),
:mod:`~siting.surface.engines` (numpy in process, dask on a cluster),
:mod:`~siting.surface.robustness` (top shares under random weights, streamed),
:mod:`~siting.surface.best` (the best cell near each candidate).
"""

from siting.surface.builder import build, check
from siting.surface.grid import Area
from siting.surface.measure import Evaluation, Plan, evaluate
from siting.surface.result import Surface

__all__ = ["Area", "Evaluation", "Plan", "Surface", "build", "check", "evaluate"]
