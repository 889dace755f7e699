"""The Makefile's install step: create the virtual environment and install the project into it,
printing one line per step instead of pip's log (VERBOSE=1 shows pip's log).

    python3 -m devtools.install .venv
"""

from __future__ import annotations

import sys
from pathlib import Path

from devtools.console import StepFailed, run_quietly, say, step, tail

ROOT = Path(__file__).resolve().parent.parent


def install(venv: Path) -> None:
    """Create `venv` when it is missing, then install pip's latest and the project with its dev
    extras (editable)."""
    python = venv.resolve() / "bin" / "python"
    if not python.exists():
        with step(f"Creating the virtual environment {venv}"):
            run_quietly([sys.executable, "-m", "venv", str(venv)], cwd=ROOT)
    with step(f"Installing engagement and its dependencies into {venv} (a minute the first time)"):
        run_quietly([str(python), "-m", "pip", "install", "--upgrade", "pip"], cwd=ROOT)
        run_quietly([str(python), "-m", "pip", "install", "-e", ".[dev]"], cwd=ROOT)


def main(argv: list[str]) -> int:
    """Install into the folder named on the command line; 1 with pip's output when it fails."""
    venv = Path(argv[1] if len(argv) > 1 else ".venv")
    try:
        install(venv)
    except StepFailed as exc:
        say(f"Installing failed: {exc}\n{tail(exc.output)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
