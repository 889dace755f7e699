"""Builders for Stripe objects with exactly the keys of Stripe's published examples."""

import copy

from .store import new_id


def _address():
    return {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")}


def list_of(data, url):
    """Return a Stripe list envelope."""
    return {"object": "list", "data": data, "has_more": False, "url": url}


def product(now, name, description=None, metadata=None, active=True):
    """Return a product."""
    return {
        "active": active,
        "created": now,
        "default_price": None,
        "description": description,
        "id": new_id("prod_", 14),
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata or {},
        "name": name,
        "object": "product",
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "unit_label": None,
        "updated": now,
        "url": None,
        "type": "service",
    }


def price(
    now,
    product_id,
    currency,
    unit_amount,
    recurring=None,
    lookup_key=None,
    metadata=None,
    nickname=None,
):
    """Return a price; recurring is {"interval": ..., "interval_count": n} or None."""
    rec = None
    if recurring:
        rec = {
            "interval": recurring["interval"],
            "interval_count": int(recurring.get("interval_count", 1)),
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": None,
        }
    return {
        "active": True,
        "billing_scheme": "per_unit",
        "created": now,
        "currency": currency,
        "custom_unit_amount": None,
        "id": new_id("price_"),
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata or {},
        "nickname": nickname,
        "object": "price",
        "product": product_id,
        "recurring": rec,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if rec else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def plan_from_price(p):
    """Return the legacy plan mirror of a recurring price (Stripe still sends it on items)."""
    rec = p["recurring"] or {"interval": "month", "interval_count": 1}
    return {
        "active": p["active"],
        "amount": p["unit_amount"],
        "amount_decimal": p["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": p["created"],
        "currency": p["currency"],
        "id": p["id"],
        "interval": rec["interval"],
        "interval_count": rec["interval_count"],
        "livemode": False,
        "metadata": copy.deepcopy(p["metadata"]),
        "meter": None,
        "nickname": p["nickname"],
        "object": "plan",
        "product": p["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


def customer(now, email=None, name=None, metadata=None, description=None, phone=None):
    """Return a customer."""
    return {
        "address": None,
        "balance": 0,
        "created": now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "id": new_id("cus_", 14),
        "invoice_prefix": new_id("", 8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata or {},
        "name": name,
        "next_invoice_sequence": 1,
        "object": "customer",
        "phone": phone,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def checkout_session(now, base_url, params, mode, amount, currency):
    """Return an open checkout session built from create params."""
    cs_id = new_id("cs_test_", 58)
    payment = mode == "payment"
    return {
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "status": None, "provider": None},
        "billing_address_collection": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": params.get("customer"),
        "customer_creation": "if_required" if payment and not params.get("customer") else None,
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": int(params.get("expires_at") or now + 86400),
        "id": cs_id,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        }
        if payment
        else None,
        "livemode": False,
        "locale": None,
        "metadata": params.get("metadata") or {},
        "mode": mode,
        "object": "checkout.session",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": None,
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": f"{base_url}/checkout/{cs_id}",
        "adaptive_pricing": {"enabled": False},
        "discounts": [],
        "collected_information": None,
        "permissions": None,
        "wallet_options": None,
        "origin_context": None,
        "currency_conversion": None,
        "customer_account": None,
        "integration_identifier": None,
        "managed_payments": None,
    }


def customer_details(email, name=None):
    """Return a checkout session's customer_details."""
    return {
        "address": _address(),
        "email": email,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
        "business_name": None,
        "individual_name": None,
    }


def checkout_item(p, quantity, description):
    """Return a checkout session line item (object "item") for price p."""
    total = p["unit_amount"] * quantity
    return {
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": p["currency"],
        "description": description,
        "id": new_id("li_"),
        "object": "item",
        "price": copy.deepcopy(p),
        "quantity": quantity,
        "metadata": {},
        "adjustable_quantity": None,
    }


def portal_session(now, base_url, customer_id, return_url):
    """Return a billing portal session."""
    bps_id = new_id("bps_")
    return {
        "configuration": "bpc_emulator_default",
        "created": now,
        "customer": customer_id,
        "flow": None,
        "id": bps_id,
        "livemode": False,
        "locale": None,
        "object": "billing_portal.session",
        "on_behalf_of": None,
        "return_url": return_url,
        "url": f"{base_url}/portal/{bps_id}",
        "customer_account": None,
    }


def subscription_item(now, p, sub_id, quantity, start, end):
    """Return a subscription item with its own billing period."""
    return {
        "created": now,
        "discounts": [],
        "id": new_id("si_", 14),
        "metadata": {},
        "object": "subscription_item",
        "price": copy.deepcopy(p),
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
        "plan": plan_from_price(p),
        "current_period_end": end,
        "current_period_start": start,
        "billing_thresholds": None,
    }
