"""The assistant's waitlist and series tools, run as the model runs them (JSON in, result out)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from booking.clock import JST, at
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from bot.conversation.context import ToolContext
from bot.conversation.tools import TOOLS, run_tool
from tests.unit.fake_uow import FakeUnitOfWork

NOW = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
MON = date(2025, 9, 29)
ROOMS = (Room("1", "会議室A", 4), Room("2", "会議室B", 6), Room("5", "応接室", 4,
         approvers=("slack:UBOSS",)))  # fmt: skip
ME = "slack:U1"


def context(uow: FakeUnitOfWork, user: str = ME) -> ToolContext:
    return ToolContext(lambda: uow, Policy(), user, NOW, lang="ja")


def call(ctx: ToolContext, name: str, **args: Any) -> dict[str, Any]:
    return run_tool(ctx, name, json.dumps(args, default=str))


def taken(room: str = "1", owner: str = "slack:U2") -> Reservation:
    return Reservation(room, owner, TimeSlot(at(MON, time(10)), at(MON, time(11))).in_utc())


def test_the_new_tools_are_in_the_table_with_schemas() -> None:
    for name in ("join_waitlist", "get_series", "cancel_series"):
        schema = TOOLS[name].schema()["function"]
        assert schema["name"] == name and schema["description"]
        fields = set(schema["parameters"]["properties"])  # never who acts: that is the request's
        assert fields and not fields & {"user", "user_id", "owner", "owner_id", "actor"}


def test_a_conflict_offers_to_wait_and_join_waitlist_queues() -> None:
    uow = FakeUnitOfWork(ROOMS, [taken()])
    ctx = context(uow)
    refused = call(ctx, "create_reservation", room="1", date=MON, start_time="10:00",
                   end_time="11:00")  # fmt: skip
    assert not refused["ok"] and refused["can_wait"]
    [wait] = [a for a in ctx.actions if a.kind == "waitlist"]
    assert wait.room_id == "1" and wait.start == at(MON, time(10)).isoformat()
    joined = call(ctx, "join_waitlist", room="会議室A", date=MON, start_time="10:00",
                  duration_minutes=60)  # fmt: skip
    assert joined["ok"] and joined["waitlist"]["waiting_ahead"] == 0
    other = call(context(uow, "slack:U3"), "join_waitlist", room="1", date=MON,
                 start_time="10:00", end_time="11:00")  # fmt: skip
    assert other["waitlist"]["waiting_ahead"] == 1


def test_waiting_for_a_free_slot_is_refused_with_a_reason() -> None:
    result = call(context(FakeUnitOfWork(ROOMS)), "join_waitlist", room="1", date=MON,
                  start_time="10:00", end_time="11:00")  # fmt: skip
    assert not result["ok"] and result["error"]["code"] == "slot_free"


def test_book_series_makes_one_series_and_cancel_series_changes_it() -> None:
    uow = FakeUnitOfWork(ROOMS, [taken("2", "slack:U2")])
    ctx = context(uow)
    booked = call(ctx, "book_series", room="2", date=MON, start_time="10:00", end_time="11:00",
                  frequency="weekly", count=3)  # fmt: skip
    sid = booked["series_id"]
    assert booked["ok"] and sid and len(booked["booked"]) == 2
    assert [r["series_id"] for r in booked["booked"]] == [sid, sid]
    assert booked["conflicts"][0]["date"] == "2025-09-29" and booked["conflicts"][0]["alternatives"]
    assert not [a for a in ctx.actions if a.kind == "waitlist"]  # no waiting per series date
    seen = call(ctx, "get_series", series_id=sid)
    assert [d["date"] for d in seen["dates"]] == ["2025-10-06", "2025-10-13"]
    assert call(context(uow, "slack:U9"), "get_series", series_id=sid)["series"]["mine"] is False
    refused = call(context(uow, "slack:U9"), "cancel_series", series_id=sid, scope="all")
    assert refused["error"]["code"] == "not_owner"
    done = call(ctx, "cancel_series", series_id=sid, scope="following", date="2025-10-06")
    assert [d["status"] for d in done["cancelled"]] == ["cancelled", "cancelled"]
    missing = call(ctx, "cancel_series", series_id=sid, scope="this")
    assert missing["error"]["field"] == "date"


def test_a_booking_of_a_restricted_room_says_pending() -> None:
    made = call(context(FakeUnitOfWork(ROOMS)), "create_reservation", room="応接室", date=MON,
                start_time="14:00", end_time="15:00")  # fmt: skip
    assert made["ok"] and made["reservation"]["status"] == "pending"
