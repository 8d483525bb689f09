"""The answer and its reasons in words, in the reader's language: sentences shared by the outputs.

Every output that explains a run (the report, the CLI summary, the static map's captions, the
interactive map and the notebook summary) builds its sentences here from facts: the recommendation
(:attr:`siting.results.Results.recommendation`), the binding rules' details
(:attr:`siting.results.PortfolioChoice.binding_details`), the layers' placement fields.  The
sentences are plain text (the caller escapes them for HTML); every word goes through the
message catalog, numbers and percentages through the :class:`~siting.i18n.Translator`, place
names through :meth:`~siting.i18n.Translator.place` and study texts through
:meth:`~siting.spec.LocalText.get`.

The interactive map carries the study's own binding rules as :meth:`Words.binding_sentences`
writes them, and words a portfolio it re-solves in the page with a copy of :meth:`Words.rule`,
:meth:`Words.binding` and ``Words._why`` in ``templates/map.js`` (the same messages, the same
number formats, the study's words from :meth:`Words.group_word` and :meth:`Words.group_value`):
a change to one is a change to the other, and ``tests/test_browser.py`` checks that they agree.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.i18n import N_, NC_, Translator, region_names
from siting.optimise import AT_LIMIT
from siting.results import Results
from siting.spec import AtLeastPer, AtMostPer, Criterion

__all__ = [
    "GLOSSARY",
    "Gap",
    "Term",
    "Words",
    "data_fingerprint",
    "local",
]


@dataclass(frozen=True)
class Term:
    """A term of the trade and its plain-language gloss (both marked for translation).

    Attributes
    ----------
    key
        Stable id (anchors in the report use it).
    name
        The term as it appears in the outputs.
    gloss
        What it means, in a sentence a minister can read.
    """

    key: str
    name: str
    gloss: str


#: Every term an output may use, in the order the glossary lists them.
GLOSSARY: tuple[Term, ...] = (
    Term(
        "score",
        N_("Score"),
        N_(
            "A town's result under the study's method: 1 would be the best possible town on "
            "every criterion, 0 the worst."
        ),
    ),
    Term(
        "criterion",
        N_("Criterion"),
        N_("One thing the study measures for every town, such as the distance to an airport."),
    ),
    Term(
        "value_function",
        N_("Value function"),
        N_(
            "The rule that turns a raw measure (kilometres, people, a count) into a value from "
            "0 (worst) to 1 (best)."
        ),
    ),
    Term(
        "weight",
        N_("Weight"),
        N_("How much a criterion counts in the score; the weights add up to 100 %."),
    ),
    Term(
        "hard_constraint",
        N_("Hard constraint"),
        N_(
            "A condition a town must meet to be considered at all; towns that fail it are set aside."
        ),
    ),
    Term(
        "weighted_sum",
        N_("Weighted sum"),
        N_("Each criterion's value times its weight, added up. The study's main way of scoring."),
    ),
    Term(
        "weighted_product",
        N_("Weighted product"),
        N_(
            "The values multiplied, each raised to its weight: a very weak criterion cannot be "
            "made up by strong ones."
        ),
    ),
    Term(
        "topsis",
        N_("TOPSIS"),
        N_(
            "A ranking method: towns are ranked by how close they come to an imaginary ideal "
            "town and how far they stay from the worst one."
        ),
    ),
    Term(
        "vikor",
        N_("VIKOR"),
        N_(
            "A ranking method that seeks a compromise between a town's overall score and its "
            "single largest shortfall."
        ),
    ),
    Term(
        "promethee_ii",
        N_("PROMETHEE II"),
        N_(
            "A ranking method that compares every pair of towns criterion by criterion and "
            "ranks them by how often, and by how much, each beats the others."
        ),
    ),
    Term(
        "owa",
        N_("OWA"),
        N_(
            "Ordered weighted averaging: weights apply to a town's values sorted from best to "
            "worst, so that a study can stress a town's weakest or strongest points."
        ),
    ),
    Term(
        "portfolio",
        N_("Portfolio"),
        N_("The set of sites chosen together, under the study's rules."),
    ),
    Term(
        "total_score",
        N_("Total score"),
        N_("The sum of the chosen sites' scores; the best portfolio is the one with the highest."),
    ),
    Term(
        "integer_program",
        N_("Integer program"),
        N_(
            "An exact optimisation: among all the sets of sites that obey the rules, it finds "
            "the one with the highest total score, and proves that none is better."
        ),
    ),
    Term(
        "binding_rule",
        N_("Binding rule"),
        N_(
            "A rule that changes the answer: without it, a set of sites with a higher total "
            "score would be chosen."
        ),
    ),
    Term(
        "alternative",
        N_("Alternative portfolio"),
        N_("The next-best set of sites under the same rules."),
    ),
    Term(
        "pareto",
        N_("Pareto front"),
        N_(
            "The portfolios that cannot gain on one goal (total score) without losing on the "
            "other (people within reach)."
        ),
    ),
    Term(
        "population_covered",
        N_("Population covered"),
        N_("The people who live within the coverage distance of a chosen site."),
    ),
    Term(
        "smaa",
        N_("Weight draws (SMAA)"),
        N_(
            "The ranking and the portfolio recomputed for many random weightings, to see how "
            "often each town comes first or is chosen (stochastic multicriteria acceptability "
            "analysis)."
        ),
    ),
    Term(
        "close_call",
        N_("Close call"),
        N_(
            "A chosen site that the best portfolio contains in fewer than half of the weight "
            "draws, or one that an alternative within 2 % of the best total score replaces."
        ),
    ),
    Term(
        "contender",
        N_("Contender"),
        N_("The town that most often takes a close-call site's place in the weight draws."),
    ),
    Term(
        "acceptability",
        N_("Rank acceptability"),
        N_("The share of the weight draws in which a town takes a given rank."),
    ),
    Term(
        "one_at_a_time",
        N_("One weight at a time"),
        N_(
            "One criterion's weight moved from 0 to 100 %, the others scaled to make up the "
            "rest, to see where the ranking changes."
        ),
    ),
    Term(
        "stability",
        N_("Stability interval"),
        N_("The range within which a criterion's weight can move without changing the result."),
    ),
    Term(
        "spearman",
        N_("Spearman ρ"),
        N_(
            "Agreement of two rankings, from the differences between each town's two ranks: "
            "1 identical, 0 unrelated, −1 reversed."
        ),
    ),
    Term(
        "kendall",
        N_("Kendall τ-b"),
        N_(
            "Agreement of two rankings, from the pairs of towns they put in the same order: "
            "1 identical, 0 unrelated, −1 reversed."
        ),
    ),
    Term(
        "top_k",
        N_("Top-k overlap"),
        N_("The share of the first k towns that two rankings have in common."),
    ),
    Term(
        "ahp",
        N_("AHP consistency ratio"),
        N_(
            "How consistent pairwise judgements of importance are with each other; up to 0.10 "
            "is acceptable."
        ),
    ),
    Term(
        "reference",
        N_("Reference (Novosibirsk)"),
        N_(
            "Akademgorodok and Koltsovo measured with the same criteria, as a yardstick; never "
            "ranked or chosen."
        ),
    ),
)

_TERMS = {term.key: term for term in GLOSSARY}

# Names of the MCDA methods by their id in criteria files; the glossary explains them.
_METHODS = {
    "weighted_sum": N_("weighted sum"),
    "weighted_product": N_("weighted product"),
    "topsis": N_("TOPSIS"),
    "vikor": N_("VIKOR"),
    "promethee_ii": N_("PROMETHEE II"),
    "owa": N_("OWA"),
}


# The shipped layers' fields and their categories (data/README.md), in words; a field or a
# category a study brings of its own is shown as its data writes it.  In a context ("data
# field", "data value"): "type" or "nuclear" alone would be ambiguous in a catalog.
_FIELDS = {
    "students": NC_("data field", "number of students"),
    "population": NC_("data field", "population"),
    "staff": NC_("data field", "staff"),
    "employees": NC_("data field", "employees"),
    "has_sez": NC_("data field", "special economic zone or technology park in the town"),
    "type": NC_("data field", "type"),
    "kind": NC_("data field", "category"),
    "field": NC_("data field", "field of research"),
    "sector": NC_("data field", "sector"),
    "sector_group": NC_("data field", "group of sectors"),
    "founded": NC_("data field", "year founded"),
    "status": NC_("data field", "status"),
}

_VALUES = {
    ("type", "national_research"): NC_("data value", "national research university"),
    ("type", "national"): NC_("data value", "national university"),
    ("type", "regional"): NC_("data value", "regional or specialised public university"),
    ("type", "private"): NC_("data value", "private university"),
    ("type", "international"): NC_("data value", "international university"),
    ("kind", "enterprise"): NC_("data value", "large enterprise"),
    ("kind", "sez"): NC_("data value", "special economic zone"),
    ("kind", "technopark"): NC_("data value", "technology park"),
    ("kind", "it_hub"): NC_("data value", "IT hub"),
    ("kind", "project"): NC_("data value", "plant under construction"),
    ("kind", "research_reactor"): NC_("data value", "research reactor"),
    ("kind", "fusion_device"): NC_("data value", "fusion device"),
    ("kind", "accelerator"): NC_("data value", "accelerator"),
    ("kind", "fuel_bank"): NC_("data value", "nuclear fuel bank"),
    ("kind", "launch_complex"): NC_("data value", "launch complex"),
    ("kind", "observatory"): NC_("data value", "observatory"),
    ("kind", "cosmic_ray_station"): NC_("data value", "cosmic-ray station"),
    ("kind", "spacecraft_integration"): NC_("data value", "spacecraft assembly and testing"),
    ("kind", "biosafety_lab"): NC_("data value", "biosafety laboratory"),
    ("kind", "core_facility"): NC_("data value", "shared research facility"),
    ("field", "nuclear"): NC_("data value", "nuclear physics and technology"),
    ("field", "bio"): NC_("data value", "biology"),
    ("field", "space"): NC_("data value", "space research"),
    ("field", "materials"): NC_("data value", "materials science"),
    ("field", "chemistry"): NC_("data value", "chemistry"),
    ("field", "energy"): NC_("data value", "energy"),
    ("field", "earth_sciences"): NC_("data value", "earth sciences"),
    ("field", "agriculture"): NC_("data value", "agriculture"),
    ("field", "ict"): NC_("data value", "information technology"),
    ("field", "physics"): NC_("data value", "physics"),
    ("field", "medicine"): NC_("data value", "medicine"),
    ("field", "mathematics"): NC_("data value", "mathematics"),
    ("field", "engineering"): NC_("data value", "engineering"),
    ("sector", "chemicals"): NC_("data value", "chemicals"),
    ("sector", "petrochemicals"): NC_("data value", "petrochemicals"),
    ("sector", "pharmaceuticals"): NC_("data value", "pharmaceuticals"),
    ("sector", "nuclear_fuel"): NC_("data value", "nuclear fuel"),
    ("sector", "nuclear"): NC_("data value", "nuclear industry"),
    ("sector", "oil_gas"): NC_("data value", "oil and gas"),
    ("sector", "oil_refining"): NC_("data value", "oil refining"),
    ("sector", "metallurgy"): NC_("data value", "metallurgy"),
    ("sector", "mining"): NC_("data value", "mining"),
    ("sector", "machinery"): NC_("data value", "machinery"),
    ("sector", "energy"): NC_("data value", "power generation"),
    ("sector", "ict"): NC_("data value", "information technology"),
}


@dataclass(frozen=True)
class Gap:
    """One thing the data leave out, with the layer it concerns.

    Attributes
    ----------
    layer
        The study's name of the layer (:meth:`Words.layer` writes it for people).
    kind
        ``"position"``, ``"unknown"``, ``"few"`` or ``"none"``.
    text
        The sentence, in the reader's language (without the layer's name).
    used
        Whether a criterion of the study reads the layer (for unknown values: the field).
    """

    layer: str
    kind: str
    text: str
    used: bool = False


def local(text: object, lang: str) -> str:
    """A study text in ``lang`` (:meth:`~siting.spec.LocalText.get`); a plain string as it is."""
    get = getattr(text, "get", None)
    return str(get(lang)) if callable(get) else str(text)


def data_fingerprint(results: Results) -> str:
    """A short fingerprint of the data a run read: SHA-256 over the layers' own hashes.

    The criteria file is left out, so two studies on the same data share the fingerprint.
    """
    # The criteria file is the first input (Results.inputs lists it first).
    digests = sorted(list(results.inputs.values())[1:])
    return hashlib.sha256("".join(digests).encode("ascii")).hexdigest()[:12]


@dataclass
class Words:
    """Sentences about one run in one language.

    Parameters
    ----------
    results
        The run.
    t
        The reader's language.
    """

    results: Results
    t: Translator
    _names: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _proper_words: frozenset[str] | None = field(default=None, init=False, repr=False)
    _means: dict[str, float | None] = field(default_factory=dict, init=False, repr=False)
    _binary: dict[str, bool] = field(default_factory=dict, init=False, repr=False)
    _reasons: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """Every candidate's name in the reader's language, once.

        Vectorised over the candidates (one column's lookup, not a dict per row): with 100,000
        candidates a row-by-row pass took seconds per language.  The rule is
        :meth:`Translator.place`'s: the name in the reader's language when the candidate layer
        has one, else the ranking's ``name`` (it wins over the layer's: writers' tests rename
        there), else the id.
        """
        cands = self.results.candidates
        ranking_names = self.results.ranking["name"].astype(str)
        ids = ranking_names.index
        keys = [str(cid) for cid in ids]
        given = ranking_names.to_numpy(dtype=object)
        names = np.where(ranking_names.str.strip().to_numpy() != "", given, np.array(keys, object))
        column = f"name_{self.t.lang}"
        if column in ("name_kk", "name_ru") and column in cands.columns:
            own = cands[column].reindex(ids).to_numpy(dtype=object)
            usable = np.fromiter(
                (isinstance(v, str) and bool(v.strip()) for v in own), bool, len(own)
            )
            names = np.where(usable, own, names)
        self._names.update(zip(keys, names.tolist(), strict=True))

    # ------------------------------------------------------------------ names and numbers

    def name(self, cid: object) -> str:
        """A candidate's name in the reader's language (its id when unknown)."""
        return self._names.get(str(cid), str(cid))

    def names(self, ids: Iterable[object]) -> list[str]:
        """The names of ``ids``, in order."""
        return [self.name(i) for i in ids]

    def both(self, items: Sequence[str]) -> str:
        """``a``, ``a and b``, ``a, b and c``."""
        items = list(items)
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        return self.t("{first} and {last}", first=", ".join(items[:-1]), last=items[-1])

    def either(self, items: Sequence[str]) -> str:
        """``a``, ``a or b``, ``a, b or c``."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self.t("{first} or {last}", first=", ".join(items[:-1]), last=items[-1])

    def score(self, x: float | None) -> str:
        """A score (three decimals)."""
        return self.t.number(x, 3)

    def share(self, p: float | None) -> str:
        """A probability for people: no "0 %" for what happened, no "100 %" for what not always did."""
        if p is None or not math.isfinite(float(p)):
            return "–"
        v = float(p)
        if v <= 0 or v >= 1:
            return self.t.percent(min(max(v, 0.0), 1.0))
        if v < 0.001:
            return self.t("less than {share}", share=self.t.percent(0.001, 1))
        if v > 0.999:
            return self.t("more than {share}", share=self.t.percent(0.999, 1))
        return self.t.percent(v, 1 if v < 0.1 or v > 0.9 else 0)

    def quantity(self, x: object) -> str:
        """A raw measure with as many decimals as its size needs ("–" when missing)."""
        v = _float(x)
        if v is None:
            return "–"
        if abs(v) >= 100 or float(v).is_integer():
            return self.t.integer(v)
        if abs(v) >= 10:
            return self.t.number(v, 1)
        return self.t.number(v, 2)

    # ------------------------------------------------------------------ study texts

    def criterion(self, cid: str, *, inline: bool = False) -> str:
        """A criterion's label in the reader's language.

        With ``inline``, the label as it reads inside a sentence (after "strong on", in a
        list after a colon): its first letter in lower case, unless the label starts with a
        proper noun or an abbreviation (:meth:`in_text`).
        """
        for c in self.results.study.criteria:
            if c.id == cid:
                label = local(c.label, self.t.lang)
                return self.in_text(label) if inline else label
        return cid

    def in_text(self, text: str) -> str:
        """``text`` as it reads inside a sentence: ``Distance to …`` → ``distance to …``.

        A study's labels are written to stand alone (a heading, a table's row), with a capital;
        inside a sentence only a proper noun keeps it.  The first word keeps its capital when it
        is an abbreviation (``IT``, ``SEZ``: another capital in the word) or a place name the
        study knows (a candidate's or the reference's name in any language, a region's name).
        """
        if not text or not text[0].isupper():
            return text
        match = re.match(r"[\w-]+", text)
        first = match.group(0) if match else ""
        if sum(ch.isupper() for ch in first) > 1 or first.casefold() in self._proper():
            return text
        return text[0].lower() + text[1:]

    def _proper(self) -> frozenset[str]:
        """First words of the place names the study knows, case-folded (for :meth:`in_text`)."""
        if self._proper_words is None:
            names: set[str] = set()
            frames = [self.results.candidates]
            ref = self.results.reference
            if ref is not None:
                frames.append(ref.sites)
            for frame in frames:
                for column in ("name", "name_kk", "name_ru"):
                    if column in frame.columns:
                        # distinct names only: 100,000 candidates share far fewer
                        names.update(str(v) for v in frame[column].dropna().unique())
            for row in region_names().values():
                names.update(row.values())
            self._proper_words = frozenset(
                n.split(maxsplit=1)[0].casefold() for n in names if n.strip()
            )
        return self._proper_words

    def _criterion_spec(self, cid: str) -> Criterion | None:
        return next((c for c in self.results.study.criteria if c.id == cid), None)

    def binary(self, cid: str) -> bool:
        """Whether a criterion reads a yes/no fact of the town (raw value 1 for yes, 0 for no).

        Such a criterion is an ``attribute`` that is either a membership test (``in:``) or a
        true/false field of the candidates (``has_sez``); its raw values are written "yes" and
        "no", never "1 yes = 1".
        """
        c = self._criterion_spec(cid)
        if c is None or c.measure.kind != "attribute":
            return False
        if c.measure.in_ is not None:
            return True
        column = str(c.measure.attribute)
        cands = self.results.candidates
        if column not in cands.columns:
            return False
        if cid not in self._binary:
            values = cands[column].dropna()
            # A boolean column holds nothing else: no pass over 100,000 values (and the answer
            # is kept: the report asks it for every sentence about a criterion).
            self._binary[cid] = len(values) > 0 and (
                pd.api.types.is_bool_dtype(values.dtype)
                or all(isinstance(v, bool | np.bool_) for v in values)
            )
        return self._binary[cid]

    def yes_no(self, x: object) -> str:
        """A yes/no fact (1 or 0) in words; "–" when unknown."""
        v = _float(x)
        if v is None:
            return "–"
        return self.t("yes") if v >= 0.5 else self.t("no")

    def unit(self, cid: str) -> str:
        """A criterion's unit in the reader's language (``""`` when it has none).

        A yes/no criterion's numbers are 1 and 0 (in a table of numbers): its unit says so.
        """
        if self.binary(cid):
            return self.t("1 = yes, 0 = no")
        c = self._criterion_spec(cid)
        if c is not None and c.unit is not None:
            return local(c.unit, self.t.lang)
        return ""

    def raw_text(self, cid: str, x: object) -> str:
        """A raw value without its unit: a number, or "yes" / "no" for a yes/no criterion."""
        return self.yes_no(x) if self.binary(cid) else self.quantity(x)

    def measured(self, cid: str, x: object) -> str:
        """A raw value with its unit: ``35 institutes``; ``yes`` for a yes/no criterion."""
        if self.binary(cid):
            return self.yes_no(x)
        unit = self.unit(cid)
        value = self.quantity(x)
        return self.t("{value} {unit}", value=value, unit=unit) if unit else value

    def average(self, cid: str) -> str:
        """The average candidate on a criterion, with its unit (for "what makes it strong").

        A yes/no criterion has no average town: the share of the candidates with "yes".
        """
        mean = self._mean_raw(cid)
        if self.binary(cid):
            return self.t("yes for {share} of the candidates", share=self.t.percent(mean or 0.0))
        return self.t("average candidate: {value}", value=self.measured(cid, mean))

    def method(self, name: str) -> str:
        """An MCDA method's name."""
        return self.t(_METHODS[name]) if name in _METHODS else name.replace("_", " ")

    def status(self, status: str) -> str:
        """A solver's status in words (``Optimal`` → ``optimal, proved``)."""
        t = self.t
        known = {
            "Optimal": t.context("solver status", "optimal, proved"),
            AT_LIMIT: t.context("solver status", "stopped at the time limit, not proved optimal"),
            "Not Solved": t.context("solver status", "not solved"),
            "Infeasible": t.context("solver status", "no set of sites obeys every rule"),
            "Unbounded": t.context("solver status", "unbounded"),
            "Undefined": t.context("solver status", "undefined"),
        }
        return known.get(status, status)

    def term(self, key: str) -> Term:
        """A glossary term in the reader's language."""
        term = _TERMS[key]
        return Term(term.key, self.t(term.name), self.t(term.gloss))

    def group_value(self, field_name: str, value: str) -> str:
        """A grouping's value (``north``) in the reader's language, when it is a known one."""
        t = self.t
        own = self.results.study.groupings.get(field_name)
        label = own.groups[value].label if own is not None and value in own.groups else None
        if label is not None:
            return label.get(t.lang)
        known = {
            ("planning_region", "central"): t.context("planning_region", "the Central region"),
            ("planning_region", "west"): t.context("planning_region", "the Western region"),
            ("planning_region", "south"): t.context("planning_region", "the Southern region"),
        }
        if field_name == "region":
            return t.region(value)
        return known.get((field_name, value), value)

    def group_field(self) -> str | None:
        """The field the study's group rules count by (``macro_region``), or None without one.

        ``at_most_per`` and ``at_least_per`` count by the same field (the study's checks say
        so), so one field serves both rules.
        """
        spec = self.results.study.portfolio
        if spec is None:
            return None
        per: AtMostPer | AtLeastPer | None = spec.at_most_per or spec.at_least_per
        return per.field if per is not None else None

    def group_word(self) -> str:
        """What the group rules' groups are called in words (``macro-region``; ``group``)."""
        field_name = self.group_field()
        return self.grouping(field_name) if field_name is not None else self.t("group")

    def groups_of(self) -> dict[str, str]:
        """Each candidate's group under the group rules (its :meth:`group_field`, as text).

        As the portfolio's rules read it (:func:`siting.choice.build_rules`): the field's
        value as a string; empty without group rules.
        """
        field_name = self.group_field()
        cands = self.results.candidates
        if field_name is None or field_name not in cands.columns:
            return {}
        return {str(i): str(g) for i, g in cands[field_name].items()}

    def grouping_note(self) -> str | None:
        """Where the study's own grouping that the group rules count by comes from.

        Its ``note:`` in the reader's language; None for a field of the data, or without a note.
        """
        field_name = self.group_field()
        own = self.results.study.groupings.get(field_name) if field_name else None
        if own is None or own.note is None:
            return None
        return own.note.get(self.t.lang)

    def grouping(self, field_name: str) -> str:
        """What a grouping field is called (``macro_region`` → ``macro-region``)."""
        t = self.t
        own = self.results.study.groupings.get(field_name)
        if own is not None and own.label is not None:
            return own.label.get(t.lang)
        known = {
            "planning_region": t("planning region"),
            "region": t("region"),
            "agglomeration": t("agglomeration"),
        }
        return known.get(field_name, field_name.replace("_", " "))

    def exclusion_reason(self, cid: str) -> str:
        """Why a candidate is excluded, in the reader's language (``""`` when it is kept).

        The ranking keeps the reasons as the criteria file wrote them, joined by ``"; "``; each
        is matched to its rule and written again from the rule (a reason the file wrote is a
        study text and kept as written).
        """
        return self.reason(str(self.results.ranking["excluded_reason"].get(cid, "") or ""))

    def reason(self, reason: str) -> str:
        """An ``excluded_reason`` of the ranking in the reader's language (see :meth:`exclusion_reason`).

        Kept per text: 100,000 candidates share a handful of reasons.
        """
        if not reason:
            return ""
        if reason not in self._reasons:
            self._reasons[reason] = "; ".join(self._rule_reason(p) for p in reason.split("; "))
        return self._reasons[reason]

    def _rule_reason(self, text: str) -> str:
        t = self.t
        for rule in self.results.study.exclude:
            if rule.reason:
                if str(rule.reason) == text:
                    return local(rule.reason, t.lang)
                continue
            subject = rule.criterion or rule.field or ""
            label = self.criterion(subject, inline=True) if rule.criterion else subject
            parts = []
            if rule.above is not None and f"{subject} above {rule.above:g}" in text:
                parts.append(t("{what} above {value}", what=label, value=self.quantity(rule.above)))
            if rule.below is not None and f"{subject} below {rule.below:g}" in text:
                parts.append(t("{what} below {value}", what=label, value=self.quantity(rule.below)))
            if rule.equals is not None and f"{subject} is {rule.equals}" in text:
                parts.append(t("{what} is {value}", what=label, value=str(rule.equals)))
            if parts:
                return self.either(parts)
        return text

    # ------------------------------------------------------------------ the answer

    def headline(self) -> str:
        """The answer in one sentence: the sites, with "or" where a site is a close call."""
        t = self.t
        rec = self.results.recommendation
        if rec is None:
            top = list(self.results.top(3).index)
            return t("Best-ranked: {sites}.", sites=self.both(self.names(top)))
        sites = []
        for v in rec.sites:
            if not v.firm and v.contender is not None:
                sites.append(self.either([self.name(v.id), self.name(v.contender)]))
            else:
                sites.append(self.name(v.id))
        if self.results.portfolio is None:
            return t("Best-ranked: {sites}.", sites=self.both(sites))
        return t("Recommended sites: {sites}.", sites=self.both(sites))

    def close_calls(self) -> list[str]:
        """One sentence per chosen site that is a close call, naming its contender."""
        t = self.t
        rec = self.results.recommendation
        if rec is None or self.results.portfolio is None:
            return []
        out = []
        total = len(rec.sites)
        for n, v in enumerate(rec.sites, start=1):
            if v.firm:
                continue
            if v.contender is not None:
                text = t(
                    "Site {n} of {total}: {site} or {contender} — a close call.",
                    n=t.integer(n),
                    total=t.integer(total),
                    site=self.name(v.id),
                    contender=self.name(v.contender),
                )
            else:
                text = t(
                    "Site {n} of {total}, {site}, is a close call.",
                    n=t.integer(n),
                    total=t.integer(total),
                    site=self.name(v.id),
                )
            if v.share is not None and rec.draws:
                text += " " + t(
                    "{site} is in the best portfolio in only {share} of {draws} weight draws.",
                    site=self.name(v.id),
                    share=self.share(v.share),
                    draws=t.integer(rec.draws),
                )
            out.append(text)
        if not out and rec.close and rec.alternative is not None and rec.gap is not None:
            out.append(
                t(
                    "A close call: the nearest alternative is only {gap} below the best total "
                    "score.",
                    gap=t.percent(rec.gap, 1),
                )
            )
        return out

    def how_sure(self) -> list[str]:
        """How often each chosen site is in the best portfolio across the weight draws."""
        t = self.t
        rec = self.results.recommendation
        if rec is None:
            return []
        out = []
        if rec.draws and self.results.portfolio is not None:
            parts = [
                t("{site} {share}", site=self.name(v.id), share=self.share(v.share))
                for v in rec.sites
                if v.share is not None
            ]
            out.append(
                t(
                    "Share of {draws} random weightings in which each site is in the best "
                    "portfolio: {parts}.",
                    draws=t.integer(rec.draws),
                    parts=", ".join(parts),
                )
            )
        ranks = self.results.method_ranks
        leader = rec.leader
        if isinstance(ranks, pd.DataFrame) and ranks.shape[1] > 1 and leader in ranks.index:
            firsts = int((ranks.loc[[leader]].to_numpy() == 1).sum())
            out.append(
                t(
                    "{site} ranks first under {n} of the {total} scoring methods compared.",
                    site=self.name(leader),
                    n=t.integer(firsts),
                    total=t.integer(ranks.shape[1]),
                )
            )
        sens = self.results.sensitivity
        if sens is not None:
            table = sens.acceptability.acceptability
            if leader in table.index and table.shape[1]:
                out.append(
                    t(
                        "{site} ranks first in {share} of {draws} weight draws.",
                        site=self.name(leader),
                        share=self.share(float(table.to_numpy()[table.index.get_loc(leader), 0])),
                        draws=t.integer(int(sens.acceptability.draws)),
                    )
                )
        if not out:
            out.append(
                t(
                    "This run has no robustness analysis; run `siting sensitivity` to see how "
                    "sure the answer is."
                )
            )
        return out

    def alternative(self) -> str:
        """The nearest alternative portfolio and how far below the best it is."""
        t = self.t
        rec = self.results.recommendation
        best = self.results.portfolio
        if rec is None or rec.alternative is None or best is None:
            return ""
        alt = rec.alternative
        return t(
            "The nearest alternative, {sites}, has a total score {gap} lower ({score} against "
            "{best}).",
            sites=self.both(self.names(alt.ids)),
            gap=t.percent(rec.gap, 1) if rec.gap is not None else "–",
            score=self.score(alt.objective),
            best=self.score(best.objective),
        )

    # ------------------------------------------------------------------ strengths and weaknesses

    def _raw(self, cid: str, crit: str) -> float | None:
        raw = self.results.raw
        if crit not in raw.columns or cid not in raw.index:
            return None
        return _float(raw.at[cid, crit])

    def _mean_raw(self, crit: str) -> float | None:
        # Once per criterion: the kept candidates are looked up among all (100,000, say).
        if crit not in self._means:
            self._means[crit] = self._mean_of(crit)
        return self._means[crit]

    def _mean_of(self, crit: str) -> float | None:
        raw = self.results.raw
        if crit not in raw.columns:
            return None
        kept = raw.loc[raw.index.intersection(self.results.included), crit]
        values = pd.to_numeric(kept, errors="coerce").dropna()
        return float(values.mean()) if len(values) else None

    def strengths(self, cid: str, *, inline: bool = False) -> list[str]:
        """What makes a candidate strong: its best criteria against the average candidate.

        With ``inline``, the criteria's labels as they read inside a sentence.
        """
        rec = self.results.recommendation
        verdict = rec.verdict(cid) if rec is not None else None
        if verdict is None:
            return []
        t = self.t
        return [
            t(
                "{criterion}: {value} ({average})",
                criterion=self.criterion(p.criterion, inline=inline),
                value=self.measured(p.criterion, self._raw(cid, p.criterion)),
                average=self.average(p.criterion),
            )
            for p in verdict.strengths
        ]

    def weaknesses(self, cid: str, *, inline: bool = False) -> list[str]:
        """What holds a candidate back: where it falls furthest behind the leader.

        With ``inline``, the criteria's labels as they read inside a sentence.
        """
        rec = self.results.recommendation
        verdict = rec.verdict(cid) if rec is not None else None
        if verdict is None or rec is None:
            return []
        t = self.t
        if cid != rec.leader:
            other = rec.leader
        else:  # the runner-up (not a list of 100,000 ids to find it)
            order = self.results.included
            other = order[1] if len(order) > 1 else cid
        return [
            t(
                "{criterion}: {value} ({other}: {their}; costs {points} of score)",
                criterion=self.criterion(p.criterion, inline=inline),
                value=self.measured(p.criterion, self._raw(cid, p.criterion)),
                other=self.name(other),
                their=self.measured(p.criterion, self._raw(other, p.criterion)),
                points=self.score(-p.gap),
            )
            for p in verdict.weaknesses
        ]

    def standing(self, cid: str) -> str:
        """A candidate's rank among the kept ones and its score: ``rank 3 of 52, score 0.878``."""
        t = self.t
        rank = self.results.ranking["rank"].get(cid)
        score = self.results.ranking["score"].get(cid)
        return t(
            "rank {rank} of {count}, score {score}",
            rank="–" if rank is None or pd.isna(rank) else t.integer(int(rank)),
            count=t.integer(len(self.results.included)),
            score=self.score(None if score is None or pd.isna(score) else float(score)),
        )

    def why(self, cid: str) -> str:
        """One sentence on a candidate: its rank, what it stands out on, what holds it back."""
        t = self.t
        text = t("{site} ({head}).", site=self.name(cid), head=self.standing(cid))
        strong = self.strengths(cid, inline=True)
        weak = self.weaknesses(cid, inline=True)
        if strong:
            text += " " + t("Strong on: {items}.", items="; ".join(strong))
        if weak:
            text += " " + t("Held back by: {items}.", items="; ".join(weak))
        return text

    def field_word(self, name: object) -> str:
        """A data field in words (``students`` → ``number of students``); else as written."""
        text = str(name)
        return self.t.context(*_FIELDS[text]) if text in _FIELDS else text

    def value_word(self, field_name: object, value: object) -> str:
        """A category of a data field in words (``it_hub`` → ``IT hub``); else as written."""
        key = (str(field_name), str(value))
        return self.t.context(*_VALUES[key]) if key in _VALUES else str(value)

    def layer(self, name: str) -> str:
        """A layer's name in the reader's language, when it is one of the shipped ones."""
        t = self.t
        known = {
            "universities": t("universities"),
            "research_institutes": t("research institutes"),
            "research_infrastructure": t("large research facilities"),
            "industry": t("industry"),
            "airports": t("airports"),
            "settlements": t("settlements"),
        }
        return known.get(name, name.replace("_", " "))

    # ------------------------------------------------------------------ binding rules

    def rule(self, detail: dict[str, Any]) -> str:
        """What a portfolio rule asks, in words (``sites at least 300 km apart``)."""
        t = self.t
        rule = str(detail.get("rule", ""))
        value = detail.get("value")
        if rule == "min_spacing_km":
            return t("sites at least {km} km apart", km=self.quantity(_float(value)))
        if rule in ("at_most_per_group", "at_least_per_group"):
            grouping = self.group_word()
            n = int(_float(value) or 0)
            if rule == "at_most_per_group":
                return t.plural(
                    "at most {n} site per {grouping}",
                    "at most {n} sites per {grouping}",
                    n,
                    grouping=grouping,
                )
            return t.plural(
                "at least {n} site per {grouping}",
                "at least {n} sites per {grouping}",
                n,
                grouping=grouping,
            )
        if rule == "budget":
            return t("a budget of {limit}", limit=self.quantity(_float(value)))
        if rule == "must_include":
            return t("{sites} always included", sites=self.both(self.names(value or [])))
        if rule == "must_exclude":
            return t("{sites} never included", sites=self.both(self.names(value or [])))
        if rule == "equity_km":
            return t(
                "every region's population centre within {km} km of a site",
                km=self.quantity(_float(value)),
            )
        return rule

    def binding(self, detail: dict[str, Any]) -> str:
        """A rule's effect on the answer in words, from its details (binding or not)."""
        t = self.t
        rule_text = self.rule(detail)
        if not detail.get("binds"):
            return t(
                "The rule “{rule}” does not change the answer: the best portfolio is the same "
                "without it.",
                rule=rule_text,
            )
        best = _float(detail.get("objective")) or 0.0
        without = _float(detail.get("objective_without"))
        cost = (without - best) if without is not None else None
        # The portfolio's own order (by score), never a set's: the sentence is the same in
        # every run, and the map's page, which words the same facts, writes it alike.
        p = self.results.portfolio
        chosen = [str(i) for i in p.ids] if p is not None else []
        other = [str(i) for i in detail.get("selected_without", [])]
        joiners = [i for i in other if i not in chosen]
        leavers = [i for i in chosen if i not in other]
        head = t(
            "Keeping the rule “{rule}” costs {cost} of total score",
            rule=rule_text,
            cost=self.score(cost),
        )
        reason = self._why(detail, joiners)
        if joiners and leavers:
            swap = t(
                "without it {joiners} would replace {leavers}",
                joiners=self.both(self.names(joiners)),
                leavers=self.both(self.names(leavers)),
            )
        else:
            swap = t(
                "without it the best portfolio would be {sites}", sites=self.both(self.names(other))
            )
        text = t("{head}: {swap}", head=head, swap=swap)
        if reason:
            text = t("{text} ({reason})", text=text, reason=reason)
        return text + "."

    def _why(self, detail: dict[str, Any], joiners: list[str]) -> str:
        """What the portfolio without the rule does that the rule forbids."""
        t = self.t
        rule = detail.get("rule")
        if rule == "min_spacing_km":
            pairs = detail.get("pairs") or []
            parts = [
                t(
                    "{a} is {km} km from {b}",
                    a=self.name(a if a in joiners else b),
                    b=self.name(b if a in joiners else a),
                    km=self.quantity(float(km)),
                )
                for a, b, km in pairs[:3]
            ]
            return "; ".join(parts)
        if rule in ("at_most_per_group", "at_least_per_group"):
            field_name = self.group_field()
            if field_name is None:
                return ""
            of = self.groups_of()
            groups = [str(g) for g in detail.get("groups", [])]
            selected = [str(i) for i in detail.get("selected_without", [])]
            parts = []
            for g in groups:
                members = [i for i in selected if of.get(i) == g]
                if rule == "at_most_per_group":
                    parts.append(
                        t(
                            "{sites} would all be in {group}",
                            sites=self.both(self.names(members)),
                            group=self.group_value(field_name, g),
                        )
                    )
                else:
                    parts.append(
                        t("{group} would get too few", group=self.group_value(field_name, g))
                    )
            return "; ".join(parts)
        if rule == "budget" and detail.get("cost_without") is not None:
            return t(
                "that portfolio would cost {cost}",
                cost=self.quantity(_float(detail.get("cost_without"))),
            )
        if rule == "equity_km":
            centres = [str(c) for c in detail.get("centres", [])]
            if centres:
                return t("{centres} would be farther", centres=self.both(centres))
        return ""

    def limit_note(self) -> str:
        """What a portfolio stopped at its time limit is, in words (empty when proved optimal).

        The status, the best portfolio's objective, the solver's bound and the gap: how far
        from the optimum the portfolio may be, and what to change to prove it.
        """
        p = self.results.portfolio
        if p is None or p.proven:
            return ""
        t = self.t
        limit = p.time_limit_s
        if limit is None:
            seconds = "?"
        else:
            seconds = t.integer(limit) if float(limit).is_integer() else t.number(limit, 1)
        if p.bound is None or p.gap is None:
            return t(
                "The solver stopped at its time limit of {seconds} s before proving this "
                "portfolio optimal: it is the best one found (objective {objective}), and the "
                "solver gave no bound on how much better another could be. Raise "
                "portfolio.time_limit_s to prove it.",
                seconds=seconds,
                objective=t.number(p.objective, 3),
            )
        return t(
            "The solver stopped at its time limit of {seconds} s before proving this portfolio "
            "optimal: it is the best one found (objective {objective}); no portfolio can reach "
            "more than {bound}, so it is at most {gap} short of the optimum. Raise "
            "portfolio.time_limit_s to prove it.",
            seconds=seconds,
            objective=t.number(p.objective, 3),
            bound=t.number(p.bound, 3),
            gap=t.percent(p.gap, 1),
        )

    def binding_sentences(self) -> list[str]:
        """The binding rules in words (empty when none binds)."""
        p = self.results.portfolio
        if p is None:
            return []
        return [self.binding(d) for d in p.binding_details if d.get("binds")]

    # ------------------------------------------------------------------ what the data leave out

    def data_gaps(self) -> list[Gap]:
        """What the study's layers leave out: positions, unknown values, thin regions.

        Returns
        -------
        list of Gap
            Facilities placed on their town's point (``position == "city"``), fields with
            unknown values, regions with few or no entries in a layer.
        """
        t = self.t
        results = self.results
        used_layers, used_fields = _used(results)
        gaps: list[Gap] = []
        regions = _regions(results)
        for name, layer in results.layers.items():
            if len(layer) == 0:
                continue
            used = name in used_layers
            count = len(layer)
            if "position" in layer.columns:
                on_town = int((layer["position"].astype(str) == "city").sum())
                if on_town:
                    far = 0
                    if "precision_km" in layer.columns:
                        precision = pd.to_numeric(layer["precision_km"], errors="coerce")
                        far = int(((layer["position"] == "city") & (precision > 5)).sum())
                    text = t(
                        "{n} of {count} entries stand on their town's point, not on their own "
                        "site: distances to them are only as good as the town's position.",
                        n=t.integer(on_town),
                        count=t.integer(count),
                    )
                    if far:
                        text += " " + t.plural(
                            "For {n} of them the true site is more than 5 km away.",
                            "For {n} of them the true site is more than 5 km away.",
                            far,
                        )
                    gaps.append(Gap(name, "position", text, used))
            unknown = []
            field_used = False
            for column in layer.columns:
                if column in ("geometry", "id", "name", "source", "coord_source"):
                    continue
                missing = int(layer[column].isna().sum())
                if not missing:
                    continue
                reads = (name, column) in used_fields
                field_used |= reads
                item = t(
                    "“{field}” for {n} of {count}",
                    field=self.field_word(column),
                    n=t.integer(missing),
                    count=t.integer(count),
                )
                if reads:
                    item = t("{item} (a criterion reads it)", item=item)
                unknown.append(item)
            if unknown:
                text = t("Unknown values: {fields}.", fields="; ".join(unknown))
                gaps.append(Gap(name, "unknown", text, field_used))
            if "region" in layer.columns and regions:
                counts = layer["region"].astype(str).value_counts()
                # Named as officials write them, in the reader's language and its order.
                order = alphabetical(t.lang)
                none = sorted(
                    (t.region(r) for r in regions if int(counts.get(r, 0)) == 0), key=order
                )
                one = sorted(
                    (t.region(r) for r in regions if int(counts.get(r, 0)) == 1), key=order
                )
                if none:
                    text = t.plural(
                        "No entry in {n} region: {regions}.",
                        "No entry in {n} regions: {regions}.",
                        len(none),
                        regions=", ".join(none),
                    )
                    gaps.append(Gap(name, "none", text, used))
                if one:
                    text = t.plural(
                        "A single entry in {n} region: {regions}.",
                        "A single entry in {n} regions: {regions}.",
                        len(one),
                        regions=", ".join(one),
                    )
                    gaps.append(Gap(name, "few", text, used))
        return gaps


# The Cyrillic alphabets in their own order (Unicode puts Kazakh letters such as Қ and Ұ
# after Я, and Ё after Я): Kazakh as the 2021 Cyrillic standard orders it, Russian as usual.
_ALPHABETS = {
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
}


def alphabetical(lang: str) -> Callable[[str], tuple[int, ...]]:
    """A sort key putting names in ``lang``'s alphabetical order (case ignored).

    Python's own order is the code points', which puts Kazakh letters last; no collation
    library (ICU) is needed for the few dozen names an output lists.
    """
    letters = {ch: i for i, ch in enumerate(_ALPHABETS.get(lang, ""))}

    def key(text: str) -> tuple[int, ...]:
        return tuple(letters.get(ch, 1000 + ord(ch)) for ch in text.casefold())

    return key


def _float(x: object) -> float | None:
    """``x`` as a float, or None when it is missing or not a number."""
    if x is None:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _used(results: Results) -> tuple[set[str], set[tuple[str, str]]]:
    """The layers and (layer, field) pairs the study's criteria read."""
    layers: set[str] = set()
    fields: set[tuple[str, str]] = set()
    for c in results.study.criteria:
        m = c.measure
        for kind in ("nearest", "count", "sum", "access"):
            layer = getattr(m, kind, None)
            if isinstance(layer, str):
                layers.add(layer)
                if m.field:
                    fields.add((layer, m.field))
                for key in m.where or {}:
                    fields.add((layer, key))
    return layers, fields


def _regions(results: Results) -> list[str]:
    """The regions of the candidates (the study's country), sorted."""
    cands = results.candidates
    if "region" not in cands.columns:
        return []
    values = cands["region"].dropna().astype(str)
    return sorted({v for v in values if v.strip()})
