"""What a surface hands the conversation core, and the structured reply it gets back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from booking.model import Reservation, Room

Lang = Literal["ja", "en"]
ActionKind = Literal["cancel", "check_in", "release", "book", "confirm", "waitlist"]
Source = Literal["model", "offline", "error"]


@dataclass(frozen=True)
class Inbound:
    """One user message: the surface, the verified actor, the session, the text, a language hint."""

    surface: str
    actor: str  # a namespaced identity (booking.identity), never taken from message text
    session: str
    text: str
    lang: Lang | None = None
    context: Mapping[str, str] = field(default_factory=dict)  # e.g. the channel a thread is about


@dataclass(frozen=True)
class Action:
    """A button a surface may offer: on a reservation, or a slot to book.

    'book' is a free alternative after a conflict; 'confirm' books exactly what was asked when the
    message had no booking verb ("12月6日 14時〜15時 会議室B"); 'waitlist' waits for the taken slot.
    """

    kind: ActionKind
    reservation_id: int | None = None
    room_id: str = ""
    start: str = ""  # ISO instants, for "book"
    end: str = ""


@dataclass(frozen=True)
class Progress:
    """A step of the turn: a tool started, finished or failed, with a one-line summary."""

    tool: str
    phase: Literal["started", "finished", "failed"]
    summary: str


ProgressSink = Callable[[Progress], None]


@dataclass(frozen=True)
class Reply:
    """The core's answer: text, the reservations it touched, actions on them, and the steps."""

    text: str
    lang: Lang
    reservations: list[Reservation] = field(default_factory=list)  # made or changed
    actions: list[Action] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    source: Source = "model"
    rooms: Mapping[str, Room] = field(default_factory=dict)  # the rooms this turn read, by id
    listed: list[Reservation] = field(default_factory=list)  # own ones listed, not made here


class Converse(Protocol):
    """The conversation core's entry, as surfaces see it."""

    def reply(self, inbound: Inbound, sink: ProgressSink | None = None) -> Reply:
        """The answer to one message."""
        ...
