"""Patreon bridge: members and pledges from Patreon count as memberships."""
