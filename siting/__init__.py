"""siting: where to build science cities.

Score candidate sites with multi-criteria decision analysis, choose a portfolio
with an exact integer program, and draw the result on offline maps and reports.

>>> import siting
>>> study = siting.Study.load("criteria/novosibirsk.yaml")  # doctest: +SKIP
>>> results = siting.run(study.replace(weights={"university_km": 3}))  # doctest: +SKIP
>>> results.write("out/variant")  # doctest: +SKIP

docs/api.md documents the API with examples.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from siting.errors import CriteriaError, DataError, InfeasibleError, OutputError, SitingError
from siting.pipeline import run, validate
from siting.results import PortfolioChoice, Results
from siting.study import Study

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
    "Study",
    "__version__",
    "run",
    "validate",
]
