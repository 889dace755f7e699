"""The addresses a webhook's erasure check looks for in an event: every email its personal
fields hold, wherever they are nested, and nothing from the newsroom's own objects."""

from __future__ import annotations

from engagement.membership.account_hooks import emails_in, personal_fields

EVENT = {
    "id": "evt_1",
    "object": "event",
    "type": "checkout.session.completed",
    "data": {
        "object": {
            "object": "checkout.session",
            "customer_email": "first@example.org",
            "customer_details": {"email": "second@example.org", "name": "Olena", "phone": None},
            "line_items": {
                "data": [
                    {
                        "price": {"object": "price", "product": {"object": "product", "name": "x"}},
                        "description": "third@example.org is only text here",
                    }
                ]
            },
            "payment_intent": {
                "receipt_email": "third@example.org",
                "charges": [
                    {"billing_details": {"email": "fourth@example.org", "address": {}}},
                    {"billing_details": {"email": None}},
                    {"receipt_email": ""},
                ],
            },
            "shipping": {"name": "Olena", "address": {"city": "Lviv"}},
            "email": {"email": "fifth@example.org"},
        }
    },
}


def test_every_email_of_the_personal_fields_is_found():
    assert sorted(emails_in(EVENT)) == [
        "fifth@example.org",
        "first@example.org",
        "fourth@example.org",
        "second@example.org",
        "third@example.org",
    ]


def test_the_same_as_the_personal_fields_listed_for_the_patron():
    fields = personal_fields(EVENT)
    listed = {
        v
        for p, v in fields.items()
        if p.rsplit(".", 1)[-1] in {"email", "customer_email", "receipt_email"}
        and isinstance(v, str)
    }
    listed |= {
        v["email"]
        for v in fields.values()
        if isinstance(v, dict) and isinstance(v.get("email"), str)
    }
    assert set(emails_in(EVENT)) == listed


def test_an_event_without_personal_fields_has_none():
    assert emails_in({"data": {"object": {"object": "product", "name": "Coffee"}}}) == []
    assert emails_in([]) == [] and emails_in("text@example.org") == []
