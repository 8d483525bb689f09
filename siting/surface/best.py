"""For each candidate town, the best cell of the surface within a stated distance.

"A site 28 km north-east of Almaty scores 0.93 against Almaty's point 0.88": both numbers come
from one plan (:mod:`siting.surface.measure`), the town's at its own point and the cell's at
its centre, so the difference is the place and nothing else.  Only kept cells are looked at;
the best is the highest score, ties to the nearer cell, then to the lower H3 index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting import features
from siting.i18n import N_
from siting.surface.result import Surface
from siting.tolerances import RADIUS_SLACK

#: The eight compass points, clockwise from north, each covering 45° of bearing.
COMPASS = (
    N_("north"),
    N_("north-east"),
    N_("east"),
    N_("south-east"),
    N_("south"),
    N_("south-west"),
    N_("west"),
    N_("north-west"),
)


def bearing_deg(origin: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Initial great-circle bearing from each origin to its target, degrees clockwise from north."""
    lon1, lat1 = np.radians(np.asarray(origin, dtype=float)).T
    lon2, lat2 = np.radians(np.asarray(target, dtype=float)).T
    dlon = lon2 - lon1
    y = np.sin(dlon) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.degrees(np.arctan2(y, x)) % 360.0


def compass(bearing: np.ndarray) -> list[str]:
    """The compass point (untranslated msgid) of each bearing."""
    return [COMPASS[int(((b + 22.5) % 360) // 45)] for b in np.asarray(bearing, dtype=float)]


def best_cells(surface: Surface, *, within_km: float) -> pd.DataFrame:
    """The best kept cell within ``within_km`` of each candidate.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate id: ``name``, ``point_score`` (the town at its point),
        ``h3``, ``lon``, ``lat``, ``score`` (the best cell), ``gain`` (score - point_score),
        ``km`` and ``bearing`` (from the town to the cell's centre) and ``direction`` (a
        compass point, untranslated); the cell's columns are empty when no kept cell lies
        within the distance.
    """
    towns = surface.candidates
    xy = towns[["lon", "lat"]].to_numpy(dtype=float)
    kept = np.flatnonzero(surface.kept)
    centres = surface.centres()[kept]
    rows = np.full(len(towns), -1, dtype=np.int64)
    if len(kept):
        tree = cKDTree(features.unit_vectors(centres))
        reach = features.km_to_chord(within_km) * (1 + RADIUS_SLACK)
        near = tree.query_ball_point(features.unit_vectors(xy), reach)
        for t, found in enumerate(near):  # one query per town (61), never per cell
            if not found:
                continue
            idx = kept[np.asarray(found)]
            km = features.haversine_km(xy[t : t + 1], surface.centres()[idx])[0]
            order = np.lexsort((surface.cells[idx], km, -surface.score[idx]))
            rows[t] = idx[order[0]]
    has = rows >= 0
    safe = np.where(has, rows, 0)
    centres_all = surface.centres()
    at = centres_all[safe] if len(surface) else np.zeros((len(towns), 2))
    km = features.haversine_km(xy, at).diagonal() if len(towns) else np.empty(0)
    bearing = bearing_deg(xy, at)
    table = pd.DataFrame(index=towns.index)
    table["name"] = towns["name"]
    table["point_score"] = towns["score"]
    table["h3"] = np.where(has, surface.hex_ids()[safe], "") if len(surface) else ""
    table["lon"] = np.where(has, at[:, 0], np.nan)
    table["lat"] = np.where(has, at[:, 1], np.nan)
    table["score"] = np.where(has, surface.score[safe], np.nan) if len(surface) else np.nan
    table["gain"] = table["score"] - table["point_score"]
    table["km"] = np.where(has, km, np.nan)
    table["bearing"] = np.where(has, bearing, np.nan)
    table["direction"] = [d if h else "" for d, h in zip(compass(bearing), has, strict=True)]
    return table
