"""Owners are identities namespaced by surface ('slack:U123', 'teams:<tenant>:<aad id>', 'api:ops').

A walk-up booking made on a room's door board is owned by that board ('board:<token id>').

Two surfaces' ids can never collide: a Teams user whose id string equals a Slack user's id is
another owner. A bare id from configuration or the API is read in a default namespace.
"""

from __future__ import annotations

import re

SURFACES = ("slack", "teams", "api", "console", "calendar", "board")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")


def identity(surface: str, *parts: str) -> str:
    """The namespaced identity of a user of a surface."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    return ":".join((surface, *parts))


def surface_of(owner: str) -> str:
    """The surface an identity belongs to ('' for an un-namespaced legacy value)."""
    head, sep, _ = owner.partition(":")
    return head if sep and head in SURFACES else ""


def local_id(owner: str) -> str:
    """The surface's own id of the user (Slack's 'U123'; the last part for Teams)."""
    return owner.rpartition(":")[2] if surface_of(owner) else owner


def parse(raw: str, default_surface: str) -> str:
    """A namespaced identity from configuration or a trusted API: bare Slack ids are Slack's."""
    raw = raw.strip()
    if surface_of(raw):
        return raw
    if SLACK_USER.match(raw):
        return identity("slack", raw)
    return identity(default_surface, raw)
