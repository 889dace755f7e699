"""Rows read back for assertions, detached from the session so a test can look at them freely."""

from __future__ import annotations

from sqlalchemy import select

from engagement.extensions import db


def stored(app, model, **filters) -> list:
    """Rows of `model` in id order, each filter an equality on a column; detached."""
    with app.app_context():
        query = select(model).order_by(model.id)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows
