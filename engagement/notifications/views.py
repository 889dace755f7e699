"""Newsroom pages: each editor's notification settings, and the outbox for admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engagement.accounts.auth import admin_required, editor_required
from engagement.database import utcnow
from engagement.extensions import db
from engagement.newsroom import registry
from engagement.notifications import preferences, services
from engagement.notifications.blueprints import newsroom
from engagement.notifications.forms import NotificationSettingsForm, RetryForm


def _panel_context() -> dict:
    return {"outbox_counts": services.counts_by_status()}


registry.register_nav(
    newsroom, _l("Outbox"), "notifications_newsroom.outbox", admin_only=True, order=80
)
registry.register_nav(newsroom, _l("My notifications"), "notifications_newsroom.settings", order=90)
registry.register_panel(
    newsroom,
    "outbox",
    "notifications/newsroom/panel.html",
    _panel_context,
    admin_only=True,
    order=80,
)


@newsroom.app_template_filter("news_kind")
def news_kind(kind: str, fallback: str = "") -> str:
    """A kind of news in words, in the language being written (a digest's section heading)."""
    label = preferences.KINDS.get(kind)
    return str(label) if label is not None else fallback or kind


# What the outbox calls a mail's state.
EMAIL_STATES = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "dead": _l("Dead"),
}


@newsroom.app_template_filter("email_state")
def email_state(status: str) -> str:
    """A mail's state in words, for the outbox."""
    label = EMAIL_STATES.get(status)
    return str(label) if label is not None else status


@newsroom.route("/settings/notifications", methods=["GET", "POST"])
@editor_required
def settings():
    """The signed-in editor chooses, per kind of news: at once, daily digest or off."""
    form = NotificationSettingsForm(data=preferences.modes_for(current_user))
    if form.validate_on_submit():
        for kind, field in form.kind_fields():
            preferences.set_mode(current_user, kind, field.data)
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications_newsroom.settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("notifications/newsroom/settings.html", form=form), status


@newsroom.get("/outbox")
@admin_required
def outbox():
    """Mails waiting, failing or given up on, and the last ones sent."""
    return render_template(
        "notifications/newsroom/outbox.html",
        counts=services.counts_by_status(),
        unsent=services.unsent_emails(),
        sent=services.recently_sent(),
        retry_form=RetryForm(),
    )


@newsroom.get("/outbox/<int:email_id>")
@admin_required
def outbox_email(email_id: int):
    """One mail as it was (or will be) sent: headers, status and its text."""
    return render_template(
        "notifications/newsroom/email.html",
        email=services.get_email(email_id),
        retry_form=RetryForm(),
    )


@newsroom.post("/outbox/<int:email_id>/retry")
@admin_required
def retry(email_id: int):
    """Requeue a failed or dead mail so the worker sends it at its next pass."""
    if not RetryForm().validate_on_submit():
        abort(400)
    email = services.retry_email(email_id, utcnow())
    db.session.commit()
    flash(
        _("Mail #%(number)s is queued again; the worker will send it shortly.", number=email.id),
        "success",
    )
    return redirect(url_for("notifications_newsroom.outbox"))
