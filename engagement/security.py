"""Security headers on every response."""

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self' {stripe}",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    """Add the headers after every request."""
    stripe_targets = "https://checkout.stripe.com https://billing.stripe.com"
    if app.config.get("STRIPE_API_BASE"):
        stripe_targets += " " + app.config["STRIPE_API_BASE"].rstrip("/")
    csp = CONTENT_SECURITY_POLICY.format(stripe=stripe_targets)

    fixed = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    hsts = ("Strict-Transport-Security", "max-age=31536000")

    @app.after_request
    def _headers(response):
        # A header a view set itself stays; the others are added in one go (the names looked
        # at once, not once per header).
        headers = response.headers
        wanted = fixed + [hsts] if request.is_secure else fixed
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers iterate pairs
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response
