"""Issue 11, from the native reviewers: the outputs say things in words, in each language.

A criterion's card names its layer, fields and categories in words and says its distance decay
in words; a yes/no criterion reads "yes" and "no"; a label used inside a sentence starts in
lower case unless it starts with a proper noun; regions are named as officials write them; the
solver's status is said in words.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pytest

from siting.i18n import region_names, render, translator
from siting.optimise.infeasible import solver_status
from siting.outputs.map.payload import base_map, boundary_features
from siting.outputs.report import _Page
from siting.outputs.words import Words, alphabetical
from siting.results import Results
from tests.builders import ROOT

LANGS = ("en", "ru", "kk")

#: Ids of the shipped layers, their fields and categories, as the data write them: a reader
#: of the report must never meet them (in Russian and Kazakh, no Latin word but "IT" at all).
RAW = (
    "research_institutes",
    "research_infrastructure",
    "“students”",
    "has_sez",
    "national_research",
    "it_hub",
    "is enterprise",
    "kind is",
)


def latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]{2,}", text)) - {"IT"}


@cache
def shipped() -> Results:
    import siting.pipeline

    return siting.pipeline.run(ROOT / "criteria" / "novosibirsk.yaml", sensitivity=False)


def page(lang: str) -> _Page:
    return _Page(shipped(), translator(lang), dt.date(2026, 3, 2), None, {})


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", LANGS)
def test_criteria_cards_say_layers_fields_and_decays_in_words(lang: str) -> None:
    p = page(lang)
    by_id = {c.id: c for c in shipped().study.criteria}
    # a non-breaking space keeps a number with its unit; read it as a space here
    cards = {cid: p._describe(c).replace("\u00a0", " ") for cid, c in by_id.items()}
    for cid, text in cards.items():
        for raw in RAW:
            assert raw not in text, (lang, cid, raw, text)
        if lang != "en":
            assert not latin_words(text), (lang, cid, text)
        assert "– km" not in text and "– км" not in text, (lang, cid, text)
    # the linear decays: full weight to 30 km, none from 80 km (institutes), 60 / 150 km
    # (enterprises), each distance in the sentence, in every language
    for cid, full, zero in (("institutes_nearby", 30, 80), ("enterprises_nearby", 60, 150)):
        assert f"{full} " in cards[cid] and f"{zero} " in cards[cid], (lang, cards[cid])
    words = {
        "en": ("counted fully up to 30 km", "not at all from 80 km", "number of students"),
        "ru": (
            "до 30 км объект учитывается полностью",
            "начиная с 80 км не учитывается",
            "численность студентов",
        ),
        "kk": (
            "30 км-ге дейінгі нысан толық ескеріледі",
            "80 км-ден бастап мүлдем ескерілмейді",
            "студенттер саны",
        ),
    }[lang]
    assert words[0] in cards["institutes_nearby"] and words[1] in cards["institutes_nearby"]
    assert words[2] in cards["university_km"] and words[2] in cards["students_nearby"]
    # the whole section, as the reader sees it, holds none of the raw names either
    section = text_of(p.criteria_section())
    assert not [raw for raw in RAW if raw in section], lang
    if lang != "en":
        assert not latin_words(section), (lang, latin_words(section))


@pytest.mark.parametrize("lang", LANGS)
def test_a_yes_no_criterion_reads_yes_and_no(lang: str) -> None:
    """existing_zone (has_sez) is a yes/no fact: never "0 yes = 1", never "1 from 1 up"."""
    t = translator(lang)
    w = Words(shipped(), t)
    assert w.binary("existing_zone") and not w.binary("population")
    assert w.measured("existing_zone", 1) == t("yes")
    assert w.measured("existing_zone", 0) == t("no")
    assert w.measured("population", 1000) != t("yes")
    card = page(lang)._describe(
        next(c for c in shipped().study.criteria if c.id == "existing_zone")
    )
    assert t("yes") in card and t("no") in card
    for wrong in ("yes = 1", "да = 1", "иә = 1", "from 1 up", "начиная с 1"):
        assert wrong not in card, card
    reference = text_of(page(lang).reference_section())
    for wrong in ("yes = 1", "да = 1", "иә = 1"):
        assert wrong not in reference
    # in a table of numbers (the workbook) the unit says what 1 and 0 mean
    assert w.unit("existing_zone") == t("1 = yes, 0 = no")


def test_labels_inside_a_sentence_start_in_lower_case_unless_a_proper_noun() -> None:
    w = Words(shipped(), translator("ru"))
    assert w.in_text("Расстояние до аэропорта") == "расстояние до аэропорта"
    assert w.in_text("Distance to the airport") == "distance to the airport"
    assert w.in_text("IT hubs within reach") == "IT hubs within reach"  # an abbreviation
    assert w.in_text("Алматы: вузы") == "Алматы: вузы"  # a town of the study
    assert w.in_text("Almaty's universities") == "Almaty's universities"
    assert w.in_text("Акмолинская область: вузы") == "Акмолинская область: вузы"  # a region
    for lang in LANGS:
        w = Words(shipped(), translator(lang))
        for cid in shipped().portfolio.ids:
            sentence = w.why(cid)
            # after "Strong on:" / "Held back by:" and after "; " a label starts in lower case
            for start in re.findall(r"(?:: |; )(\w)", sentence.split(").", 1)[1]):
                assert not start.isupper() or start in "IА", (lang, sentence)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_regions_are_named_as_officials_write_them(lang: str) -> None:
    t = translator(lang)
    w = Words(shipped(), t)
    gaps = " ".join(g.text for g in w.data_gaps())
    official = {row[lang] for row in region_names().values()}
    assert any(name in gaps for name in official)
    for english in ("Akmola", "Jetisu", "North Kazakhstan", "Almaty Region"):
        assert english not in gaps
    # the map's regions answer the mouse in the reader's language, from the same table
    _features, names = boundary_features(base_map(shipped()))
    shown = {n[lang] for n in names}
    assert t.region("Akmola") in shown and t.region("Almaty Region") in shown
    assert "Aqmola" not in shown and "Qaraghandy" not in shown
    # listed in the language's alphabetical order (Kazakh letters where Kazakh puts them)
    listed = ["Ұлытау облысы", "Қызылорда облысы", "Атырау облысы", "Ақмола облысы"]
    assert sorted(listed, key=alphabetical("kk")) == [
        "Ақмола облысы",
        "Атырау облысы",
        "Қызылорда облысы",
        "Ұлытау облысы",
    ]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_solvers_status_is_said_in_words(lang: str) -> None:
    t = translator(lang)
    for status in ("Optimal", "Not Solved", "Infeasible", "Unbounded", "Undefined"):
        text = render(solver_status(status), t)
        assert status not in text and not re.search(r"[A-Za-z]", text), text
    assert solver_status("Something new") == "Something new"


def test_the_workbook_names_regions_in_the_readers_language() -> None:
    """ranking.xlsx is a display table: its region column reads as officials write it."""
    from siting.outputs.workbook import _place_columns

    results = shipped()
    ids = list(results.ranking.index[:5])
    for lang in ("ru", "kk"):
        t = translator(lang)
        columns = {c.header: c for c in _place_columns(results, Words(results, t), ids)}
        region = columns[t("Region")]
        raw = results.candidates["region"].reindex(ids)
        assert list(region.values) == [t.region(r) for r in raw]
        assert not any(latin_words(str(v)) for v in region.values)


def test_the_map_carries_the_same_words() -> None:
    """The page words yes/no criteria and labels inside sentences as Words does."""
    from siting.outputs.map.payload import map_data

    results = shipped()
    data = map_data(results)
    by_id = {c["id"]: c for c in data["criteria"]}
    assert by_id["existing_zone"]["binary"] and not by_id["population"]["binary"]
    for lang in LANGS:
        w = Words(results, translator(lang))
        for cid, c in by_id.items():
            assert c["inline"][lang] == w.criterion(cid, inline=True)
        messages = data["messages"][lang]
        for msgid in ("yes", "no", "value {yes} for yes, {no} for no"):
            assert messages[msgid] == translator(lang)(msgid)
    assert by_id["airport_km"]["inline"]["ru"].startswith("расстояние")


def test_a_rule_grouping_by_region_names_the_regions() -> None:
    """`at_most_per: {field: region}`: the rule sentences (CLI, report, map) name the regions."""
    assert Words(shipped(), translator("ru")).group_value("region", "Akmola") == (
        "Акмолинская область"
    )
    assert Words(shipped(), translator("kk")).group_value("region", "Shymkent") == (
        "Шымкент қаласы"
    )
    assert Words(shipped(), translator("en")).group_value("region", "Elsewhere") == "Elsewhere"
