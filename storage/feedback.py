"""Feedback on answers in the database: one row per person and answer, a second press replaces it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import FeedbackRow


class FeedbackStore:
    """Stores 👍 (+1) and 👎 (-1) with the session and the answer (turn) they rate."""

    def __init__(
        self, sessions: sessionmaker[Session], observer: Callable[[int], None] | None = None
    ):
        self.sessions, self.observer = sessions, observer

    def record(self, session: str, turn: str, user: str, rating: int, at: datetime) -> bool:
        """Store a rating; True when it is new or changed (then the observer counts it)."""
        if rating not in (-1, 1):
            raise ValueError("a rating is +1 or -1")
        try:
            changed = self._write(session, turn, user, rating, at)
        except IntegrityError:  # the same person pressed twice at once: the other insert won
            changed = self._write(session, turn, user, rating, at)
        if changed and self.observer is not None:
            self.observer(rating)
        return changed

    def _write(self, session: str, turn: str, user: str, rating: int, at: datetime) -> bool:
        with self.sessions() as db, db.begin():
            row = db.scalars(
                select(FeedbackRow)
                .where(FeedbackRow.session == session[:255], FeedbackRow.turn == turn[:64])
                .where(FeedbackRow.user_id == user[:255])
                .with_for_update()
            ).first()
            if row is None:
                db.add(FeedbackRow(session=session[:255], turn=turn[:64], user_id=user[:255],
                                   rating=rating, created_at=at, updated_at=at))  # fmt: skip
                return True
            if row.rating == rating:
                return False
            row.rating, row.updated_at = rating, at
            return True

    def totals(self) -> dict[int, int]:
        """How many answers were rated up (+1) and down (-1)."""
        with self.sessions() as db:
            rows = db.execute(
                select(FeedbackRow.rating, func.count()).group_by(FeedbackRow.rating)
            ).all()
        return {1: 0, -1: 0} | {int(rating): int(n) for rating, n in rows}
