"""How the features are wired: newsroom pages on guarded blueprints, the import rules of
docs/development.md read from the source with `ast`, and where templates live."""

from __future__ import annotations

from engagement.accounts.account import sections_of
from engagement.blueprints import NEWSROOM_PREFIX, require_editor
from engagement.membership.account_pages import notes_of
from engagement.newsroom.registry import registry_of
from tests.support.imports import (
    TESTS_DIR,
    all_imports,
    cycles,
    feature_graph,
    feature_of,
    import_graph,
    is_demo,
    suite_files,
)
from tests.support.templates import (
    is_newsroom_template,
    references,
    route_sides,
    source,
    template_literals,
    template_names,
)

# Pages shown only in development and tests (the widget's demo article); any feature may use it.
DEMO_TEMPLATES = "demo/"
NEWSROOM_LAYOUT = "newsroom/layout.html"

# The factory registers the `flask demo` command group; nothing else may reach demo code.
DEMO_WIRING = {"engagement"}


def test_every_newsroom_page_is_on_a_blueprint_that_requires_an_editor(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(NEWSROOM_PREFIX + "/"):
            continue
        blueprint = rule.endpoint.rpartition(".")[0]
        if require_editor not in app.before_request_funcs.get(blueprint, []):
            unguarded.append(rule.endpoint)
    assert unguarded == []


def test_the_newsroom_sign_in_page_opens_to_anyone(client):
    response = client.get("/newsroom/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_accounts_imports_no_other_feature():
    others = feature_graph()["accounts"]
    assert others == set(), f"engagement.accounts imports {sorted(others)}"


def test_only_demo_code_imports_demo_code():
    offenders = sorted(
        f"{module} -> {target}"
        for module, imports in import_graph().items()
        if not is_demo(module) and module not in DEMO_WIRING
        for target in imports
        if is_demo(target)
    )
    assert offenders == []


def test_no_feature_imports_a_feature_that_imports_it_back():
    assert cycles(feature_graph()) == []


def test_tests_never_import_the_benchmarks():
    # bench/ is measured and tuned on its own; what a test needs lives in tests/support/.
    offenders = sorted(
        f"{path.relative_to(TESTS_DIR)} -> {name}"
        for path in suite_files()
        for name in all_imports(path)
        if name == "bench" or name.startswith("bench.")
    )
    assert offenders == []


def test_the_graph_reader_sees_imports_inside_functions():
    # The factory imports the demo command group inside register_commands().
    assert "engagement.demo.cli" in import_graph()["engagement"]


def test_the_cycle_finder_finds_a_cycle_of_three():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_newsroom_modules_name_newsroom_templates_and_readers_modules_do_not():
    literals = template_literals()
    misplaced = sorted(
        f"{module}: {name}"
        for module, sides in route_sides().items()
        if len(sides) == 1
        for name in literals.get(module, ())
        if is_newsroom_template(name) != (sides == {"newsroom"})
    )
    assert misplaced == []


def test_a_feature_names_only_its_own_templates():
    foreign = sorted(
        f"{module}: {name}"
        for module, names in template_literals().items()
        if (feature := feature_of(module))
        for name in names
        if not name.startswith((f"{feature}/", DEMO_TEMPLATES))
    )
    assert foreign == []


def test_pages_on_the_newsroom_layout_live_in_newsroom_folders_and_readers_pages_do_not():
    misplaced = []
    for name in template_names():
        text = source(name)
        if f'{{% extends "{NEWSROOM_LAYOUT}" %}}' in text and not is_newsroom_template(name):
            misplaced.append(name)
        # The newsroom's layout itself sits on the site's base.
        on_base = '{% extends "base.html" %}' in text and name != NEWSROOM_LAYOUT
        if on_base and is_newsroom_template(name):
            misplaced.append(name)
    assert misplaced == []


def test_templates_use_only_their_own_features_templates_and_the_shared_ones():
    # Shared: the top-level templates (base.html, macros.html, ...) and the newsroom's layout.
    foreign = sorted(
        f"{name} -> {used}"
        for name in template_names()
        if "/" in name
        for used in references(name)
        if "/" in used and used != NEWSROOM_LAYOUT and used.split("/")[0] != name.split("/")[0]
    )
    assert foreign == []


def test_registered_templates_exist_on_their_side(app):
    known = set(template_names())
    panels = [panel.template for panel in registry_of(app).panels.values()]
    readers = [s.template for s in sections_of(app)] + list(notes_of(app).values())
    assert panels and readers
    assert [t for t in panels + readers if t not in known] == []
    assert [t for t in panels if not is_newsroom_template(t)] == []
    assert [t for t in readers if is_newsroom_template(t)] == []
