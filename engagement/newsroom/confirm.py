"""Confirmation pages for actions that cannot be taken back: a GET shows what will happen and
to how many, the page's button POSTs it. Works without JavaScript; features call `confirm()`."""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template


def confirm(
    title: str,
    consequences: Iterable[str],
    action: str,
    button: str,
    cancel: str,
    fields: Iterable[tuple[str, str]] = (),
    danger: bool = True,
) -> str:
    """The confirmation page: a heading, what will happen, and a form posting `fields`."""
    return render_template(
        "newsroom/confirm.html",
        title=title,
        consequences=list(consequences),
        action=action,
        button=button,
        cancel=cancel,
        fields=list(fields),
        danger=danger,
    )
