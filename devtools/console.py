"""What `make run` and the install step print: one line per step with a spinner (dots when the
output is not a terminal), and children's output held back until they are ready.

Standard library only: the install step runs it before the virtual environment exists.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_WRITE = threading.Lock()
FRAMES = "|/-\\"


def verbose() -> bool:
    """True when VERBOSE asks for every log line of every tool (VERBOSE=1)."""
    return os.environ.get("VERBOSE", "").strip().lower() not in ("", "0", "false", "no")


def say(text: str = "") -> None:
    """Print one line, whole, even while other threads print."""
    with _WRITE:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


class StepFailed(Exception):
    """A step failed; `output` is what its tools printed, shown to explain why."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


class _Ticker(threading.Thread):
    def __init__(self, label: str):
        super().__init__(daemon=True)
        self.label, self.done = label, threading.Event()
        self.tty = sys.stdout.isatty()

    def run(self) -> None:
        frame = 0
        while not self.done.wait(0.15 if self.tty else 2.0):
            with _WRITE:
                if self.tty:
                    sys.stdout.write(f"\r{self.label} {FRAMES[frame % len(FRAMES)]}")
                else:
                    sys.stdout.write(".")
                sys.stdout.flush()
            frame += 1


@contextmanager
def step(label: str) -> Iterator[None]:
    """Show `label` with a spinner while the block runs, then "done (N s)" or "failed"."""
    started = time.monotonic()
    if verbose():
        say(f"==> {label}")
        yield
        return
    with _WRITE:
        sys.stdout.write(f"{label} ")
        sys.stdout.flush()
    ticker = _Ticker(label)
    ticker.start()
    outcome = "failed"
    try:
        yield
        outcome = f"done ({time.monotonic() - started:.0f} s)"
    finally:
        ticker.done.set()
        ticker.join()
        prefix = f"\r{label} " if ticker.tty else " "
        say(f"{prefix}{outcome}")


def run_quietly(command: list[str], stdout_only: bool = False, **kwargs) -> str:
    """Run a command to the end and return its output (only its standard output with
    `stdout_only`); raise StepFailed with the output when it fails. With VERBOSE=1 the tool
    prints straight to the terminal as it goes."""
    if verbose():
        capture = subprocess.PIPE if stdout_only else None
        result = subprocess.run(command, stdout=capture, text=True, errors="replace", **kwargs)
        output = result.stdout or ""
        if output:
            say(output.rstrip("\n"))
    else:
        separate = subprocess.PIPE if stdout_only else subprocess.STDOUT
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=separate, text=True, errors="replace", **kwargs
        )
        output = result.stdout + (result.stderr or "")
    if result.returncode != 0:
        raise StepFailed(f"`{' '.join(command[-3:])}` exited with {result.returncode}", output)
    return result.stdout or ""


def tail(output: str, lines: int = 60) -> str:
    """The last lines of a tool's output, indented, to show under an error."""
    kept = output.rstrip("\n").splitlines()[-lines:]
    return "\n".join("    " + line for line in kept)


class Relay:
    """A child's output: held back until a line containing `marker` shows it is ready, then
    passed on once `gate` opens (after the banner). With VERBOSE=1 everything passes at once."""

    def __init__(self, name: str, process: subprocess.Popen, marker: str, gate: threading.Event):
        self.name, self.process, self.marker, self.gate = name, process, marker, gate
        self.held: collections.deque[str] = collections.deque(maxlen=200)
        self.ready = threading.Event()
        self.passing = verbose()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            if self.passing:
                if self.marker in line:
                    self.ready.set()
                say(line.rstrip("\n"))
                continue
            if not self.ready.is_set():
                self.held.append(line.rstrip("\n"))
                if self.marker in line:
                    self.ready.set()
                continue
            self.gate.wait()
            say(line.rstrip("\n"))

    def held_output(self) -> str:
        """What the child printed before it was ready (shown when start-up fails)."""
        return "\n".join(self.held)

    def finish(self, timeout: float = 2.0) -> None:
        """Wait a moment for the last lines after the child exited."""
        self._thread.join(timeout)
