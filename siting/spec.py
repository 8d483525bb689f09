"""The validated shape of a study: pydantic models, no I/O.

A criteria file (YAML) is loaded by :mod:`siting.criteria` into a :class:`Study`.
Every model forbids unknown keys so that a typo is reported (with a "did you
mean") instead of silently ignored.  Paths stay as written in the file; they are
resolved against the criteria file's folder by :mod:`siting.criteria`.  The validators'
messages are :class:`siting.i18n.Msg`, which :mod:`siting.criteria` passes on untouched so that
they can be printed in the reader's language.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from siting.i18n import N_, Msg
from siting.messages import Integer, Joined, did_you_mean

Direction = Literal["benefit", "cost"]
VALUE_FUNCTIONS = ("minmax", "linear", "threshold", "piecewise", "categories")

#: The languages a study's texts and every output can be in.
Language = Literal["kk", "ru", "en"]
LANGUAGE_CODES: tuple[str, ...] = ("kk", "ru", "en")


class LocalText(str):
    """A text a person reads, in one or several languages.

    A criteria file gives a label either as one string (the same text in every language) or as
    ``{en: ..., ru: ..., kk: ...}``.  As a :class:`str` a ``LocalText`` is the English text (or,
    without English, the first language given), so code that only needs one text keeps working;
    :meth:`get` gives the text in a language.

    Examples
    --------
    >>> label = LocalText({"en": "Population", "ru": "Население"})
    >>> str(label), label.get("ru"), label.get("kk")
    ('Population', 'Население', 'Population')
    """

    translations: dict[str, str]

    def __new__(cls, value: str | dict[str, str]) -> LocalText:
        """Wrap one text, or texts by language code."""
        if isinstance(value, LocalText):
            return value
        given = {} if isinstance(value, str) else {str(k): str(v) for k, v in value.items()}
        default = value if isinstance(value, str) else given.get("en", next(iter(given.values())))
        out = super().__new__(cls, default)
        out.translations = given
        return out

    def get(self, lang: str) -> str:
        """The text in ``lang``: its own translation, else the English (or only) text."""
        return self.translations.get(lang, str(self))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the text is given in (empty: one text for all)."""
        return tuple(self.translations)


def _local_text(value: object) -> LocalText:
    """Accept one text, or a mapping of language code to text; refuse anything else."""
    if isinstance(value, str):
        return LocalText(value)
    if not isinstance(value, dict):
        msg = Msg(
            N_(
                "expected text, or one text per language such as {{en: ..., ru: ..., kk: ...}}; "
                "got {value}"
            ),
            value=repr(value),
        )
        raise ValueError(msg)
    unknown = [k for k in value if k not in LANGUAGE_CODES]
    if unknown:
        msg = Msg(
            N_("{codes} is not a language here; use kk, ru or en"),
            codes=", ".join(map(repr, unknown)),
        )
        raise ValueError(msg)
    bad = [k for k, v in value.items() if not isinstance(v, str) or not v.strip()]
    if not value or bad:
        msg = Msg(
            N_("give the text in at least one language, e.g. {example}"),
            example="{en: ..., ru: ..., kk: ...}",
        )
        if bad:
            msg = Msg(
                N_("the text in {languages} is empty or not text; write it or drop that language"),
                languages=bad,
            )
        raise ValueError(msg)
    return LocalText(value)


def _dump_local_text(value: LocalText) -> str | dict[str, str]:
    return dict(value.translations) if value.translations else str(value)


#: The JSON Schema of a :data:`Text`.
_TEXT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {code: {"type": "string"} for code in LANGUAGE_CODES},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ],
    "description": "one text, or one per language: {en, ru, kk}",
}

#: A text in one language, or in several: ``label: Population`` or
#: ``label: {en: Population, ru: Население, kk: Халық саны}``.
Text = Annotated[
    LocalText,
    PlainValidator(_local_text),
    PlainSerializer(_dump_local_text),
    WithJsonSchema(_TEXT_SCHEMA),
]


@dataclass(frozen=True)
class Why:
    """Why a field has an upper bound; :mod:`siting.criteria` quotes it when a value breaks it.

    ``text`` completes "the most is N, because ..." (a :class:`~siting.i18n.Msg`).
    """

    text: str


# --- limits ------------------------------------------------------------------------------------
# Generous for real studies, small enough that a typo (an extra 000) cannot exhaust the machine.

#: Seconds each integer program of a portfolio may take unless the file says otherwise: far
#: beyond what the shipped studies need (well under a second each), short enough that a
#: model too large to prove stops with its best portfolio and its gap instead of hanging.
DEFAULT_TIME_LIMIT_S = 60.0
#: The longest time limit a criteria file may set (a day).
MAX_TIME_LIMIT_S = 86_400.0

#: Largest magnitude of any number in a criteria file.  Raw values (km, people, students, tenge)
#: stay far below it; beyond it differences such as ``best - worst`` lose their digits or
#: overflow, and one huge weight makes every other weight round to zero.
MAX_MAGNITUDE = 1e15
#: Smallest magnitude of a number other than 0.  Nothing a study measures is that small in its
#: unit, and dividing by a difference of such numbers (a linear value function's best - worst)
#: overflows.
MIN_MAGNITUDE = 1e-12
#: Weight draws of the robustness analysis: the draws × criteria weight matrix is held in memory
#: (1,000,000 × 20 criteria = 160 MB); scores are streamed in chunks.
MAX_SAMPLES = 1_000_000
#: Points of a one-at-a-time sweep: its table has steps × criteria × candidates rows
#: (1,001 × 10 × 100 = 1 M rows); a step of 0.001 in weight is finer than any judgement.
MAX_STEPS = 1_001
#: Portfolio re-solves of the robustness analysis: one integer program each (~10 ms).
MAX_PORTFOLIO_DRAWS = 100_000
#: Sites of a portfolio, and the counts compared with them (per group, differences, shortlist).
MAX_SITES = 10_000
#: Points of the Pareto front: one integer program each.
MAX_PARETO_POINTS = 100
#: Next-best portfolios: each adds a cut and a re-solve to the integer program.
MAX_ALTERNATIVES = 20
#: Seeds: 32 bits read the same in every tool that reports them (the manifest, the offline page).
MAX_SEED = 2**32 - 1

_SITES_WHY = Why(Msg(N_("a portfolio has at most {limit} sites"), limit=Integer(MAX_SITES)))
_SEED_WHY = Why(Msg(N_("seeds are 32-bit numbers, so that every tool reads them the same")))


def _not_bool(value: object) -> object:
    """Refuse true/false where a number is expected (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        msg = Msg(N_("{value} is not a number; write a number here"), value=str(value).lower())
        raise ValueError(msg)
    return value


def _ordinary(value: float) -> float:
    """Refuse numbers too large or too small for the arithmetic they go into."""
    if 0 < abs(value) < MIN_MAGNITUDE:
        msg = Msg(
            N_(
                "{value} is too small: numbers in a criteria file other than 0 are at least "
                "{limit} in size (smaller ones overflow when divided by); write 0, or use a "
                "smaller unit"
            ),
            value=f"{value:g}",
            limit=f"{MIN_MAGNITUDE:g}",
        )
        raise ValueError(msg)
    if abs(value) > MAX_MAGNITUDE:
        msg = Msg(
            N_(
                "{value} is too large: numbers in a criteria file lie within ±{limit}, beyond "
                "which sums and differences of them lose their digits; use a larger unit, for "
                "example thousands"
            ),
            value=f"{value:g}",
            limit=f"{MAX_MAGNITUDE:g}",
        )
        raise ValueError(msg)
    return value


# Every real number read from a criteria file is finite (no .inf, .nan: a NaN or infinite
# weight, bound or point would run to NaN scores, or scores that are all 0, with no error),
# 0 or between MIN_MAGNITUDE and MAX_MAGNITUDE in size, and not true/false.  A field's own
# bounds sit inside its type, before the validators, so that pydantic checks them natively and
# writes them into the JSON Schema (given on the field, they would land after the validators
# and be checked by a wrapper).
#: A real number with no bounds of its own (a raw value, a threshold, an exclusion bound).
FiniteFloat = Annotated[
    float, AllowInfNan(False), AfterValidator(_ordinary), BeforeValidator(_not_bool)
]
#: A finite number >= 0 (weights, distances that may be 0).
NonNegative = Annotated[
    float, AllowInfNan(False), Field(ge=0), AfterValidator(_ordinary), BeforeValidator(_not_bool)
]
#: A finite number > 0 (radii, distance scales, budgets).
Positive = Annotated[
    float, AllowInfNan(False), Field(gt=0), AfterValidator(_ordinary), BeforeValidator(_not_bool)
]
#: A finite number from 0 to 1 (values, shares).
Fraction = Annotated[
    float,
    AllowInfNan(False),
    Field(ge=0, le=1),
    AfterValidator(_ordinary),
    BeforeValidator(_not_bool),
]

#: Counts of sites (a portfolio's size, per-group counts, differences, shortlists).
SiteCount = Annotated[int, Field(ge=1, le=MAX_SITES), BeforeValidator(_not_bool), _SITES_WHY]
#: Seeds of random draws.
Seed = Annotated[int, Field(ge=0, le=MAX_SEED), BeforeValidator(_not_bool), _SEED_WHY]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Strict):
    """A numeric filter on one attribute: ``{min: 5000}``, ``{max: 3}``, ``{in: [a, b]}``, ``{equals: x}``."""

    min: FiniteFloat | None = Field(None, description="Keep features whose value is at least this.")
    max: FiniteFloat | None = Field(None, description="Keep features whose value is at most this.")
    in_: list[str | FiniteFloat] | None = Field(
        None, alias="in", description="Keep features whose value is one of these."
    )
    equals: str | FiniteFloat | bool | None = Field(
        None, description="Keep features whose value equals this."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Bounds:
        if self.min is None and self.max is None and self.in_ is None and self.equals is None:
            msg = Msg(
                N_("a filter needs at least one of min, max, in, equals; for example {example}"),
                example="{min: 5000}",
            )
            raise ValueError(msg)
        if self.min is not None and self.max is not None and self.min > self.max:
            msg = Msg(
                N_("min {min} is greater than max {max}; swap them"), min=self.min, max=self.max
            )
            raise ValueError(msg)
        return self


Where = dict[str, Bounds]

#: Names of the candidates' coordinates that ``attribute`` reads from the geometry (degrees).
COORDINATES: dict[str, Literal["lon", "lat"]] = {
    "longitude": "lon",
    "lon": "lon",
    "latitude": "lat",
    "lat": "lat",
}

#: The measure kinds, in the order the documentation lists them.
MEASURES = ("nearest", "count", "sum", "access", "gravity", "attribute")


class LinearDecay(_Strict):
    """Full weight up to ``full_km``, none from ``zero_km``, a straight line between."""

    full_km: NonNegative = Field(description="Distance in km up to which a feature counts fully.")
    zero_km: Positive = Field(description="Distance in km from which a feature no longer counts.")

    @model_validator(mode="after")
    def _ordered(self) -> LinearDecay:
        if self.full_km >= self.zero_km:
            msg = Msg(
                N_(
                    "full_km {full} must be less than zero_km {zero} (full weight up to full_km, "
                    "none from zero_km); for a hard radius write `within_km: {zero}` instead"
                ),
                full=f"{self.full_km:g}",
                zero=f"{self.zero_km:g}",
            )
            raise ValueError(msg)
        return self


class GaussianDecay(_Strict):
    """Weight ``exp(-d² / 2σ²)``: flat near the site, falling fastest at ``sigma_km``."""

    sigma_km: Positive = Field(description="Standard deviation σ of the Gaussian kernel, in km.")


class ExponentialDecay(_Strict):
    """Weight ``exp(-d / scale_km)``: the negative exponential of Hansen-type accessibility."""

    scale_km: Positive = Field(
        description="Distance d0 in km over which the weight falls by a factor e (2.718)."
    )


#: Decay kernels by name, with their parameters.
DECAYS = ("linear", "gaussian", "exponential")


class Decay(_Strict):
    """How a feature's weight falls with its distance from the site. Exactly one kernel."""

    linear: LinearDecay | None = Field(
        None, description="Full weight to full_km, none from zero_km, linear between."
    )
    gaussian: GaussianDecay | None = Field(None, description="exp(-d² / 2 sigma_km²).")
    exponential: ExponentialDecay | None = Field(None, description="exp(-d / scale_km).")

    @property
    def kind(self) -> str:
        """The kernel's name: linear, gaussian or exponential."""
        for kind in DECAYS:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated Decay without a kernel")  # pragma: no cover

    @property
    def distances(self) -> dict[str, float]:
        """The kernel's distances by key (``{"full_km": 30, "zero_km": 80}``), in km."""
        part = getattr(self, self.kind)
        return {k: float(v) for k, v in part.model_dump().items()}

    @model_validator(mode="after")
    def _one(self) -> Decay:
        given = [k for k in DECAYS if getattr(self, k) is not None]
        if len(given) != 1:
            msg = Msg(
                N_(
                    "give exactly one decay kernel: linear, gaussian or exponential (got {given}); "
                    "for example {example}"
                ),
                given=given or Msg(N_("none")),
                example="{linear: {full_km: 30, zero_km: 80}}",
            )
            raise ValueError(msg)
        return self


class Measure(_Strict):
    """How a criterion's raw value is measured for each candidate.

    Exactly one of ``nearest``, ``count``, ``sum``, ``access``, ``gravity``, ``attribute`` is
    given.  ``count`` and ``sum`` take a hard radius (``within_km``) or a distance decay
    (``decay``); ``gravity`` (and ``access``, its older name) always decays.
    """

    nearest: str | None = Field(
        None, description="Great-circle distance in km to the nearest feature of this layer."
    )
    count: str | None = Field(
        None,
        description="Number of features of this layer within `within_km`, or weighted by `decay`.",
    )
    sum: str | None = Field(
        None,
        description="Sum of `field` over the features of this layer within `within_km`, or "
        "weighted by `decay`.",
    )
    access: str | None = Field(
        None,
        description="Distance-decay accessibility to this layer: sum of field * exp(-d / "
        "decay_km) (or * the `decay` kernel); the older name of `gravity`.",
    )
    gravity: str | None = Field(
        None,
        description="Gravity accessibility to this layer (Hansen 1959): sum of field * decay(d).",
    )
    attribute: str | None = Field(
        None,
        description="The candidate's own attribute of this name; `latitude` / `lat` and "
        "`longitude` / `lon` are its coordinates in degrees.",
    )
    within_km: Positive | None = Field(
        None, description="Hard radius in km for `count` and `sum` (or give `decay`)."
    )
    decay: Decay | None = Field(
        None,
        description="Distance decay of `count`, `sum`, `gravity` and `access`: one of "
        "{linear: {full_km, zero_km}}, {gaussian: {sigma_km}}, {exponential: {scale_km}}.",
    )
    field: str | None = Field(
        None,
        description="Attribute summed by `sum`, or weighting `gravity` / `access` (default 1 "
        "per feature).",
    )
    decay_km: Positive | None = Field(
        None,
        description="Distance scale d0 of `access` / `gravity`, in km: short for "
        "`decay: {exponential: {scale_km: d0}}`.",
    )
    where: Where | None = Field(
        None, description="Keep only the layer's features whose attributes pass these filters."
    )
    in_: list[str | FiniteFloat] | None = Field(
        None,
        alias="in",
        min_length=1,
        description="`attribute` only: 1 when the candidate's value is one of these, else 0.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def kind(self) -> str:
        """The measure's kind: nearest, count, sum, access, gravity or attribute."""
        for kind in MEASURES:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated Measure without a kind")  # pragma: no cover

    @property
    def layer(self) -> str | None:
        """The layer the measure reads, or None for a candidate attribute."""
        return None if self.kind == "attribute" else getattr(self, self.kind)

    @property
    def coordinate(self) -> Literal["lon", "lat"] | None:
        """``lon`` or ``lat`` when the measure is the candidate's longitude or latitude."""
        return COORDINATES.get(str(self.attribute)) if self.kind == "attribute" else None

    @property
    def kernel(self) -> Decay | None:
        """The distance decay, ``decay_km`` read as an exponential kernel; None for a hard radius."""
        if self.decay is not None:
            return self.decay
        if self.decay_km is not None:
            return Decay(exponential=ExponentialDecay(scale_km=self.decay_km))
        return None

    @model_validator(mode="after")
    def _exactly_one(self) -> Measure:
        given = [k for k in MEASURES if getattr(self, k)]
        if len(given) != 1:
            msg = Msg(
                N_(
                    "give exactly one of nearest, count, sum, access, gravity, attribute (got "
                    "{given})"
                ),
                given=given or Msg(N_("none")),
            )
            raise ValueError(msg)
        kind = given[0]
        self._needs(kind)
        self._unused(kind)
        if kind == "attribute" and self.where is not None:
            msg = Msg(N_("`where` filters a layer's features; it cannot be used with `attribute`"))
            raise ValueError(msg)
        if self.in_ is not None and self.coordinate is not None:
            msg = Msg(
                N_(
                    "{name} is a coordinate in degrees, not a label: `in` cannot test it; "
                    "remove `in` and give a value function (for example `direction: cost` for "
                    "the south)"
                ),
                name=repr(self.attribute),
            )
            raise ValueError(msg)
        return self

    def _needs(self, kind: str) -> None:
        """Refuse a measure without the option its kind needs, or with two that exclude each other."""
        if kind in ("count", "sum"):
            if self.within_km is None and self.decay is None:
                msg = Msg(
                    N_(
                        "`{kind}` needs `within_km` (a hard radius in km) or `decay` (a distance "
                        "decay); add for example `within_km: 50` or `decay: {example}`"
                    ),
                    kind=kind,
                    example="{linear: {full_km: 30, zero_km: 80}}",
                )
                raise ValueError(msg)
            if self.within_km is not None and self.decay is not None:
                msg = Msg(
                    N_(
                        "give `within_km` (a hard radius) or `decay` (a distance decay), not "
                        "both; a linear decay with full_km equal to the radius is a hard radius"
                    )
                )
                raise ValueError(msg)
        if kind == "sum" and self.field is None:
            msg = Msg(
                N_(
                    "`sum` needs `field`, the attribute to add up; add for example `field: employees`"
                )
            )
            raise ValueError(msg)
        if kind in ("access", "gravity"):
            if self.decay_km is None and self.decay is None:
                msg = (
                    Msg(
                        N_(
                            "`access` needs `decay_km`, the distance scale in km; add for example "
                            "`decay_km: 50`"
                        )
                    )
                    if kind == "access"
                    else Msg(
                        N_(
                            "`gravity` needs `decay`, how a feature's weight falls with distance; "
                            "add for example `decay: {example}`"
                        ),
                        example="{exponential: {scale_km: 50}}",
                    )
                )
                raise ValueError(msg)
            if self.decay_km is not None and self.decay is not None:
                msg = Msg(
                    N_(
                        "give `decay_km` or `decay`, not both (`decay_km: d` is short for "
                        "`decay: {example}`)"
                    ),
                    example="{exponential: {scale_km: d}}",
                )
                raise ValueError(msg)

    def _unused(self, kind: str) -> None:
        """Refuse options the measure's kind does not read (a slip, silently ignored otherwise)."""
        used = {
            "nearest": set(),
            "count": {"within_km", "decay"},
            "sum": {"within_km", "decay", "field"},
            "access": {"decay_km", "decay", "field"},
            "gravity": {"decay_km", "decay", "field"},
            "attribute": {"in"},
        }[kind]
        names = {"in_": "in"}
        extra = [
            names.get(k, k)
            for k in ("within_km", "decay", "field", "decay_km", "in_")
            if getattr(self, k) is not None
        ]
        unused = [k for k in extra if k not in used]
        if not unused:
            return
        takes = ", ".join(sorted(used))
        if kind == "attribute":
            # `attribute` takes nothing but `in`, not even `where`
            options: str = Msg(N_("only {option}"), option="in")
        elif not takes:
            options = Msg(N_("only where"))
        else:
            options = Msg(N_("{options} and where"), options=takes)
        msg = (
            Msg(
                N_("{option} is not used by `{kind}`; remove it (`{kind}` takes {options})"),
                option=unused[0],
                kind=kind,
                options=options,
            )
            if len(unused) == 1
            else Msg(
                N_("{option} are not used by `{kind}`; remove them (`{kind}` takes {options})"),
                option=", ".join(unused),
                kind=kind,
                options=options,
            )
        )
        raise ValueError(msg)


class Linear(_Strict):
    """Linear value between ``worst`` (value 0) and ``best`` (value 1), clipped outside."""

    best: FiniteFloat = Field(description="Raw value that scores 1.")
    worst: FiniteFloat = Field(description="Raw value that scores 0.")

    @model_validator(mode="after")
    def _distinct(self) -> Linear:
        if self.best == self.worst:
            msg = Msg(
                N_(
                    "best and worst are both {value}; give best the raw value that scores 1 and "
                    "worst a different one that scores 0"
                ),
                value=self.best,
            )
            raise ValueError(msg)
        return self


class Threshold(_Strict):
    """Step value: 1 when the raw value is on the good side of ``at``, else ``below`` (default 0)."""

    at: FiniteFloat = Field(description="The threshold, in the criterion's unit.")
    below: Fraction = Field(
        0.0, description="Value given on the bad side of the threshold (0 to 1)."
    )


class Piecewise(_Strict):
    """Piecewise-linear value through ``points`` ``[[raw, value], ...]``, flat outside."""

    points: list[tuple[FiniteFloat, FiniteFloat]] = Field(
        min_length=2, description="Pairs [raw value, value 0..1], raw values increasing."
    )

    @field_validator("points")
    @classmethod
    def _increasing(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        xs = [p[0] for p in points]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            msg = Msg(
                N_(
                    "raw values {values} must be strictly increasing; sort the points and remove repeats"
                ),
                values=xs,
            )
            raise ValueError(msg)
        if any(not 0 <= p[1] <= 1 for p in points):
            msg = Msg(
                N_(
                    "values {values} must lie between 0 and 1; write each point as [raw value, "
                    "value] with value 0 (worst) to 1 (best)"
                ),
                values=[p[1] for p in points],
            )
            raise ValueError(msg)
        return points


class ValueFunction(_Strict):
    """How a raw value becomes a 0–1 value. Exactly one key; a bare ``minmax`` string is accepted."""

    minmax: bool | None = Field(
        None, description="Min-max over the candidates: best candidate 1, worst 0."
    )
    linear: Linear | None = None
    threshold: Threshold | None = None
    piecewise: Piecewise | None = None
    categories: Annotated[dict[str, Fraction], Field(min_length=1)] | None = Field(
        None,
        description="Value 0..1 of each category of a text attribute: {south: 1, north: 0.3}.",
    )
    default: Fraction | None = Field(
        None,
        description="With `categories`: the value of a category not listed (and of an empty "
        "one); without it every category the candidates have must be listed.",
    )

    @property
    def kind(self) -> str:
        """The value function's name."""
        for kind in ("linear", "threshold", "piecewise", "categories"):
            if getattr(self, kind) is not None:
                return kind
        return "minmax"

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: object) -> object:
        if isinstance(data, str):
            if data == "minmax":
                return {"minmax": True}
            hint = difflib.get_close_matches(data, VALUE_FUNCTIONS, n=1)
            options = ", ".join(VALUE_FUNCTIONS)
            msg = (
                Msg(
                    N_(
                        "unknown value function {name} ({hint}); use one of {options} (only "
                        "minmax may be written as a bare name)"
                    ),
                    name=repr(data),
                    hint=did_you_mean(hint[0]),
                    options=options,
                )
                if hint
                else Msg(
                    N_(
                        "unknown value function {name}; use one of {options} (only minmax may be "
                        "written as a bare name)"
                    ),
                    name=repr(data),
                    options=options,
                )
            )
            raise ValueError(msg)
        return data

    @model_validator(mode="after")
    def _one(self) -> ValueFunction:
        given = [k for k in VALUE_FUNCTIONS if getattr(self, k)]
        if len(given) > 1:
            msg = Msg(N_("give one value function, not {given}; keep one of them"), given=given)
            raise ValueError(msg)
        if self.default is not None and self.categories is None:
            msg = Msg(
                N_(
                    "`default` is the value of the categories `categories` does not list; it "
                    "goes with `categories`, for example {example}"
                ),
                example="{categories: {south: 1, north: 0.3}, default: 0}",
            )
            raise ValueError(msg)
        return self


class Criterion(_Strict):
    """One criterion: what is measured, in which direction, through which value function, with which weight."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable id: lower case, digits, _.")
    label: Text = Field(
        description="What the criterion means, for people (one text or per language)."
    )
    group: str | None = Field(
        None, description="Group id (science, education, industry, enablers...)."
    )
    measure: Measure
    direction: Direction = Field(description="benefit: more is better; cost: less is better.")
    value: ValueFunction = Field(
        default_factory=lambda: ValueFunction(minmax=True),
        description="Value function; default minmax.",
    )
    unit: Text | None = Field(
        None, description="Unit of the raw value, shown in tables and popups."
    )
    weight: NonNegative | None = Field(
        None,
        description="Weight (relative; normalised within its group). Required when "
        "the criteria's weights are given directly (the default).",
    )
    note: Text | None = Field(None, description="Why this criterion and weight, for the report.")

    @field_validator("value")
    @classmethod
    def _categories_read_text(cls, value: ValueFunction, info: ValidationInfo) -> ValueFunction:
        """``categories`` values a text attribute of the candidates, best category 1."""
        measure = info.data.get("measure")
        if value.categories is None or not isinstance(measure, Measure):
            return value  # a broken measure is reported on its own
        problem: Msg | None = None
        if measure.kind != "attribute":
            problem = Msg(
                N_(
                    "`categories` values a text attribute of the candidates, not a `{kind}` "
                    "measure; use it with `measure: {example}`, or choose linear, piecewise or "
                    "threshold"
                ),
                kind=measure.kind,
                example="{attribute: macro_region}",
            )
        elif measure.coordinate is not None:
            problem = Msg(
                N_(
                    "{name} is a coordinate in degrees, not a category; value it with linear or "
                    "piecewise (latitude with `direction: cost` prefers the south)"
                ),
                name=repr(measure.attribute),
            )
        elif measure.in_ is not None:
            problem = Msg(
                N_(
                    "`in` already turns the attribute into 1 (listed) or 0; remove `in` to value "
                    "each category with `categories`, or remove `categories`"
                )
            )
        elif info.data.get("direction") == "cost":
            problem = Msg(
                N_(
                    "`categories` gives each category its value, 1 for the best, so the "
                    "direction is benefit; write `direction: benefit`"
                )
            )
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _direction_agrees(self) -> Criterion:
        lin = self.value.linear
        if lin is not None:
            says = "benefit" if lin.best > lin.worst else "cost"
            if says != self.direction:
                msg = Msg(
                    N_(
                        "direction is {direction} but linear best {best} and worst {worst} "
                        "describe a {says}; swap best and worst or change direction"
                    ),
                    direction=self.direction,
                    best=lin.best,
                    worst=lin.worst,
                    says=says,
                )
                raise ValueError(msg)
        return self


class Group(_Strict):
    """A group of criteria whose weight multiplies the (normalised) weights inside it."""

    weight: NonNegative | None = Field(
        None,
        description="The group's weight (relative); required unless `weights.groups` derives it.",
    )
    label: Text | None = Field(
        None, description="Name shown in reports (one text or per language)."
    )


class GroupOf(_Strict):
    """One group of a grouping: who is in it and what it is called."""

    label: Text | None = Field(
        None, description="The group's name in sentences (one text or per language)."
    )
    members: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = Field(
        min_length=1, description="Values of the `from` field that belong to the group."
    )


def _group_of(value: object) -> object:
    """A bare list of members is the short form of ``{members: [...]}``."""
    return {"members": value} if isinstance(value, list) else value


class Grouping(_Strict):
    """A grouping the study defines: a new text field whose value is the group of the ``from`` value.

    The study's own division of the country (macro-regions, for example) is written in the
    criteria file that uses it, with its reason, instead of living in a data layer without a
    source; portfolio rules, value functions and filters then read it as any other field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(
        alias="from",
        description="Text field of the candidates (and of any other layer that has it) whose "
        "values are grouped, for example region.",
    )
    label: Text | None = Field(
        None,
        description="What one group is called in sentences, for example macro-region "
        "(one text or per language).",
    )
    note: Text | None = Field(
        None,
        description="Where the grouping comes from, shown with the rules that use it "
        "(one text or per language).",
    )
    groups: dict[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)],
        Annotated[
            GroupOf,
            BeforeValidator(_group_of),
            # The short form (a list of members) is accepted, so editors must accept it too.
            WithJsonSchema(
                {
                    "anyOf": [
                        {
                            "type": "array",
                            "items": {"type": "string", "minLength": 1},
                            "minItems": 1,
                        },
                        {
                            "type": "object",
                            "properties": {
                                "label": _TEXT_SCHEMA,
                                "members": {
                                    "type": "array",
                                    "items": {"type": "string", "minLength": 1},
                                    "minItems": 1,
                                },
                            },
                            "required": ["members"],
                            "additionalProperties": False,
                        },
                    ]
                }
            ),
        ],
    ] = Field(
        min_length=1,
        description="Each group's name (the new field's value) and its members: "
        "`north: [Akmola, Kostanay]` or `north: {label: the north, members: [...]}`.",
    )

    @model_validator(mode="after")
    def _members_once(self) -> Grouping:
        seen: dict[str, str] = {}
        twice = []
        for name, group in self.groups.items():
            for member in group.members:
                if member in seen and seen[member] != name:
                    twice.append(f"{member!r} ({seen[member]}, {name})")
                seen.setdefault(member, name)
        if twice:
            msg = Msg(
                N_("{members} is listed in two groups; keep each value in one group"),
                members=", ".join(twice),
            )
            raise ValueError(msg)
        return self

    def mapping(self) -> dict[str, str]:
        """Each member value → its group's name."""
        return {m: name for name, group in self.groups.items() for m in group.members}


class Exclusion(_Strict):
    """A hard constraint: candidates failing it are excluded (kept in the table with the reason)."""

    criterion: str | None = Field(None, description="Criterion id whose raw value is tested.")
    field: str | None = Field(
        None, description="Candidate attribute tested instead of a criterion."
    )
    above: FiniteFloat | None = Field(None, description="Exclude when the value is above this.")
    below: FiniteFloat | None = Field(None, description="Exclude when the value is below this.")
    equals: str | FiniteFloat | bool | None = Field(
        None, description="Exclude when the value equals this."
    )
    reason: Text | None = Field(
        None,
        description="Text shown as the reason (one text or one per language); generated when "
        "omitted.",
    )

    @model_validator(mode="after")
    def _shape(self) -> Exclusion:
        if (self.criterion is None) == (self.field is None):
            msg = Msg(
                N_(
                    "give exactly one of `criterion` (a criterion id) or `field` (a candidate "
                    "attribute); keep one"
                )
            )
            raise ValueError(msg)
        if self.above is None and self.below is None and self.equals is None:
            msg = Msg(
                N_("give at least one of `above`, `below`, `equals`; for example `below: 10000`")
            )
            raise ValueError(msg)
        return self


MethodName = Literal["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii", "owa"]
Normalisation = Literal["minmax", "vector", "sum", "max", "zscore"]
Preference = Literal["usual", "ushape", "vshape", "level", "linear", "gaussian"]


class TopsisOptions(_Strict):
    """Options of TOPSIS."""

    normalisation: Normalisation = Field(
        "vector", description="Normalisation of the value matrix (classic TOPSIS: vector)."
    )


class VikorOptions(_Strict):
    """Options of VIKOR."""

    v: Fraction = Field(0.5, description="Weight of the group utility (majority) strategy.")


class PrometheeOptions(_Strict):
    """Options of PROMETHEE II; thresholds are in value units (0..1), one value or one per criterion."""

    preference: Preference | dict[str, Preference] = Field(
        "vshape",
        description="Preference function, or one per criterion id (default vshape: preference "
        "grows linearly with the value difference up to p).",
    )
    q: FiniteFloat | dict[str, FiniteFloat] | None = Field(
        None, description="Indifference threshold."
    )
    p: FiniteFloat | dict[str, FiniteFloat] | None = Field(0.5, description="Preference threshold.")
    s: FiniteFloat | dict[str, FiniteFloat] | None = Field(None, description="Gaussian scale.")


class OwaOptions(_Strict):
    """Options of ordered weighted averaging."""

    order_weights: list[FiniteFloat] | None = Field(
        None,
        description="Weights of the ordered positions, best value first; one per criterion. "
        "All weight on the first position is OR (optimistic), on the last AND (pessimistic).",
    )


class Method(_Strict):
    """How the values are aggregated into a score, and which other methods are reported beside it."""

    name: MethodName = Field(
        "weighted_sum",
        description="The MCDA method whose score ranks the candidates and feeds the portfolio.",
    )
    compare: list[MethodName] = Field(
        default_factory=list,
        description="Further methods scored and ranked beside the main one (ranking.csv, "
        "method_agreement.csv).",
    )
    topsis: TopsisOptions = Field(default_factory=TopsisOptions)
    vikor: VikorOptions = Field(default_factory=VikorOptions)
    promethee_ii: PrometheeOptions = Field(default_factory=PrometheeOptions)
    owa: OwaOptions = Field(default_factory=OwaOptions)

    @property
    def all(self) -> list[str]:
        """The main method then the compared ones, without repeats."""
        return list(dict.fromkeys([self.name, *self.compare]))

    def options(self, method: str) -> dict[str, object]:
        """Keyword options of ``method`` for :func:`siting.mcda.score`."""
        spec = getattr(self, method, None)
        if spec is None:
            return {}
        return {k: v for k, v in spec.model_dump().items() if v is not None}


WeightMethod = Literal[
    "direct", "equal", "ahp", "entropy", "critic", "rank_order_centroid", "rank_sum"
]


# A Saaty judgement: a number, or a fraction written as text ("1/3"), which editors must accept too.
Judgement = Annotated[
    FiniteFloat
    | Annotated[str, StringConstraints(pattern=r"^\s*\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*$")],
    Field(description="a number or a fraction such as 1/3"),
]


def _judgement(value: object) -> object:
    """Accept Saaty judgements written as fractions ("1/3") as well as numbers."""
    if isinstance(value, str) and "/" in value:
        top, _, bottom = value.partition("/")
        try:
            return float(top) / float(bottom)
        except (ValueError, ZeroDivisionError):
            return value
    return value


def _judgement_fractions(value: object) -> object:
    """``[a, b, "1/3"]`` items with their fraction divided (the rest left to the type checks)."""
    if isinstance(value, list):
        return [
            [*item[:2], _judgement(item[2])] if isinstance(item, list) and len(item) == 3 else item
            for item in value
        ]
    return value


def _on_saaty_scale(
    value: list[tuple[str, str, float | str]] | None,
) -> list[tuple[str, str, float | str]] | None:
    """Refuse judgements that are not numbers, or outside Saaty's 1/9 .. 9."""
    for a, b, x in value or []:
        if not isinstance(x, float):  # a fraction the before-validator could not divide
            msg = Msg(
                N_("judgement {value} for {pair} is not a number or a fraction such as 1/3"),
                value=repr(x),
                pair=f"[{a}, {b}]",
            )
            raise ValueError(msg)
        if not 1 / 9 - 1e-9 <= x <= 9 + 1e-9:
            msg = Msg(
                N_(
                    "judgement {value} for {pair} is outside Saaty's scale 1/9 .. 9; use 1 "
                    "(equal) to 9 (extreme), or 1/3, 1/5 ... for the reverse"
                ),
                value=f"{x:g}",
                pair=f"[{a}, {b}]",
            )
            raise ValueError(msg)
    return value


class WeightScheme(_Strict):
    """How a set of weights is derived: given directly, equal, by AHP, objective or from an order."""

    method: WeightMethod = Field(
        "direct",
        description="direct (the `weight:` keys), equal, ahp, entropy, critic, "
        "rank_order_centroid or rank_sum.",
    )
    judgements: list[tuple[str, str, Judgement]] | None = Field(
        None,
        description="AHP: [a, b, x] means a is x times as important as b (Saaty 1..9, or 1/3 ...); "
        "each pair once.",
    )
    ahp_method: Literal["eigenvector", "geometric"] = Field(
        "eigenvector", description="AHP: principal eigenvector or row geometric means."
    )
    accept_inconsistent: bool = Field(
        False,
        description="AHP: use the weights even if the consistency ratio exceeds 0.10 "
        "(the run then flags it in every output).",
    )
    order: list[str] | None = Field(
        None, description="rank_*: most important first (default: the order in the file)."
    )

    @field_validator("judgements", mode="before")
    @classmethod
    def _fractions(cls, value: object) -> object:
        return _judgement_fractions(value)

    @field_validator("judgements", mode="after")
    @classmethod
    def _saaty_scale(
        cls, value: list[tuple[str, str, float | str]] | None
    ) -> list[tuple[str, str, float | str]] | None:
        return _on_saaty_scale(value)

    @model_validator(mode="after")
    def _needs(self) -> WeightScheme:
        if self.method == "ahp" and not self.judgements:
            msg = Msg(
                N_(
                    "method ahp needs `judgements: [[a, b, x], ...]` (a is x times as important "
                    "as b)"
                )
            )
            raise ValueError(msg)
        if self.method != "ahp" and self.judgements:
            msg = Msg(
                N_("`judgements` are used only by method ahp, not {method}; remove them"),
                method=self.method,
            )
            raise ValueError(msg)
        return self


class Weights(_Strict):
    """Where the weights come from, per level of the hierarchy."""

    groups: WeightScheme = Field(
        default_factory=WeightScheme,
        description="Weights of the groups (default: their `weight:`).",
    )
    criteria: WeightScheme = Field(
        default_factory=WeightScheme,
        description="Weights of the criteria within each group (default: their `weight:`).",
    )
    within: dict[str, WeightScheme] = Field(
        default_factory=dict, description="Per-group override of `criteria`, by group id."
    )


# --------------------------------------------------------------------------- stakeholders

#: How the stakeholders' weights become the group's: ``aij`` and ``aip`` are the two AHP routes
#: (Forman & Peniwati 1998), ``geometric`` and ``arithmetic`` the weighted means of direct or
#: rank-based weights.
StakeholderAggregate = Literal["aij", "aip", "geometric", "arithmetic"]
#: The ways a stakeholder gives weights, by their key in the file.
STAKEHOLDER_KINDS = ("weights", "order", "judgements", "matrix")

# A row of a pairwise matrix: numbers or fractions written as text ("1/3").
MatrixRow = list[Judgement]


class Stakeholder(_Strict):
    """One person or body and their own weights: direct, by rank, or AHP pairwise judgements."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable id: lower case, digits, _.")
    name: Text | None = Field(
        None, description="Who they are, as outputs name them (one text or per language)."
    )
    voice: NonNegative = Field(
        1.0,
        description="Their weight in the group, relative to the others' (default 1 each; 0 "
        "keeps their view in the outputs without counting it).",
    )
    weights: dict[str, NonNegative] | None = Field(
        None,
        description="Direct weights by criterion id, any positive scale (every criterion once; "
        "0 leaves it out).",
    )
    order: list[str] | None = Field(
        None,
        description="Rank-based weights: the criteria, most important first (every one once).",
    )
    rank_weights: Literal["rank_order_centroid", "rank_sum"] = Field(
        "rank_order_centroid", description="How `order` becomes weights."
    )
    judgements: list[tuple[str, str, Judgement]] | None = Field(
        None,
        description="AHP: [a, b, x] means a is x times as important as b (Saaty 1..9, or 1/3 "
        "...); every pair of criteria once.",
    )
    matrix: list[MatrixRow] | None = Field(
        None,
        description="AHP: the full pairwise matrix, one row per criterion in the file's order "
        "(as AHP-OS or a spreadsheet shows it); reciprocal, 1 on the diagonal.",
    )
    note: Text | None = Field(None, description="Where their judgements come from, for the report.")

    @field_validator("judgements", mode="before")
    @classmethod
    def _fractions(cls, value: object) -> object:
        return _judgement_fractions(value)

    @field_validator("judgements", mode="after")
    @classmethod
    def _saaty_scale(
        cls, value: list[tuple[str, str, float | str]] | None
    ) -> list[tuple[str, str, float | str]] | None:
        return _on_saaty_scale(value)

    @field_validator("matrix", mode="before")
    @classmethod
    def _matrix_fractions(cls, value: object) -> object:
        if isinstance(value, list):
            return [[_judgement(x) for x in row] if isinstance(row, list) else row for row in value]
        return value

    @field_validator("matrix", mode="after")
    @classmethod
    def _matrix_numbers(
        cls, value: list[list[float | str]] | None
    ) -> list[list[float | str]] | None:
        for i, row in enumerate(value or []):
            for j, x in enumerate(row):
                if not isinstance(x, float):
                    msg = Msg(
                        N_(
                            "row {row}, column {column}: {value} is not a number or a fraction such as 1/3"
                        ),
                        row=i + 1,
                        column=j + 1,
                        value=repr(x),
                    )
                    raise ValueError(msg)
        # the same scale as `judgements` (row and column numbers name the pair)
        _on_saaty_scale(
            [
                (str(i + 1), str(j + 1), x)
                for i, row in enumerate(value or [])
                for j, x in enumerate(row)
            ]
        )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Stakeholder:
        given = [k for k in STAKEHOLDER_KINDS if getattr(self, k) is not None]
        if len(given) > 1:
            msg = Msg(
                N_(
                    "give one kind of weights, not {kinds}: `weights` (direct), `order` (by rank), "
                    "or AHP `judgements` or `matrix`"
                ),
                kinds=Joined([f"`{k}`" for k in given], ", "),
            )
            raise ValueError(msg)
        if not given:
            msg = Msg(
                N_(
                    "gives no weights; add `weights: {{criterion: number, ...}}`, `order: [most "
                    "important, ...]`, or AHP `judgements: [[a, b, x], ...]`"
                )
            )
            raise ValueError(msg)
        return self

    @property
    def kind(self) -> Literal["direct", "rank", "ahp"]:
        """``direct`` (weights), ``rank`` (order) or ``ahp`` (judgements or matrix)."""
        if self.weights is not None:
            return "direct"
        if self.order is not None:
            return "rank"
        return "ahp"


class Stakeholders(_Strict):
    """Several people or bodies, each with their own weights, and how the group's are formed."""

    aggregate: StakeholderAggregate | None = Field(
        None,
        description="aij: the element-wise weighted geometric mean of the AHP judgements, then "
        "its priorities; aip: the weighted geometric mean of each one's AHP priorities; "
        "geometric / arithmetic: the weighted mean of direct or rank-based weights. Default: aij "
        "when every member gives AHP judgements, geometric otherwise.",
    )
    members: Annotated[list[Stakeholder], Field(min_length=2)] = Field(
        description="The stakeholders (at least two, with those of `files`), each with an `id` "
        "and one kind of weights."
    )
    files: list[Path] = Field(
        default_factory=list,
        description="Files of one stakeholder each (keys as a member of `members`), relative to "
        "the criteria file; read into `members` when the file is loaded.",
    )
    draws: Annotated[int, Field(ge=10, le=100_000), BeforeValidator(_not_bool)] = Field(
        1000,
        description="Weightings drawn from the convex hull of the stakeholders' weights for the "
        "rank acceptability and portfolio membership over the stakeholders.",
    )

    @property
    def method(self) -> StakeholderAggregate:
        """The aggregation used: the one given, or the default for the members' kinds."""
        if self.aggregate is not None:
            return self.aggregate
        return "aij" if all(m.kind == "ahp" for m in self.members) else "geometric"


class AtMostPer(_Strict):
    """At most ``count`` chosen sites share a value of ``field``."""

    field: str = Field(description="Candidate attribute, for example macro_region.")
    count: SiteCount = Field(description="Most sites allowed per value of the field.")


class AtLeastPer(_Strict):
    """At least ``count`` chosen sites for every value of ``field`` among the kept candidates."""

    field: str = Field(description="Candidate attribute, for example macro_region.")
    count: SiteCount = Field(description="Fewest sites required per value of the field.")


class Budget(_Strict):
    """The chosen sites' total cost must not exceed ``limit``."""

    field: str = Field(description="Candidate attribute holding each site's cost.")
    limit: Positive = Field(description="Largest total cost, in the field's unit.")


class Coverage(_Strict):
    """Population covered: demand points within ``radius_km`` of a chosen site."""

    demand: str = Field(
        "candidates",
        description="Demand layer: `candidates` or the name of a layer under `layers` "
        "(for example settlements).",
    )
    population_field: str = Field("population", description="Demand weight field.")
    radius_km: Positive = Field(description="A demand point is covered within this distance.")
    weight: NonNegative = Field(
        0.0,
        description="Score points that covering the whole population is worth in the objective "
        "(0: coverage is reported, not optimised).",
    )


class Equity(_Strict):
    """Every group's population centre lies within ``within_km`` of some chosen site."""

    field: str = Field(
        description="Field of the demand layer that forms groups (for example planning_region)."
    )
    within_km: Positive = Field(description="Largest distance from a group's centre to a site.")
    demand: str | None = Field(
        None, description="Demand layer for the centres (default: coverage's, else candidates)."
    )
    population_field: str = Field("population", description="Weight of the population centre.")


class Pareto(_Strict):
    """The Pareto front of total score against population covered (needs `coverage`)."""

    points: Annotated[
        int,
        Field(ge=2, le=MAX_PARETO_POINTS),
        BeforeValidator(_not_bool),
        Why(Msg(N_("each point of the front solves one integer program; 100 draw a smooth front"))),
    ] = Field(11, description="ε-steps across the population range.")


class Alternatives(_Strict):
    """The next-best portfolios, each differing from every earlier one by at least ``differ_by`` sites."""

    count: Annotated[
        int,
        Field(ge=1, le=MAX_ALTERNATIVES),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "each alternative adds a constraint and a re-solve; beyond 20 they differ by noise"
                )
            )
        ),
    ] = Field(3, description="How many alternatives besides the optimum.")
    differ_by: SiteCount = Field(1, description="Least number of sites that differ.")


class Portfolio(_Strict):
    """Rules for choosing a set of sites with an integer program."""

    sites: SiteCount = Field(description="Number of sites to choose.")
    exactly: bool = Field(True, description="Exactly `sites` (true) or at most `sites` (false).")
    min_spacing_km: NonNegative | None = Field(
        None, description="Least great-circle distance between two chosen sites."
    )
    at_most_per: AtMostPer | None = None
    at_least_per: AtLeastPer | None = None
    budget: Budget | None = None
    must_include: list[str] = Field(
        default_factory=list, description="Candidate ids locked in (existing hubs)."
    )
    must_exclude: list[str] = Field(default_factory=list, description="Candidate ids locked out.")
    coverage: Coverage | None = None
    equity: Equity | None = None
    pareto: Pareto | None = None
    alternatives: Alternatives | None = None
    solver: Literal["cbc", "highs"] = Field("cbc", description="MILP solver.")
    time_limit_s: Annotated[
        float,
        AllowInfNan(False),
        Field(gt=0, le=MAX_TIME_LIMIT_S),
        AfterValidator(_ordinary),
        BeforeValidator(_not_bool),
        Why(Msg(N_("a solve that has not finished in a day will not finish in a week either"))),
    ] = Field(
        DEFAULT_TIME_LIMIT_S,
        description=(
            "Seconds each integer program may take; a solve stopped at the limit keeps its "
            "best portfolio, marked as not proved optimal, with the gap to the solver's bound."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Portfolio:
        problems: list[Msg] = []
        if self.at_most_per and self.at_least_per:
            if self.at_most_per.field != self.at_least_per.field:
                problems.append(
                    Msg(
                        N_(
                            "at_most_per uses {most} but at_least_per uses {least}; use one "
                            "field for both"
                        ),
                        most=repr(self.at_most_per.field),
                        least=repr(self.at_least_per.field),
                    )
                )
            elif self.at_least_per.count > self.at_most_per.count:
                problems.append(
                    Msg(
                        N_(
                            "at least {least} and at most {most} per {field} contradict each "
                            "other; lower at_least_per.count"
                        ),
                        least=self.at_least_per.count,
                        most=self.at_most_per.count,
                        field=self.at_most_per.field,
                    )
                )
        both = sorted(set(self.must_include) & set(self.must_exclude))
        if both:
            problems.append(
                Msg(N_("{ids} are both in must_include and must_exclude; keep one"), ids=both)
            )
        if len(self.must_include) > self.sites:
            problems.append(
                Msg(
                    N_(
                        "must_include lists {listed} sites but only {sites} are chosen; raise "
                        "`sites` or shorten the list"
                    ),
                    listed=len(self.must_include),
                    sites=self.sites,
                )
            )
        if self.pareto is not None and self.coverage is None:
            problems.append(
                Msg(N_("`pareto` trades score against population covered; add `coverage`"))
            )
        if problems:
            raise ValueError(Joined(problems, "; "))
        return self


class UncertaintySpec(_Strict):
    """How far a criterion's values may be off, in value units (0..1): one of uniform or normal."""

    uniform: Fraction | None = Field(None, description="Values move by U(-a, +a).")
    normal: Fraction | None = Field(None, description="Values move by N(0, sd²).")

    @model_validator(mode="after")
    def _one(self) -> UncertaintySpec:
        if (self.uniform is None) == (self.normal is None):
            msg = Msg(N_("give exactly one of `uniform: a` or `normal: sd`"))
            raise ValueError(msg)
        return self


class SensitivitySpec(_Strict):
    """Robustness analysis: one-at-a-time sweeps, stability intervals, SMAA, portfolio membership."""

    samples: Annotated[
        int,
        Field(ge=100, le=MAX_SAMPLES),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "the draws × criteria weight matrix is held in memory (1,000,000 draws × 20 "
                    "criteria = 160 MB); 10,000 draws already give probabilities to ±0.01"
                )
            )
        ),
    ] = Field(10_000, description="Weight draws for rank acceptability.")
    seed: Seed | None = Field(None, description="Seed of the draws (default: the study's seed).")
    portfolio_draws: Annotated[
        int,
        Field(ge=0, le=MAX_PORTFOLIO_DRAWS),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "each draw re-solves the portfolio's integer program (about 10 ms each, so "
                    "100,000 draws take minutes); 1,000 draws give probabilities to ±0.03"
                )
            )
        ),
    ] = Field(1000, description="Draws re-solving the portfolio (0: skip membership).")
    steps: Annotated[
        int,
        Field(ge=3, le=MAX_STEPS),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "the sweep's table has steps × criteria × candidates rows in memory; 1,001 steps "
                    "already move each weight by 0.001"
                )
            )
        ),
    ] = Field(21, description="Points of each one-at-a-time weight sweep.")
    top_n: SiteCount | None = Field(
        None, description="Size of the shortlist whose stability is tested (default: sites)."
    )
    weights: dict[str, tuple[FiniteFloat, FiniteFloat]] = Field(
        default_factory=dict,
        description="Ranges [lo, hi] of global criterion weights for the draws, by criterion id.",
    )
    order: list[str] | None = Field(
        None, description="Criterion ids from most to least important: draws respect this order."
    )
    uncertainty: dict[str, UncertaintySpec] = Field(
        default_factory=dict, description="Uncertainty of each criterion's values, by criterion id."
    )
    solver: Literal["highs", "cbc"] = Field(
        "highs", description="Solver of the repeated portfolio re-solves."
    )


class MapSpec(_Strict):
    """Options of the interactive map (map.html)."""

    live_portfolio: bool = Field(
        True,
        description="Re-solve the portfolio in the page when the reader moves a weight (an "
        "exact integer program solved in the page; adds about 1.8 MB to map.html). false: the "
        "sliders re-rank the candidates and the study's portfolio stays as computed.",
    )


#: Finest H3 resolution of a surface: each step multiplies the cells by 7; resolution 10 over
#: Kazakhstan is about 150 million cells (0.015 km² each), beyond what the criteria's data can
#: tell apart (facility coordinates are known to about a kilometre).
MAX_RESOLUTION = 10
#: Weight draws of the surface's robustness: each draw scores every cell (streamed in chunks).
MAX_SURFACE_DRAWS = 100_000


class SurfaceArea(_Strict):
    """Where the surface's cells lie: regions of the boundaries layer, or around points."""

    region: str | list[str] | None = Field(
        None,
        description="Id (or ids) of features of the `boundaries` layer: the cells whose centre "
        "lies in them.",
    )
    around: Literal["candidates"] | list[tuple[FiniteFloat, FiniteFloat]] | None = Field(
        None,
        description="Points [longitude, latitude] in degrees, or `candidates`: the cells whose "
        "centre lies within `km` of one of them.",
    )
    km: Positive | None = Field(None, description="Radius around each point of `around`, in km.")

    @model_validator(mode="after")
    def _one(self) -> SurfaceArea:
        if (self.region is None) == (self.around is None):
            msg = Msg(
                N_(
                    "give exactly one of `region: <id of a boundary>` or `around: [[lon, lat], "
                    "...]` with `km`"
                )
            )
            raise ValueError(msg)
        if self.around is not None and self.km is None:
            msg = Msg(N_("`around` needs `km`, the radius around each point (for example km: 50)"))
            raise ValueError(msg)
        if self.region is not None and self.km is not None:
            msg = Msg(N_("`km` is the radius of `around`; remove it, or use `around`"))
            raise ValueError(msg)
        for lon, lat in self.around if isinstance(self.around, list) else []:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                msg = Msg(
                    N_(
                        "point [{lon}, {lat}] is not [longitude, latitude] in degrees "
                        "(longitude -180..180, latitude -90..90); write longitude first"
                    ),
                    lon=f"{lon:g}",
                    lat=f"{lat:g}",
                )
                raise ValueError(msg)
        return self

    @property
    def regions(self) -> list[str]:
        """The region ids, as a list."""
        if self.region is None:
            return []
        return [self.region] if isinstance(self.region, str) else list(self.region)


class SurfaceRobustness(_Strict):
    """How often each cell is among the best under random weights."""

    draws: Annotated[
        int,
        Field(ge=10, le=MAX_SURFACE_DRAWS),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "each draw scores every cell (1,000 draws at resolution 7 score 450 million "
                    "cells); 1,000 draws give shares to ±0.03"
                )
            )
        ),
    ] = Field(1000, description="Weight draws, uniform on the simplex.")
    top_percent: Annotated[float, Field(gt=0, le=50), BeforeValidator(_not_bool)] = Field(
        5.0, description="A cell counts when it is in this top share of the kept cells (percent)."
    )


class SurfaceSites(_Strict):
    """Sites chosen among the surface's cells by the portfolio's integer program."""

    count: SiteCount = Field(description="Number of sites (cells) to choose.")
    exactly: bool = Field(True, description="Exactly `count` sites (true) or at most (false).")
    min_spacing_km: NonNegative | None = Field(
        None, description="Least great-circle distance between two chosen cells' centres."
    )
    at_most_per: AtMostPer | None = Field(
        None,
        description="{field, count}: at most `count` sites per value of a field of the "
        "boundaries layer (the polygon holding the cell's centre).",
    )
    must_include: list[str] = Field(
        default_factory=list,
        description="Candidate ids: the cell holding each candidate is locked in.",
    )
    max_candidates: Annotated[int, Field(ge=1, le=100_000), BeforeValidator(_not_bool)] = Field(
        4096,
        description="Most cells given to the integer program after the dominance reduction "
        "(it starts with 64 and doubles while the bound does not close).",
    )
    max_blocks: Annotated[int, Field(ge=1, le=100_000), BeforeValidator(_not_bool)] = Field(
        1000,
        description="Most blocks of the coarse program that bounds the grid's optimum (300 "
        "are tried first).",
    )
    solver: Literal["cbc", "highs"] = Field("highs", description="MILP solver.")


class SurfaceRegions(_Strict):
    """Contiguous, compact regions of the surface with the best mean or total score."""

    count: SiteCount = Field(description="Number of regions (no cap of 30).")
    min_area_km2: Positive = Field(description="Least area of a region, km².")
    compact_km: Positive = Field(
        description="Every cell of a region lies within this distance of its seed cell."
    )
    rank_by: Literal["mean", "total"] = Field(
        "mean", description="A region is worth the mean (default) or the sum of its scores."
    )
    max_seeds: Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(_not_bool)] = Field(
        2000, description="Best cells from which candidate regions grow on a large grid."
    )
    solver: Literal["cbc", "highs"] = Field("highs", description="MILP solver.")


class SurfaceSpec(_Strict):
    """A suitability surface: the study's criteria measured and scored over an H3 grid."""

    resolution: Annotated[
        int,
        Field(ge=0, le=MAX_RESOLUTION),
        BeforeValidator(_not_bool),
        Why(
            Msg(
                N_(
                    "each step multiplies the cells by 7: resolution 10 over Kazakhstan is about "
                    "150 million cells, finer than the data can tell apart"
                )
            )
        ),
    ] = Field(
        description="H3 resolution: 5 (cells of 253 km²), 6 (36 km²), 7 (5.2 km², about 449,000 "
        "cells over Kazakhstan), 8 (0.74 km²), 9 (0.11 km²)."
    )
    area: Literal["boundaries"] | SurfaceArea = Field(
        "boundaries",
        description="`boundaries` (every polygon of the boundaries layer), {region: id} or "
        "{around: [[lon, lat], ...] or candidates, km: radius}.",
    )
    engine: Literal["numpy", "dask"] = Field(
        "numpy",
        description="numpy: in this process. dask: in partitions on a dask.distributed cluster "
        "(a local one, or the one `--scheduler` names).",
    )
    measure: dict[str, Measure] = Field(
        default_factory=dict,
        description="A spatial measure, by criterion id, for criteria that read a candidate's "
        "own attribute (a grid cell has none): e.g. population: {sum: settlements, field: "
        "population, within_km: 30}.",
    )
    without: list[str] = Field(
        default_factory=list,
        description="Criteria left out of the surface (their weight shared among the others).",
    )
    exclude: list[Exclusion] | None = Field(
        None,
        description="Exclusions of cells (default: the study's, a candidate field read as the "
        "criterion that measures it).",
    )
    method: Literal["weighted_sum", "owa"] | None = Field(
        None,
        description="Scoring method of the cells when the study's cannot score one cell on its "
        "own (TOPSIS, VIKOR, PROMETHEE II, the weighted product compare alternatives).",
    )
    best_within_km: Positive = Field(
        30.0, description="For each candidate, the best cell within this distance is reported."
    )
    partition_cells: Annotated[int, Field(ge=1000, le=10_000_000), BeforeValidator(_not_bool)] = (
        Field(
            100_000,
            description="Most cells measured at once (one partition): bounds the memory of a "
            "worker, and sets how the work is shared among threads or dask workers.",
        )
    )
    robustness: SurfaceRobustness | None = Field(
        None, description="Share of weight draws in which each cell is in the top percent."
    )
    sites: SurfaceSites | None = Field(
        None, description="Sites chosen among the cells under portfolio rules (surface_sites.csv)."
    )
    regions: SurfaceRegions | None = Field(
        None, description="Contiguous compact regions of the best cells (surface_regions.geojson)."
    )


class Study(_Strict):
    """A whole study, as read from one criteria file."""

    study: Text = Field(description="Title of the study (one text or per language).")
    description: Text | None = Field(
        None, description="Purpose of the study, shown in the report (one text or per language)."
    )
    language: Language = Field(
        "en",
        description="Language of the outputs: kk (Kazakh), ru (Russian) or en (English); "
        "`--lang` overrides it. Every page also offers the other two.",
    )
    candidates: Path = Field(description="Candidate layer, relative to the criteria file.")
    layers: dict[str, Path] = Field(
        default_factory=dict, description="Facility layers by name, relative to the criteria file."
    )
    reference: Path | None = Field(
        None,
        description="Reference layer (the Novosibirsk cluster): features with a `layer` field "
        "(`candidates` or a layer name); its candidates are scored under the same criteria, never "
        "ranked or selected.",
    )
    boundaries: Path | None = Field(
        None, description="Polygons drawn under the map (national border, regions)."
    )
    groupings: dict[str, Grouping] = Field(
        default_factory=dict,
        description="Groupings the study defines (macro-regions, for example): each a new text "
        "field of the layers that have its `from` field, usable by portfolio rules, value "
        "functions and filters.",
    )
    groups: dict[str, Group] | None = Field(None, description="Criteria groups and their weights.")
    criteria: list[Criterion] = Field(min_length=1)
    exclude: list[Exclusion] = Field(default_factory=list, description="Hard constraints.")
    method: Method = Field(default_factory=Method)
    weights: Weights = Field(default_factory=Weights, description="How weights are derived.")
    stakeholders: Stakeholders | None = Field(
        None,
        description="Several stakeholders' weights, aggregated into the group's; they replace "
        "the criteria's `weight:` and the `weights:` section.",
    )
    portfolio: Portfolio | None = None
    map: MapSpec = Field(default_factory=MapSpec, description="Options of the interactive map.")
    sensitivity: SensitivitySpec | None = Field(
        None, description="Robustness analysis, run by `siting run` when present."
    )
    surface: SurfaceSpec | None = Field(
        None,
        description="A suitability surface over an H3 grid, run by `siting surface` and by "
        "`siting run` when present.",
    )
    seed: Seed = Field(0, description="Seed of every random draw, for reproducible runs.")
