"""Start-up safety: loopback only, never in production, and the CLI."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools.stripe_emulator import EmulatorRefused, check_host, start_emulator

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_cli(env_value, *args):
    env = {k: v for k, v in os.environ.items() if k != "ENGAGEMENT_ENV"}
    if env_value is not None:
        env["ENGAGEMENT_ENV"] = env_value
    return subprocess.Popen(
        [sys.executable, "-m", "devtools.stripe_emulator", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("value", [None, "production", "staging"])
def test_cli_refuses_outside_development(value):
    proc = _run_cli(value, "--port", str(_free_port()))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "refuses to start" in err and "ENGAGEMENT_ENV" in err


def test_cli_refuses_non_loopback_host():
    proc = _run_cli("development", "--port", str(_free_port()), "--host", "0.0.0.0")
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "loopback" in err


def test_cli_serves_in_development():
    port = _free_port()
    proc = _run_cli("development", "--port", str(port))
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/state") as r:
                    assert json.loads(r.read())["counts"] == {}
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("emulator did not start")
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_in_process_start_refuses_production(monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_ENV", "production")
    with pytest.raises(EmulatorRefused):
        start_emulator(port=0)
    monkeypatch.delenv("ENGAGEMENT_ENV")
    with pytest.raises(EmulatorRefused):
        start_emulator(port=0)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "example.com", "::"])
def test_check_host_refuses(host):
    with pytest.raises(EmulatorRefused):
        check_host(host)


def test_check_host_accepts_loopback():
    assert check_host("127.0.0.1") == "127.0.0.1" and check_host("localhost") == "127.0.0.1"
