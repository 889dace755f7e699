"""The message catalogs under engagement/translations/ (docs/translating.md).

    python -m devtools.translations            extract, update, pseudo, compile (make translations)
    python -m devtools.translations build      pseudo and compile only (make run and make test)
    python -m devtools.translations merge FILE...   put translated fragments into the uk catalog
                                                    (--language LANG for another, --replace)
    python -m devtools.translations check [LANG]    list the messages LANG (uk) lacks
    python -m devtools.translations init LANG       start a new language's catalog

`extract` writes messages.pot from the code and templates babel.cfg names; `update` brings each
language's messages.po up to it (kept translations, new messages empty, vanished ones kept
commented out so they come back with their msgid); `pseudo` writes the en_XA catalog from the
pot; `compile` writes each messages.mo. The .pot and .po files are written sorted by msgid,
with file names but no line numbers or dates, so running it twice changes nothing and two
people's runs merge cleanly.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from engagement.i18n import PSEUDO, pseudo

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "engagement" / "translations"
TEMPLATE = CATALOGS / "messages.pot"
MAPPING = ROOT / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2)}
PROJECT = "engagement"
HEADER = (
    "# {what} for engagement: docs/translating.md says how to change it.\n"
    "# This file is distributed under the same license as the engagement project.\n#"
)


def po_path(language: str) -> Path:
    """A language's catalog, e.g. engagement/translations/uk/LC_MESSAGES/messages.po."""
    return CATALOGS / language / "LC_MESSAGES" / "messages.po"


def languages() -> list[str]:
    """The languages with a catalog folder (en_XA is generated, never listed)."""
    return sorted(
        folder.name for folder in CATALOGS.iterdir() if folder.is_dir() and folder.name != PSEUDO
    )


# Extracting ------------------------------------------------------------------------------------


def extract(root: Path = ROOT) -> Catalog:
    """Every message babel.cfg's files hold, as a template catalog."""
    with MAPPING.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalog = Catalog(
        project=PROJECT,
        fuzzy=False,
        header_comment=HEADER.format(what="The messages to translate (extracted)"),
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> bool:
    """Write `catalog` the one stable way; True when the file changed."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False)
    text = _without_dates(buffer.getvalue())
    if path.exists() and path.read_bytes() == text:
        return False
    _replace(path, text)
    return True


def _replace(path: Path, content: bytes) -> None:
    """Write `path` whole or not at all: a server or test reading it never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    os.replace(partial, path)


def _without_dates(text: bytes) -> bytes:
    """Drop the header's dates: they would change on every run and conflict on every merge."""
    return re.sub(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', b"", text, flags=re.M)


def read(path: Path, language: str | None = None) -> Catalog:
    """A .po or .pot file as a catalog."""
    with path.open("rb") as file:
        return read_po(file, locale=language)


def write_template(catalog: Catalog, path: Path = TEMPLATE) -> bool:
    """Write the pot; True when it changed."""
    return _write(catalog, path)


# Updating --------------------------------------------------------------------------------------


def update(language: str, template: Catalog, path: Path | None = None) -> bool:
    """Bring `language`'s catalog (at `path`) up to `template`, created when missing; True when
    it changed."""
    path = path or po_path(language)
    if path.exists():
        catalog = read(path, language)
    else:
        catalog = Catalog(
            locale=language,
            project=PROJECT,
            fuzzy=False,
            header_comment=HEADER.format(what=f"The {language} catalog"),
        )
    revived = {key: message for key, message in catalog.obsolete.items() if key in template}
    for key, message in revived.items():
        del catalog.obsolete[key]
        catalog[message.id] = message
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    return _write(catalog, path)


def translated(message: Message) -> bool:
    """True when every form of `message` has a translation that is not fuzzy."""
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(strings)


def missing(language: str, template: Catalog | None = None, path: Path | None = None) -> list[str]:
    """The msgids of `template` (the pot by default) without a translation in `language`."""
    template = template if template is not None else read(TEMPLATE)
    catalog = read(path or po_path(language), language)
    lacking = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if found is None or not translated(found):
            lacking.append(message.id if isinstance(message.id, str) else message.id[0])
    return lacking


# The pseudo-locale and compiling ---------------------------------------------------------------


def pseudo_catalog(template: Catalog) -> Catalog:
    """The en_XA catalog: every message of `template` pseudo-localised (English's plurals)."""
    catalog = Catalog(
        locale="en",
        project=PROJECT,
        fuzzy=False,
        header_comment=HEADER.format(what="Generated from messages.pot"),
    )
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            string: str | tuple[str, ...] = tuple(pseudo(form) for form in message.id)
        else:
            string = pseudo(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    return catalog


def write_mo_file(catalog: Catalog, path: Path) -> None:
    """Compile `catalog` to `path` (fuzzy translations left out, as gettext expects)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    _replace(path, buffer.getvalue())


def build(folder: Path = CATALOGS, template: Catalog | None = None) -> list[Path]:
    """Write en_XA from the pot (or `template`) and compile every catalog into `folder`."""
    template = template if template is not None else read(TEMPLATE)
    written = []
    for language in languages():
        target = folder / language / "LC_MESSAGES" / "messages.mo"
        write_mo_file(read(po_path(language), language), target)
        written.append(target)
    pseudo_po = folder / PSEUDO / "LC_MESSAGES" / "messages.po"
    catalog = pseudo_catalog(template)
    _write(catalog, pseudo_po)
    write_mo_file(catalog, pseudo_po.with_suffix(".mo"))
    written.append(pseudo_po.with_suffix(".mo"))
    return written


# Merging fragments -----------------------------------------------------------------------------


def merge(
    fragments: Iterable[Path], language: str = "uk", replace: bool = False, path: Path | None = None
) -> list[str]:
    """Put the translations of `fragments` (.po files, header optional) into `language`'s
    catalog. An msgid the catalog translates differently is a conflict: kept as it is and
    reported (unless `replace`). An msgid not extracted yet is kept, commented out, until the
    code that uses it is extracted. Returns the conflicts, one line each."""
    path = path or po_path(language)
    catalog = read(path, language)
    conflicts = []
    for fragment in fragments:
        for message in read(fragment, language):
            if not message.id or not translated(message):
                continue
            conflicts += _merge_one(catalog, message, fragment, replace)
    _write(catalog, path)
    return conflicts


def _merge_one(catalog: Catalog, message: Message, fragment: Path, replace: bool) -> list[str]:
    key = message.id if message.context is None else (message.id, message.context)
    current = catalog.get(message.id, message.context)
    if current is None:
        current = catalog.obsolete.get(key)
    if current is None:
        catalog.obsolete[key] = Message(message.id, message.string, context=message.context)
        return []
    if translated(current) and current.string != message.string and not replace:
        name = message.id if isinstance(message.id, str) else message.id[0]
        return [
            f"{fragment}: {name!r}: the catalog has {current.string!r}, "
            f"the fragment {message.string!r}"
        ]
    current.string = message.string
    current.flags.discard("fuzzy")
    return []


# The command line ------------------------------------------------------------------------------


def run_all() -> None:
    """Extract, update every language, write en_XA and compile: `make translations`."""
    template = extract()
    print(
        f"messages.pot: {len(template)} messages"
        + (" (changed)" if write_template(template) else "")
    )
    for language in languages():
        changed = update(language, template)
        print(
            f"{language}: {len(missing(language, template))} without a translation"
            + (" (changed)" if changed else "")
        )
    build(template=template)
    print("compiled: " + ", ".join([*languages(), PSEUDO]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.translations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("all", help="extract, update, pseudo, compile (the default)")
    commands.add_parser("build", help="en_XA and the compiled catalogs only")
    merging = commands.add_parser("merge", help="put translated fragments into a catalog")
    merging.add_argument("fragments", nargs="+", type=Path)
    merging.add_argument("--language", default="uk")
    merging.add_argument(
        "--replace",
        action="store_true",
        help="take the fragment's translation where the catalog has another",
    )
    checking = commands.add_parser("check", help="list the messages a language lacks")
    checking.add_argument("language", nargs="?", default="uk")
    starting = commands.add_parser("init", help="start a new language's catalog")
    starting.add_argument("language")
    return parser


def main(argv: list[str]) -> int:
    """The commands in the module's doc."""
    args = _parser().parse_args(argv)
    if args.command in (None, "all"):
        run_all()
    elif args.command == "build":
        build()
    elif args.command == "merge":
        conflicts = merge(args.fragments, args.language, replace=args.replace)
        for line in conflicts:
            print("conflict: " + line, file=sys.stderr)
        print(
            f"{args.language}: {len(missing(args.language))} without a translation"
            + (f", {len(conflicts)} conflict(s) left as they were" if conflicts else "")
        )
        return 1 if conflicts else 0
    elif args.command == "check":
        lacking = missing(args.language)
        for msgid in lacking:
            print(msgid)
        print(f"{args.language}: {len(lacking)} without a translation", file=sys.stderr)
        return 1 if lacking else 0
    elif args.command == "init":
        (CATALOGS / args.language / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        run_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
