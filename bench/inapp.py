"""Run a setup function inside the app (its own process, the scenario's settings and database).

    python -m bench.inapp bench.scenarios_membership:prepare '[200]'

The function runs in an application context of `create_app()` and returns something JSON can
carry; this prints it as the last line of stdout, where `Context.in_app` reads it.
"""

from __future__ import annotations

import importlib
import json
import sys


def main() -> None:
    """Import the named function, call it with the JSON arguments in an app context."""
    target, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "[]"
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    from engagement import create_app

    app = create_app()
    with app.app_context():
        result = function(*json.loads(raw))
    sys.stdout.write("\nINAPP " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
