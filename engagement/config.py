"""Settings: defaults, then the environment (and `.env` in development), then a dict from tests.

Every setting here is documented in docs/configuration.md with its default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "test")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the app refuses to start."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


# name -> (default, parser). The parser turns the environment's string into the setting's type.
SETTINGS: dict[str, tuple[Any, Any]] = {
    "SECRET_KEY": (None, str),
    "DATABASE_URL": (None, str),
    "PUBLIC_BASE_URL": ("http://127.0.0.1:5000", str),
    "TRUSTED_PROXIES": (0, int),
    "NEWSROOM_NAME": ("The Independent Ledger", str),
    "HOME_URL": (None, str),
    "NEWSROOM_TIMEZONE": ("UTC", str),
    "LANGUAGES": (["en", "uk"], _list),
    "DEFAULT_LANGUAGE": ("en", str),
    "PSEUDO_LOCALE": (None, _bool),
    "MAIL_SERVER": ("127.0.0.1", str),
    "MAIL_PORT": (8025, int),
    "MAIL_USE_TLS": (False, _bool),
    "MAIL_USE_SSL": (False, _bool),
    "MAIL_USERNAME": (None, str),
    "MAIL_PASSWORD": (None, str),
    "MAIL_DEFAULT_SENDER": ("newsroom@localhost", str),
    "MAIL_TIMEOUT": (10, int),
    "STRIPE_SECRET_KEY": (None, str),
    "STRIPE_WEBHOOK_SECRET": ([], _list),
    "STRIPE_API_BASE": (None, str),
    "STRIPE_WEBHOOK_TOLERANCE": (300, int),
    "PATREON_WEBHOOK_SECRET": ([], _list),
    "PATREON_ACCESS_TOKEN": (None, str),
    "PATREON_CAMPAIGN_ID": (None, str),
    "PATREON_API_BASE": (None, str),
    "GRACE_DAYS": (7, int),
    "SUPPORT_MIN_AMOUNT": (300, int),
    "SUPPORT_MAX_AMOUNT": (100000, int),
    "SUPPORT_CURRENCY": ("eur", str),
    "SUPPORT_RATE_LIMIT": ("20 per minute;100 per hour", str),
    "WIDGET_ALLOWED_ORIGINS": ([], _list),
    "CORRECTIONS_RATE_LIMIT": ("5 per 5 minutes;30 per day", str),
    "CORRECTIONS_PUBLIC_RATE_LIMIT": ("120 per minute", str),
    "LOGIN_RATE_LIMIT": ("10 per minute;50 per hour", str),
    "MAGIC_LINK_RATE_LIMIT": ("3 per 15 minutes;10 per day", str),
    "VOTING_RATE_LIMIT": ("60 per minute;600 per hour", str),
    "SUGGESTION_RATE_LIMIT": ("5 per hour;20 per day", str),
    "TOPICS_CACHE_SECONDS": (2.0, float),
    "DASHBOARD_CACHE_SECONDS": (30.0, float),
    "SESSION_REFRESH_AFTER": (3600, int),
    "RATELIMIT_STORAGE_URI": ("memory://", str),
    "RATELIMIT_ENABLED": (True, _bool),
    "WORKER_POLL_INTERVAL": (2.0, float),
    "WORKER_BATCH_SIZE": (50, int),
    "OUTBOX_MAX_ATTEMPTS": (8, int),
    "OUTBOX_CLAIM_TIMEOUT": (300, int),
    "DIGEST_HOUR": (8, int),
    "LOG_LEVEL": ("INFO", str),
}


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from exc
    return values


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the app's settings, checked; raise ConfigError when they cannot work."""
    overrides = dict(overrides or {})
    env_name = overrides.get("ENGAGEMENT_ENV") or os.environ.get("ENGAGEMENT_ENV") or "production"
    if env_name not in ENVIRONMENTS:
        raise ConfigError(f"ENGAGEMENT_ENV must be one of {', '.join(ENVIRONMENTS)}")
    if env_name == "development":
        from dotenv import load_dotenv

        load_dotenv(override=False)

    config = _from_environment(dict(os.environ))
    config["ENGAGEMENT_ENV"] = env_name
    config.update(overrides)
    _apply_derived(config, instance_path)
    _check(config)
    return config


def _apply_derived(config: dict[str, Any], instance_path: str) -> None:
    env_name = config["ENGAGEMENT_ENV"]
    if not config.get("SECRET_KEY") and env_name != "production":
        # Development and tests get a throwaway key; production must set its own.
        config["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105 - never used in production
    database_url = config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "engagement.sqlite")
    )
    config.setdefault("SQLALCHEMY_DATABASE_URI", database_url)
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["SQLALCHEMY_DATABASE_URI"])
    )
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("SESSION_COOKIE_SECURE", env_name == "production")
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SECURE", env_name == "production")
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Flask-Mail would suppress sending under TESTING; the tests deliver to a real SMTP sink.
    config.setdefault("MAIL_SUPPRESS_SEND", False)
    config.setdefault("TESTING", env_name == "test")
    config.setdefault("PREFERRED_URL_SCHEME", "https" if env_name == "production" else "http")
    if config.get("PSEUDO_LOCALE") is None:
        # The pseudo-locale (docs/translating.md) is offered everywhere but in production.
        config["PSEUDO_LOCALE"] = env_name != "production"


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def _check(config: dict[str, Any]) -> None:
    if config["ENGAGEMENT_ENV"] == "production":
        if not config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production (ENGAGEMENT_ENV=production)")
        if config.get("STRIPE_API_BASE"):
            raise ConfigError("STRIPE_API_BASE (the emulator) is not allowed in production")
        if config.get("PATREON_API_BASE"):
            raise ConfigError(
                "PATREON_API_BASE (the Patreon stand-in) is not allowed in production"
            )
    if config["SUPPORT_MIN_AMOUNT"] > config["SUPPORT_MAX_AMOUNT"]:
        raise ConfigError("SUPPORT_MIN_AMOUNT must not exceed SUPPORT_MAX_AMOUNT")
    if not 0 <= config["DIGEST_HOUR"] <= 23:
        raise ConfigError("DIGEST_HOUR must be between 0 and 23")
    if not 0 <= config["TRUSTED_PROXIES"] <= 10:
        raise ConfigError(
            "TRUSTED_PROXIES must be the number of reverse proxies in front (0 to 10)"
        )
    _check_home_url(config)
    _check_outbox(config)
    _check_languages(config)


def _check_home_url(config: dict[str, Any]) -> None:
    from urllib.parse import urlsplit

    home = config.get("HOME_URL")
    if home and (urlsplit(home).scheme not in ("http", "https") or not urlsplit(home).netloc):
        raise ConfigError(
            f"HOME_URL={home!r} must be an absolute http(s) URL, such as https://news.example.org/"
        )


def _check_outbox(config: dict[str, Any]) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config["NEWSROOM_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"NEWSROOM_TIMEZONE={config['NEWSROOM_TIMEZONE']!r} is not a known IANA time zone"
        ) from exc
    if config["SESSION_REFRESH_AFTER"] < 0:
        raise ConfigError("SESSION_REFRESH_AFTER must be 0 or more seconds")
    for name in ("WORKER_BATCH_SIZE", "OUTBOX_MAX_ATTEMPTS", "OUTBOX_CLAIM_TIMEOUT"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    if config["WORKER_POLL_INTERVAL"] <= 0:
        raise ConfigError("WORKER_POLL_INTERVAL must be a positive number of seconds")


def _check_languages(config: dict[str, Any]) -> None:
    from babel import Locale, UnknownLocaleError

    languages = config["LANGUAGES"]
    for code in languages:
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError) as exc:
            raise ConfigError(
                f"LANGUAGES: {code!r} is not a language code such as en or uk"
            ) from exc
    offered = [*languages, "en_XA"] if config["PSEUDO_LOCALE"] else languages
    if config["DEFAULT_LANGUAGE"] not in offered:
        raise ConfigError(
            f"DEFAULT_LANGUAGE={config['DEFAULT_LANGUAGE']!r} must be one of "
            f"LANGUAGES ({', '.join(offered)})"
        )
