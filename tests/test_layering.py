"""How the features are wired: newsroom pages on guarded blueprints, and the import rules of
docs/development.md, read from the source with `ast`."""

from __future__ import annotations

from engagement.blueprints import NEWSROOM_PREFIX, require_editor
from tests.support.imports import (
    TESTS_DIR,
    all_imports,
    cycles,
    feature_graph,
    import_graph,
    is_demo,
    suite_files,
)

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
