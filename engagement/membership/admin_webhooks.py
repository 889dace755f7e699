"""/newsroom/webhooks (admins): the Stripe events received, their outcome, and processing one
again through the same handler the webhook uses."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.sansio.app import App
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from engagement.accounts.auth import admin_required
from engagement.edge import parse_id
from engagement.extensions import db
from engagement.membership import webhooks
from engagement.membership.blueprints import newsroom
from engagement.membership.forms import ProcessAgainForm
from engagement.membership.models import EVENT_OUTCOMES, StripeEvent
from engagement.newsroom import registry
from engagement.newsroom.confirm import confirm

PAGE_SIZE = 50
# An event's outcome in words (None: not handled yet).
OUTCOME_LABELS = {
    "processed": _l("processed"),
    "ignored": _l("ignored"),
    "failed": _l("Needs attention (failed)"),
    "duplicate": _l("already handled"),
    None: _l("pending"),
}
# Other senders' deliveries shown on the same page: function(outcome) -> a dict with the
# "template" to include (given it as `section`) and its context. The Patreon bridge adds one.
Source = Callable[[str], dict]


def sources_of(app: App) -> list[Source]:
    """The app's other senders, in the order their blueprints registered."""
    return app.extensions.setdefault("webhook_sources", [])


def register_source(blueprint: Blueprint, function: Source) -> None:
    """Show another sender's deliveries on /newsroom/webhooks, below Stripe's events, from when
    `blueprint` registers."""

    def add(state) -> None:
        sources = sources_of(state.app)
        if function not in sources:
            sources.append(function)

    blueprint.record_once(add)


def event_outcome(outcome: str | None) -> str:
    """An event's outcome as the page shows it; an unknown one as it is stored."""
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else str(outcome)


def process_again(row: StripeEvent) -> tuple[int, str]:
    """Handle the stored payload again, as if Stripe delivered it now; commits like a delivery.

    The row is marked failed first, which is what lets `webhooks.receive` handle an event it
    has already seen.
    """
    try:
        event = json.loads(row.payload)
    except ValueError:
        return 422, _("the stored payload is not JSON")
    if not isinstance(event, dict) or event.get("id") != row.stripe_id:
        return 422, _("the stored payload is not this event")
    row.outcome = "failed"
    db.session.flush()
    return webhooks.receive(event, row.payload)


@newsroom.get("/webhooks")
@admin_required
def webhook_events():
    """Received Stripe events, newest first, filtered by outcome: those that failed (that need
    attention) unless another outcome, or "any", is asked for."""
    outcome = request.args.get("outcome", "failed")
    outcome = outcome if outcome in EVENT_OUTCOMES else ""
    raw_page = request.args.get("page", "1")
    page = min(parse_id(raw_page) or 1, 100000)
    query = select(StripeEvent)
    if outcome:
        query = query.where(StripeEvent.outcome == outcome)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(StripeEvent.received_at.desc(), StripeEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    args = {"outcome": outcome or "any"}
    return render_template(
        "membership/newsroom/webhooks.html",
        rows=rows,
        outcome=outcome,
        outcomes=EVENT_OUTCOMES,
        total=total,
        form=ProcessAgainForm(),
        event_outcome=event_outcome,
        sources=[source(outcome) for source in sources_of(current_app)],
        next_url=url_for(".webhook_events", page=page + 1, **args)
        if page * PAGE_SIZE < total
        else None,
        prev_url=url_for(".webhook_events", page=page - 1, **args) if page > 1 else None,
    )


@newsroom.get("/webhooks/<int:event_id>/process")
@admin_required
def webhook_process_confirm(event_id: int):
    """What processing the event again does: the page that asks first (failed events only)."""
    row = db.get_or_404(StripeEvent, event_id)
    back = url_for(".webhook_events")
    if row.outcome != "failed":
        flash(
            _(
                "%(event)s did not fail (%(outcome)s): nothing to redo.",
                event=row.stripe_id,
                outcome=event_outcome(row.outcome),
            ),
            "error",
        )
        return redirect(back, 303)
    return confirm(
        _("Process %(event)s again?", event=row.stripe_id),
        [
            _(
                "The stored %(type)s event runs through the webhook's handler again, as if Stripe "
                "sent it now.",
                type=row.type,
            ),
            _(
                "It may change one patron's membership and send them a mail (a welcome or a "
                "notice), as the first delivery would have."
            ),
            _("It failed with: %(error)s", error=row.error)
            if row.error
            else _("It failed without a message."),
        ],
        url_for(".webhook_process", event_id=row.id),
        _("Process again"),
        back,
        [("outcome", "failed")],
        danger=False,
    )


@newsroom.post("/webhooks/<int:event_id>/process")
@admin_required
def webhook_process(event_id: int):
    """Process a stored event again and say how it went."""
    row = db.get_or_404(StripeEvent, event_id)
    if not ProcessAgainForm().validate_on_submit():
        abort(400)
    stripe_id = row.stripe_id
    status, outcome = process_again(row)
    if status == 200:
        flash(
            _(
                "Processed %(event)s again: %(outcome)s.",
                event=stripe_id,
                outcome=event_outcome(outcome),
            ),
            "success",
        )
    else:
        flash(
            _(
                "Processing %(event)s again did not succeed: %(outcome)s.",
                event=stripe_id,
                outcome=event_outcome(outcome),
            ),
            "error",
        )
    back = request.form.get("outcome", "")
    args = {"outcome": back} if back in EVENT_OUTCOMES else {}
    return redirect(url_for(".webhook_events", **args), 303)


registry.register_nav(
    newsroom, _l("Webhooks"), "membership_newsroom.webhook_events", admin_only=True, order=65
)
