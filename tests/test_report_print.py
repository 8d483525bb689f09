"""The default study's report in a real browser: printed to A4 PDF, read on a phone, in three languages.

Debian's chromium at /usr/bin/chromium, driven by Playwright, prints the report of the shipped
study (criteria/novosibirsk.yaml, with its robustness analysis) the way a minister's office
would.  The PDF is read back with pypdf: its page count, the page numbers printed in the
margin, the answer on the first page, every section's heading followed by its content.
Measured when written: 13 pages (the first page is the answer), 0.8 MB for three languages;
printed in Russian 15 pages, in Kazakh 16, the answer on the first page in each.
One browser and one run serve the whole module.  The tests skip only when chromium is
missing and CI is not set, as in tests/test_browser.py.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import unicodedata
from pathlib import Path

import pytest

import siting
from siting.i18n import translator
from siting.outputs.report import write_report
from siting.outputs.static_map import draw_static_map, label_boxes
from siting.outputs.words import Words
from siting.results import Results
from tests.builders import ROOT
from tests.chromium import CHROMIUM

pytestmark = pytest.mark.browser

#: Pages of the printed report of the default study (A4); it was 14 before the report was
#: rewritten, with the answer nowhere in particular.
MAX_PAGES = 13

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("headless chromium is not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Browser, Page  # noqa: E402
from pypdf import PdfReader  # noqa: E402


@pytest.fixture(scope="module")
def study() -> Results:
    return siting.run(ROOT / "criteria" / "novosibirsk.yaml", sensitivity=True)


@pytest.fixture(scope="module")
def report(study: Results, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(study, tmp_path_factory.mktemp("print") / "report.html", lang="en")


def offline(page: Page) -> list[str]:
    """Block and record every request that is not file: or data:."""
    blocked: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


@pytest.fixture(scope="module")
def pdf(browser: Browser, report: Path) -> tuple[list[str], list[str]]:
    """The printed report: each page's text, and the headings of the printed language."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    blocked = offline(page)
    page.goto(report.as_uri())
    page.emulate_media(media="print")
    headings = page.eval_on_selector_all(
        ".lang-en h2, .lang-en h3",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText.trim())",
    )
    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    context.close()
    assert blocked == []
    reader = PdfReader(io.BytesIO(data))
    # NFKC: the PDF's text has its ligatures ("ﬁ") undone.
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages], headings


def test_printed_pages_are_few_and_numbered(pdf: tuple[list[str], list[str]]) -> None:
    pages, _ = pdf
    n = len(pages)
    assert 3 <= n <= MAX_PAGES, n
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {n}" in text, number


def test_the_first_page_is_the_answer(pdf: tuple[list[str], list[str]], study: Results) -> None:
    pages, _ = pdf
    first = " ".join(pages[0].split())
    words = Words(study, translator("en"))
    assert " ".join(words.headline().split()) in first
    rec = study.recommendation
    assert rec is not None and any(not v.firm for v in rec.sites)
    assert "a close call" in first  # the third site, with its contender
    assert "Why these sites" in first and "How sure" in first and "What would change it" in first
    assert "SHA-256" in first and "fingerprint" in first
    # the rest of the report starts on the next page
    assert "Contents" not in first and "Contents" in pages[1]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_answer_fits_the_first_page_in_russian_and_kazakh_too(
    browser: Browser, study: Results, tmp_path: Path, lang: str
) -> None:
    """Russian and Kazakh run a third longer than English; their readers come first, so the
    printed answer (with the run's date, file, hash and seed) still holds on page one."""
    path = write_report(study, tmp_path / "report.html", lang=lang)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    context.close()
    pages = [
        unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages
    ]
    t = translator(lang)
    first, second = (" ".join(p.split()) for p in pages[:2])
    assert " ".join(Words(study, t).headline().split()) in first
    assert t("SHA-256") in first and str(study.study.seed) in first
    contents = t("Contents")
    assert contents not in first and second.startswith(f"2 / {len(pages)} {contents}")
    assert len(pages) <= MAX_PAGES + 3, len(pages)


def test_no_printed_section_is_empty(pdf: tuple[list[str], list[str]]) -> None:
    pages, headings = pdf
    text = "\n".join(pages)
    flat = " ".join(text.split())
    for heading in headings:
        heading = unicodedata.normalize("NFKC", heading)
        assert " ".join(heading.split()) in flat, heading
    # collapsed parts are printed open: the contributions table and its key of criteria
    assert "Each cell is the criterion's value" in flat
    # no page ends on a heading: a heading is kept with what follows it
    for k, page in enumerate(pages):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        last = lines[-1] if lines else ""
        assert last not in [unicodedata.normalize("NFKC", h) for h in headings], (k + 1, last)


def test_every_section_has_content_in_print(browser: Browser, report: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(report.as_uri())
    page.emulate_media(media="print")
    empty = page.evaluate(
        """() => Array.from(document.querySelectorAll('.lang-en section')).filter(s => {
            const head = s.querySelector('h2');
            const rest = s.innerText.replace(head ? head.innerText : '', '').trim();
            return s.offsetHeight === 0 || rest.length < 20;
        }).map(s => s.id)"""
    )
    context.close()
    assert empty == []


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_phone_reflows_without_sideways_scrolling(
    browser: Browser, report: Path, lang: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, is_mobile=True
    )
    page = context.new_page()
    blocked = offline(page)
    page.goto(report.as_uri())
    page.click(f'label[for="pick-{lang}"]')  # the switch works with scripts off
    shown = page.eval_on_selector_all(
        "div.lang", "els => els.filter(e => e.offsetParent !== null).map(e => e.lang)"
    )
    assert shown == [lang]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    # wide tables scroll inside their own box, never the page
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('div.lang')).filter(e => e.offsetParent)
            .flatMap(e => Array.from(e.querySelectorAll('*')))
            .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll'))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert wide == []
    context.close()
    assert blocked == []


def test_opens_in_its_language_with_every_image_drawn(browser: Browser, report: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    shown = page.eval_on_selector_all(
        "div.lang", "els => els.filter(e => e.offsetParent !== null).map(e => e.lang)"
    )
    assert shown == ["en"]
    # the static map of the shown language, and a chart per criterion, all drawn
    img = page.locator(".lang-en figure.map img")
    assert img.evaluate("el => el.complete && el.naturalWidth > 1000")
    charts = page.locator(".lang-en svg.chart")
    assert charts.count() >= 10
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 150
    context.close()
    assert errors == []


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_static_map_of_the_study_names_without_overlaps(study: Results, lang: str) -> None:
    fig = draw_static_map(study, lang=lang)
    boxes = dict(label_boxes(fig))
    words = Words(study, translator(lang))
    rec = study.recommendation
    assert rec is not None
    named = [v.id for v in rec.sites] + [v.contender for v in rec.sites if v.contender]
    for cid in named:
        assert words.name(cid) in boxes, cid
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    # Almaty's crowded suburbs (Kaskelen, Talgar, Esik) cannot all be named beside it
    suburbs = [words.name(c) for c in ("kaskelen", "talgar", "esik")]
    assert sum(s in boxes for s in suburbs) < 3
    assert re.search(r"[А-Яа-яӘәҒғҚқҢңӨөҰұҮүҺһІі]", " ".join(boxes)) or lang == "en"
