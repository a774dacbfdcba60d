"""Slack users as owners: 'slack:U123' in the database, <@U123> on screen."""

from __future__ import annotations

from booking.identity import identity, local_id, surface_of
from bot.conversation.i18n import t


def actor(user_id: str) -> str:
    """The namespaced identity of a verified Slack user."""
    return identity("slack", user_id)


def is_slack(owner: str) -> bool:
    """True for an owner who is a Slack user."""
    return surface_of(owner) == "slack"


def user_id(owner: str) -> str:
    """The Slack user id of a Slack owner (for DMs and mentions)."""
    return local_id(owner)


def owner_label(owner: str, lang: str) -> str:
    """Who booked, as Slack shows it: <@U123> for Slack users, a readable name for others."""
    surface = surface_of(owner)
    if surface == "slack":
        return f"<@{local_id(owner)}>"
    if surface == "teams":
        return t("owner_teams", lang)
    return owner.partition(":")[2] if surface else owner
