"""A series in Slack lists: one line with its dates and a choice of what to cancel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room
from booking.rules import Series
from bot.conversation.formats import day_text, repeat_text, span, status_text, title_text
from bot.conversation.i18n import t
from bot.slack.kit import SERIES_PICK_ACTION, Block, mrkdwn, plain

SHOWN_DATES = 8


def grouped(
    reservations: Sequence[Reservation], series: Mapping[int, Series]
) -> list[Reservation | tuple[Series, list[Reservation]]]:
    """The reservations in order, each known series' dates gathered where its first one is."""
    items: list[Reservation | tuple[Series, list[Reservation]]] = []
    dates: dict[int, list[Reservation]] = {}
    for r in reservations:
        known = series.get(r.series_id) if r.series_id is not None else None
        if known is None:
            items.append(r)
        elif r.series_id in dates:
            dates[r.series_id].append(r)
        else:
            dates[r.series_id] = [r]  # type: ignore[index]
            items.append((known, dates[r.series_id]))  # type: ignore[index]
    return items


def series_line(
    series: Series, dates: list[Reservation], rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> Block:
    """'🔁 会議室A 毎週月曜 10:00〜11:00「定例」' and its dates, with a choice of what to cancel."""
    first = dates[0]
    room = rooms[first.room_id].label(lang) if first.room_id in rooms else first.room_id
    days = [day_text(local(r.start, tz).date(), lang) + status_text(r.status, lang) for r in dates]
    shown = ("; " if lang == "en" else "、").join(days[:SHOWN_DATES])
    shown += "…" if len(days) > SHOWN_DATES else ""
    head = f"🔁 *{room}* {repeat_text(series, tz, lang)} {span(first, tz, lang)}"
    text = f"{head}{title_text(series.title, lang)}\n{shown}"
    return {**mrkdwn(text), "accessory": series_picker(series, dates, tz, lang)}


def series_picker(series: Series, dates: list[Reservation], tz: ZoneInfo, lang: str) -> Block:
    """A select of what to cancel: one date, it and the following ones, or every date."""
    groups = []
    for r in dates[:SHOWN_DATES]:
        day = local(r.start, tz).date()
        options = [
            {"text": plain(t(f"series_{scope}", lang)),
             "value": f"{series.id}|{scope}|{day.isoformat()}|{lang}"}
            for scope in ("this", "following")
        ]  # fmt: skip
        groups.append({"label": plain(day_text(day, lang)), "options": options})
    everything = {"text": plain(t("series_all", lang)), "value": f"{series.id}|all||{lang}"}
    groups.append({"label": plain(t("series_whole", lang)), "options": [everything]})
    return {
        "type": "static_select", "action_id": SERIES_PICK_ACTION,
        "placeholder": plain(t("series_pick", lang)), "option_groups": groups,
        "confirm": {"title": plain(t("cancel_confirm_title", lang)),
                    "text": plain(t("series_confirm_text", lang)),
                    "confirm": plain(t("cancel_confirm_yes", lang)),
                    "deny": plain(t("cancel_confirm_no", lang))},
    }  # fmt: skip
