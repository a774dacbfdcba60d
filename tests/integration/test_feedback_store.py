"""Feedback on answers: one row per person and answer, a second press replaces the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.engine import make_session_factory
from storage.feedback import FeedbackStore

AT = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def test_a_rating_is_stored_once_and_replaced_by_a_different_one(engine: Engine) -> None:
    counted: list[int] = []
    store = FeedbackStore(make_session_factory(engine), counted.append)
    session, turn = "slack:T1:D1:1700000000.000100", "1700000000.000200"
    assert store.record(session, turn, "slack:U1", 1, AT) is True
    assert store.record(session, turn, "slack:U1", 1, AT + timedelta(seconds=5)) is False
    assert store.record(session, turn, "slack:U2", 1, AT) is True
    assert store.record(session, turn, "slack:U1", -1, AT + timedelta(minutes=1)) is True
    assert store.totals() == {1: 1, -1: 1}
    assert counted == [1, 1, -1]  # /metrics counts new and changed ratings only
