"""The stand-in's HTTP side: Patreon's members list (API v2), JSON controls for tests and a
small page to change a member by hand (for `make run`)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template_string,
    request,
)

from .store import STATUSES, Campaign

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Patreon stand-in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;
text-align:left}form.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
label{display:flex;flex-direction:column;font-size:.9rem}</style></head><body>
<h1>Patreon stand-in</h1>
<p>Campaign {{ c.campaign_id }}. Webhooks go to {{ c.webhook_url or "nowhere (none set)" }}.
Each change below is sent as Patreon sends it, signed.</p>
<h2>Change or add a member</h2>
<form method="post" action="/change" class="row">
  <label>Email <input name="email" type="email" required></label>
  <label>Name <input name="full_name"></label>
  <label>Status <select name="patron_status">{% for s in statuses %}
    <option value="{{ s or '' }}">{{ s or 'no pledge' }}</option>{% endfor %}</select></label>
  <label>Tier <select name="tier_id"><option value="">none</option>
    {% for id, t in c.tiers.items() %}<option value="{{ id }}">{{ t.title }}</option>
    {% endfor %}</select></label>
  <label><span><input type="checkbox" name="charge" value="1" checked> charge now</span></label>
  <button type="submit">Send</button>
</form>
<h2>Members</h2>
<table><thead><tr><th>Email</th><th>Status</th><th>Tier</th><th>Last charge</th>
<th>Next charge</th></tr></thead><tbody>{% for m in c.members.values() %}
<tr><td>{{ m.email }}</td><td>{{ m.patron_status or 'no pledge' }}</td>
<td>{{ c.tiers[m.tier_id].title if m.tier_id in c.tiers else '' }}</td>
<td>{{ m.last_charge_date or '' }}</td><td>{{ m.next_charge_date or '' }}</td></tr>
{% else %}<tr><td colspan="5">No members yet.</td></tr>{% endfor %}</tbody></table>
<h2>Deliveries</h2><ol>{% for d in c.deliveries %}
<li>{{ d.trigger }}: {{ d.status or d.answer }}</li>{% endfor %}</ol></body></html>"""


bp = Blueprint("standin", __name__)


def campaign() -> Campaign:
    """The campaign this app serves."""
    return current_app.config["CAMPAIGN"]


@bp.get("/api/oauth2/v2/campaigns/<campaign_id>/members")
def members(campaign_id):
    """Patreon's members list: bearer token, cursor paging."""
    c = campaign()
    if request.headers.get("Authorization") != f"Bearer {c.token}":
        return jsonify(errors=[{"code": 1, "status": "401", "title": "Unauthorized"}]), 401
    if campaign_id != c.campaign_id:
        return jsonify(errors=[{"status": "404", "title": "Not found"}]), 404
    count = request.args.get("page[count]", "20")
    count = int(count) if count.isdigit() and 0 < int(count) <= 1000 else 20
    return jsonify(c.page(request.args.get("page[cursor]"), count))


@bp.post("/_standin/members")
def change_member():
    """Create or change a member from JSON; send the webhook Patreon would send."""
    fields = request.get_json(force=True) or {}
    if fields.get("patron_status", "active_patron") not in STATUSES:
        abort(400)
    member, trigger = campaign().change(fields)
    return jsonify(
        member=campaign().document(member),
        trigger=trigger,
        delivery=campaign().send_member(member, trigger),
    )


@bp.post("/_standin/members/<member_id>/delete")
def delete_member(member_id):
    """Remove a member; send members:delete."""
    member = campaign().find(member_id=member_id)
    if member is None:
        abort(404)
    with campaign().lock:
        campaign().members.pop(member["id"], None)
    return jsonify(delivery=campaign().send_member(member, "members:delete"))


@bp.post("/_standin/deliveries/<int:number>/resend")
def resend(number):
    """Send a logged delivery again, byte for byte (duplicates, late arrivals)."""
    c = campaign()
    if not 0 <= number < len(c.deliveries):
        abort(404)
    old = c.deliveries[number]
    return jsonify(delivery=c.deliver(old["trigger"], old["body"].encode()))


@bp.get("/_standin/deliveries")
def deliveries():
    """Every delivery sent, with the app's answer."""
    return jsonify(deliveries=campaign().deliveries)


@bp.post("/_standin/webhook")
def configure_webhook():
    """Where deliveries go and the secret they are signed with."""
    body = request.get_json(force=True) or {}
    campaign().webhook_url, campaign().webhook_secret = body.get("url"), body.get("secret")
    return jsonify(url=campaign().webhook_url)


@bp.post("/_standin/reset")
def reset():
    """Forget members and deliveries."""
    campaign().reset()
    return jsonify(reset=True)


@bp.get("/")
def page():
    """The members and a form to change one by hand."""
    return render_template_string(PAGE, c=campaign(), statuses=STATUSES)


@bp.post("/change")
def change_by_hand():
    """The page's form: change a member and send the webhook."""
    form = request.form
    status = form.get("patron_status") or None
    if status not in STATUSES or not form.get("email"):
        abort(400)
    fields = {
        "email": form["email"].strip().lower(),
        "patron_status": status,
        "tier_id": form.get("tier_id") or None,
        "charge": bool(form.get("charge")),
    }
    if form.get("full_name"):
        fields["full_name"] = form["full_name"]
    member, trigger = campaign().change(fields)
    campaign().send_member(member, trigger)
    return redirect("/", 303)


def create_app(the_campaign: Campaign) -> Flask:
    """The members API, the controls and the page."""
    app = Flask(__name__)
    app.config["CAMPAIGN"] = the_campaign
    app.register_blueprint(bp)
    return app
