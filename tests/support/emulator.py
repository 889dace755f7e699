"""The Stripe emulator's /_emulator controls over real HTTP, for every test folder."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def call(emu, path: str, body: dict | None = None, method: str | None = None):
    """Call a /_emulator control endpoint; return (status, decoded JSON)."""
    data = None if body is None and method == "GET" else json.dumps(body or {}).encode()
    request = urllib.request.Request(
        f"{emu.url}/_emulator/{path}",
        data=data,
        headers={"Content-Type": "application/json"},
        method=method or ("POST" if data is not None else "GET"),
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def control(emu, path: str, body: dict | None = None) -> dict:
    """POST JSON to a /_emulator control and return its JSON; fails on an error status."""
    status, answer = call(emu, path, body)
    assert status < 400, f"/_emulator/{path} answered {status}: {answer}"
    return answer
