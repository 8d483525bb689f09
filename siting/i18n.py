"""Every text a person reads, in Kazakh, Russian or English: message catalogs and locale formats.

Strings are written in English in the code and marked for translation: ``N_("...")`` where a
string is defined and translated later, ``t("...")`` where a :class:`Translator` ``t`` renders
it now, ``t.plural("...", "...", n)`` for counts.  Placeholders are named (``{name}``) and
filled after translation, so that a translator can move them.  The translations live in
standard gettext catalogs, ``siting/locale/<lang>/LC_MESSAGES/siting.po``, which any
translator's tool opens (Poedit, Lokalize, Weblate); they are compiled in memory when first
used (Babel), so no build step is needed.  ``tools/i18n.py`` extracts the messages into
``siting/locale/siting.pot`` and merges them into the catalogs; a test fails on any message
missing from a catalog.

Numbers, percentages and dates follow the locale through Babel (CLDR): ``0,886`` and
``1 234 567`` in Kazakh and Russian, ``0.886`` and ``1,234,567`` in English.  Place names come
from the data's ``name_kk`` and ``name_ru`` fields (:meth:`Translator.place`).
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import functools
import gettext
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

Language = Literal["kk", "ru", "en"]

#: The languages of every output, in the order a switch offers them.
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")

#: The language of the messages as written in the code.
SOURCE: Language = "en"

#: Each language's name in itself, for a language switch.
NATIVE_NAMES: dict[str, str] = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

#: The gettext domain of siting's catalogs.
DOMAIN = "siting"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for translation where it is defined; it is translated when rendered."""
    return message


@functools.cache
def region_names() -> dict[str, dict[str, str]]:
    """Kazakhstan's regions by the key the layers' ``region`` field uses, named in each language.

    The table is ``siting/locale/regions.csv`` (one row a region: its key, then its name in
    English, Russian and Kazakh as officials write them, e.g. ``Akmola``: *Akmola Region*,
    *Акмолинская область*, *Ақмола облысы*); a translator edits it like a catalog.  The shipped
    boundaries carry the same key in their ``region`` field, whatever spelling their source uses
    (Natural Earth's *Aqmola*).
    """
    path = resources.files("siting").joinpath("locale", "regions.csv")
    with io.StringIO(path.read_text(encoding="utf-8")) as fh:
        rows = list(csv.DictReader(fh))
    return {row["region"]: {lang: row[lang] for lang in LANGUAGES} for row in rows}


def NC_(context: str, message: str) -> tuple[str, str]:  # noqa: N802 - as N_, with a context
    """Mark ``message`` for translation in ``context``; render it with ``t.context(*marked)``."""
    return context, message


def catalog_text(lang: str) -> str:
    """The ``.po`` source of ``lang``'s catalog."""
    path = resources.files("siting").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    return path.read_text(encoding="utf-8")


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    """``lang``'s catalog compiled in memory (the source language needs none)."""
    if lang == SOURCE:
        return gettext.NullTranslations()
    catalog = read_po(io.StringIO(catalog_text(lang)), locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def check_language(lang: str) -> Language:
    """``lang`` if siting speaks it, else a :class:`ValueError` naming the languages it speaks."""
    if lang not in LANGUAGES:
        msg = f"language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}"
        raise ValueError(msg)
    return lang


@dataclass(frozen=True)
class Translator:
    r"""Renders messages, numbers, percentages, dates and place names in one language.

    Parameters
    ----------
    lang
        ``"kk"`` (Kazakh, Cyrillic), ``"ru"`` or ``"en"``.

    Examples
    --------
    >>> t = translator("ru")
    >>> t.number(1234567.891, 1), t.percent(0.334)
    ('1\xa0234\xa0567,9', '33\xa0%')
    """

    lang: Language

    def __call__(self, message: str, /, **values: Any) -> str:
        """``message`` translated, then its ``{placeholders}`` filled with ``values``."""
        text = _translations(self.lang).gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form of a count message that fits ``n`` in this language (``{n}`` is filled)."""
        text = _translations(self.lang).ngettext(singular, plural, n)
        return text.format(n=self.integer(n), **values)

    def context(self, context: str, message: str, /, **values: Any) -> str:
        """``message`` translated in ``context`` (for words that translate differently)."""
        text = _translations(self.lang).pgettext(context, message)
        return text.format(**values) if values else text

    def number(self, x: float | None, digits: int = 3) -> str:
        """``x`` with ``digits`` decimals in the locale's format; "–" when missing."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(x, format=pattern, locale=self.lang)

    def integer(self, n: float | None) -> str:
        """A whole number with the locale's grouping (``1 234 567`` or ``1,234,567``)."""
        if n is None or (isinstance(n, float) and not math.isfinite(n)):
            return "–"
        return format_decimal(round(n), format="#,##0", locale=self.lang)

    def percent(self, p: float | None, digits: int = 0) -> str:
        """A share (0.334) as a percentage in the locale's format (``33 %``)."""
        if p is None or (isinstance(p, float) and not math.isfinite(p)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "\u00a0%"
        return format_percent(p, format=pattern, locale=self.lang)

    def date(self, day: dt.date) -> str:
        """A date written out in the locale's long form."""
        return format_date(day, format="long", locale=self.lang)

    def region(self, key: object) -> str:
        """A region's name in this language (:func:`region_names`); an unknown key as it is.

        Examples
        --------
        >>> translator("ru").region("Akmola"), translator("kk").region("Almaty")
        ('Акмолинская область', 'Алматы қаласы')
        """
        names = region_names().get(str(key))
        return names[self.lang] if names else str(key)

    def place(self, row: Mapping[str, Any], fallback: str = "") -> str:
        """A place's name in this language: ``name_kk`` / ``name_ru``, else ``name``."""
        for key in (f"name_{self.lang}", "name"):
            value = row.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return fallback


class Msg(str):
    """A message rendered in English now and in any language later.

    Library code raises errors before it knows the reader's language, so a message keeps its
    template (marked with ``N_``) and its values: as a :class:`str` it is the English text, so
    code that joins, sorts or prints messages keeps working, and :meth:`render` writes it in
    another language.  Values that are themselves messages are rendered in the same language.

    Examples
    --------
    >>> m = Msg(N_("{count} sites were asked"), count=3)
    >>> str(m), m.render(translator("en"))
    ('3 sites were asked', '3 sites were asked')
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Msg:
        """Fill ``template`` in English; keep it and the values for :meth:`render`."""
        out = super().__new__(cls, template.format(**values) if values else template)
        out.template = template
        out.values = values
        return out

    def render(self, t: Translator) -> str:
        """The message in ``t``'s language (nested messages too)."""
        values = {k: render(v, t) for k, v in self.values.items()}
        return t(self.template, **values)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a message (a str subclass would otherwise lose its template)."""
        return (_rebuild_msg, (self.template, self.values))


def _rebuild_msg(template: str, values: dict[str, Any]) -> Msg:
    return Msg(template, **values)


def render(value: Any, t: Translator) -> Any:
    """``value`` in ``t``'s language when it is a :class:`Msg`, else unchanged."""
    return value.render(t) if isinstance(value, Msg) else value


@functools.cache
def translator(lang: str = SOURCE) -> Translator:
    """The :class:`Translator` of ``lang`` (checked; one per language)."""
    return Translator(check_language(lang))


#: Python calls whose arguments are messages (Babel's keyword specification).
PYTHON_KEYWORDS: dict[str, Any] = {
    "N_": None,
    "NC_": ((1, "c"), 2),
    "t": None,
    "plural": (1, 2),
    "context": ((1, "c"), 2),
}

#: The page scripts' message functions: ``t(msgid)`` and ``tn(singular, plural, n)``.
SCRIPT_KEYWORDS: dict[str, Any] = {"t": None, "tn": (1, 2)}


def extract_python(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """Babel extraction method for Python that reads the syntax tree, f-strings included.

    Babel's own Python extractor reads tokens, and on Python 3.11 an f-string is one token, so
    ``f"<h2>{t('Contents')}</h2>"`` would hide its message from the catalog.  Walking the tree
    finds every call of a keyword (``t(...)``, ``t.plural(...)``, ``N_(...)``) wherever it is
    written; Babel then applies the keyword's argument specification as usual.  Comments
    starting with a comment tag (``# TRANSLATORS:``) on the lines just above a call are kept.
    """
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = source.splitlines()
    tags = tuple(comment_tags or ())
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if not isinstance(name, str) or name not in keywords:
            continue
        args = tuple(
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        )
        if not any(args):
            continue
        comments: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].strip().startswith("#"):
            text = lines[row].strip().lstrip("#").strip()
            if tags and text.startswith(tags):
                comments.insert(0, text)
            row -= 1
        yield node.lineno, name, args, comments


def extract_messages() -> Catalog:
    """Every message marked in siting's code and page scripts, as a Babel catalog (a template).

    Scanned: every ``.py`` file of the package (:data:`PYTHON_KEYWORDS`) and every ``.js``
    template of the pages (:data:`SCRIPT_KEYWORDS`).
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    package = Path(str(resources.files("siting")))
    catalog = Catalog(domain=DOMAIN, project="siting", charset="utf-8")
    sources: list[tuple[Path, Any, dict[str, Any]]] = [
        (p, extract_python, PYTHON_KEYWORDS) for p in sorted(package.rglob("*.py"))
    ]
    sources += [
        (p, "javascript", SCRIPT_KEYWORDS)
        for p in sorted((package / "outputs" / "templates").glob("*.js"))
    ]
    for path, method, keywords in sources:
        for line, message, comments, context in extract_from_file(
            method, str(path), keywords=keywords, comment_tags=("TRANSLATORS:",)
        ):
            catalog.add(
                message,
                locations=[(str(path.relative_to(package.parent)), line)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def missing_translations(lang: str) -> list[str]:
    """Messages of the code that ``lang``'s catalog lacks or leaves untranslated (or fuzzy)."""
    catalog = read_po(io.StringIO(catalog_text(lang)), locale=lang, domain=DOMAIN)
    missing = []
    for message in extract_messages():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if found is None or not ok or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def script_messages(lang: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The messages of the page scripts ``names`` in ``lang``, for a page to carry inline.

    Returns
    -------
    dict
        ``msgid → translation``, and for plural messages ``singular → [forms...]`` in the
        catalog's order, together with ``"__forms__"``: the CLDR plural category of each form
        (``["one", "few", "many"]`` in Russian), so that a page picks the form with
        ``Intl.PluralRules`` and needs no ``eval`` of the catalog's rule.
    """
    from babel.messages.extract import extract_from_file
    from babel.messages.plurals import get_plural

    folder = Path(str(resources.files("siting"))) / "outputs" / "templates"
    t = translator(lang)
    out: dict[str, Any] = {}
    for name in names:
        for _line, message, _comments, _context in extract_from_file(
            "javascript", str(folder / name), keywords=SCRIPT_KEYWORDS
        ):
            if isinstance(message, tuple):
                singular, plural = message[0], message[1]
                count = get_plural(lang).num_plurals
                out[singular] = [
                    _translations(t.lang).ngettext(singular, plural, _example(lang, k))
                    for k in range(count)
                ]
            else:
                out[message] = t(message)
    from babel import Locale

    locale = Locale.parse(lang)
    out["__forms__"] = [
        locale.plural_form(_example(lang, k)) for k in range(get_plural(lang).num_plurals)
    ]
    return out


def _example(lang: str, form: int) -> int:
    """A count that takes plural form ``form`` in ``lang`` (to read each form from the catalog)."""
    from babel.messages.plurals import get_plural

    # gettext's own parser of a catalog's C-like Plural-Forms expression.
    rule = gettext.c2py(get_plural(lang).plural_expr)
    return next((n for n in range(200) if rule(n) == form), 1)
