"""Keep siting's message catalogs in step with the code.

    .venv/bin/python tools/i18n.py extract   # write siting/locale/siting.pot from the code
    .venv/bin/python tools/i18n.py update    # merge the template into every language's .po
    .venv/bin/python tools/i18n.py check     # list messages missing from a catalog (exit 1)
    .venv/bin/python tools/i18n.py absorb    # fill the catalogs from siting/locale/pending/*.json

Work done on a branch puts its new messages in ``siting/locale/pending/<branch>.json``
(``{"ru": {msgid: translation or [plural forms]}, "kk": {...}}``) rather than editing the
catalogs, whose rewrites conflict on merge; ``absorb`` (after ``extract`` and ``update``) moves
them into the catalogs and deletes the files it has used up.

Messages are found by Babel's extractors: in Python, the arguments of ``N_(...)``,
``t(...)``, ``t.plural(...)`` and ``t.context(...)``; in the page scripts under
``siting/outputs/templates/*.js``, the arguments of ``t(...)`` and ``tn(...)``.  A translator
then edits ``siting/locale/<lang>/LC_MESSAGES/siting.po`` with any gettext tool.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from siting.i18n import LANGUAGES, SOURCE, extract_messages, missing_translations

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "siting" / "locale"


def main() -> int:
    """Run one command; return the exit code."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["extract", "update", "check", "absorb"])
    args = parser.parse_args()
    template = extract_messages()
    if args.command == "extract":
        with (LOCALE / "siting.pot").open("wb") as fh:
            write_po(
                fh, template, width=100, sort_output=False, omit_header=False, include_lineno=False
            )
        print(f"{len(template)} messages → {LOCALE / 'siting.pot'}")
        return 0
    if args.command == "update":
        for lang in LANGUAGES:
            path = LOCALE / lang / "LC_MESSAGES" / "siting.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("rb") as fh:
                    catalog = read_po(fh, locale=lang, domain="siting")
            else:
                catalog = Catalog(locale=lang, domain="siting", project="siting")
            catalog.update(template, no_fuzzy_matching=True)
            with path.open("wb") as fh:
                write_po(fh, catalog, width=100, ignore_obsolete=True, include_lineno=False)
            print(f"{lang}: {len(catalog)} messages")
        return 0
    if args.command == "absorb":
        return absorb()
    gaps = {lang: missing_translations(lang) for lang in LANGUAGES if lang != SOURCE}
    for lang, missing in gaps.items():
        for msgid in missing:
            print(f"{lang}: {msgid!r}")
    return 1 if any(gaps.values()) else 0


def absorb() -> int:
    """Fill the catalogs from the pending files; delete each file once all its entries are in."""
    import json

    from babel.messages.pofile import read_po, write_po

    pending = sorted((LOCALE / "pending").glob("*.json"))
    files = {path: json.loads(path.read_text(encoding="utf-8")) for path in pending}
    unused: dict[Path, list[str]] = {path: [] for path in pending}
    for lang in ("kk", "ru"):
        path = LOCALE / lang / "LC_MESSAGES" / "siting.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain="siting")
        for source, entries in files.items():
            for key, text in entries.get(lang, {}).items():
                # gettext's own notation for a message with a context: "context\x04message"
                context, _, msgid = key.rpartition("\x04")
                found = catalog.get(msgid, context=context or None)
                if found is None:
                    # Plural messages are keyed by (singular, plural) in Babel's catalog.
                    found = next(
                        (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None
                    )
                if found is None:
                    unused[source].append(f"{lang}: {key}")
                    continue
                found.string = tuple(text) if isinstance(text, list) else text
                found.flags.discard("fuzzy")
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, ignore_obsolete=True, include_lineno=False)
    for source, missing in unused.items():
        if missing:
            print(f"{source.name}: not in the code (left in the file):")
            for line in missing:
                print(f"  {line}")
        else:
            source.unlink()
            print(f"{source.name}: absorbed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
