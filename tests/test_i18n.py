"""Every message of the code is translated into Kazakh and Russian (issue 11).

A message added to the code without its translations fails here, naming the message; the
translator runs ``tools/i18n.py extract``, ``update`` and fills the catalogs.
"""

from __future__ import annotations

import pytest

from siting.i18n import missing_translations


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_is_translated(lang: str) -> None:
    assert missing_translations(lang) == []
