"""A port `make run` needs is taken: it says which, names the variable that moves it, and
starts nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("taken", ["PORT", "DEV_SMTP_PORT", "DEV_STRIPE_PORT"])
def test_a_taken_port_is_named_with_its_variable_and_nothing_starts(taken, tmp_path):
    ports = {"PORT": free_port(), "DEV_SMTP_PORT": free_port(), "DEV_STRIPE_PORT": free_port()}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite",
    }
    env.pop("ENGAGEMENT_ENV", None)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[taken]))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "-m", "devtools.run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {ports[taken]}" in result.stdout and f"make run {taken}=" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    others = [port for name, port in ports.items() if name != taken]
    assert not any(_listening(port) for port in others)
    assert "Starting" not in result.stdout and not (tmp_path / "run.sqlite").exists()


def test_a_port_that_is_not_a_number_is_named(tmp_path):
    env = {**os.environ, "DEV_STRIPE_PORT": "twelve"}
    result = subprocess.run(
        [sys.executable, "-m", "devtools.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DEV_STRIPE_PORT='twelve' is not a port number" in result.stdout
