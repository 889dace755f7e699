"""Newsroom pages about patrons: the list (and its CSV), a patron's page, complimentary
memberships, and the membership figures on the dashboard."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engagement.accounts.auth import admin_required, editor_required
from engagement.accounts.models import Editor, Patron
from engagement.corrections.account_hooks import reports_of
from engagement.edge import parse_id
from engagement.errors import DomainError, apply_domain_error
from engagement.extensions import db
from engagement.membership import figures, grants, patrons
from engagement.membership.account_pages import donations_of, memberships_of
from engagement.membership.admin_webhooks import event_outcome
from engagement.membership.blueprints import newsroom
from engagement.membership.forms import GrantForm, RevokeForm
from engagement.membership.models import Membership, Tier
from engagement.membership.tiers import ordered_tiers
from engagement.newsroom import registry
from engagement.newsroom.confirm import confirm


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return min(parse_id(raw) or 1, 100000)


@newsroom.get("/patrons")
@editor_required
def index():
    """Patrons: search by email or name, filter by tier and status, a page at a time."""
    flt = patrons.PatronFilter.from_args(request.args)
    page = _page_number()
    rows, total = patrons.page_of_patrons(flt, page)
    memberships = patrons.main_memberships([p.id for p in rows])
    listed = [(p, patrons.row_for(p, memberships.get(p.id)), memberships.get(p.id)) for p in rows]
    args = flt.as_args()
    more = page * patrons.PAGE_SIZE < total
    return render_template(
        "membership/newsroom/patrons/index.html",
        listed=listed,
        total=total,
        flt=flt,
        tiers=ordered_tiers(),
        statuses=patrons.STATUS_CHOICES,
        page=page,
        status_label=patrons.status_label,
        next_url=url_for(".index", page=page + 1, **args) if more else None,
        prev_url=url_for(".index", page=page - 1, **args) if page > 1 else None,
        csv_url=url_for(".export_csv", **args),
    )


@newsroom.get("/patrons.csv")
@editor_required
def export_csv():
    """Every patron matching the current filters, as CSV, streamed."""
    flt = patrons.PatronFilter.from_args(request.args)
    filename = f"patrons-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(patrons.csv_lines(patrons.iter_rows(flt))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@newsroom.get("/patrons/<int:patron_id>")
@editor_required
def show(patron_id: int):
    """One patron: memberships, gifts, reports and the timeline of their Stripe events."""
    patron = db.get_or_404(Patron, patron_id)
    editors = {}
    memberships = memberships_of(patron)
    granted_by = {m.granted_by_id for m in memberships if m.granted_by_id}
    if granted_by:
        editors = {
            e.id: e for e in db.session.scalars(select(Editor).where(Editor.id.in_(granted_by)))
        }
    return render_template(
        "membership/newsroom/patrons/show.html",
        patron=patron,
        memberships=memberships,
        donations=donations_of(patron),
        reports=reports_of(patron),
        events=patrons.stripe_events_of(patron),
        editors=editors,
        status_label=patrons.status_label,
        event_outcome=event_outcome,
        revoke_form=RevokeForm(),
    )


@newsroom.route("/patrons/grant", methods=["GET", "POST"])
@admin_required
def grant():
    """Grant a tier to an email, for some months or without end."""
    form = GrantForm()
    form.tier.choices = [(t.id, t.name) for t in ordered_tiers()]
    if not form.is_submitted() and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    status = 200
    if form.validate_on_submit():
        try:
            membership = grants.grant_membership(
                form.email.data,
                db.session.get(Tier, form.tier.data),
                form.months.data,
                form.reason.data,
                current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
            return render_template("membership/newsroom/patrons/grant.html", form=form), exc.status
        db.session.commit()
        flash(
            _(
                "Granted %(tier)s to %(email)s.",
                tier=membership.tier.name,
                email=membership.patron.email,
            ),
            "success",
        )
        return redirect(url_for(".show", patron_id=membership.patron_id), 303)
    if form.is_submitted():
        status = 422
    return render_template("membership/newsroom/patrons/grant.html", form=form), status


@newsroom.get("/patrons/<int:patron_id>/grants/<int:membership_id>/revoke")
@admin_required
def revoke_confirm(patron_id: int, membership_id: int):
    """What revoking the grant does: the page that asks first."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.patron_id != patron_id or not membership.is_grant:
        abort(404)
    back = url_for(".show", patron_id=patron_id)
    email = membership.patron.email
    title = (
        _("Revoke %(email)s's %(tier)s membership?", email=email, tier=membership.tier.name)
        if membership.tier
        else _("Revoke %(email)s's complimentary membership?", email=email)
    )
    return confirm(
        title,
        [
            _(
                "%(email)s stops being a patron through this grant now; a paid membership they "
                "hold is not touched.",
                email=email,
            ),
            _(
                "If the tier lets them vote, their votes in open rounds no longer count at the "
                "close."
            ),
        ],
        url_for(".revoke", patron_id=patron_id, membership_id=membership_id),
        _("Revoke now"),
        back,
    )


@newsroom.post("/patrons/<int:patron_id>/grants/<int:membership_id>/revoke")
@admin_required
def revoke(patron_id: int, membership_id: int):
    """End a complimentary membership now."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.patron_id != patron_id:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    grants.revoke_grant(membership)
    db.session.commit()
    flash(_("The complimentary membership is revoked."), "success")
    return redirect(url_for(".show", patron_id=patron_id), 303)


def _figures_panel() -> dict:
    return figures.membership_figures()


registry.register_nav(newsroom, _l("Patrons"), "membership_newsroom.index", order=50)
registry.register_panel(
    newsroom, "patrons", "membership/newsroom/patrons/panel.html", _figures_panel, order=25
)
