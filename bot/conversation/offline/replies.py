"""Replies of the offline assistant, in Japanese and English, built from tool results."""

from __future__ import annotations

from typing import Any

from bot.conversation.i18n import t
from bot.conversation.offline.understand import Understood


def _ja(lang: str) -> bool:
    return lang != "en"


def understood(lang: str, h: Understood) -> str:
    """What was understood so far, e.g. '2025-09-27 14:00–15:00, 6人'."""
    parts: list[str] = []
    if h.day:
        parts.append(h.day.isoformat())
    if h.start:
        end = h.end_time()
        parts.append(f"{h.start:%H:%M}" + (f"–{end:%H:%M}" if end else ""))
    elif h.window:
        parts.append(f"{h.window[0]:%H:%M}–{h.window[1]:%H:%M}")
    if h.room_id:
        parts.append(t("heard_room", lang, room=h.room_id))
    if h.capacity:
        parts.append(t("people", lang, n=h.capacity))
    if h.equipment:
        parts.append(", ".join(h.equipment))
    return ", ".join(parts)


def ask(lang: str, h: Understood, missing: list[str]) -> str:
    """Say what was understood and ask for exactly what is missing."""
    names = t("ask_joiner", lang).join(t(f"ask_field_{m}", lang) for m in missing)
    got = understood(lang, h)
    return t("ask", lang, head=t("ask_got", lang, got=got) if got else "", names=names)


def _reservation(lang: str, r: dict[str, Any]) -> str:
    room = r.get("room_en", r["room"]) if lang == "en" else r["room"]
    return f"#{r['id']} {room} {r['date']} {r['start_time']}–{r['end_time']}" + (
        f"「{r['title']}」" if r.get("title") else ""
    )


def _error(lang: str, result: dict[str, Any]) -> str:
    error = result.get("error", {})
    return str(error.get("message_ja" if _ja(lang) else "message") or error.get("message", ""))


def booked(lang: str, result: dict[str, Any]) -> str:
    """Confirmation of a booking, or why not and what else is free."""
    if result.get("ok"):
        line = _reservation(lang, result["reservation"])
        return t("booked", lang, what=line)
    alternatives = result.get("alternatives") or {}
    key = "name_en" if lang == "en" else "name"
    rooms = ", ".join(r.get(key, r["name"]) for r in alternatives.get("free_rooms", []))
    times = ", ".join(alternatives.get("free_times_same_room", []))
    lines = [_error(lang, result)]
    if rooms:
        lines.append(t("free_same_time", lang, rooms=rooms))
    if times:
        lines.append(t("free_same_room", lang, times=times))
    if rooms or times:
        lines.append(t("which_one", lang))
    return "\n".join(lines)


def _room_list(found: dict[str, Any], lang: str) -> str:
    key = "name_en" if lang == "en" else "name"
    return ", ".join(
        f"{r.get(key, r['name'])} ({r['capacity']})" for r in found.get("free_rooms", [])
    )


def pick_room(lang: str, h: Understood, found: dict[str, Any]) -> str:
    """Offer the free rooms and ask which one (the room is never guessed)."""
    if not found.get("ok"):
        return _error(lang, found)
    if not found.get("free_rooms"):
        return free_rooms(lang, h, found)
    return t("offer_rooms", lang, got=understood(lang, h), rooms=_room_list(found, lang))


def free_rooms(lang: str, h: Understood, found: dict[str, Any]) -> str:
    """The free rooms for a slot."""
    if not found.get("ok"):
        return _error(lang, found)
    got, rooms = understood(lang, h), _room_list(found, lang)
    if not rooms:
        return t("no_free_room", lang, got=got)
    return t("free_rooms", lang, got=got, rooms=rooms)


def schedule(lang: str, result: dict[str, Any]) -> str:
    """A day's reservations per room."""
    if not result.get("ok"):
        return _error(lang, result)
    lines = [t("day_schedule", lang, day=result["date"])]
    for day in result["rooms"]:
        booked_ = ", ".join(f"{r['start_time']}–{r['end_time']}" for r in day["reservations"])
        name = day["room"]["name_en" if lang == "en" else "name"]
        lines.append(f"• {name}: {booked_ or t('free', lang)}")
    return "\n".join(lines)


def mine(lang: str, result: dict[str, Any]) -> str:
    """The user's upcoming reservations."""
    if not result.get("ok"):
        return _error(lang, result)
    items = [_reservation(lang, r) for r in result["reservations"]]
    if not items:
        return t("none_upcoming", lang)
    return "\n".join([t("mine_title", lang), *(f"• {i}" for i in items)])


def which(lang: str, result: dict[str, Any], verb: str) -> str:
    """List the candidates and ask which one to cancel, move or extend."""
    if not result.get("ok") or not result.get("reservations"):
        return mine(lang, result)
    return t(f"which_to_{verb}", lang, listing=mine(lang, result))


def none_match(lang: str, result: dict[str, Any]) -> str:
    """No booking of the user's fits the description: say so and list what they have."""
    return t("none_match", lang) + "\n" + mine(lang, result)


def changed(lang: str, result: dict[str, Any]) -> str:
    """Confirmation of a move or extension, or why not."""
    if not result.get("ok"):
        return booked(lang, result)
    return t("changed", lang, what=_reservation(lang, result["reservation"]))


def ask_new_time(lang: str) -> str:
    """Ask where a booking should move to."""
    return t("ask_new_time", lang)


def ask_extension(lang: str) -> str:
    """Ask how long an extension should be."""
    return t("ask_extension", lang)


def confirm(lang: str, h: Understood, room: str) -> str:
    """One line saying what would be booked, asking for the go-ahead (a button is offered)."""
    end = h.end_time()
    assert h.day is not None and h.start is not None and end is not None
    what = f"{room} {h.day.isoformat()} {h.start:%H:%M}–{end:%H:%M}"
    return t("confirm_booking", lang, what=what)


def free_in_window(
    lang: str,
    h: Understood,
    gaps: list[tuple[str, Any, Any]],
    rooms: dict[str, Any],
    missing: list[str],
) -> str:
    """The rooms free in a part of the day, with their free times (and which one, if booking)."""
    if not gaps:
        return nothing_free_in_window(lang, h)
    lines: dict[str, list[str]] = {}
    for room_id, lo, hi in gaps:
        name = rooms[room_id].label(lang) if room_id in rooms else room_id
        lines.setdefault(name, []).append(f"{lo:%H:%M}–{hi:%H:%M}")
    body = "\n".join(f"• {name}: {', '.join(spans)}" for name, spans in lines.items())
    head = t("free_in_window", lang, got=understood(lang, h))
    question = [ask(lang, Understood(h.intent, h.lang), missing)] if missing else []
    return "\n".join([head, body, *question])


def nothing_free_in_window(lang: str, h: Understood) -> str:
    """Nothing fits in that part of the day."""
    return t("nothing_free_in_window", lang, got=understood(lang, h))


def cancelled(lang: str, result: dict[str, Any]) -> str:
    """Confirmation of a cancellation, or why not."""
    if not result.get("ok"):
        return _error(lang, result)
    line = _reservation(lang, result["cancelled"])
    return t("cancelled", lang, what=line)


def help_text(lang: str, h: Understood) -> str:
    """What the bot can do, with examples (and what it did understand, if anything)."""
    got = understood(lang, h)
    return (t("help_got", lang, got=got) if got else "") + t("help", lang)
