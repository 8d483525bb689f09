"""The building blocks of siting's problem messages, kept translatable until they are printed.

A check finds a problem long before anyone knows the reader's language, so it builds a
:class:`~siting.i18n.Msg`: the English text now (a :class:`str`, so that sorting, joining into
an exception and printing keep working), and the template and values for
:func:`siting.i18n.render` later.  This module adds what problem messages need beyond a single
template:

- :class:`Located`: ``path:line: key: text``.  The location is language-neutral (a path, a line
  number and the key as the file spells it), so it is kept out of the catalogs; only the text
  after it is translated.  A location stays first in every language, so that editors and
  ``siting validate``'s line ordering find it.
- :func:`plural`: a count message with both English forms (``"1 problem"``, ``"7 problems"``),
  written as a ``plural("...", "...", n)`` call so that the extractor files both forms as one
  catalog entry, rendered with :meth:`~siting.i18n.Translator.plural`.
- :class:`Joined`: parts joined by a neutral separator (``"; "`` between sentences, ``", "``
  between listed items); each part is rendered on its own.
- :func:`either`, :func:`listing` and :func:`all_of`: lists joined with a word (``"a or b"``,
  ``"a, b or c"``, ``"a, b and c"``), the word in a template a translator can change.
- :class:`Integer`: a limit or a size written with the locale's digit grouping.
- :func:`did_you_mean`: the usual hint for a misspelt name.
- :func:`render_text`: a message as text in a language, in English if its translation is broken
  (what the CLI prints).

Values placed in messages are pre-formatted the way the English text shows them (``repr`` of a
name, ``f"{x:g}"`` of a number), so that a translator only moves ``{placeholders}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from siting.i18n import N_, SOURCE, Msg, Translator, render, translator

__all__ = [
    "Integer",
    "Joined",
    "Located",
    "PluralMsg",
    "all_of",
    "did_you_mean",
    "either",
    "listing",
    "plural",
    "render_text",
]


class Located(Msg):
    """A problem at a place: ``where: key: text``, or ``where: text`` without a key.

    Parameters
    ----------
    where
        ``path:line`` (or a path): never translated.
    text
        What is wrong and how to fix it (a :class:`~siting.i18n.Msg`, or any text).
    key
        The key or feature the problem is about (``criteria[2].weight``); a
        :class:`~siting.i18n.Msg` when it holds words (``feature 3 (id 'x')``).

    Examples
    --------
    >>> m = Located("study.yaml:12", Msg(N_("{value} is negative"), value="-2"), key="weight")
    >>> str(m)
    'study.yaml:12: weight: -2 is negative'
    """

    def __new__(cls, where: Any, text: Any, key: Any = None) -> Located:
        """Join the location and the English text; keep the parts for :meth:`render`."""
        head = str(where) if key is None else f"{where}: {key}"
        out = str.__new__(cls, f"{head}: {text}")
        out.template = "{where}: {text}" if key is None else "{where}: {key}: {text}"
        out.values = {"where": where, "text": text} | ({} if key is None else {"key": key})
        return out

    @property
    def text(self) -> Any:
        """The message after the location (a :class:`~siting.i18n.Msg` when translatable)."""
        return self.values["text"]

    def render(self, t: Translator) -> str:
        """The location as it is, then the key and the text in ``t``'s language."""
        parts = [render(self.values[k], t) for k in ("where", "key", "text") if k in self.values]
        return ": ".join(str(p) for p in parts)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a located message."""
        return (Located, (self.values["where"], self.values["text"], self.values.get("key")))


class PluralMsg(Msg):
    """A message about a count, in the form the count takes in each language.

    Build it with :func:`plural`, whose call the message extractor recognises.  ``{n}`` in the
    forms is the count, written with the locale's digit grouping.
    """

    plural: str
    n: int

    def __new__(cls, singular: str, plural: str, n: int, /, **values: Any) -> PluralMsg:
        """Fill the English form that fits ``n``; keep both forms and the values."""
        out = str.__new__(cls, translator(SOURCE).plural(singular, plural, n, **values))
        out.template = singular
        out.plural = plural
        out.n = n
        out.values = values
        return out

    def render(self, t: Translator) -> str:
        """The form that fits the count in ``t``'s language, nested messages rendered too."""
        values = {k: render(v, t) for k, v in self.values.items()}
        return t.plural(self.template, self.plural, self.n, **values)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a count message."""
        return (_rebuild_plural, (self.template, self.plural, self.n, self.values))


def _rebuild_plural(singular: str, plural: str, n: int, values: dict[str, Any]) -> PluralMsg:
    return PluralMsg(singular, plural, n, **values)


def plural(singular: str, plural: str, n: int, /, **values: Any) -> PluralMsg:
    """A count message: ``plural("{n} site was asked", "{n} sites were asked", n)``.

    Both forms must be string literals at the call, so that ``siting.i18n.extract_messages``
    files them as one plural entry (the ``plural`` keyword).
    """
    return PluralMsg(singular, plural, n, **values)


class Integer(Msg):
    """A whole number written with the locale's digit grouping: ``1,000,000``, ``1 000 000``.

    For limits and sizes a message states; numbers the user wrote are quoted as written.
    """

    def __new__(cls, n: int) -> Integer:
        """The number in English now; in the reader's locale when rendered."""
        out = str.__new__(cls, translator(SOURCE).integer(n))
        out.template = "{n}"
        out.values = {"n": n}
        return out

    def render(self, t: Translator) -> str:
        """The number with ``t``'s digit grouping."""
        return t.integer(self.values["n"])

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a number."""
        return (Integer, (self.values["n"],))


class Joined(Msg):
    """Parts joined by a separator that needs no translation (``"; "``, ``", "``).

    Each part is rendered on its own; use :func:`either` or :func:`all_of` when the join is a
    word.

    Examples
    --------
    >>> str(Joined([Msg(N_("raise the budget")), "drop a rule"], "; "))
    'raise the budget; drop a rule'
    """

    def __new__(cls, parts: Iterable[Any], sep: str = "; ") -> Joined:
        """Join the English parts; keep them for :meth:`render`."""
        items = list(parts)
        out = str.__new__(cls, sep.join(str(p) for p in items))
        out.template = "{parts}"
        out.values = {"parts": items, "sep": sep}
        return out

    def render(self, t: Translator) -> str:
        """Every part in ``t``'s language, joined by the same separator."""
        parts = self.values["parts"]
        return str(self.values["sep"]).join(str(render(p, t)) for p in parts)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as joined parts."""
        return (Joined, (self.values["parts"], self.values["sep"]))


def either(items: Sequence[Any]) -> Any:
    """``"a or b or c"``: alternatives, each joined by a translatable "or"."""
    if not items:
        return ""
    out = items[0]
    for item in items[1:]:
        out = Msg(N_("{first} or {second}"), first=out, second=item)
    return out


def listing(items: Sequence[Any]) -> Any:
    """``"a, b or c"``: a list of allowed options, the last one after a translatable "or"."""
    if len(items) <= 1:
        return items[0] if items else ""
    return Msg(N_("{items} or {last}"), items=Joined(items[:-1], ", "), last=items[-1])


def all_of(items: Sequence[Any]) -> Any:
    """``"a, b and c"``: the items of an enumeration, the last one after a translatable "and"."""
    if len(items) <= 1:
        return items[0] if items else ""
    return Msg(N_("{items} and {last}"), items=Joined(items[:-1], ", "), last=items[-1])


def did_you_mean(name: Any) -> Msg:
    """``did you mean 'weight'?`` for the closest known name."""
    return Msg(N_("did you mean {name}?"), name=repr(name))


def render_text(message: Any, t: Translator) -> str:
    """``message`` in ``t``'s language as text; in English if its translation is broken.

    A translation that misspells a placeholder (``{nmae}``) would otherwise turn a planner's
    mistake into a traceback; the English text still says what is wrong and how to fix it.
    """
    try:
        return str(render(message, t))
    except (KeyError, IndexError, ValueError, AttributeError):
        return str(message)
