"""Replies of the offline assistant, in Japanese and English, built from tool results."""

from __future__ import annotations

from typing import Any

from bot.conversation.offline.understand import Understood

FIELD_NAMES = {
    "day": {"ja": "日付", "en": "the date"},
    "start": {"ja": "開始時刻", "en": "the start time"},
    "end": {"ja": "終了時刻か利用時間", "en": "the end time or length"},
    "room": {"ja": "会議室", "en": "the room"},
}


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
    if h.room_id:
        parts.append(("会議室 " if _ja(lang) else "room ") + h.room_id)
    if h.capacity:
        parts.append(f"{h.capacity}人" if _ja(lang) else f"{h.capacity} people")
    if h.equipment:
        parts.append(", ".join(h.equipment))
    return ", ".join(parts)


def ask(lang: str, h: Understood, missing: list[str]) -> str:
    """Say what was understood and ask for exactly what is missing."""
    names = [FIELD_NAMES[m]["ja" if _ja(lang) else "en"] for m in missing]
    got = understood(lang, h)
    if _ja(lang):
        head = f"承知しました（{got}）。" if got else ""
        return f"{head}{'・'.join(names)}を教えてください？"
    head = f"Got it ({got}). " if got else ""
    return f"{head}Could you tell me {' and '.join(names)}?"


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
        return f"予約しました: {line}" if _ja(lang) else f"Booked: {line}"
    alternatives = result.get("alternatives") or {}
    key = "name_en" if lang == "en" else "name"
    rooms = ", ".join(r.get(key, r["name"]) for r in alternatives.get("free_rooms", []))
    times = ", ".join(alternatives.get("free_times_same_room", []))
    lines = [_error(lang, result)]
    if rooms:
        lines.append(
            f"同じ時間に空いている部屋: {rooms}" if _ja(lang) else f"Free at that time: {rooms}"
        )
    if times:
        lines.append(f"同じ部屋の空き時間: {times}" if _ja(lang) else f"Same room is free: {times}")
    if rooms or times:
        lines.append("どれにしますか？" if _ja(lang) else "Which would you like?")
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
    got, rooms = understood(lang, h), _room_list(found, lang)
    if _ja(lang):
        return f"{got} に空いている部屋: {rooms}。どの部屋を予約しますか？"
    return f"Free for {got}: {rooms}. Which room shall I book?"


def free_rooms(lang: str, h: Understood, found: dict[str, Any]) -> str:
    """The free rooms for a slot."""
    if not found.get("ok"):
        return _error(lang, found)
    got, rooms = understood(lang, h), _room_list(found, lang)
    if not rooms:
        return (
            f"{got} に空いている部屋はありません。" if _ja(lang) else f"No room is free for {got}."
        )
    return f"{got} に空いている部屋: {rooms}" if _ja(lang) else f"Free for {got}: {rooms}"


def schedule(lang: str, result: dict[str, Any]) -> str:
    """A day's reservations per room."""
    if not result.get("ok"):
        return _error(lang, result)
    lines = [f"{result['date']} の予約状況:" if _ja(lang) else f"Bookings on {result['date']}:"]
    for day in result["rooms"]:
        booked_ = ", ".join(f"{r['start_time']}–{r['end_time']}" for r in day["reservations"])
        name = day["room"]["name_en" if lang == "en" else "name"]
        lines.append(f"• {name}: {booked_ or ('空き' if _ja(lang) else 'free')}")
    return "\n".join(lines)


def mine(lang: str, result: dict[str, Any]) -> str:
    """The user's upcoming reservations."""
    if not result.get("ok"):
        return _error(lang, result)
    items = [_reservation(lang, r) for r in result["reservations"]]
    if not items:
        return "今後の予約はありません。" if _ja(lang) else "You have no upcoming reservations."
    head = "あなたの予約:" if _ja(lang) else "Your reservations:"
    return "\n".join([head, *(f"• {i}" for i in items)])


def which_to_cancel(lang: str, result: dict[str, Any]) -> str:
    """Ask which reservation to cancel."""
    listing = mine(lang, result)
    return (
        f"{listing}\nどの予約を取り消しますか？（例: #12 をキャンセル）"
        if _ja(lang)
        else (f"{listing}\nWhich one should I cancel? (e.g. cancel #12)")
    )


def cancelled(lang: str, result: dict[str, Any]) -> str:
    """Confirmation of a cancellation, or why not."""
    if not result.get("ok"):
        return _error(lang, result)
    line = _reservation(lang, result["cancelled"])
    return f"取り消しました: {line}" if _ja(lang) else f"Cancelled: {line}"


def help_text(lang: str, h: Understood) -> str:
    """What the bot can do, with examples (and what it did understand, if anything)."""
    got = understood(lang, h)
    if _ja(lang):
        head = f"（わかったこと: {got}）\n" if got else ""
        return head + (
            "会議室の予約をお手伝いします。例:\n"
            "• 明日の14時から1時間、会議室Aを予約して\n"
            "• 今日の15時から16時に6人で使える部屋は空いてる？\n"
            "• 今日の予約状況 / 私の予約 / #12 をキャンセル"
        )
    head = f"(Understood so far: {got})\n" if got else ""
    return head + (
        "I can book meeting rooms. For example:\n"
        "• book Room A tomorrow 2pm for 1 hour\n"
        "• any room free for 6 people today 3-4pm?\n"
        "• today's schedule / my bookings / cancel #12"
    )
