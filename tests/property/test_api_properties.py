"""Random requests to /api/reservations on SQLite and PostgreSQL: no 5xx, named refusals, no overlap.

The clock is fixed at NOW and the database keeps what earlier examples booked, so later examples
meet a fuller calendar (more 409s). After every request the database itself is checked.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased
from werkzeug.test import TestResponse

from booking.clock import JST, day_bounds
from booking.policy import Policy
from storage.models import ReservationRow
from tests.conftest import NOW
from tests.property.bodies import (
    any_json,
    bad_dates,
    garbage_bodies,
    one_field_wrong,
    plausible_bodies,
    plausible_dates,
    room_answers,
)
from tests.property.conftest import World, error_of
from tests.property.restated import broken_rules, moderate

POLICY = Policy()
ACTORS = ["api", "U1", "U2", "intruder"]


# what the database says


def active_count(engine: Engine) -> int:
    """Active reservations."""
    with engine.connect() as connection:
        query = select(func.count()).select_from(ReservationRow).where(ReservationRow.active)
        return int(connection.execute(query).scalar_one())


def overlapping_pairs(engine: Engine) -> int:
    """Pairs of active reservations of one room whose half-open intervals intersect (SQL)."""
    a, b = aliased(ReservationRow), aliased(ReservationRow)
    query = select(func.count()).where(
        a.room_id == b.room_id, a.id < b.id, a.active, b.active,
        a.start_at < b.end_at, b.start_at < a.end_at,
    )  # fmt: skip
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def active_between(
    engine: Engine, start: datetime, end: datetime, room: str | None = None
) -> list[Any]:
    """Active rows overlapping [start, end), optionally of one room."""
    query = select(ReservationRow).where(
        ReservationRow.active, ReservationRow.start_at < end, ReservationRow.end_at > start
    )
    if room is not None:
        query = query.where(ReservationRow.room_id == room)
    with engine.connect() as connection:
        return list(connection.execute(query).all())


def row(engine: Engine, reservation_id: int) -> Any:
    """One reservation row."""
    with engine.connect() as connection:
        query = select(ReservationRow).where(ReservationRow.id == reservation_id)
        return connection.execute(query).one()


# what a response must look like


def check_created(world: World, response: TestResponse, body: dict[str, Any]) -> None:
    """A 201 stored exactly what was asked, and the stored row keeps every rule."""
    made = response.get_json()
    stored = row(world.engine, made["id"])
    assert stored.active and stored.room_id == made["room-id"]
    assert not broken_rules(stored.start_at, stored.end_at, NOW, POLICY)
    start, end = requested_slot(body)
    assert (stored.start_at, stored.end_at) == (start, end)
    assert made["start"] == start.isoformat() and made["end"] == end.isoformat()
    event("201 created")


def requested_slot(body: dict[str, Any]) -> tuple[datetime, datetime]:
    """The slot a well-formed body asks for; an end at 24:00 (or 00:00) is the next midnight."""
    day = datetime.fromisoformat(str(body["date"]).strip()).date()
    start, end = (_clock(str(body[k])) for k in ("start-time", "end-time"))
    end_day = day + timedelta(days=1) if end == time(0) else day
    return datetime.combine(day, start, JST), datetime.combine(end_day, end, JST)


def _clock(text: str) -> time:
    """HH:MM[:SS], with 24:00 as midnight."""
    parts = [int(p) for p in text.strip().split(":")]
    return time(0) if parts[0] == 24 else time(*parts)


# the steps


def post(world: World, body: Any) -> TestResponse:
    """POST a body; check the status, the error shape, and the database afterwards."""
    before = active_count(world.engine)
    response = world.client.post("/api/reservations", json=body)
    assert response.status_code in (201, 400, 404, 409), response.get_data(as_text=True)[:300]
    if response.status_code == 201:
        check_created(world, response, body)
    else:
        error_of(response)
    assert active_count(world.engine) == before + (response.status_code == 201)
    assert overlapping_pairs(world.engine) == 0
    return response


def delete(world: World, reservation_id: int, actor: str) -> None:
    """DELETE a reservation as actor; only a 200 deactivates exactly one row."""
    before = active_count(world.engine)
    response = world.client.delete(
        f"/api/reservations/{reservation_id}", headers={"X-Acting-User": actor}
    )
    assert response.status_code in (200, 403, 404, 409), response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        assert not row(world.engine, reservation_id).active
    else:
        error_of(response)
    assert active_count(world.engine) == before - (response.status_code == 200)


def list_day(world: World, day: str) -> None:
    """GET a day's listing: exactly the active rows overlapping that day in Japan."""
    response = world.client.get("/api/reservations", query_string={"date": day})
    if response.status_code != 200:
        assert error_of(response)["field"] == "date"
        return
    listed = [r["id"] for r in response.get_json()["reservations"]]
    start, end = day_bounds(datetime.fromisoformat(day.strip()).date())
    assert sorted(listed) == sorted(r.id for r in active_between(world.engine, start, end))


steps = st.one_of(
    st.tuples(st.just("post"), plausible_bodies()),
    st.tuples(st.just("post"), plausible_bodies()),
    st.tuples(st.just("post"), garbage_bodies()),
    st.tuples(st.just("post"), one_field_wrong().map(lambda pair: pair[0])),
    st.tuples(st.just("delete"), st.tuples(st.integers(1, 80), st.sampled_from(ACTORS))),
    st.tuples(st.just("delete"), st.tuples(st.integers(2**31, 2**63 - 1), st.just("api"))),
    st.tuples(st.just("list"), st.one_of(plausible_dates, bad_dates)),
)


@moderate(30)
@given(st.lists(steps, min_size=1, max_size=10))
def test_random_requests_never_fail_and_never_double_book(
    world: World, script: list[tuple[str, Any]]
) -> None:
    """Any mix of bookings, cancellations and listings: no 5xx, named errors, no overlap."""
    for kind, payload in script:
        if kind == "post":
            post(world, payload)
        elif kind == "delete":
            delete(world, *payload)
        else:
            list_day(world, payload)


@moderate(40)
@given(plausible_bodies())
def test_a_well_formed_booking_succeeds_exactly_when_the_rules_and_the_calendar_allow(
    world: World, body: dict[str, Any]
) -> None:
    """201 iff no rule is broken and no active row of the room intersects; else the first reason."""
    start, end = requested_slot(body)
    broken = broken_rules(start, end, NOW, POLICY)
    room = world.client.get("/api/rooms").get_json()["rooms"]
    room_id = next(r["room-id"] for r in room if room_matches(r, body["room-id"]))
    taken = active_between(world.engine, start, end, room_id) if end > start else []
    response = post(world, body)
    if broken:
        error = error_of(response)
        assert (error["code"], error.get("reason"), error["field"]) == (
            "invalid_reservation", *broken[0],
        )  # fmt: skip
    elif taken:
        assert error_of(response)["code"] == "slot_taken"
    else:
        assert response.status_code == 201 and response.get_json()["room-id"] == room_id


def room_matches(room: dict[str, Any], key: str) -> bool:
    """True when key names this room (id, name or alias)."""
    names = {n.casefold() for n in (room["room-id"], room["name"], *room["aliases"])}
    return key.strip().casefold() in names


@moderate(60)
@given(one_field_wrong())
def test_a_refused_field_is_named(world: World, case: tuple[dict[str, Any], str]) -> None:
    """A body with one field missing or malformed is refused naming that field; nothing stored."""
    body, field = case
    error = error_of(post(world, body))
    assert error["field"] == field, (field, error)
    assert error["code"] == (
        "room_not_found" if field == "room-id" and room_given(body) else "invalid_input"
    )


def room_given(body: dict[str, Any]) -> bool:
    """True when room-id holds a usable (string or integer) value that names no room."""
    value = body.get("room-id")
    usable = isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip()
    return bool(usable) and not room_answers(str(value))


@moderate(20)
@given(
    st.one_of(
        any_json.map(lambda v: ("json", v)), st.binary(max_size=200).map(lambda b: ("raw", b))
    )
)
def test_anything_that_is_not_a_json_object_is_refused_as_body(
    world: World, case: tuple[str, Any]
) -> None:
    """Arrays, scalars, invalid JSON and random bytes: 400 naming `body` (objects may pass)."""
    kind, payload = case
    if kind == "json":
        response = world.client.post("/api/reservations", json=payload)
    else:
        response = world.client.post(
            "/api/reservations", data=payload, content_type="application/json"
        )
    if isinstance(payload, dict):
        assert response.status_code < 500
        return
    assert error_of(response)["field"] == "body"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("put", "/api/reservations", 405), ("get", "/api/nowhere", 404),
     ("delete", "/api/reservations/abc", 404), ("patch", "/api/reservations/1", 405)],
)  # fmt: skip
def test_route_level_errors_have_a_null_field(
    world: World, method: str, path: str, status: int
) -> None:
    """Errors that are about the route, not a field, say so with field null."""
    response = getattr(world.client, method)(path)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["field"] is None and error["code"] and error["message"].strip()
