"""mypy against a baseline: the errors listed in .mypy-baseline.txt are known; a new one fails.

`python -m devtools.mypy_baseline` checks; `--update` rewrites the baseline (after fixing some,
or when a change is accepted). Line numbers are left out, so moving code keeps its entries.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".mypy-baseline.txt"
ERROR_LINE = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def current_errors() -> list[str]:
    """mypy's errors as 'path: message [code]', without line numbers."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context", "--no-pretty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        sys.exit(result.stdout + result.stderr)
    found = []
    for line in result.stdout.splitlines():
        match = ERROR_LINE.match(line)
        if match:
            found.append(f"{match['path']}: {match['message']}")
    return sorted(found)


def main(argv: list[str]) -> int:
    """Compare with the baseline (or rewrite it with --update); 1 when there are new errors."""
    errors = current_errors()
    if "--update" in argv:
        BASELINE.write_text("".join(f"{line}\n" for line in errors), encoding="utf-8")
        print(f"mypy baseline: {len(errors)} known errors written to {BASELINE.name}")
        return 0
    known = (
        Counter(BASELINE.read_text(encoding="utf-8").splitlines())
        if BASELINE.exists()
        else Counter()
    )
    new = Counter(errors) - known
    fixed = sum((known - Counter(errors)).values())
    for line in sorted(new.elements()):
        print(f"new: {line}")
    if fixed:
        print(f"mypy baseline: {fixed} known errors are gone; run with --update to drop them")
    print(f"mypy: {sum(new.values())} new errors, {len(errors)} in all")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
