"""Turn one understood request into tool calls and a reply (the offline assistant's decisions).

Book when room, day and times are all known and the message asks to book; confirm with a button
when it names a complete slot without a booking verb; ask for exactly what is missing (offering
free rooms when only the room is); act on the user's own booking when exactly one matches.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from booking.clock import at
from bot.conversation.context import ToolContext
from bot.conversation.offline.replies import Say
from bot.conversation.offline.understand import Understood
from bot.conversation.tools import run_tool
from bot.conversation.types import Action

Booking = dict[str, Any]


class Handler:
    """Answers one understood request through the tools."""

    def __init__(self, ctx: ToolContext, heard: Understood, lang: str):
        self.ctx, self.heard, self.lang = ctx, heard, lang
        today = ctx.now.astimezone(ctx.policy.tz).date()
        self.say = Say(lang, ctx.rooms, today, heard)

    def call(self, name: str, **args: Any) -> dict[str, Any]:
        """Run a tool exactly as the model would."""
        clean = {k: v for k, v in args.items() if v is not None}
        return run_tool(self.ctx, name, json.dumps(clean, default=str))

    def answer(self) -> str:
        """The reply for the understood intent; help only when nothing was understood."""
        intent = self.heard.intent
        if intent in ("unknown", "help") and self.heard.understood_anything:
            complete = self._complete() and self.heard.repeat is None
            return self.confirm() if complete else self.book()
        handlers = {
            "book": self.book, "free": self.free, "schedule": self.schedule, "mine": self.mine,
            "cancel": self.cancel, "move": self.move, "extend": self.extend, "wait": self.wait,
        }  # fmt: skip
        return handlers.get(intent, self.help)()

    def times(self, h: Understood | None = None) -> dict[str, Any]:
        """The time arguments of the request."""
        h = h or self.heard
        end = h.end_time()
        return {"date": h.day, "start_time": h.start, "end_time": end.strftime("%H:%M") if end else None}  # fmt: skip

    # ---- booking and searching ------------------------------------------------------------

    def book(self) -> str:
        """Book, or ask for what is missing (offering free rooms when only the room is)."""
        h = self.heard
        if h.window is not None and h.start is None and h.day is not None:
            return self.in_window()
        missing = h.missing_for_booking()
        if not missing and self._too_small():
            missing = ["room"]  # the named room does not seat them: offer ones that do
        if missing == ["room"]:
            found = self.call("find_free_rooms", **self.times(), **self._needs())
            return self.say.pick_room(found)
        if missing:
            return self.say.ask(missing)
        if h.repeat is not None:
            return self.series()
        result = self.call(
            "create_reservation",
            room=h.room_id,
            **self.times(),
            title=h.title,
            attendees=h.capacity,
        )
        return self.say.booked(result)

    def series(self) -> str:
        """'毎週月曜10時から1時間 会議室B 8回': book the series, or ask how many times."""
        h = self.heard
        if h.count is None:
            return self.say.t("ask_count")
        result = self.call("book_series", room=h.room_id, **self.times(), title=h.title,
                           frequency=h.repeat, count=min(h.count, 20))  # fmt: skip
        return self.say.series(result)

    def wait(self) -> str:
        """'空いたら知らせて': join the waitlist for the slot (or book it, if it is free)."""
        h = self.heard
        missing = h.missing_for_booking()
        if missing:
            return self.say.ask(missing)
        result = self.call("join_waitlist", room=h.room_id, **self.times(), title=h.title)
        if result.get("error", {}).get("code") == "slot_free":
            return self.say.error(result) + "\n" + self.confirm()
        return self.say.waitlisted(result)

    def confirm(self) -> str:
        """A complete slot without a booking verb: say what would be booked, offer a button."""
        h = self.heard
        end = h.end_time()
        assert h.day is not None and h.start is not None and end is not None and h.room_id
        tz = self.ctx.policy.tz
        start_at = at(h.day, h.start, tz)
        end_at = at(h.day + timedelta(days=1) if end <= h.start else h.day, end, tz)
        action = Action("confirm", room_id=h.room_id, start=start_at.isoformat(), end=end_at.isoformat())  # fmt: skip
        self.ctx.offer(action)
        return self.say.confirm()

    def in_window(self) -> str:
        """'明日の午後' / 'tomorrow morning': the first free slot there, or the free rooms."""
        h = self.heard
        assert h.window is not None and h.day is not None
        length = h.duration  # a window has no start time of its own, so no end either
        gaps = self._free_in_window(h.day, h.window, length)
        if h.room_id and length is not None:
            slot = next((g for g in gaps if g[0] == h.room_id), None)
            if slot is None:
                return self.say.free_in_window([], [])
            start = slot[1]
            finish = (datetime.combine(h.day, start) + length).time()
            result = self.call("create_reservation", room=h.room_id, date=h.day, start_time=start,
                               attendees=h.capacity,
                               end_time=finish.strftime("%H:%M"), title=h.title)  # fmt: skip
            return self.say.booked(result)
        missing = [m for m in h.missing_for_booking() if m != "day"]
        return self.say.free_in_window(gaps, missing)

    def free(self) -> str:
        """Which rooms are free for a slot or in a part of the day."""
        h = self.heard
        if h.window is not None and h.start is None:
            day = h.day or self.ctx.now.astimezone(self.ctx.policy.tz).date()
            gaps = self._free_in_window(day, h.window, h.duration)
            return self.say.free_in_window(gaps, [])
        missing = [m for m in h.missing_for_booking() if m != "room"]
        if missing:
            return self.say.ask(missing)
        found = self.call("find_free_rooms", **self.times(), **self._needs())
        return self.say.free_rooms(found)

    def _free_in_window(
        self, day: date, window: tuple[time, time], length: timedelta | None
    ) -> list[tuple[str, time, time]]:
        """(room id, from, to) free gaps inside the window, in rooms that fit, earliest first."""
        schedule = self.call("get_schedule", date=day, room=self.heard.room_id)
        need = timedelta(minutes=30) if length is None else length
        gaps: list[tuple[str, time, time]] = []
        for entry in schedule.get("rooms", []):
            if not self._fits(entry["room"]):
                continue
            for span in entry["free"]:
                lo, hi = (time.fromisoformat(x) for x in span.split("-"))
                lo, hi = max(lo, window[0]), min(hi, window[1])
                if _minutes(hi) - _minutes(lo) >= need.total_seconds() / 60:
                    gaps.append((entry["room"]["id"], lo, hi))
        return sorted(gaps, key=lambda g: (g[1], g[0]))

    def _fits(self, room: dict[str, Any]) -> bool:
        """True when a room seats the party and has the equipment asked for."""
        h = self.heard
        have = {e.lower() for e in room.get("equipment", [])}
        return (h.capacity or 0) <= room["capacity"] and all(e in have for e in h.equipment)

    def schedule(self) -> str:
        day = self.heard.day or self.ctx.now.astimezone(self.ctx.policy.tz).date()
        return self.say.schedule(self.call("get_schedule", date=day, room=self.heard.room_id))

    def help(self) -> str:
        return self.say.help()

    # ---- the user's own bookings -------------------------------------------------------------

    def mine(self) -> str:
        return self.say.mine(self.call("list_my_reservations"))

    def cancel(self) -> str:
        """Cancel by number, or the one booking of mine the description matches."""
        if self.heard.reservation_id is not None:
            result = self.call("cancel_reservation", reservation_id=self.heard.reservation_id)
            return self.say.cancelled(result)
        found, everything = self._matching(self.heard)
        if len(found) == 1 and self._described(self.heard):
            self.ctx.show([])
            return self.say.cancelled(
                self.call("cancel_reservation", reservation_id=found[0]["id"])
            )
        return self._which(found, everything, "cancel")

    def move(self) -> str:
        """Move the one booking the description matches to the new day / time / room."""
        h = self.heard
        target = h.target or h
        found, everything = self._matching(target)
        if len(found) != 1 or not self._described(target):
            return self._which(found, everything, "move")
        if h.target is None or (h.start is None and not h.day_said and h.room_id is None):
            return self.say.t("ask_new_time")
        args = {"date": h.day if h.day_said else None, "start_time": h.start, "room": h.room_id}
        self.ctx.show([])
        return self.say.changed(
            self.call("change_reservation", reservation_id=found[0]["id"], **args)
        )

    def extend(self) -> str:
        """Extend the one booking the description matches by a length or to an end time."""
        h = self.heard
        identify = Understood(h.intent, h.lang, day=h.day, start=h.start, room_id=h.room_id,
                              reservation_id=h.reservation_id, day_said=h.day_said)  # fmt: skip
        found, everything = self._matching(identify)
        if len(found) != 1:
            return self._which(found, everything, "extend")
        old_end = time.fromisoformat(found[0]["end_time"])
        if h.end is not None:
            new_end = h.end
        elif h.duration is not None:
            new_end = (datetime.combine(date.min, old_end) + h.duration).time()
        else:
            return self.say.t("ask_extension")
        self.ctx.show([])
        result = self.call("change_reservation", reservation_id=found[0]["id"], end_time=new_end.strftime("%H:%M"))  # fmt: skip
        return self.say.changed(result)

    def _matching(self, h: Understood) -> tuple[list[Booking], dict[str, Any]]:
        """The user's upcoming bookings the description fits (number, day, start, room)."""
        everything = self.call("list_my_reservations")
        mine: list[Booking] = everything.get("reservations", [])
        return [r for r in mine if _fits_description(r, h)], everything

    @staticmethod
    def _described(h: Understood) -> bool:
        """True when the message said which booking (not just 'cancel my booking')."""
        return h.reservation_id is not None or h.day_said or h.start is not None or bool(h.room_id)

    def _which(self, found: list[Booking], everything: dict[str, Any], verb: str) -> str:
        """Several (or no) bookings fit: list them with their buttons and ask which one."""
        if found and len(found) < len(everything.get("reservations", [])):
            keep = {r["id"] for r in found}
            self.ctx.show([r for r in self.ctx.listed if r.id in keep])
            return self.say.which({"ok": True, "reservations": found}, verb)
        if not found and self._described(self.heard.target or self.heard):
            return self.say.none_match(everything)
        return self.say.which(everything, verb)

    def _complete(self) -> bool:
        """Room, day, start and end all known."""
        return not self.heard.missing_for_booking() and not self._too_small()

    def _too_small(self) -> bool:
        """True when the named room seats fewer people than the request asks for."""
        h = self.heard
        room = self.ctx.rooms.get(h.room_id or "") if self.ctx.rooms else None
        return bool(h.capacity and room is not None and room.capacity < h.capacity)

    def _needs(self) -> dict[str, Any]:
        return {"capacity": self.heard.capacity, "equipment": list(self.heard.equipment) or None}


def _fits_description(r: Booking, h: Understood) -> bool:
    """True when a booking (as the tools describe it) fits what the message said about it."""
    if h.reservation_id is not None:
        return bool(r["id"] == h.reservation_id)
    if h.day_said and h.day is not None and r["date"] != h.day.isoformat():
        return False
    if h.start is not None and not r["start_time"] <= f"{h.start:%H:%M}" < r["end_time"]:
        return False
    return not (h.room_id and r["room_id"] != h.room_id)


def _minutes(value: time | None) -> int:
    """Minutes since midnight."""
    return 0 if value is None else value.hour * 60 + value.minute
