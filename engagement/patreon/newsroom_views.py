"""/newsroom/patreon (admins): map Patreon's tiers to ours, import the members export, and
apply a stored delivery again."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from engagement.accounts.auth import admin_required
from engagement.database import utcnow
from engagement.errors import DomainError
from engagement.extensions import db
from engagement.membership.models import Tier
from engagement.newsroom import registry
from engagement.newsroom.confirm import confirm
from engagement.patreon import csv_import, mapping, webhooks
from engagement.patreon.blueprints import newsroom
from engagement.patreon.forms import ImportForm, MappingForm, ProcessDeliveryForm
from engagement.patreon.models import PatreonDelivery, PatreonMember

# The body may hold a whole export plus the form around it; the app's limit stays elsewhere.
UPLOAD_LIMIT = csv_import.MAX_BYTES + 64 * 1024
# A delivery's outcome in words.
OUTCOMES = {
    "processed": _l("processed"),
    "ignored": _l("ignored"),
    "failed": _l("failed"),
    "duplicate": _l("duplicate"),
    None: _l("pending"),
}


@newsroom.url_value_preprocessor
def _allow_large_upload(endpoint, _values):
    # Runs before the CSRF check reads the form, so the larger limit applies to this one form.
    if endpoint == "patreon_newsroom.upload":
        request.max_content_length = UPLOAD_LIMIT


@newsroom.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    form = ImportForm(formdata=None)
    form.file.errors = [_("%(reason)s Nothing was imported.", reason=csv_import.TOO_LARGE)]
    return _render(mapping_form=MappingForm(formdata=None), import_form=form, status=413)


def _render(mapping_form=None, import_form=None, errors=None, status=200):
    return render_template(
        "patreon/newsroom/index.html",
        patreon_tiers=mapping.patreon_tiers(),
        our_tiers=tier_choices(),
        no_voting=mapping.NO_VOTING,
        mapping_form=mapping_form or MappingForm(),
        import_form=import_form or ImportForm(),
        errors=errors or {},
        members=_member_counts(),
        settings=_settings(),
    ), status


def _member_counts() -> dict[str, int]:
    counts = {"active": 0, "declined": 0, "former": 0}
    for state in db.session.scalars(select(PatreonMember.state)):
        counts[state] = counts.get(state, 0) + 1
    return counts


def _settings() -> dict[str, bool]:
    config = current_app.config
    return {
        "webhook": bool(config.get("PATREON_WEBHOOK_SECRET")),
        "reconcile": bool(config.get("PATREON_ACCESS_TOKEN") and config.get("PATREON_CAMPAIGN_ID")),
    }


@newsroom.get("/patreon")
@admin_required
def index():
    """The tier mapping, the import form and how the bridge is set up."""
    return _render()


@newsroom.post("/patreon/mapping")
@admin_required
def save_mapping():
    """Map each Patreon tier whose choice changed; every membership of it follows."""
    form = MappingForm()
    if not form.validate_on_submit():
        abort(400)
    errors, changed = {}, 0
    for patreon_tier in mapping.patreon_tiers():
        choice = request.form.get(f"tier-{patreon_tier.id}", "")
        current = mapping.NO_VOTING if patreon_tier.tier_id is None else str(patreon_tier.tier_id)
        if not choice or (choice == current and not patreon_tier.needs_decision):
            continue
        try:
            mapping.map_tier(patreon_tier, choice)
            changed += 1
        except DomainError as exc:
            errors.update(exc.fields)
    if errors:
        db.session.rollback()
        return _render(mapping_form=form, errors=errors, status=422)
    db.session.commit()
    flash(
        ngettext(
            "Saved the mapping (%(num)s tier changed).",
            "Saved the mapping (%(num)s tiers changed).",
            changed,
        ),
        "success",
    )
    return redirect(url_for(".index"), 303)


@newsroom.post("/patreon/import")
@admin_required
def upload():
    """Import an uploaded members export in one transaction; show what it did."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _render(import_form=form, status=422)
    data = form.file.data.read(csv_import.MAX_BYTES + 1)
    try:
        summary = csv_import.import_members(data, utcnow())
    except csv_import.ImportRefused as exc:
        db.session.rollback()
        form.file.errors = [_("%(reason)s Nothing was imported.", reason=exc)]
        return _render(import_form=form, status=422)
    db.session.commit()
    return render_template(
        "patreon/newsroom/import_summary.html",
        summary=summary,
        filename=form.file.data.filename or _("the file"),
    )


@newsroom.get("/patreon/deliveries/<int:delivery_id>/process")
@admin_required
def process_delivery_confirm(delivery_id: int):
    """What applying a delivery again does: the page that asks first (failed ones only)."""
    row = db.get_or_404(PatreonDelivery, delivery_id)
    back = url_for("membership_newsroom.webhook_events")
    if row.outcome != "failed":
        flash(
            _(
                "Patreon delivery #%(id)s did not fail (%(outcome)s): nothing to redo.",
                id=row.id,
                outcome=OUTCOMES.get(row.outcome, row.outcome),
            ),
            "error",
        )
        return redirect(back, 303)
    return confirm(
        _("Apply Patreon delivery #%(id)s again?", id=row.id),
        [
            _(
                "The stored %(trigger)s delivery runs through the webhook's handler again, as if "
                "Patreon sent it now.",
                trigger=row.trigger,
            ),
            _("It may change one patron's membership, as the first delivery would have."),
            _("It failed with: %(error)s", error=row.error or _("no message")),
        ],
        url_for("patreon_newsroom.process_delivery", delivery_id=row.id),
        _("Process again"),
        back,
        [("outcome", "failed")],
        danger=False,
    )


@newsroom.post("/patreon/deliveries/<int:delivery_id>/process")
@admin_required
def process_delivery(delivery_id: int):
    """Apply a stored Patreon delivery again and say how it went."""
    row = db.get_or_404(PatreonDelivery, delivery_id)
    if not ProcessDeliveryForm().validate_on_submit():
        abort(400)
    status, outcome = webhooks.process_again(row)
    if status == 200:
        flash(
            _(
                "Processed Patreon delivery #%(id)s again: %(outcome)s.",
                id=delivery_id,
                outcome=OUTCOMES.get(outcome, outcome),
            ),
            "success",
        )
    else:
        flash(
            _(
                "Processing Patreon delivery #%(id)s again did not succeed: %(outcome)s.",
                id=delivery_id,
                outcome=OUTCOMES.get(outcome, outcome),
            ),
            "error",
        )
    back = request.form.get("outcome", "")
    return redirect(
        url_for("membership_newsroom.webhook_events", **({"outcome": back} if back else {})), 303
    )


def tier_choices() -> list[tuple[str, str]]:
    """Our tiers as choices, voting ones marked."""
    tiers = db.session.scalars(select(Tier).order_by(Tier.position, Tier.id))
    return [
        (str(t.id), _("%(tier)s (votes)", tier=t.name) if t.grants_voting else t.name)
        for t in tiers
    ]


registry.register_nav(newsroom, _l("Patreon"), "patreon_newsroom.index", admin_only=True, order=66)
