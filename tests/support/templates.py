"""The templates and where the code names them, read from the files (nothing is rendered)."""

from __future__ import annotations

import ast
import re

from tests.support.imports import PACKAGE_DIR, module_name

TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"
# `{% extends "x" %}`, `{% include "x" %}`, `{% import "x" as m %}`, `{% from "x" import m %}`
# with a literal name (a name from a variable, e.g. a registered panel, is not read here).
REFERENCE = re.compile(r"{%-?\s*(?:extends|include|import|from)\s+[\"']([^\"']+)[\"']")
TEMPLATE_NAME = re.compile(r"^[\w/.-]+\.html$")
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "route"}


def template_names() -> list[str]:
    """Every page template's name, as `render_template` takes it."""
    return sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))


def source(name: str) -> str:
    """The template's text."""
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def references(name: str) -> list[str]:
    """The templates `name` extends, includes or imports by a literal name."""
    return REFERENCE.findall(source(name))


def is_newsroom_template(name: str) -> bool:
    """`newsroom/...` (the shell) or `<feature>/newsroom/...`."""
    return name.startswith("newsroom/") or "/newsroom/" in name


def template_literals() -> dict[str, set[str]]:
    """module -> the template names written in it as plain strings."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        names = {
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and TEMPLATE_NAME.match(node.value)
        }
        if names:
            found[module_name(path)] = names
    return found


def _route_blueprint(function: ast.FunctionDef) -> str | None:
    """`newsroom` or `public` (or `bp`) when the function is a view on that blueprint."""
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (
            isinstance(call, ast.Attribute)
            and call.attr in ROUTE_METHODS
            and isinstance(call.value, ast.Name)
        ):
            return call.value.id
    return None


def route_sides() -> dict[str, set[str]]:
    """module -> the sides its views are on: "newsroom" (a newsroom blueprint, or the shell's
    `bp`) and/or "public"."""
    sides: dict[str, set[str]] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        module = module_name(path)
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, ast.FunctionDef):
                blueprint = _route_blueprint(function)
                if blueprint is not None:
                    newsroom = blueprint == "newsroom" or (
                        blueprint == "bp" and module.startswith("engagement.newsroom.")
                    )
                    sides.setdefault(module, set()).add("newsroom" if newsroom else "public")
    return sides


def rendered_by_views() -> list[tuple[str, str, str]]:
    """(module, blueprint variable, template) for each `render_template("...")` in a view."""
    found = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef):
                continue
            blueprint = _route_blueprint(function)
            if blueprint is None:
                continue
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "render_template"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    found.append((module_name(path), blueprint, call.args[0].value))
    return found
