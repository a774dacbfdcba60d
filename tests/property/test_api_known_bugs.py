"""Inputs the property tests once found to give 500s; each now gets a 4xx naming its field.

They stay pinned here because the main strategies (tests/property/bodies.py) rarely reach them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.property.conftest import World, error_of

GUIDE = {"room-id": "1", "date": "2025-09-29", "start-time": "14:00", "end-time": "15:00"}


@pytest.mark.parametrize(
    "request_",
    [("post", {**GUIDE, "date": "9999-12-31", "end-time": "24:00"}),
     ("post", {**GUIDE, "date": "0001-01-01", "start-time": "07:00"}),
     ("get", "0001-01-01"), ("get", "9999-12-31")],
    ids=["post-9999-12-31-24:00", "post-0001-01-01-07:00", "get-0001-01-01", "get-9999-12-31"],
)  # fmt: skip
def test_first_and_last_dates_are_refused_not_500(world: World, request_: tuple[str, Any]) -> None:
    kind, payload = request_
    if kind == "post":
        response = world.client.post("/api/reservations", json=payload)
    else:
        response = world.client.get("/api/reservations", query_string={"date": payload})
    assert response.status_code == 400 and error_of(response)["field"] == "date"


@pytest.mark.parametrize("field", ["room-id", "title", "owner"])
def test_lone_surrogates_are_refused_not_500(world: World, field: str) -> None:
    raw = '{"room-id": "1", "date": "2025-09-29", "start-time": "16:00", "end-time": "17:00"'
    data = raw + f', "{field}": "x\\ud800"}}'
    response = world.client.post("/api/reservations", data=data, content_type="application/json")
    assert response.status_code == 400 and error_of(response)["field"] == field


@pytest.mark.parametrize("field", ["room-id", "title", "owner", "get room-id"])
def test_nul_characters_are_refused_not_500_on_postgresql(pg_world: World, field: str) -> None:
    if field == "get room-id":
        query = {"date": "2025-09-29", "room-id": "a\x00b"}
        response = pg_world.client.get("/api/reservations", query_string=query)
    else:
        body = {**GUIDE, field: "a\x00b"}
        response = pg_world.client.post("/api/reservations", json=body)
    assert response.status_code == 400 and error_of(response)["field"] == field.removeprefix("get ")


def test_an_id_beyond_64_bits_is_not_found_not_500_on_sqlite(sqlite_world: World) -> None:
    response = sqlite_world.client.delete(f"/api/reservations/{2**63}")
    assert response.status_code == 404 and error_of(response)["field"] == "id"
