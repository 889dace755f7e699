"""The no-JavaScript report form (its rate limit is shared with the JSON API)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engagement.accounts.auth import current_patron
from engagement.corrections import api, grouping, services
from engagement.corrections.blueprints import public
from engagement.corrections.forms import FIELD_FOR, ReportForm
from engagement.corrections.schemas import parse_report
from engagement.errors import InvalidInput, apply_domain_error
from engagement.extensions import db


@public.route("/corrections/report", methods=["GET", "POST"])
@api.report_rate_limit  # shared with POST /api/v1/corrections
def report():
    """Report a mistake without JavaScript: the passage pasted by hand."""
    form = ReportForm()
    if request.method == "GET":
        form.url.data = form.url.data or request.args.get("url", "")[:2048]
        form.title.data = form.title.data or request.args.get("title", "")[:300]
    general: list[str] = []
    if form.validate_on_submit():
        try:
            data = parse_report(form.as_report(), services.allowed_hosts())
            services.take_report(data, _sender())
        except InvalidInput as error:
            apply_domain_error(form, error, field_names=FIELD_FOR, form_level=True)
            general = list(form.form_errors)
        else:
            db.session.commit()
            flash(_("Thank you. The editors will look at the passage you reported."), "success")
            # Back on the form with the article kept, and a way back to it.
            return redirect(url_for("corrections.report", url=data.url, title=data.title, sent=1))
    status = 422 if form.errors or general else 200
    return render_template(
        "corrections/report.html", form=form, general=general, back_url=_back_url()
    ), status


def _back_url() -> str | None:
    """After sending, the article the reader came from (only on this newsroom's sites)."""
    url = (request.args.get("url") or "").strip()
    if (
        request.method != "GET"
        or not request.args.get("sent")
        or not url.lower().startswith(("http://", "https://"))
    ):
        return None
    try:
        host = grouping.url_host(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return url if host in services.allowed_hosts() else None


def _sender() -> services.Sender:
    patron = current_patron()
    return services.Sender(
        ip=request.remote_addr or "",
        source="form",
        user_agent=request.user_agent.string or "",
        patron_id=patron.id if patron else None,
    )
