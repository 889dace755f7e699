"""Run the suite on a chosen clock, to prove it passes at any hour.

`TEST_CLOCK=2026-12-01T07:59:00+00:00 make test` moves the wall clock of the test process to
that moment, ticking on from there (time-machine: `datetime.now`, `time.time` and friends; the
monotonic clock, sleeps and timeouts stay real). The Python processes the tests start (a
`flask worker`, gunicorn) get the same offset when started through `python_command(...)`, so
every process agrees on the time.

`python -m tests.clock ARGS...` is that wrapper: it moves its clock by `TEST_CLOCK_OFFSET`
seconds and then runs `python ARGS...` in the same interpreter.
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from datetime import datetime

import time_machine

CLOCK_VARIABLE = "TEST_CLOCK"
OFFSET_VARIABLE = "TEST_CLOCK_OFFSET"


def start_from_environment():
    """Travel to TEST_CLOCK when it is set; return the traveller (stop it at the end) or None."""
    target = os.environ.get(CLOCK_VARIABLE)
    if not target:
        os.environ.pop(OFFSET_VARIABLE, None)
        return None
    moment = datetime.fromisoformat(target)
    if moment.tzinfo is None:
        raise ValueError(f"{CLOCK_VARIABLE}={target!r} needs a UTC offset, e.g. +00:00")
    os.environ[OFFSET_VARIABLE] = repr(moment.timestamp() - time.time())
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    return traveller


def python_command(*args: str) -> list[str]:
    """The command line for `python ARGS...`, on the tests' clock when one is set."""
    if os.environ.get(OFFSET_VARIABLE):
        return [sys.executable, "-m", "tests.clock", *args]
    return [sys.executable, *args]


def _run_as_python(args: list[str]) -> None:
    if args[:1] == ["-m"]:
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(args)
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    offset = float(os.environ[OFFSET_VARIABLE])
    time_machine.travel(time.time() + offset, tick=True).start()
    _run_as_python(sys.argv[1:])
