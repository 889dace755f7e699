"""The bare-Flask baseline: a GET that returns a word and a POST that validates JSON and inserts
one row, on the same database engine and gunicorn settings as the app under test."""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    exc,
    func,
)

DATABASE_URL = os.environ.get("BASELINE_DATABASE_URL", "sqlite:///bench-baseline.sqlite")

metadata = MetaData()
rows = Table(
    "baseline_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("exact", String(2000), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
)

engine = create_engine(DATABASE_URL, pool_pre_ping=True)
if engine.dialect.name == "sqlite":
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


try:
    metadata.create_all(engine)
except exc.DBAPIError:
    # Each gunicorn worker imports this module: another one created the table first.
    engine.dispose()
app = Flask(__name__)


@app.get("/word")
def word():
    """Return one word."""
    return "hello"


@app.post("/insert")
def insert():
    """Validate a small JSON body and insert one row."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        return jsonify(error="url required"), 422
    quote = body.get("quote") or {}
    exact = quote.get("exact") if isinstance(quote, dict) else None
    if not isinstance(exact, str) or not exact:
        return jsonify(error="quote.exact required"), 422
    with engine.begin() as conn:
        inserted = conn.execute(rows.insert().values(url=body["url"], exact=exact))
        new_id = inserted.inserted_primary_key[0]
    return jsonify(id=new_id), 201
