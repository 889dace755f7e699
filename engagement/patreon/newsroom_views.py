"""/newsroom/patreon (admins): map Patreon's tiers to ours, import the members export, and
apply a stored delivery again."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
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


@newsroom.url_value_preprocessor
def _allow_large_upload(endpoint, _values):
    # Runs before the CSRF check reads the form, so the larger limit applies to this one form.
    if endpoint == "patreon_newsroom.upload":
        request.max_content_length = UPLOAD_LIMIT


@newsroom.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    form = ImportForm(formdata=None)
    form.file.errors = [f"{csv_import.TOO_LARGE} Nothing was imported."]
    return _render(mapping_form=MappingForm(formdata=None), import_form=form, status=413)


def _render(mapping_form=None, import_form=None, errors=None, status=200):
    return render_template(
        "patreon/newsroom/index.html", patreon_tiers=mapping.patreon_tiers(),
        our_tiers=tier_choices(), no_voting=mapping.NO_VOTING,
        mapping_form=mapping_form or MappingForm(), import_form=import_form or ImportForm(),
        errors=errors or {}, members=_member_counts(), settings=_settings()), status


def _member_counts() -> dict[str, int]:
    counts = {"active": 0, "declined": 0, "former": 0}
    for state in db.session.scalars(select(PatreonMember.state)):
        counts[state] = counts.get(state, 0) + 1
    return counts


def _settings() -> dict[str, bool]:
    config = current_app.config
    return {"webhook": bool(config.get("PATREON_WEBHOOK_SECRET")),
            "reconcile": bool(config.get("PATREON_ACCESS_TOKEN")
                              and config.get("PATREON_CAMPAIGN_ID"))}


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
    flash(f"Saved the mapping ({changed} tier{'' if changed == 1 else 's'} changed).",
          "success")
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
        form.file.errors = [f"{exc} Nothing was imported."]
        return _render(import_form=form, status=422)
    db.session.commit()
    return render_template("patreon/newsroom/import_summary.html", summary=summary,
                           filename=form.file.data.filename or "the file")


@newsroom.get("/patreon/deliveries/<int:delivery_id>/process")
@admin_required
def process_delivery_confirm(delivery_id: int):
    """What applying a delivery again does: the page that asks first (failed ones only)."""
    row = db.get_or_404(PatreonDelivery, delivery_id)
    back = url_for("membership_newsroom.webhook_events")
    if row.outcome != "failed":
        flash(f"Patreon delivery #{row.id} did not fail ({row.outcome or 'pending'}): "
              "nothing to redo.", "error")
        return redirect(back, 303)
    return confirm(
        f"Apply Patreon delivery #{row.id} again?",
        [f"The stored {row.trigger} delivery runs through the webhook's handler again, as if "
         "Patreon sent it now.", "It may change one patron's membership, as the first "
         "delivery would have.", f"It failed with: {row.error or 'no message'}"],
        url_for("patreon_newsroom.process_delivery", delivery_id=row.id), "Process again",
        back, [("outcome", "failed")], danger=False)


@newsroom.post("/patreon/deliveries/<int:delivery_id>/process")
@admin_required
def process_delivery(delivery_id: int):
    """Apply a stored Patreon delivery again and say how it went."""
    row = db.get_or_404(PatreonDelivery, delivery_id)
    if not ProcessDeliveryForm().validate_on_submit():
        abort(400)
    status, outcome = webhooks.process_again(row)
    name = f"Patreon delivery #{delivery_id}"
    if status == 200:
        flash(f"Processed {name} again: {outcome}.", "success")
    else:
        flash(f"Processing {name} again did not succeed: {outcome}.", "error")
    back = request.form.get("outcome", "")
    return redirect(url_for("membership_newsroom.webhook_events",
                            **({"outcome": back} if back else {})), 303)


def tier_choices() -> list[tuple[str, str]]:
    """Our tiers as choices, voting ones marked."""
    tiers = db.session.scalars(select(Tier).order_by(Tier.position, Tier.id))
    return [(str(t.id), f"{t.name}{' (votes)' if t.grants_voting else ''}") for t in tiers]


registry.register_nav(newsroom, "Patreon", "patreon_newsroom.index", admin_only=True, order=66)
