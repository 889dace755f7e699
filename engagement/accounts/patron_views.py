"""The patron's side: sign in with a magic link, the account page, billing, their data."""

from __future__ import annotations

import json

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engagement.accounts import account, magic_links
from engagement.accounts.auth import (
    current_patron,
    end_patron_sessions,
    patron_required,
    sign_in_patron,
    sign_out_patron,
)
from engagement.accounts.blueprints import public
from engagement.accounts.patron_forms import (
    EraseConfirmForm,
    EraseStartForm,
    MagicLinkRequestForm,
    MagicLinkSignInForm,
    SignOutForm,
)
from engagement.accounts.views import safe_next
from engagement.chrome import register_reader_nav
from engagement.extensions import db, limiter

INVALID_LINK = {
    "used": _l("This sign-in link has already been used."),
    "expired": _l("This sign-in link has expired (links work for 15 minutes)."),
    "unknown": _l("This sign-in link is not valid. Check that the whole link was copied."),
}


def _ip_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["MAGIC_LINK_RATE_LIMIT"]


def _magic_email_key() -> str:
    return "magic-link-email:" + (request.form.get("email") or "").strip().lower()


@public.route("/account/login", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_email_limit, methods=["POST"], key_func=_magic_email_key)
def patron_login():
    """Ask for a sign-in link; the answer never says whether the email is known."""
    form = MagicLinkRequestForm()
    next_path = _next_path()
    if form.validate_on_submit():
        magic_links.request_link(form.email.data, next_path)
        db.session.commit()
        return render_template("accounts/link_sent.html", email=form.email.data)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, next_path=next_path), status


def _next_path() -> str | None:
    """Where the patron was going (`?next=`), when it is a path on this site."""
    target = safe_next(request.args.get("next"), "")
    if not target or target.startswith("/account/login"):
        return None
    return target.removesuffix("?")


@public.get("/account/login/<token>")
def patron_link(token: str):
    """The page of a link: it signs in by itself in a browser (a script posts its form) and shows
    a "Sign in" button otherwise; opening it (a mail scanner, say) uses nothing up."""
    found = magic_links.inspect_token(token)
    if found.state != "valid":
        return _invalid_link(found.state)
    return render_template(
        "accounts/confirm_link.html",
        form=MagicLinkSignInForm(),
        token=token,
        next_path=_next_path(),
        auto=True,
    )


@public.post("/account/login/<token>")
@limiter.limit(_ip_limit)
def patron_link_use(token: str):
    """Use the link up (once) and sign the patron in."""
    form = MagicLinkSignInForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/confirm_link.html", form=form, token=token, next_path=_next_path(), auto=False
        ), 400
    state, patron = magic_links.consume_token(token)
    if patron is None:
        db.session.rollback()
        return _invalid_link(state)
    db.session.commit()
    sign_in_patron(patron)
    flash(_("You are signed in."), "success")
    return redirect(_next_path() or url_for("accounts.patron_account"), 303)


def _invalid_link(state: str):
    status = 410 if state in ("used", "expired") else 404
    return render_template("accounts/invalid_link.html", message=str(INVALID_LINK[state])), status


@public.post("/account/logout")
def patron_logout():
    """Sign the patron out: every copy of the session cookie stops working (a cookie cannot be
    taken back alone, so the patron's other sessions end too)."""
    if _end_patron_sessions():
        flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.patron_login"), 303)


@public.post("/account/logout-everywhere")
def patron_logout_everywhere():
    """Sign the patron out in every browser."""
    if _end_patron_sessions():
        flash(_("You are signed out everywhere: every browser must sign in again."), "info")
    return redirect(url_for("accounts.patron_login"), 303)


def _end_patron_sessions() -> bool:
    form = SignOutForm()
    if not form.validate_on_submit():
        return False
    patron = current_patron()
    if patron is not None:
        end_patron_sessions(patron)
        db.session.commit()
    sign_out_patron()
    return True


def _signed_in_link() -> tuple[str, str] | None:
    """A signed-in patron's header link goes to their account instead of the sign-in page."""
    return (_("Your account"), "accounts.patron_account") if current_patron() else None


register_reader_nav(
    public,
    "account",
    _l("Sign in"),
    "accounts.patron_login",
    order=90,
    covers="/account",
    instead=_signed_in_link,
)


@public.get("/account")
@patron_required
def patron_account():
    """What the patron holds: membership, gifts, reports, votes; billing and their data."""
    return render_account()


def render_account(status: int = 200, **extra):
    """The account page: the patron's own part here, each feature's from its page context."""
    patron = current_patron()
    return render_template(
        "accounts/account.html",
        patron=patron,
        sign_out_form=SignOutForm(),
        erase_form=EraseStartForm(),
        account_sections=account.sections(),
        **account.page_context(patron),
        **extra,
    ), status


@public.get("/account/data")
@patron_required
def patron_data():
    """Download everything held about the patron, as JSON."""
    body = json.dumps(account.export_data(current_patron()), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@public.post("/account/delete")
@patron_required
def patron_erase_start():
    """First step of deleting one's data: the confirmation page."""
    form = EraseStartForm()
    if not form.validate_on_submit():
        return render_account(400)
    return render_template(
        "accounts/erase_confirm.html",
        form=EraseConfirmForm(formdata=None),
        **account.page_context(current_patron()),
    )


@public.post("/account/delete/confirm")
@patron_required
def patron_erase():
    """Second step: erase the personal data, stop renewals, sign out."""
    form = EraseConfirmForm()
    patron = current_patron()
    if not form.validate_on_submit():
        return render_template(
            "accounts/erase_confirm.html", form=form, **account.page_context(patron)
        ), 422
    if not account.ready_for_erasure(patron):
        flash(
            _(
                "Your data could not be deleted because Stripe could not be reached to stop "
                "your membership renewing. Please try again shortly."
            ),
            "error",
        )
        return redirect(url_for("accounts.patron_account"), 303)
    account.erase_patron(patron)
    db.session.commit()
    sign_out_patron()
    return render_template("accounts/erased.html")
