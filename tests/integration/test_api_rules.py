"""/api/series and /api/waitlist on SQLite and PostgreSQL, and the status every listing shows."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.models import RoomRow
from tests.conftest import NOW

SLOT = {"room-id": "1", "date": "2025-09-29", "start-time": "10:00", "end-time": "11:00"}


@pytest.fixture
def client(db_url: str) -> FlaskClient:
    """The development app (no token) with the clock at NOW; room 5 needs UBOSS's approval."""
    container = build(Settings(database_url=db_url, flask_env="development"), clock=lambda: NOW)
    with container.engine.begin() as connection:
        connection.execute(update(RoomRow).where(RoomRow.id == "5").values(approvers=["UBOSS"]))
    return create_app(container=container).test_client()


def body_of(response: Any) -> dict[str, Any]:
    assert response.is_json, response.get_data(as_text=True)[:300]
    return dict(response.json)


def test_a_weekly_series_books_each_date_or_reports_the_clash(client: FlaskClient) -> None:
    taken = client.post("/api/reservations", json={**SLOT, "date": "2025-10-06", "owner": "bob"})
    assert taken.status_code == 201
    made = client.post(
        "/api/series", json={**SLOT, "repeat": "weekly", "count": 3, "title": "定例"}
    )
    assert made.status_code == 201, made.json
    series = body_of(made)
    assert (series["repeat"], series["count"], series["title"]) == ("weekly", 3, "定例")
    dates = series["dates"]
    assert [d["date"] for d in dates] == ["2025-09-29", "2025-10-06", "2025-10-13"]
    assert dates[0]["reservation"]["series-id"] == series["id"]
    assert dates[0]["reservation"]["status"] == "active"
    clash = dates[1]["clash"]
    assert dates[1]["reservation"] is None and clash["code"] == "slot_taken"
    assert clash["field"] == "start-time" and clash["alternatives"]["free_rooms"]

    again = body_of(client.get(f"/api/series/{series['id']}"))
    assert [d["reservation"] is not None for d in again["dates"]] == [True, False, True]
    assert again["dates"][1]["clash"] is None  # a clash is told once, when booking


def test_cancel_this_following_and_all(client: FlaskClient) -> None:
    made = body_of(client.post("/api/series", json={**SLOT, "repeat": "daily", "count": 4}))
    sid = made["id"]
    one = client.delete(f"/api/series/{sid}?scope=this&date=2025-09-30")
    assert one.status_code == 200 and len(body_of(one)["cancelled"]) == 1
    rest = body_of(client.delete(f"/api/series/{sid}?scope=following&date=2025-10-01"))
    assert len(rest["cancelled"]) == 2
    statuses = [d["reservation"]["status"] for d in rest["dates"]]
    assert statuses == ["active", "cancelled", "cancelled", "cancelled"]
    last = body_of(client.delete(f"/api/series/{sid}?scope=all"))
    assert len(last["cancelled"]) == 1
    gone = client.delete(f"/api/series/{sid}?scope=this&date=2025-09-30")
    assert gone.status_code == 404 and body_of(gone)["error"]["field"] == "date"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/series", {**SLOT, "count": 3}, 400, "repeat"),
        ("/api/series", {**SLOT, "repeat": "monthly", "count": 3}, 400, "repeat"),
        ("/api/series", {**SLOT, "repeat": "daily", "count": 0}, 400, "count"),
        ("/api/series", {**SLOT, "repeat": "daily", "count": "3"}, 400, "count"),
        ("/api/series", {**SLOT, "repeat": "daily", "count": 53}, 400, "count"),
        ("/api/series", {**SLOT, "repeat": "daily", "count": 2, "weekdays-only": "y"}, 400,
         "weekdays-only"),
        ("/api/series", {**SLOT, "repeat": "daily", "count": 2, "start-time": "06:00",
                         "end-time": "07:00"}, 400,
         "start-time"),
        ("/api/series", {**SLOT, "room-id": "99", "repeat": "daily", "count": 2}, 404, "room-id"),
        ("/api/waitlist", {**SLOT, "end-time": "25:00"}, 400, "end-time"),
        ("/api/waitlist", SLOT, 409, "start-time"),  # free: book it instead
    ],
)  # fmt: skip
def test_bad_input_is_a_4xx_naming_the_field(
    client: FlaskClient, path: str, body: dict[str, Any], status: int, field: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status, response.json
    assert body_of(response)["error"]["field"] == field


@pytest.mark.parametrize(
    ("query", "field"), [("", "scope"), ("?scope=some", "scope"), ("?scope=this", "date"),
                         ("?scope=this&date=2025-13-01", "date")]
)  # fmt: skip
def test_bad_cancel_queries_name_the_field(client: FlaskClient, query: str, field: str) -> None:
    sid = body_of(client.post("/api/series", json={**SLOT, "repeat": "daily", "count": 2}))["id"]
    response = client.delete(f"/api/series/{sid}{query}")
    assert response.status_code == 400 and body_of(response)["error"]["field"] == field


def test_unknown_series_and_someone_elses(client: FlaskClient) -> None:
    assert client.get("/api/series/999").status_code == 404
    assert client.get(f"/api/series/{2**70}").status_code == 404
    sid = body_of(client.post("/api/series", json={**SLOT, "repeat": "daily", "count": 2}))["id"]
    other = client.delete(f"/api/series/{sid}?scope=all", headers={"X-Acting-User": "mallory"})
    assert other.status_code == 403 and body_of(other)["error"]["code"] == "not_owner"


def test_nothing_free_is_a_409_listing_every_date(client: FlaskClient) -> None:
    client.post("/api/reservations", json={**SLOT, "owner": "bob"})
    response = client.post("/api/series", json={**SLOT, "repeat": "daily", "count": 1})
    assert response.status_code == 409
    error = body_of(response)["error"]
    assert error["code"] == "slot_taken" and [d["date"] for d in error["dates"]] == ["2025-09-29"]


def test_the_waitlist_queues_first_come_first_served(client: FlaskClient) -> None:
    client.post("/api/reservations", json={**SLOT, "owner": "bob"})
    first = client.post("/api/waitlist", json={**SLOT, "owner": "carol"})
    second = client.post("/api/waitlist", json={**SLOT, "owner": "dave"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert (body_of(first)["ahead"], body_of(second)["ahead"]) == (0, 1)
    assert body_of(first)["status"] == "waiting" and body_of(first)["owner"] == "carol"
    left = client.delete(f"/api/waitlist/{body_of(first)['id']}",
                         headers={"X-Acting-User": "carol"})  # fmt: skip
    assert left.status_code == 200 and body_of(left)["status"] == "left"
    stranger = client.delete(f"/api/waitlist/{body_of(second)['id']}")
    assert stranger.status_code == 404


def test_a_pending_booking_shows_as_pending(client: FlaskClient) -> None:
    made = client.post("/api/reservations", json={**SLOT, "room-id": "5"})
    assert made.status_code == 201 and body_of(made)["status"] == "pending"
    listed = body_of(client.get("/api/reservations?date=2025-09-29"))["reservations"]
    assert [r["status"] for r in listed] == ["pending"]
    clash = client.post("/api/reservations", json={**SLOT, "room-id": "5", "owner": "bob"})
    assert clash.status_code == 409  # a pending booking holds its slot


def test_an_approver_decides_through_the_api_and_the_first_decision_wins(
    client: FlaskClient,
) -> None:
    made = body_of(client.post("/api/reservations", json={**SLOT, "room-id": "5"}))
    path = f"/api/reservations/{made['id']}/decision"
    refused = client.post(path, json={"decision": "approve"}, headers={"X-Acting-User": "bob"})
    assert refused.status_code == 403 and body_of(refused)["error"]["code"] == "not_approver"
    boss = {"X-Acting-User": "slack:UBOSS"}
    approved = client.post(path, json={"decision": "approve"}, headers=boss)
    assert approved.status_code == 200, approved.json
    assert (
        body_of(approved)["status"] == "active" and body_of(approved)["decided-by"] == "slack:UBOSS"
    )
    again = client.post(path, json={"decision": "reject"}, headers=boss)
    assert again.status_code == 409
    listed = body_of(client.get("/api/reservations?date=2025-09-29"))["reservations"]
    assert [r["status"] for r in listed] == ["active"]


@pytest.mark.parametrize("body", [None, {}, {"decision": "yes"}, {"decision": ["approve"]}, []])
def test_a_decision_must_be_approve_or_reject(client: FlaskClient, body: Any) -> None:
    made = body_of(client.post("/api/reservations", json={**SLOT, "room-id": "5"}))
    reply = client.post(f"/api/reservations/{made['id']}/decision", json=body,
                        headers={"X-Acting-User": "slack:UBOSS"})  # fmt: skip
    assert reply.status_code == 400 and body_of(reply)["error"]["field"] == "decision"


def test_deciding_an_unknown_booking_is_404(client: FlaskClient) -> None:
    for rid in (999, 2**70):
        reply = client.post(f"/api/reservations/{rid}/decision", json={"decision": "approve"},
                            headers={"X-Acting-User": "slack:UBOSS"})  # fmt: skip
        assert reply.status_code == 404 and body_of(reply)["error"]["field"] == "id"


def test_nobody_waits_for_their_own_slot(client: FlaskClient) -> None:
    assert client.post("/api/reservations", json={**SLOT, "owner": "ann"}).status_code == 201
    mine = client.post("/api/waitlist", json={**SLOT, "owner": "ann"})
    assert mine.status_code == 409 and body_of(mine)["error"]["code"] == "slot_yours"
    assert body_of(mine)["error"]["field"] == "start-time"
    assert client.post("/api/waitlist", json={**SLOT, "owner": "bob"}).status_code == 201
