"""Rooms and reservations, with the database-level guard against double booking.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PG_EXCLUSION = """
ALTER TABLE reservations ADD CONSTRAINT reservations_no_overlap
EXCLUDE USING gist (room_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
WHERE (active)
"""

SQLITE_GUARD = """
CREATE TRIGGER reservations_no_overlap_{op}
BEFORE {event} ON reservations
WHEN NEW.active
BEGIN
    SELECT RAISE(ABORT, 'reservation_overlap')
    WHERE EXISTS (
        SELECT 1 FROM reservations AS other
        WHERE other.room_id = NEW.room_id AND other.active AND other.id IS NOT NEW.id
          AND other.start_at < NEW.end_at AND other.end_at > NEW.start_at
    );
END
"""


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("equipment", sa.JSON, nullable=False),
        sa.Column("floor", sa.String(50)),
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("start_at", UTCDateTime, nullable=False),
        sa.Column("end_at", UTCDateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("source", sa.String(20), nullable=False, server_default="api"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("cancelled_at", UTCDateTime),
        sa.Column("cancelled_by", sa.String(100)),
        sa.CheckConstraint("end_at > start_at", name="reservations_end_after_start"),
    )
    op.create_index("ix_reservations_room_start", "reservations", ["room_id", "start_at"])
    op.create_index("ix_reservations_owner_end", "reservations", ["owner_id", "end_at"])
    op.create_index("ix_reservations_start", "reservations", ["start_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(PG_EXCLUSION)
    else:
        op.execute(SQLITE_GUARD.format(op="insert", event="INSERT"))
        op.execute(SQLITE_GUARD.format(op="update", event="UPDATE"))


def downgrade() -> None:
    op.drop_table("reservations")
    op.drop_table("rooms")
