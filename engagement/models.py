"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from engagement.accounts.erasure import ErasureTombstone
from engagement.accounts.magic_links import MagicLink
from engagement.accounts.models import Editor, Patron
from engagement.corrections.models import Correction, CorrectionEvent, CorrectionNote, Report
from engagement.membership.models import Donation, Membership, StripeEvent, Tier
from engagement.membership.thanks import CheckoutSignIn
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem, NotificationPreference
from engagement.patreon.models import PatreonDelivery, PatreonMember, PatreonTier
from engagement.voting.models import Ballot, Round, Topic, Vote

__all__ = [
    "CheckoutSignIn",
    "Correction",
    "CorrectionEvent",
    "CorrectionNote",
    "DigestItem",
    "Donation",
    "Editor",
    "Email",
    "ErasureTombstone",
    "MagicLink",
    "Membership",
    "NotificationPreference",
    "Patron",
    "PatreonDelivery",
    "PatreonMember",
    "PatreonTier",
    "Report",
    "StripeEvent",
    "Tier",
    "Ballot",
    "Round",
    "Topic",
    "Vote",
]
