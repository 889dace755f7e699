"""The one door to Stripe: the only module that imports `stripe`.

One `StripeClient` per app, built from STRIPE_SECRET_KEY and STRIPE_API_BASE (the emulator's
URL; unset for Stripe itself), with timeouts and network retries. Every create call carries an
idempotency key. Helpers return plain dicts, so the rest of the app never sees Stripe's types.

Stripe's library (with requests) is imported on first use, not with the app: it is about 6 MB
in each process, and a gunicorn worker that serves only readers' pages or the API never needs
it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from flask import current_app

from engagement.edge import loads_bounded

if TYPE_CHECKING:
    import stripe

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
NETWORK_RETRIES = 2
DEFAULT_API_BASE = "https://api.stripe.com"


class GatewayError(Exception):
    """Stripe refused a request or could not be reached."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    @property
    def missing(self) -> bool:
        """True when Stripe says the object does not exist."""
        return self.code == "resource_missing" or self.status == 404


class NotConfigured(GatewayError):
    """STRIPE_SECRET_KEY is not set."""


class BadSignature(Exception):
    """A webhook's payload or signature did not verify."""


def _stripe():
    """The stripe module, imported on the first call (see the module's doc)."""
    import stripe  # noqa: PLC0415 - on first use, on purpose

    return stripe


def _http_client(api_base: str, **kwargs: Any):
    """Stripe's requests client, whose sessions do not read the environment on every call.

    requests looks up proxy variables and ~/.netrc for each request of a session that trusts
    the environment; Stripe takes none of that from .netrc, and the proxy for the API's address
    is worked out once, here, from the same variables (HTTPS_PROXY, NO_PROXY...).
    """
    import requests  # noqa: PLC0415 - with Stripe's library, on first use

    class HttpClient(_stripe().RequestsClient):  # type: ignore[misc]  # imported on first use
        def _request_internal(self, *args: Any, **kwargs: Any):  # type: ignore[override]
            # One session per thread, as the parent keeps them (its `_thread_local`).
            if getattr(self._thread_local, "session", None) is None:
                session = requests.Session()
                session.trust_env = False
                self._thread_local.session = session
            return super()._request_internal(*args, **kwargs)

    proxy = requests.utils.select_proxy(api_base, requests.utils.get_environ_proxies(api_base))
    return HttpClient(proxy=proxy, **kwargs)


def _plain(obj: Any) -> dict:
    if isinstance(obj, _stripe().StripeObject):
        return obj.to_dict()
    return dict(obj)


class Gateway:
    """Calls to Stripe (or the emulator) that the app needs, each returning plain dicts."""

    def __init__(self, secret_key: str | None, api_base: str | None):
        self.secret_key = secret_key
        self.api_base = api_base.rstrip("/") if api_base else None
        self._client: stripe.StripeClient | None = None

    @property
    def configured(self) -> bool:
        """True when a secret key is set."""
        return bool(self.secret_key)

    @property
    def client(self) -> stripe.StripeClient:
        """The StripeClient, built once."""
        if not self.secret_key:
            raise NotConfigured("Stripe is not configured: set STRIPE_SECRET_KEY.")
        if self._client is None:
            options: dict[str, Any] = {
                "max_network_retries": NETWORK_RETRIES,
                "http_client": _http_client(
                    self.api_base or DEFAULT_API_BASE, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
                ),
            }
            if self.api_base:
                options["base_addresses"] = {"api": self.api_base}
            self._client = _stripe().StripeClient(self.secret_key, **options)
        return self._client

    def _get(self, path: str, object_id: str) -> dict:
        """GET one object as Stripe's JSON, parsed to plain dicts: no StripeObject is built
        (the webhook's re-fetch runs this; the typed services would build one and copy it)."""
        try:
            return self.client.raw_request("get", f"{path}/{quote_plus(object_id)}").data
        except _stripe().StripeError as exc:
            raise self._error(exc) from exc

    @staticmethod
    def _error(exc: stripe.StripeError) -> GatewayError:
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None) or getattr(exc, "code", None)
        message = getattr(error, "message", None) or exc.user_message or str(exc)
        return GatewayError(message, code=code, status=exc.http_status)

    def _call(self, fn, *args, **kwargs) -> dict:
        try:
            return _plain(fn(*args, **kwargs))
        except _stripe().StripeError as exc:
            raise self._error(exc) from exc

    # --- products and prices ------------------------------------------------------------------

    def retrieve_product(self, product_id: str) -> dict | None:
        """The product, or None when Stripe does not know it."""
        try:
            return self._call(self.client.v1.products.retrieve, product_id)
        except GatewayError as exc:
            if exc.missing:
                return None
            raise

    def create_product(self, params: dict, idempotency_key: str) -> dict:
        """Create a product (params may name its id)."""
        return self._call(
            self.client.v1.products.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )

    def update_product(self, product_id: str, params: dict) -> dict:
        """Change a product's name, description, active flag or metadata."""
        return self._call(self.client.v1.products.update, product_id, params=params)

    def price_by_lookup_key(self, lookup_key: str) -> dict | None:
        """The price holding this lookup key, or None."""
        found = self._call(
            self.client.v1.prices.list, params={"lookup_keys": [lookup_key], "limit": 1}
        )
        data = found.get("data") or []
        return data[0] if data else None

    def create_price(self, params: dict, idempotency_key: str) -> dict:
        """Create a price."""
        return self._call(
            self.client.v1.prices.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )

    def archive_price(self, price_id: str) -> dict:
        """Archive a price: no new checkout can use it, existing subscriptions keep it."""
        return self._call(self.client.v1.prices.update, price_id, params={"active": False})

    # --- checkout, customers, subscriptions ---------------------------------------------------

    def create_checkout_session(self, params: dict, idempotency_key: str) -> dict:
        """Create a Checkout Session; its `url` is where the reader pays."""
        return self._call(
            self.client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )

    def retrieve_checkout_session(self, session_id: str) -> dict:
        """A Checkout Session."""
        return self._call(self.client.v1.checkout.sessions.retrieve, session_id)

    def create_portal_session(
        self, customer_id: str, return_url: str, idempotency_key: str
    ) -> dict:
        """A billing-portal session for the customer; its `url` is the portal page."""
        return self._call(
            self.client.v1.billing_portal.sessions.create,
            params={"customer": customer_id, "return_url": return_url},
            options={"idempotency_key": idempotency_key},
        )

    def retrieve_customer(self, customer_id: str) -> dict:
        """A customer (a deleted one comes back with `deleted: true`)."""
        return self._get("/v1/customers", customer_id)

    def retrieve_subscription(self, subscription_id: str) -> dict:
        """A subscription as Stripe has it now."""
        return self._get("/v1/subscriptions", subscription_id)

    def list_subscriptions(
        self, customer_id: str | None = None, status: str = "all", limit: int = 100
    ) -> list[dict]:
        """Subscriptions (all statuses by default), following pages."""
        params: dict[str, Any] = {"status": status, "limit": limit}
        if customer_id:
            params["customer"] = customer_id
        result: list[dict] = []
        while True:
            page = self._call(self.client.v1.subscriptions.list, params=params)
            result.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("data"):
                return result
            params["starting_after"] = page["data"][-1]["id"]

    def list_customers(self, limit: int = 100) -> list[dict]:
        """Every customer, following pages."""
        params: dict[str, Any] = {"limit": limit}
        result: list[dict] = []
        while True:
            page = self._call(self.client.v1.customers.list, params=params)
            result.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("data"):
                return result
            params["starting_after"] = page["data"][-1]["id"]

    def cancel_subscription_at_period_end(self, subscription_id: str) -> dict:
        """Ask Stripe to end the subscription when the paid period ends."""
        return self._call(
            self.client.v1.subscriptions.update,
            subscription_id,
            params={"cancel_at_period_end": True},
        )

    # --- webhooks -----------------------------------------------------------------------------

    @staticmethod
    def verify_event(
        payload: bytes, signature: str | None, secrets: list[str], tolerance: int
    ) -> tuple[dict, str]:
        """Check the signature on the raw body against each secret; return (event, body text).

        Raises BadSignature when no secret verifies it, the timestamp is outside the tolerance
        or the body is not an event.
        """
        if not signature:
            raise BadSignature("missing Stripe-Signature header")
        if not secrets:
            raise BadSignature("no webhook secret configured (STRIPE_WEBHOOK_SECRET)")
        try:
            text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        except UnicodeDecodeError as exc:
            raise BadSignature("payload is not UTF-8") from exc
        last_error = "signature did not verify"
        stripe = _stripe()
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(text, signature, secret, tolerance)
            except stripe.SignatureVerificationError as exc:
                last_error = str(exc)
                continue
            try:
                event = loads_bounded(text)  # nesting bounded: no RecursionError
            except ValueError as exc:
                raise BadSignature(f"payload is not JSON: {exc}") from exc
            if not isinstance(event, dict) or not event.get("type"):
                raise BadSignature("payload is not a Stripe event")
            if not isinstance(event.get("id"), str) or not 0 < len(event["id"]) <= 255:
                raise BadSignature("payload is not a Stripe event (its id is not text)")
            return event, text
        raise BadSignature(last_error)


def gateway() -> Gateway:
    """This app's gateway (one client per app)."""
    extensions = current_app.extensions
    existing = extensions.get("stripe_gateway")
    if existing is None:
        existing = Gateway(
            current_app.config.get("STRIPE_SECRET_KEY"), current_app.config.get("STRIPE_API_BASE")
        )
        extensions["stripe_gateway"] = existing
    return existing
