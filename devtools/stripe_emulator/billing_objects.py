"""Builders for subscriptions, invoices and payments with exactly Stripe's example keys."""

from .objects import list_of
from .store import new_id


def subscription(now, sub_id, customer_id, currency, items, metadata, start):
    """Return an active subscription holding the given subscription items."""
    return {
        "application": None, "application_fee_percent": None,
        "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
        "billing_cycle_anchor": start, "billing_cycle_anchor_config": None, "cancel_at": None,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically", "created": now, "currency": currency,
        "customer": customer_id, "days_until_due": None, "default_payment_method": None,
        "default_source": None, "default_tax_rates": [], "description": None, "discounts": [],
        "ended_at": None, "id": sub_id,
        "invoice_settings": {
            "account_tax_ids": None, "issuer": {"type": "self"}, "custom_fields": None,
            "description": None, "footer": None,
        },
        "items": list_of(items, f"/v1/subscription_items?subscription={sub_id}"),
        "latest_invoice": None, "livemode": False, "metadata": metadata or {},
        "next_pending_invoice_item_invoice": None, "object": "subscription",
        "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None, "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None, "pending_setup_intent": None,
        "pending_update": None, "schedule": None, "start_date": start, "status": "active",
        "test_clock": None, "transfer_data": None, "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None, "cancel_at_period_end": False, "billing_thresholds": None,
        "billing_mode": {"type": "classic", "flexible": None}, "customer_account": None,
        "managed_payments": None, "billing_schedules": [],
    }


def invoice_line(inv_id, sub, item, description):
    """Return an invoice line item for one subscription item."""
    amount = item["price"]["unit_amount"] * item["quantity"]
    return {
        "amount": amount, "currency": item["price"]["currency"], "description": description,
        "discount_amounts": [], "discountable": True, "discounts": [], "id": new_id("il_"),
        "invoice": inv_id, "livemode": False, "metadata": {}, "object": "line_item",
        "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
        "quantity": item["quantity"], "subscription": sub["id"], "pretax_credit_amounts": [],
        "taxes": [],
        "parent": {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None, "proration": False, "proration_details": None,
                "subscription": sub["id"], "subscription_item": item["id"],
            },
            "type": "subscription_item_details",
        },
        "pricing": {
            "type": "price_details", "unit_amount_decimal": item["price"]["unit_amount_decimal"],
        },
        "subtotal": amount, "quantity_decimal": str(item["quantity"]),
    }


def invoice(now, inv_id, sub, cust, lines, billing_reason, number):
    """Return a draft invoice for a subscription with the given lines."""
    total = sum(line["amount"] for line in lines)
    return {
        "account_country": "US", "account_name": "Stripe emulator", "account_tax_ids": None,
        "amount_due": total, "amount_paid": 0, "amount_remaining": total, "amount_shipping": 0,
        "application": None, "attempt_count": 0, "attempted": False, "auto_advance": True,
        "automatic_tax": {
            "enabled": False, "liability": None, "status": None, "disabled_reason": None,
            "provider": None,
        },
        "billing_reason": billing_reason, "collection_method": "charge_automatically",
        "created": now, "currency": sub["currency"], "custom_fields": None,
        "customer": cust["id"], "customer_address": None, "customer_email": cust["email"],
        "customer_name": cust["name"], "customer_phone": cust["phone"], "customer_shipping": None,
        "customer_tax_exempt": "none", "customer_tax_ids": [], "default_payment_method": None,
        "default_source": None, "default_tax_rates": [], "description": None, "discounts": [],
        "due_date": None, "effective_at": None, "ending_balance": None, "footer": None,
        "from_invoice": None, "hosted_invoice_url": None, "id": inv_id, "invoice_pdf": None,
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": list_of(lines, f"/v1/invoices/{inv_id}/lines"), "livemode": False,
        "metadata": {}, "next_payment_attempt": None, "number": number, "object": "invoice",
        "on_behalf_of": None,
        "payment_settings": {
            "default_mandate": None, "payment_method_options": None, "payment_method_types": None,
        },
        "period_end": now, "period_start": now, "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None,
        "shipping_cost": None, "shipping_details": None, "starting_balance": 0,
        "statement_descriptor": None, "status": "draft",
        "status_transitions": {
            "finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
            "voided_at": None,
        },
        "subscription": None, "subtotal": total, "subtotal_excluding_tax": total,
        "test_clock": None, "total": total, "total_discount_amounts": [],
        "total_excluding_tax": total, "webhooks_delivered_at": None,
        "automatically_finalizes_at": None, "total_pretax_credit_amounts": [], "total_taxes": [],
        "amount_overpaid": 0,
        "parent": {
            "quote_details": None,
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
            "type": "subscription_details",
        },
        "customer_account": None,
    }


def payment_intent(now, amount, currency, customer_id, metadata, description=None):
    """Return a succeeded card payment intent (latest_charge is set by the caller)."""
    pi_id = new_id("pi_")
    return {
        "amount": amount, "amount_capturable": 0, "amount_details": {"tip": {}},
        "amount_received": amount, "application": None, "application_fee_amount": None,
        "automatic_payment_methods": None, "canceled_at": None, "cancellation_reason": None,
        "capture_method": "automatic_async", "client_secret": f"{pi_id}_secret_{new_id('')}",
        "confirmation_method": "automatic", "created": now, "currency": currency,
        "customer": customer_id, "description": description, "id": pi_id,
        "last_payment_error": None, "latest_charge": None, "livemode": False,
        "metadata": metadata or {}, "next_action": None, "object": "payment_intent",
        "on_behalf_of": None, "payment_method": new_id("pm_"),
        "payment_method_configuration_details": None, "payment_method_options": {},
        "payment_method_types": ["card"], "processing": None, "receipt_email": None,
        "review": None, "setup_future_usage": None, "shipping": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "succeeded", "transfer_data": None, "transfer_group": None, "source": None,
        "excluded_payment_method_types": None, "customer_account": None,
        "managed_payments": None,
    }


def _card_details(last4):
    return {
        "amount_authorized": None, "brand": "visa",
        "checks": {"address_line1_check": None, "address_postal_code_check": None,
                   "cvc_check": "pass"},
        "country": "US", "exp_month": 12, "exp_year": 2034, "extended_authorization": None,
        "fingerprint": "EmuFingerprint01", "funding": "credit",
        "incremental_authorization": None, "installments": None, "last4": last4,
        "mandate": None, "multicapture": None, "network": "visa",
        "network_token": {"used": False}, "overcapture": None, "three_d_secure": None,
        "wallet": None, "authorization_code": None, "regulated_status": "unregulated",
        "network_transaction_id": None, "transaction_link_id": None,
    }


def charge(now, pi, email, last4="4242"):
    """Return a succeeded charge for payment intent pi."""
    ch_id = new_id("ch_")
    return {
        "amount": pi["amount"], "amount_captured": pi["amount"], "amount_refunded": 0,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": new_id("txn_"),
        "billing_details": {
            "address": {k: None for k in ("city", "country", "line1", "line2", "postal_code",
                                          "state")},
            "email": email, "name": None, "phone": None, "tax_id": None,
        },
        "calculated_statement_descriptor": "EMULATOR", "captured": True, "created": now,
        "currency": pi["currency"], "customer": pi["customer"], "description": pi["description"],
        "disputed": False, "failure_balance_transaction": None, "failure_code": None,
        "failure_message": None, "fraud_details": {}, "id": ch_id, "livemode": False,
        "metadata": dict(pi["metadata"]), "object": "charge", "on_behalf_of": None,
        "outcome": {
            "advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": "approved_by_network", "reason": None,
            "seller_message": "Payment complete.", "type": "authorized",
        },
        "paid": True, "payment_intent": pi["id"], "payment_method": pi["payment_method"],
        "payment_method_details": {"card": _card_details(last4), "type": "card"},
        "receipt_email": None, "receipt_number": None, "receipt_url": None, "refunded": False,
        "refunds": list_of([], f"/v1/charges/{ch_id}/refunds"), "review": None,
        "shipping": None, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "succeeded", "transfer_data": None,
        "transfer_group": None, "source": None,
    }


def refund(now, ch, amount, reason, metadata):
    """Return a succeeded refund of charge ch."""
    return {
        "amount": amount, "balance_transaction": new_id("txn_"), "charge": ch["id"],
        "created": now, "currency": ch["currency"],
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "id": new_id("re_"), "metadata": metadata or {}, "object": "refund",
        "payment_intent": ch["payment_intent"], "reason": reason, "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
        "customer": ch["customer"], "customer_account": None,
        "payment_method": ch["payment_method"],
    }
