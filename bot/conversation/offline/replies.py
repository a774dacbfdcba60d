"""Replies of the offline assistant, in Japanese and English, built from tool results."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from booking.model import Room
from bot.conversation import formats as f
from bot.conversation.i18n import t
from bot.conversation.offline.understand import Understood

Result = dict[str, Any]


class Say:
    """Words for one reply: the language, the rooms by id, today, and the request heard."""

    def __init__(self, lang: str, rooms: Mapping[str, Room], today: date, heard: Understood):
        self.lang, self.rooms, self.today, self.heard = lang, rooms, today, heard

    def t(self, key: str, **values: object) -> str:
        """A fixed text in this reply's language."""
        return t(key, self.lang, **values)

    def understood(self, h: Understood | None = None) -> str:
        """What was understood so far: '9月27日(土) 14:00〜15:00、会議室A、6人'."""
        h, lang = h or self.heard, self.lang
        parts: list[str] = []
        day = f.day_text(h.day, lang, self.today) if h.day else ""
        end = h.end_time()
        if h.start:
            start = f"{h.start:%H:%M}"
            times = f.span_text(h.start, end, lang) if end else self.t("from_time", time=start)
        else:
            times = f.span_text(*h.window, lang) if h.window else ""
        when = (", " if lang == "en" else " ").join(p for p in (day, times) if p)
        if h.room_id:
            parts.append(f.room_name(h.room_id, self.rooms, lang))
        if when:
            parts.append(when)
        if h.capacity:
            parts.append(f.people(h.capacity, lang))
        if h.equipment:
            parts.append(self.t("with_equipment", what=f.equipment_text(h.equipment, lang)))
        return (
            f.join(parts, lang)
            if lang == "en" or not h.room_id
            else " ".join(parts[:2]) + "".join(f"、{p}" for p in parts[2:])
        )

    def ask(self, missing: list[str], h: Understood | None = None, head: bool = True) -> str:
        """Say what was understood and ask for exactly what is missing."""
        names = _and([self.t(f"ask_field_{m}") for m in missing], self.lang)
        got = self.understood(h) if head else ""
        return self.t("ask", head=self.t("ask_got", got=got) if got else "", names=names)

    def reservation(self, r: dict[str, Any]) -> str:
        """A reservation as the tools describe it: '#12 会議室A 9月29日(月) 10:00〜11:00'."""
        room = r.get("room_en", r["room"]) if self.lang == "en" else r["room"]
        day = f.day_text(date.fromisoformat(r["date"]), self.lang, self.today)
        span = f.span_text(time.fromisoformat(r["start_time"]), time.fromisoformat(r["end_time"]), self.lang)  # fmt: skip
        sep = ", " if self.lang == "en" else " "
        title = f.title_text(r.get("title") or "", self.lang)
        number = f"#{r['id']} " if r.get("id") else ""
        return f"{number}{room}{sep}{day}{sep}{span}{title}" + f.status_text(
            r.get("status", ""), self.lang
        )

    def error(self, result: Result) -> str:
        """A tool's refusal in the reply's language."""
        error = result.get("error", {})
        key = "message" if self.lang == "en" else "message_ja"
        return str(error.get(key) or error.get("message", ""))

    def booked(self, result: Result) -> str:
        """Confirmation of a booking ('already yours' for a repeat), or why not and what is free."""
        if result.get("ok"):
            pending = result["reservation"].get("status") == "pending"
            key = "already_yours" if result.get("note") else "requested" if pending else "booked"
            return self.t(key, what=self.reservation(result["reservation"]))
        alternatives = result.get("alternatives") or {}
        need = self.heard.capacity or 0
        fits = [r for r in alternatives.get("free_rooms", []) if r["capacity"] >= need]
        rooms = f.join((self._room_with_capacity(r) for r in fits), self.lang)
        times = f.join((self._span(s) for s in sorted(alternatives.get("free_times_same_room", []))), self.lang)  # fmt: skip
        lines = [self.error(result)]
        if rooms:
            lines.append(self.t("free_same_time", rooms=rooms))
        if times:
            lines.append(self.t("free_same_room", times=times))
        if rooms or times:
            lines.append(self.t("which_one"))
        return "\n".join(lines)

    def waitlisted(self, result: Result) -> str:
        """On the waitlist for a slot (and how many wait ahead), or why not."""
        if "waitlist" not in result:
            return self.error(result)
        entry = result["waitlist"]
        ahead = int(entry.get("waiting_ahead") or 0)
        text = self.t("waitlisted", what=self.reservation({**entry, "id": None}))
        return text + (self.t("waitlisted_ahead", n=ahead) if ahead else "")

    def series(self, result: Result) -> str:
        """A series: the dates booked and the dates that clashed (with why)."""
        if not result.get("ok"):
            return self.error(result)
        lines = [self.t("series_booked", n=len(result["booked"]))]
        lines += [f"• {self.reservation(r)}" for r in result["booked"]]
        for clash in result["conflicts"]:
            day = f.day_text(date.fromisoformat(clash["date"]), self.lang, self.today)
            why = clash["error"]["message" if self.lang == "en" else "message_ja"]
            lines.append(self.t("series_clash", day=day, why=why))
        return "\n".join(lines)

    def _room_with_capacity(self, r: dict[str, Any]) -> str:
        name = r.get("name_en", r["name"]) if self.lang == "en" else r["name"]
        return f"{name}（{f.people(r['capacity'], self.lang)}）" if self.lang != "en" else f"{name} ({f.people(r['capacity'], 'en')})"  # fmt: skip

    def _span(self, text: str) -> str:
        """'09:00-10:00' from a tool → '09:00〜10:00' / '09:00–10:00'."""
        lo, _, hi = text.partition("-")
        return f.span_text(time.fromisoformat(lo), time.fromisoformat(hi), self.lang)

    def pick_room(self, found: Result) -> str:
        """Offer the free rooms and ask which one (the room is never guessed)."""
        if not found.get("ok"):
            return self.error(found)
        if not found.get("free_rooms"):
            return self.free_rooms(found)
        rooms = f.join((self._room_with_capacity(r) for r in found["free_rooms"]), self.lang)
        return self.t("offer_rooms", got=self.understood(), rooms=rooms)

    def free_rooms(self, found: Result) -> str:
        """The free rooms for a slot."""
        if not found.get("ok"):
            return self.error(found)
        rooms = f.join(
            (self._room_with_capacity(r) for r in found.get("free_rooms", [])), self.lang
        )
        if not rooms:
            return self.t("no_free_room", got=self.understood())
        return self.t("free_rooms", got=self.understood(), rooms=rooms)

    def schedule(self, result: Result) -> str:
        """A day's reservations per room."""
        if not result.get("ok"):
            return self.error(result)
        day = f.day_text(date.fromisoformat(result["date"]), self.lang, self.today)
        lines = [self.t("day_schedule", day=day)]
        for entry in result["rooms"]:
            booked = f.join((self._span(f"{r['start_time']}-{r['end_time']}") for r in entry["reservations"]), self.lang)  # fmt: skip
            name = entry["room"]["name_en" if self.lang == "en" else "name"]
            lines.append(f"• {name}: {booked or self.t('free')}")
        return "\n".join(lines)

    def mine(self, result: Result) -> str:
        """The user's upcoming reservations."""
        if not result.get("ok"):
            return self.error(result)
        items = [self.reservation(r) for r in result["reservations"]]
        if not items:
            return self.t("none_upcoming")
        return "\n".join([self.t("mine_title"), *(f"• {i}" for i in items)])

    def which(self, result: Result, verb: str) -> str:
        """List the candidates and ask which one to cancel, move or extend."""
        if not result.get("ok") or not result.get("reservations"):
            return self.mine(result)
        return self.t(f"which_to_{verb}", listing=self.mine(result))

    def none_match(self, result: Result) -> str:
        """No booking of the user's fits the description: say so and list what they have."""
        return self.t("none_match") + "\n" + self.mine(result)

    def changed(self, result: Result) -> str:
        """Confirmation of a move or extension, or why not."""
        if not result.get("ok"):
            return self.booked(result)
        return self.t("changed", what=self.reservation(result["reservation"]))

    def cancelled(self, result: Result) -> str:
        """Confirmation of a cancellation, or why not."""
        if not result.get("ok"):
            return self.error(result)
        return self.t("cancelled", what=self.reservation(result["cancelled"]))

    def confirm(self) -> str:
        """One line saying what would be booked, asking for the go-ahead (a button is offered)."""
        return self.t("confirm_booking", what=self.understood())

    def free_in_window(self, gaps: list[tuple[str, time, time]], missing: list[str]) -> str:
        """The rooms free in a part of the day, with their free times (and what is missing)."""
        if not gaps:
            return self.t("nothing_free_in_window", got=self.understood())
        lines: dict[str, list[str]] = {}
        for room_id, lo, hi in gaps:
            lines.setdefault(f.room_name(room_id, self.rooms, self.lang), []).append(f.span_text(lo, hi, self.lang))  # fmt: skip
        body = [f"• {name}: {f.join(spans, self.lang)}" for name, spans in lines.items()]
        question = [self.ask(missing, head=False)] if missing else []
        return "\n".join([self.t("free_in_window", got=self.understood()), *body, *question])

    def help(self) -> str:
        """What the bot can do, with examples (and what it did understand, if anything)."""
        got = self.understood()
        return (self.t("help_got", got=got) if got else "") + self.t("help")


def _and(items: list[str], lang: str) -> str:
    """'日付・開始時刻' / 'the date, the start time and the end time'."""
    if lang != "en" or len(items) < 2:
        return "・".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
