"""In-memory state of the Stripe emulator: objects, events, clock, idempotency cache."""

import copy
import secrets
import string
import threading
import time

API_VERSION = "2026-10-28.endive"
_ALPHABET = string.ascii_letters + string.digits


class StripeError(Exception):
    """An error returned to API clients in Stripe's error shape."""

    def __init__(self, message, param=None, code=None, status=400, type_="invalid_request_error"):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code
        self.status, self.type = status, type_

    def body(self):
        """Return Stripe's JSON error body."""
        err = {"type": self.type, "message": self.message}
        if self.param:
            err["param"] = self.param
        if self.code:
            err["code"] = self.code
        return {"error": err}


def new_id(prefix, length=24):
    """Return a Stripe-like random id such as cus_Qx3..."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def not_found(kind, obj_id, param="id"):
    """Return Stripe's 'No such X' error."""
    message = f"No such {kind}: '{obj_id}'"
    return StripeError(message, param=param, code="resource_missing", status=404)


class Store:
    """All emulator state behind one re-entrant lock."""

    def __init__(self, on_event=None):
        self.lock = threading.RLock()
        self.on_event = on_event
        self.failures_before_cancel = 3
        self.reset()

    def reset(self):
        """Forget every object, event and the clock offset."""
        with self.lock:
            self.objects = {}
            self.by_kind = {}
            self.idempotency = {}
            self.line_items = {}
            self.checkout_extra = {}
            self.deleted = set()
            self.failures = {}
            self.clock_offset = 0

    def now(self):
        """Return the emulator's unix time (real time plus the clock offset)."""
        return int(time.time()) + self.clock_offset

    def advance_clock_to(self, ts):
        """Move the clock forward so that now() >= ts."""
        if ts > self.now():
            self.clock_offset += ts - self.now()

    def add(self, obj):
        """Store a new object (keyed by its id) and return it."""
        with self.lock:
            self.objects[obj["id"]] = obj
            self.by_kind.setdefault(obj["object"], []).append(obj["id"])
            return obj

    def get(self, kind, obj_id, param="id"):
        """Return the stored object of this kind or raise Stripe's 404."""
        obj = self.objects.get(obj_id) if isinstance(obj_id, str) else None
        if obj is None or obj["object"] != kind:
            raise not_found(kind.split(".")[-1], obj_id, param)
        return obj

    def all(self, kind):
        """Return the objects of a kind, newest first (Stripe's list order)."""
        return [self.objects[i] for i in reversed(self.by_kind.get(kind, []))]

    def emit(self, type_, obj, previous_attributes=None, request=None):
        """Record an event with a snapshot of obj and hand it to the webhook sender."""
        with self.lock:
            data = {"object": copy.deepcopy(obj)}
            if previous_attributes is not None:
                data["previous_attributes"] = copy.deepcopy(previous_attributes)
            event = {
                "api_version": API_VERSION,
                "created": self.now(),
                "data": data,
                "id": new_id("evt_"),
                "livemode": False,
                "object": "event",
                "pending_webhooks": 1 if self.on_event else 0,
                "request": request or {"id": None, "idempotency_key": None},
                "type": type_,
            }
            self.add(event)
            if self.on_event:
                self.on_event(event)
            return event

    def counts(self):
        """Return {object kind: [ids oldest first]}."""
        with self.lock:
            return {kind: list(ids) for kind, ids in self.by_kind.items()}


def list_object(items, url, params):
    """Paginate items (newest first) with limit/starting_after/ending_before into a list object."""
    try:
        limit = max(1, min(100, int(params.get("limit", 10))))
    except (TypeError, ValueError):
        raise StripeError("Invalid integer: limit", param="limit") from None
    ids = [o["id"] for o in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        if after not in ids:
            raise not_found("object", after, "starting_after")
        page = items[ids.index(after) + 1 :][:limit]
        has_more = ids.index(after) + 1 + limit < len(items)
    elif before:
        if before not in ids:
            raise not_found("object", before, "ending_before")
        start = max(0, ids.index(before) - limit)
        page = items[start : ids.index(before)]
        has_more = start > 0
    else:
        page, has_more = items[:limit], len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def expand(store, obj, paths):
    """Return a deep copy of obj with the dotted expand paths replaced by full objects."""
    out = copy.deepcopy(obj)
    for path in paths or []:
        _expand_path(store, out, path.split("."))
    return out


def _expand_path(store, node, parts):
    if not parts or not isinstance(node, dict):
        return
    key, rest = parts[0], parts[1:]
    if key == "data" and node.get("object") == "list":
        for item in node["data"]:
            _expand_path(store, item, rest)
        return
    if key == "line_items" and node.get("object") == "checkout.session" and key not in node:
        items = store.line_items.get(node["id"], [])
        node[key] = list_object(items, f"/v1/checkout/sessions/{node['id']}/line_items", {})
    value = node.get(key)
    if isinstance(value, str) and value in store.objects:
        node[key] = value = copy.deepcopy(store.objects[value])
    elif key not in node:
        raise StripeError(
            f"This property cannot be expanded ({key}).", param="expand", code="parameter_unknown"
        )
    _expand_path(store, value, rest)
