"""Every readers' and newsroom page and every mail, as the pseudo-locale test renders them.

A page is named `<feature>-<name>` (so `pytest tests/i18n -k voting` takes one feature's): its
path (with `{ref}`s filled from the demo data, see conftest.REFS), who is signed in, and for a
page that answers a form, what is posted and the status expected. The screenshot list
(`devtools/screenshots.py` PAGES) is the start; the pages it does not photograph follow.
`test_every_page_is_listed` fails when a new GET page is in neither PAGES nor NOT_PAGES.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devtools import screenshots


@dataclass(frozen=True)
class Page:
    """One page to render in the pseudo-locale."""

    feature: str
    name: str
    path: str
    who: str | None = None  # None, "patron" (the demo co-creator) or "editor" (the demo admin)
    form: dict | None = None  # posted (with the page's CSRF token) instead of a GET
    status: int = 200

    @property
    def id(self) -> str:
        return f"{self.feature}-{self.name}"


# The feature each screenshot belongs to (a new screenshot must be added here).
SCREENSHOT_FEATURES = {
    "home": "readers",
    "not-found": "errors",
    "support": "membership",
    "support-yearly": "membership",
    "support-thanks": "membership",
    "topics": "voting",
    "topics-co-creator": "voting",
    "corrections": "corrections",
    "report-form": "corrections",
    "sign-in": "accounts",
    "account": "accounts",
    "newsroom-dashboard": "newsroom",
    "newsroom-corrections": "corrections",
    "newsroom-correction": "corrections",
    "newsroom-rounds": "voting",
    "newsroom-round": "voting",
    "newsroom-round-close": "voting",
    "newsroom-suggestions": "voting",
    "newsroom-patrons": "membership",
    "newsroom-grant": "membership",
    "newsroom-tiers": "membership",
    "newsroom-webhooks": "membership",
    "newsroom-outbox": "notifications",
    "newsroom-notifications": "notifications",
}
STATUS = {"not-found": 404}

MORE_PAGES = [
    Page("accounts", "sign-in-sent", "/account/login", form={"email": "someone@example.org"}),
    Page(
        "accounts",
        "sign-in-refused",
        "/account/login",
        form={"email": "not an address"},
        status=422,
    ),
    Page("accounts", "sign-in-link", "/account/login/{link_token}"),
    Page("accounts", "sign-in-link-invalid", "/account/login/no-such-token", status=404),
    Page("accounts", "erase-confirm", "/account/delete", who="patron", form={}),
    Page("accounts", "newsroom-sign-in", "/newsroom/login"),
    Page(
        "accounts",
        "newsroom-sign-in-refused",
        "/newsroom/login",
        form={"email": "nobody@example.org", "password": "wrong"},
    ),
    Page("corrections", "report-refused", "/corrections/report", form={}, status=422),
    Page("corrections", "stop-mails", "/corrections/stop-mails/{stop_token}"),
    Page(
        "corrections",
        "newsroom-merge",
        "/newsroom/corrections/{correction}/merge?target={other_correction}",
        who="editor",
    ),
    Page(
        "corrections",
        "newsroom-bulk",
        "/newsroom/corrections/bulk?action=spam&ids={correction}&ids={other_correction}",
        who="editor",
    ),
    Page("membership", "newsroom-patron", "/newsroom/patrons/{patron}", who="editor"),
    Page(
        "membership",
        "newsroom-revoke",
        "/newsroom/patrons/{patron}/grants/{grant}/revoke",
        who="editor",
    ),
    Page(
        "membership",
        "newsroom-grant-refused",
        "/newsroom/patrons/grant",
        who="editor",
        form={},
        status=422,
    ),
    Page("membership", "newsroom-tier-new", "/newsroom/tiers/new", who="editor"),
    Page("membership", "newsroom-tier", "/newsroom/tiers/{tier}", who="editor"),
    Page(
        "membership",
        "newsroom-webhook-process",
        "/newsroom/webhooks/{failed_event}/process",
        who="editor",
    ),
    Page("notifications", "newsroom-outbox-mail", "/newsroom/outbox/{email}", who="editor"),
    Page("patreon", "newsroom-patreon", "/newsroom/patreon", who="editor"),
    Page(
        "patreon",
        "newsroom-delivery-process",
        "/newsroom/patreon/deliveries/{failed_delivery}/process",
        who="editor",
    ),
    Page("voting", "newsroom-round-new", "/newsroom/rounds/new", who="editor"),
    Page("voting", "newsroom-round-edit", "/newsroom/rounds/{round}/edit", who="editor"),
    Page("voting", "newsroom-topic-edit", "/newsroom/topics/{topic}/edit", who="editor"),
    Page(
        "voting",
        "newsroom-topic-merge",
        "/newsroom/topics/{topic}/merge?target_id={other_topic}",
        who="editor",
    ),
]

PAGES = [
    Page(
        SCREENSHOT_FEATURES.get(shot.name, "unsorted"),
        shot.name,
        shot.path,
        shot.who,
        status=STATUS.get(shot.name, 200),
    )
    for shot in screenshots.PAGES
] + MORE_PAGES

# GET endpoints that are no page of their own, and why.
NOT_PAGES = {
    "static": "files",
    "readers.favicon": "an icon",
    "health.healthz": "for the load balancer",
    "corrections.widget_script": "the widget (its strings: tests/e2e/test_widget*.py)",
    "corrections.widget_stylesheet": "the widget's CSS",
    "corrections.widget_messages": "the widget's messages as JSON (tests/corrections)",
    "corrections.demo_article": "stands in for an outlet's own article page",
    "corrections.openapi": "JSON for developers",
    "accounts.patron_data": "the patron's data as a JSON download",
    "corrections.public_feed": "an Atom feed: its entries are the corrections' own texts",
    "corrections_newsroom.triage_annotation": "JSON for the detail page's script",
    "membership_newsroom.export_csv": "a spreadsheet",
    "voting_newsroom.round_export": "a spreadsheet",
}


@dataclass(frozen=True)
class Mail:
    """One mail to render in the pseudo-locale: its template and the context a feature gives."""

    feature: str
    template: str
    context: dict = field(default_factory=dict)  # names of REFS objects, or literal values
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.feature}-{self.template}" + (f"-{self.variant}" if self.variant else "")


# Context values written "@name" are the demo rows conftest.mail_objects finds.
MAILS = [
    Mail(
        "accounts",
        "magic_link",
        {"patron": "@patron", "token": "a-token", "minutes": 30, "next_path": "/topics"},
    ),
    Mail(
        "corrections",
        "correction_new",
        {
            "editor": "@editor",
            "correction": "@correction",
            "report": "@report",
            "triage_url": "http://localhost/newsroom/corrections/1",
            "fragment_url": "https://news.example.org/a#:~:text=x",
        },
    ),
    Mail(
        "corrections",
        "correction_resolved",
        {
            "correction": "@correction",
            "report": "@report",
            "article_link": "https://news.example.org/a",
            "log_url": "http://localhost/corrections",
            "stop_url": "http://localhost/corrections/stop-mails/t",
        },
    ),
    Mail(
        "notifications",
        "digest",
        {"editor": "@editor", "count": 2, "date": "@today", "sections": "@sections"},
    ),
    Mail("membership", "gift_thanks", {"patron": "@patron", "donation": "@donation"}),
    Mail(
        "membership",
        "membership_already",
        {
            "patron": "@patron",
            "membership": "@membership",
            "account_url": "http://localhost/account",
        },
    ),
    Mail("membership", "membership_welcome", {"patron": "@patron", "membership": "@membership"}),
    Mail("membership", "membership_ended", {"patron": "@patron", "membership": "@membership"}),
    Mail(
        "membership",
        "membership_payment_failed",
        {"patron": "@patron", "membership": "@membership"},
    ),
    Mail("membership", "membership_granted", {"patron": "@patron", "membership": "@grant"}),
    Mail(
        "membership",
        "patron_new",
        {"editor": "@editor", "patron": "@patron", "membership": "@membership"},
    ),
    Mail(
        "membership",
        "patron_cancellation",
        {"editor": "@editor", "patron": "@patron", "membership": "@membership", "ended": False},
        variant="cancelled",
    ),
    Mail(
        "membership",
        "patron_cancellation",
        {"editor": "@editor", "patron": "@patron", "membership": "@membership", "ended": True},
        variant="ended",
    ),
    Mail(
        "membership",
        "patron_second_subscription",
        {
            "editor": "@editor",
            "patron": "@patron",
            "other": "@membership",
            "subscription_id": "sub_second1",
        },
    ),
    Mail("voting", "topic_suggested", {"editor": "@editor", "topic": "@topic", "round": "@round"}),
    Mail(
        "voting",
        "suggestion_published",
        {"patron": "@patron", "topic": "@published_topic", "round": "@published_round"},
    ),
    Mail("voting", "suggestion_declined", {"patron": "@patron", "topic": "@topic"}),
    Mail(
        "voting",
        "suggestion_merged",
        {"patron": "@patron", "topic": "@topic", "target": "@other_topic"},
    ),
    Mail(
        "voting", "topic_merged", {"patron": "@patron", "topic": "@topic", "target": "@other_topic"}
    ),
    Mail(
        "voting",
        "topic_published",
        {"patron": "@patron", "topic": "@published_topic", "round": "@published_round"},
    ),
]
