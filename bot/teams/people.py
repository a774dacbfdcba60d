"""How a Teams card names a person: the display name Teams last sent for them, else their id."""

from __future__ import annotations

from booking.identity import local_id, surface_of
from bot.teams.deps import References


def name_of(references: References, owner: str) -> str:
    """A Teams user's display name from their stored conversation; anyone else's own id."""
    if surface_of(owner) == "teams":
        found = references.find(owner)
        user = (found[1].get("user") or {}) if found is not None else {}
        name = str(user.get("name") or "").strip()
        if name:
            return name[:100]
    return local_id(owner)
