"""Derive the key shapes of the Stripe resources the emulator serves from Stripe's fixtures3.json.

Usage: python devtools/make_stripe_shapes.py FIXTURES_PATH [OUTPUT_PATH]
(OUTPUT_PATH defaults to tests/stripe_shapes.json next to this repository's devtools/).
"""

import json
import sys
from pathlib import Path

# Stripe resource names (keys of fixtures3.json "resources") the emulator produces.
RESOURCES = [
    "product",
    "price",
    "plan",
    "customer",
    "checkout.session",
    "item",
    "billing_portal.session",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "payment_intent",
    "charge",
    "refund",
    "event",
]


def shape_of(value):
    """Return the shape of a JSON value: dict of shapes, [first element shape], or a type name."""
    if isinstance(value, dict):
        return {k: shape_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape_of(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


def derive(resources):
    """Return {"resources": {name: shape}} for RESOURCES plus the generic list object."""
    shapes = {name: shape_of(resources[name]) for name in RESOURCES}
    # Stripe has no standalone example of a list; its envelope is the subscription's `items`.
    envelope = dict(resources["subscription"]["items"])
    envelope["data"] = []
    shapes["list"] = shape_of(envelope)
    return {"resources": shapes}


def main(argv):
    """Read FIXTURES_PATH and write the shapes JSON."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        resources = json.load(f)["resources"]
    default_out = Path(__file__).resolve().parent.parent / "tests" / "stripe_shapes.json"
    out = Path(argv[2]) if len(argv) > 2 else default_out
    out.write_text(json.dumps(derive(resources), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
