"""siting: where to build science cities.

Score candidate sites with multi-criteria decision analysis, choose a portfolio
with an exact integer program, and draw the result on offline maps and reports.

>>> import siting
>>> results = siting.run("criteria/novosibirsk.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from siting.errors import CriteriaError, DataError, InfeasibleError, OutputError, SitingError
from siting.pipeline import run
from siting.results import PortfolioChoice, Results

try:
    __version__ = version("siting")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "CriteriaError",
    "DataError",
    "InfeasibleError",
    "OutputError",
    "PortfolioChoice",
    "Results",
    "SitingError",
    "__version__",
    "run",
]
