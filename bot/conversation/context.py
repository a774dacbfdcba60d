"""The tools' view of one verified request: who acts, when, and what the turn did so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from booking.model import Reservation, Room
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from bot.conversation.types import Action, Progress, ProgressSink


@dataclass
class ToolContext:
    """Who is acting, when, and with which collaborators; filled from the verified request."""

    uow: Callable[[], AbstractUnitOfWork]
    policy: Policy
    user_id: str
    now: datetime
    admins: frozenset[str] = frozenset()
    created: list[Reservation] = field(default_factory=list)  # for Cancel buttons in the reply
    listed: list[Reservation] = field(default_factory=list)  # the actor's own, shown in a list
    rooms: dict[str, Room] = field(default_factory=dict)
    lang: str = "ja"
    sink: ProgressSink | None = None  # a surface showing steps live
    steps: list[Progress] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def step(self, tool: str, phase: str, summary: str) -> None:
        """Record a step of the turn and hand it to the live sink, if any."""
        event = Progress(tool, phase, summary)  # type: ignore[arg-type]
        self.steps.append(event)
        if self.sink is not None:
            self.sink(event)

    def show(self, reservations: list[Reservation]) -> None:
        """List reservations in the reply (replacing any listed before), each with Cancel."""
        old = {r.id for r in self.listed}
        self.actions = [
            a for a in self.actions if a.kind != "cancel" or a.reservation_id not in old
        ]
        self.listed = list(reservations)
        for r in reservations:
            self.offer(Action("cancel", r.id))

    def offer(self, action: Action) -> None:
        """Offer an action once (a Cancel per booking, a Book per alternative)."""
        if action not in self.actions:
            self.actions.append(action)

    def list_own(self, reservations: list[Reservation]) -> None:
        """Note the actor's own reservations a reply lists, offering Cancel on each."""
        for r in reservations:
            if r.owner_id == self.user_id and r.active and r not in self.listed:
                self.listed.append(r)
                self.offer(Action("cancel", r.id))

    def room_name(self, room_id: str, lang: str = "ja") -> str:
        """A room's display name in a language (rooms loaded once per turn)."""
        if not self.rooms:
            with self.uow() as uow:
                self.rooms = {r.id: r for r in uow.rooms.list()}
        room = self.rooms.get(room_id)
        return room.label(lang) if room else room_id
