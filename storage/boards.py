"""Door boards' tokens in the database (hashes only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.model import BoardToken
from storage.models import BoardTokenRow


def token_from_row(row: BoardTokenRow) -> BoardToken:
    """Domain token from its row."""
    return BoardToken(
        id=row.id,
        room_id=row.room_id,
        token_hash=row.token_hash,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlBoardTokens:
    """Board tokens in the database."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, token: BoardToken) -> BoardToken:
        row = BoardTokenRow(
            room_id=token.room_id,
            token_hash=token.token_hash,
            label=token.label,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )
        self.session.add(row)
        self.session.flush()
        return token_from_row(row)

    def get(self, token_id: int) -> BoardToken | None:
        row = self.session.get(BoardTokenRow, token_id)
        return token_from_row(row) if row is not None else None

    def find(self, token_hash: str) -> BoardToken | None:
        query = select(BoardTokenRow).where(BoardTokenRow.token_hash == token_hash)
        row = self.session.scalars(query).one_or_none()
        return token_from_row(row) if row is not None else None

    def list(self) -> list[BoardToken]:
        rows = self.session.scalars(select(BoardTokenRow).order_by(BoardTokenRow.id))
        return [token_from_row(r) for r in rows]

    def save(self, token: BoardToken) -> None:
        row = self.session.get_one(BoardTokenRow, token.id)
        row.label, row.revoked_at = token.label, token.revoked_at
        self.session.flush()
