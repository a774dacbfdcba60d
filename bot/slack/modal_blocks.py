"""The booking modal's Block Kit: room, date, start, end and an optional title."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from booking.model import Room
from bot.conversation.formats import people
from bot.conversation.i18n import t
from bot.slack.kit import BOOK_MODAL, Block, plain


def book_modal(
    rooms: Sequence[Room], today: date, lang: str, preset: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The booking modal: room, date, start, end, title (validated on submission)."""
    preset = preset or {}
    options = [
        {
            "text": plain(
                f"{r.label(lang)}（{people(r.capacity, lang)}）"
                if lang != "en"
                else f"{r.label(lang)} ({people(r.capacity, lang)})"
            ),
            "value": r.id,
        }
        for r in rooms[:100]
    ]
    room_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "room",
        "placeholder": plain(t("pick_room", lang)),
        "options": options,
    }
    chosen = [o for o in options if o["value"] == preset.get("room")]
    if chosen:
        room_select["initial_option"] = chosen[0]
    start: dict[str, Any] = {"type": "timepicker", "action_id": "start"}
    end: dict[str, Any] = {"type": "timepicker", "action_id": "end"}
    if preset.get("start"):
        start["initial_time"] = preset["start"]
    if preset.get("end"):
        end["initial_time"] = preset["end"]
    return {
        "type": "modal",
        "callback_id": BOOK_MODAL,
        "title": plain(t("modal_title", lang)),
        "submit": plain(t("modal_submit", lang)),
        "close": plain(t("modal_close", lang)),
        "private_metadata": lang,
        "blocks": [
            _input("room", t("field_room", lang), room_select),
            _input(
                "date",
                t("field_date", lang),
                {
                    "type": "datepicker",
                    "action_id": "date",
                    "initial_date": preset.get("date", today.isoformat()),
                },
            ),
            _input("start", t("field_start", lang), start),
            _input("end", t("field_end", lang), end),
            _input(
                "title",
                t("field_title", lang),
                {"type": "plain_text_input", "action_id": "title", "max_length": 200},
                optional=True,
            ),
        ],
    }


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
