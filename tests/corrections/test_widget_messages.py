"""The widget's words come from the catalogs: one JSON per language at a versioned URL, cached for
good; the served script names the version and carries English only."""

from __future__ import annotations

import gzip
import re

from engagement.corrections.widget_messages import widget_msgids


def _version(client) -> str:
    script = client.get("/widget.js").get_data(as_text=True)
    match = re.search(r'var CATALOG = "([0-9a-f]{12})";', script)
    assert match, "widget.js names no catalog version"
    return match.group(1)


def test_the_script_names_its_catalogs_version_and_holds_no_translation(client):
    script = client.get("/widget.js").get_data(as_text=True)
    _version(client)
    assert "__CATALOG_VERSION__" not in script
    assert "Запропонувати" not in script and "Suggest a correction" in script
    assert len(gzip.compress(script.encode())) < 8 * 1024


def test_ukrainian_messages_at_the_versioned_url_are_cached_for_good(client):
    version = _version(client)
    response = client.get(f"/widget/messages/{version}/uk.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    messages = response.get_json()
    assert messages["Suggest a correction"] == "Запропонувати виправлення"
    assert messages["Send"] == "Надіслати"
    assert set(messages) == set(widget_msgids())  # every message of the widget, translated
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_a_region_tag_gets_its_language_and_english_needs_nothing(client):
    version = _version(client)
    assert client.get(f"/widget/messages/{version}/uk-UA.json").get_json()["Send"] == "Надіслати"
    assert client.get(f"/widget/messages/{version}/en.json").get_json() == {}
    assert client.get(f"/widget/messages/{version}/de.json").get_json() == {}  # the default


def test_an_old_version_gets_the_current_messages_briefly(client):
    response = client.get("/widget/messages/000000000000/uk.json")
    assert response.get_json()["Send"] == "Надіслати"
    assert "max-age=300" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]


def test_the_pseudo_locale_has_the_widget_too(client):
    messages = client.get(f"/widget/messages/{_version(client)}/en-XA.json").get_json()
    assert messages["Send"] == "[Šéñð]"
    assert messages["Found a mistake? Select the text and tap “Suggest a correction”."] == (
        "[Ƒöûñð á ɱîšţáķé? Šéļéçţ ţĥé ţéẋţ áñð ţáþ “Šûĝĝéšţ á çöŕŕéçţîöñ”.]"
    )


def test_the_version_follows_the_translations(app_config, tmp_path):
    """Another catalog gives another version, so a cached JSON is never stale."""
    import shutil

    from devtools import translations
    from engagement import create_app

    first = create_app(app_config).test_client()
    changed = tmp_path / "changed"
    shutil.copytree(app_config["BABEL_TRANSLATION_DIRECTORIES"], changed)
    po = translations.po_path("uk")
    catalog = translations.read(po, "uk")
    catalog.get("Send").string = "Відправити"
    translations.write_mo_file(catalog, changed / "uk" / "LC_MESSAGES" / "messages.mo")
    second = create_app({**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(changed)})
    client = second.test_client()
    assert _version(client) != _version(first)
    assert (
        client.get(f"/widget/messages/{_version(client)}/uk.json").get_json()["Send"]
        == "Відправити"
    )
