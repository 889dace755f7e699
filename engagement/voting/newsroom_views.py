"""Editors' pages of the voting feature: rounds, topics, suggestions, outcomes, export."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import func, select

from engagement.accounts.auth import editor_required
from engagement.errors import DomainError, apply_domain_error
from engagement.extensions import db
from engagement.formatting import voting_time
from engagement.membership.models import Tier
from engagement.newsroom import registry
from engagement.newsroom.confirm import confirm
from engagement.voting import curation
from engagement.voting.blueprints import newsroom
from engagement.voting.forms import RoundForm, TopicForm, to_local
from engagement.voting.models import (
    ROUND_STATUS_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    VISIBILITY_LABELS,
    Round,
    Topic,
    Vote,
)

OUTCOMES = ("planned", "in_progress", "published", "declined")


@newsroom.get("/rounds")
@editor_required
def rounds():
    """Every round, newest first, with its topics and votes."""
    # Only reads: rounds closed by the clock are counted by the worker (voting/closing.py).
    listed = db.session.scalars(select(Round).order_by(Round.opens_at.desc(), Round.id.desc()))
    totals = dict(
        db.session.execute(
            select(Topic.round_id, func.sum(Topic.vote_count)).group_by(Topic.round_id)
        ).all()
    )
    return render_template(
        "voting/newsroom/rounds.html",
        rounds=list(listed),
        totals=totals,
        pending=len(curation.pending_suggestions()),
        round_statuses=ROUND_STATUS_LABELS,
        visibilities=VISIBILITY_LABELS,
    )


def _round_form(round_: Round | None) -> RoundForm:
    form = RoundForm()
    tiers = db.session.scalars(select(Tier).order_by(Tier.position, Tier.id)).all()
    form.tier_ids.choices = [
        (
            tier.id,
            tier.name
            if tier.grants_voting
            else _("%(tier)s (does not grant voting)", tier=tier.name),
        )
        for tier in tiers
    ]
    if round_ is not None and not form.is_submitted():
        form.title.data, form.description.data = round_.title, round_.description
        form.opens_at.data, form.closes_at.data = (
            to_local(round_.opens_at),
            to_local(round_.closes_at),
        )
        form.vote_budget.data = round_.vote_budget
        form.results_visibility.data = round_.results_visibility
        form.allow_suggestions.data = round_.allow_suggestions
        form.tier_ids.data = [tier.id for tier in round_.eligible_tiers]
    return form


def _edit_round(round_: Round | None):
    form = _round_form(round_)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            saved = curation.save_round(round_, form.data_for_service())
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc, form_level=True)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Saved the round “%(title)s”.", title=saved.title), "success")
            return redirect(url_for("voting_newsroom.round_detail", round_id=saved.id), 303)
    return render_template("voting/newsroom/round_form.html", form=form, round=round_), status


@newsroom.route("/rounds/new", methods=["GET", "POST"])
@editor_required
def round_new():
    """Create a round."""
    return _edit_round(None)


@newsroom.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@editor_required
def round_edit(round_id: int):
    """Change a round that has not closed."""
    return _edit_round(curation.get_round(round_id))


def _render_round(
    round_: Round,
    status: int = 200,
    topic_form: TopicForm | None = None,
    errors: dict | None = None,
):
    topics = [t for t in round_.topics if t.state not in ("suggested", "merged")]
    closed = round_.status() == "closed"
    return render_template(
        "voting/newsroom/round.html",
        round=round_,
        topics=topics,
        ranked=curation.ranking(round_, topics) if closed else [],
        topic_form=topic_form or TopicForm(formdata=None),
        errors=errors or {},
        outcomes=OUTCOMES,
        transitions=TRANSITIONS,
        state_labels=STATE_LABELS,
        round_statuses=ROUND_STATUS_LABELS,
        values=request.form if status != 200 else {},
    ), status


@newsroom.get("/rounds/<int:round_id>")
@editor_required
def round_detail(round_id: int):
    """A round: its topics and their order, or after the close its ranking and outcomes."""
    round_ = curation.get_round(round_id)
    if round_.status() == "closed" and round_.tallied_at is None:
        curation.tally_round(round_)
        db.session.commit()
    return _render_round(round_)


@newsroom.post("/rounds/<int:round_id>/topics")
@editor_required
def topic_add(round_id: int):
    """Add a topic to the end of the round."""
    round_ = curation.get_round(round_id)
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = curation.add_topic(round_, form.title.data, form.description.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc, form_level=True)
        else:
            db.session.commit()
            flash(_("Added “%(title)s”.", title=topic.title), "success")
            return redirect(url_for("voting_newsroom.round_detail", round_id=round_id), 303)
    return _render_round(round_, 422, topic_form=form)


@newsroom.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@editor_required
def topic_edit(topic_id: int):
    """Change a topic's title and description."""
    topic = curation.get_topic(topic_id)
    form = TopicForm(obj=None if request.method == "POST" else topic)
    if form.validate_on_submit():
        try:
            curation.edit_topic(topic, form.title.data, form.description.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc, form_level=True)
        else:
            db.session.commit()
            flash(_("Saved “%(title)s”.", title=topic.title), "success")
            return redirect(_back_to(topic), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("voting/newsroom/topic_form.html", form=form, topic=topic), status


def _back_to(topic: Topic) -> str:
    if topic.round_id is None or topic.state == "suggested":
        return url_for("voting_newsroom.suggestions")
    return url_for("voting_newsroom.round_detail", round_id=topic.round_id)


@newsroom.post("/topics/<int:topic_id>/move")
@editor_required
def topic_move(topic_id: int):
    """Move a topic up or down the round's list."""
    topic = curation.get_topic(topic_id)
    curation.move_topic(topic, request.form.get("direction", ""))
    db.session.commit()
    return redirect(
        url_for(
            "voting_newsroom.round_detail", round_id=topic.round_id, _anchor=f"topic-{topic.id}"
        ),
        303,
    )


@newsroom.get("/rounds/<int:round_id>/close")
@editor_required
def round_close_confirm(round_id: int):
    """What closing the round now does, and to how many: the page that asks first."""
    round_ = curation.get_round(round_id)
    votes, voters = db.session.execute(
        select(func.count(Vote.id), func.count(func.distinct(Vote.patron_id))).where(
            Vote.round_id == round_.id
        )
    ).one()
    back = url_for("voting_newsroom.round_detail", round_id=round_id)
    if round_.status() != "open":
        flash(_("Only an open round can be closed."), "error")
        return redirect(back, 303)
    # TRANSLATORS: %(votes)s is "3 votes", %(voters)s is "2 co-creators".
    counted = _(
        "The %(votes)s of %(voters)s are counted now and the ranking is final.",
        votes=ngettext("%(num)s vote", "%(num)s votes", votes),
        voters=ngettext("%(num)s co-creator", "%(num)s co-creators", voters),
    )
    return confirm(
        _("Close “%(title)s” now?", title=round_.title),
        [
            _(
                "Voting ends at once for every co-creator; it was to close %(when)s.",
                when=voting_time(round_.closes_at),
            ),
            counted,
            _("A closed round cannot be opened again."),
        ],
        url_for("voting_newsroom.round_close", round_id=round_id),
        _("Close the round now"),
        back,
    )


@newsroom.post("/rounds/<int:round_id>/close")
@editor_required
def round_close(round_id: int):
    """Close an open round now and count the votes."""
    round_ = curation.get_round(round_id)
    try:
        curation.close_round(round_)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Closed “%(title)s”; the votes are counted.", title=round_.title), "success")
    return redirect(url_for("voting_newsroom.round_detail", round_id=round_id), 303)


@newsroom.post("/rounds/<int:round_id>/open")
@editor_required
def round_open(round_id: int):
    """Open a scheduled round at once."""
    round_ = curation.get_round(round_id)
    try:
        round_.open_now()
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("“%(title)s” is open for votes.", title=round_.title), "success")
    return redirect(url_for("voting_newsroom.round_detail", round_id=round_id), 303)


@newsroom.post("/topics/<int:topic_id>/outcome")
@editor_required
def topic_outcome(topic_id: int):
    """Mark a topic planned, in progress, published (with its article) or declined."""
    topic = curation.get_topic(topic_id)
    state = request.form.get("state", "")
    try:
        mailed = curation.set_outcome(
            topic,
            state,
            reason=request.form.get("reason", ""),
            url=request.form.get("published_url"),
        )
    except DomainError as exc:
        db.session.rollback()
        round_ = curation.get_round(topic.round_id) if topic.round_id else None
        if round_ is None or round_.status() != "closed":
            raise
        return _render_round(
            round_, exc.status, errors={topic.id: exc.fields or {"state": exc.message}}
        )
    db.session.commit()
    done = _("“%(title)s” is now %(state)s.", title=topic.title, state=STATE_LABELS[state].lower())
    if state == "published":
        done += " " + ngettext(
            "%(num)s voter will get the article by mail.",
            "%(num)s voters will get the article by mail.",
            mailed,
        )
    flash(done, "success")
    return redirect(
        url_for(
            "voting_newsroom.round_detail", round_id=topic.round_id, _anchor=f"topic-{topic.id}"
        ),
        303,
    )


@newsroom.get("/rounds/<int:round_id>/export.csv")
@editor_required
def round_export(round_id: int):
    """The round's topics, votes, counted votes and states as CSV."""
    round_ = curation.get_round(round_id)
    body = curation.export_csv(round_)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="round-{round_.id}.csv"'},
    )


def _panel_context() -> dict:
    return curation.panel_figures()


registry.register_nav(newsroom, lazy_gettext("Rounds"), "voting_newsroom.rounds", order=40)
registry.register_panel(newsroom, "voting", "voting/newsroom/panel.html", _panel_context, order=40)
