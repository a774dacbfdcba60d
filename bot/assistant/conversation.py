"""What a surface (Slack, the JSON API, the console) hands the assistant and gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from booking.model import Reservation


@dataclass(frozen=True)
class ChatRequest:
    """One user message in one conversation; user_id comes from the verified request."""

    session: str
    user_id: str
    text: str
    lang: Literal["ja", "en"] | None = None


@dataclass(frozen=True)
class ChatReply:
    """The assistant's answer, with the reservations it made (for Cancel buttons)."""

    text: str
    lang: Literal["ja", "en"]
    created: list[Reservation] = field(default_factory=list)
    source: Literal["model", "offline", "error"] = "model"
