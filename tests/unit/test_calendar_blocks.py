"""The calendar link in /mybookings and App Home: valid Block Kit, within Slack's limits."""

from __future__ import annotations

from datetime import timedelta

from booking.model import Reservation, TimeSlot
from bot.slack import home_blocks, kit
from tests.fakes.blockkit import validate_blocks
from tests.unit.test_services import NOW, ROOMS

URL = "https://rooms.example.jp/ical/users/abc.ics"


def test_the_link_and_its_buttons_are_valid_in_both_languages() -> None:
    for lang in ("ja", "en"):
        for url in (URL, None):
            rendered = home_blocks.calendar_link(url, lang)
            validate_blocks(rendered, kit.MAX_MESSAGE_BLOCKS)
    on = home_blocks.calendar_link(URL, "en")
    assert URL in on[0]["text"]["text"]
    ids = [e["action_id"] for e in on[1]["elements"]]
    assert ids == [kit.CALENDAR_ROTATE_ACTION, kit.CALENDAR_REVOKE_ACTION]
    assert all("confirm" in e for e in on[1]["elements"])
    off = home_blocks.calendar_link(None, "ja")
    assert [e["action_id"] for e in off[1]["elements"]] == [kit.CALENDAR_ROTATE_ACTION]


def test_many_bookings_and_the_link_stay_within_fifty_blocks() -> None:
    start = NOW + timedelta(days=1)
    many = [
        Reservation(
            "1",
            "slack:U1",
            TimeSlot(start + timedelta(hours=i), start + timedelta(hours=i, minutes=30)),
            id=i,
        )
        for i in range(80)
    ]
    rendered = home_blocks.my_bookings(many, {r.id: r for r in ROOMS}, NOW.tzinfo, "ja", None,  # type: ignore[arg-type]
                                  home_blocks.calendar_link(URL, "ja"))  # fmt: skip
    validate_blocks(rendered, kit.MAX_MESSAGE_BLOCKS)
    assert len(rendered) == kit.MAX_MESSAGE_BLOCKS and URL in rendered[-2]["text"]["text"]
