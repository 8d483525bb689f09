"""The few exceptions siting raises on purpose.

Every mistake a user can make in a criteria file or a data layer ends as a
:class:`SitingError` whose message says what is wrong, shows the value and says
how to fix it; the CLI prints the message and exits with code 2.  Anything else
that escapes is a bug (exit code 1).

Problems and notes are usually :class:`siting.i18n.Msg` (see :mod:`siting.messages`): English
text as :class:`str`, rendered in the reader's language by the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SitingError(Exception):
    """Base class of every error caused by the user's input.

    Parameters
    ----------
    problems
        One message per problem (a :class:`siting.i18n.Msg`, or plain text).  Validation
        collects every problem it finds and raises once, so that a planner fixes a file in
        one pass.
    notes
        Sentences that are not problems: which checks could not run, and why.
    language
        The study's language, when the file was read far enough to know it: the language the
        CLI prints the messages in unless told otherwise.
    """

    def __init__(
        self,
        problems: str | Iterable[str],
        *,
        notes: Iterable[str] = (),
        language: str | None = None,
    ) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        self.notes: list[str] = list(notes)
        self.language: str | None = language
        super().__init__("\n".join(self.problems))


class CriteriaError(SitingError):
    """A criteria file is malformed or inconsistent.

    Attributes
    ----------
    draft
        The file's data as written, when it read as YAML (a :class:`siting.criteria.Draft`),
        for checks that can run on a file that is not yet a valid study.
    """

    draft: Any = None


class DataError(SitingError, ValueError):
    """A data layer or an input array is unusable (missing file, bad geometry, NaN, ...)."""


class InfeasibleError(SitingError):
    """An optimisation model has no solution under the rules it was given."""


class OutputError(SitingError):
    """An output cannot be written (folder not writable, disk full, ...)."""
