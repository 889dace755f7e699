"""The catalogs: Ukrainian covers every message the code has, and devtools/translations.py
(pseudo-localising, updating, merging fragments) does what docs/translating.md says."""

from __future__ import annotations

import gettext

from babel.messages.catalog import Catalog

from devtools import translations
from devtools.translations import pseudo


def test_the_ukrainian_catalog_translates_every_message_of_the_code():
    """Extracted afresh from the working tree: a string wrapped but not translated fails."""
    lacking = translations.missing("uk", template=translations.extract())
    assert lacking == [], (
        f"{len(lacking)} message(s) without a Ukrainian translation (docs/translating.md):\n  "
        + "\n  ".join(lacking[:200])
    )


def test_the_pseudo_locale_accents_every_letter_and_keeps_placeholders_and_markup():
    text = pseudo('%(count)s votes for <a href="/topics">{title}</a> &amp; 100%% sure')
    assert text == '[%(count)s ṽöţéš ƒöŕ <a href="/topics">{title}</a> &amp; 100%% šûŕé]'
    assert not any("a" <= ch.lower() <= "z" for ch in pseudo("Support the Independent Ledger"))


def _template(*messages) -> Catalog:
    catalog = Catalog(fuzzy=False)
    for message in messages:
        catalog.add(message)
    return catalog


def test_updating_keeps_translations_and_brings_back_a_message_that_returns(tmp_path):
    po = tmp_path / "messages.po"
    translations.update("uk", _template("Vote", "Topics"), path=po)
    assert translations.merge([_fragment(tmp_path, "Vote", "Голосувати")], path=po) == []
    before = po.read_bytes()
    assert translations.update("uk", _template("Vote", "Topics"), path=po) is False
    assert po.read_bytes() == before  # a second run writes the same bytes

    translations.update("uk", _template("Topics"), path=po)  # "Vote" left the code ...
    assert translations.read(po, "uk").get("Vote") is None
    translations.update("uk", _template("Vote", "Topics"), path=po)  # ... and came back
    assert translations.read(po, "uk").get("Vote").string == "Голосувати"
    assert translations.missing("uk", _template("Vote", "Topics"), path=po) == ["Topics"]


def _fragment(folder, msgid, msgstr, name="feature.po"):
    path = folder / name
    path.write_text(f'msgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8")
    return path


def test_merging_reports_a_conflict_and_keeps_the_catalog_translation(tmp_path):
    po = tmp_path / "messages.po"
    translations.update("uk", _template("Topics"), path=po)
    translations.merge([_fragment(tmp_path, "Topics", "Теми", "voting.po")], path=po)
    other = _fragment(tmp_path, "Topics", "Питання", "corrections.po")

    conflicts = translations.merge([other], path=po)

    assert len(conflicts) == 1 and "corrections.po" in conflicts[0] and "Питання" in conflicts[0]
    assert translations.read(po, "uk").get("Topics").string == "Теми"
    assert translations.merge([other], path=po, replace=True) == []
    assert translations.read(po, "uk").get("Topics").string == "Питання"


def test_a_fragment_ahead_of_the_code_waits_for_its_message(tmp_path):
    po = tmp_path / "messages.po"
    translations.update("uk", _template("Topics"), path=po)
    translations.merge([_fragment(tmp_path, "Suggest a topic", "Запропонувати тему")], path=po)
    translations.update("uk", _template("Topics", "Suggest a topic"), path=po)
    assert translations.read(po, "uk").get("Suggest a topic").string == "Запропонувати тему"


def test_ukrainian_plurals_compile_to_the_three_forms(tmp_path):
    po = tmp_path / "uk" / "LC_MESSAGES" / "messages.po"
    template = Catalog(fuzzy=False)
    template.add(("%(num)s vote", "%(num)s votes"))
    translations.update("uk", template, path=po)
    fragment = tmp_path / "votes.po"
    fragment.write_text(
        'msgid "%(num)s vote"\nmsgid_plural "%(num)s votes"\n'
        'msgstr[0] "%(num)s голос"\nmsgstr[1] "%(num)s голоси"\nmsgstr[2] "%(num)s голосів"\n',
        encoding="utf-8",
    )
    assert translations.merge([fragment], path=po) == []
    translations.write_mo_file(translations.read(po, "uk"), po.with_suffix(".mo"))
    with po.with_suffix(".mo").open("rb") as file:
        catalog = gettext.GNUTranslations(file)
    forms = {
        n: catalog.ngettext("%(num)s vote", "%(num)s votes", n) % {"num": n}
        for n in (1, 2, 5, 11, 21, 22, 25)
    }
    assert forms == {
        1: "1 голос",
        2: "2 голоси",
        5: "5 голосів",
        11: "11 голосів",
        21: "21 голос",
        22: "22 голоси",
        25: "25 голосів",
    }
