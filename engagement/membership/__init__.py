"""Tiers, Stripe (the gateway, checkout, webhooks), membership state and figures."""
