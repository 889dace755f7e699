"""Patreon's API v2, the little of it the bridge reads: a campaign's members, page by page.

Behind this small class so tests (and `make run`) point it at the stand-in in devtools/ with
PATREON_API_BASE; without that setting it speaks to Patreon itself.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

from flask import current_app

PATREON_BASE = "https://www.patreon.com"
MEMBER_FIELDS = (
    "email,full_name,patron_status,currently_entitled_amount_cents,"
    "last_charge_status,last_charge_date,next_charge_date,"
    "pledge_relationship_start,pledge_cadence"
)
PAGE_SIZE = 100
MAX_PAGES = 10_000


class PatreonError(Exception):
    """Patreon refused or could not be reached."""


class PatreonClient:
    """Reads a campaign's members with a creator's access token."""

    def __init__(
        self, token: str, campaign_id: str, base: str | None = None, timeout: float = 30.0
    ):
        self.token, self.campaign_id = token, campaign_id
        self.base = (base or PATREON_BASE).rstrip("/")
        if not self.base.startswith(("https://", "http://")):
            raise PatreonError(f"PATREON_API_BASE must be an http(s) URL, not {self.base!r}.")
        self.timeout = timeout

    @classmethod
    def from_config(cls) -> PatreonClient | None:
        """The client the settings describe, or None when the token or campaign is missing."""
        config = current_app.config
        if not config.get("PATREON_ACCESS_TOKEN") or not config.get("PATREON_CAMPAIGN_ID"):
            return None
        return cls(
            config["PATREON_ACCESS_TOKEN"],
            str(config["PATREON_CAMPAIGN_ID"]),
            config.get("PATREON_API_BASE"),
        )

    def _url(self, cursor: str | None) -> str:
        query = {
            "include": "currently_entitled_tiers,user",
            "fields[member]": MEMBER_FIELDS,
            "fields[tier]": "title,amount_cents",
            "page[count]": str(PAGE_SIZE),
        }
        if cursor:
            query["page[cursor]"] = cursor
        campaign = urllib.parse.quote(self.campaign_id, safe="")
        return f"{self.base}/api/oauth2/v2/campaigns/{campaign}/members?" + urllib.parse.urlencode(
            query
        )

    def _get(self, url: str) -> dict:
        request = urllib.request.Request(  # noqa: S310 - http(s) checked
            url,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": "engagement-patreon-bridge",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise PatreonError(f"Patreon refused the access token ({exc.code}).") from None
            raise PatreonError(f"Patreon answered {exc.code}.") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PatreonError(f"Patreon could not be reached: {exc}") from None
        except ValueError:
            raise PatreonError("Patreon's answer is not JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise PatreonError("Patreon's answer has no list of members.")
        return body

    def member_pages(self) -> Iterator[tuple[list[dict], list[dict], int | None]]:
        """Each page's members, its included tiers and users, and the total Patreon gives."""
        cursor = None
        for _ in range(MAX_PAGES):
            body = self._get(self._url(cursor))
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total = pagination.get("total")
            yield (
                body["data"],
                body.get("included") or [],
                total if isinstance(total, int) else None,
            )
            cursor = (pagination.get("cursors") or {}).get("next")
            if not cursor or not body["data"]:
                return
