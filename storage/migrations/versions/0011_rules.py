"""Approvals, the waitlist and series: reservation status, and guards over every held slot.

A reservation is `active`, `pending` (waiting for an approver) or `held` (offered to the first
person on a waitlist); all three hold the slot, so the exclusion constraint (PostgreSQL), the
overlap triggers (SQLite) and the GiST index of periods now cover
`active OR status IN ('pending', 'held')`. `active` keeps its meaning (confirmed and live).

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

HOLDING = "(active OR status IN ('pending', 'held'))"
PG_GUARD = """
ALTER TABLE reservations ADD CONSTRAINT reservations_no_overlap
EXCLUDE USING gist (room_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
WHERE {where}
"""
PG_PERIODS = (
    "CREATE INDEX IF NOT EXISTS {name} ON reservations "
    "USING gist (tstzrange(start_at, end_at, '[)')) WHERE {where}"
)
SQLITE_GUARD = """
CREATE TRIGGER reservations_no_overlap_{op}
BEFORE {event} ON reservations
WHEN {new}
BEGIN
    SELECT RAISE(ABORT, 'reservation_overlap')
    WHERE EXISTS (
        SELECT 1 FROM reservations AS other
        WHERE other.room_id = NEW.room_id AND {other} AND other.id IS NOT NEW.id
          AND other.start_at < NEW.end_at AND other.end_at > NEW.start_at
    );
END
"""


def holding(alias: str) -> str:
    """The holding predicate over one row alias (for the SQLite triggers)."""
    return f"({alias}.active OR {alias}.status IN ('pending', 'held'))"


def guard(where: str, new: str, other: str) -> None:
    """Replace the overlap guards with ones over the given predicate."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reservations DROP CONSTRAINT IF EXISTS reservations_no_overlap")
        op.execute(PG_GUARD.format(where=where))
        return
    for name, event in (("insert", "INSERT"), ("update", "UPDATE")):
        op.execute(f"DROP TRIGGER IF EXISTS reservations_no_overlap_{name}")
        op.execute(SQLITE_GUARD.format(op=name, event=event, new=new, other=other))


def upgrade() -> None:
    create_series()
    with op.batch_alter_table("rooms", recreate="never") as batch:
        batch.add_column(sa.Column("approvers", sa.JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="active")
        )
        batch.add_column(sa.Column("occurrence", sa.Integer))
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "reservations", sa.Column("series_id", sa.Integer, sa.ForeignKey("series.id"))
        )
    else:  # SQLite adds a column with a reference in place (no table copy: the triggers stay)
        op.execute("ALTER TABLE reservations ADD COLUMN series_id INTEGER REFERENCES series (id)")
    op.execute("UPDATE reservations SET status = 'cancelled' WHERE NOT active")
    op.create_index("ix_reservations_series", "reservations", ["series_id", "occurrence"])
    op.create_index(
        "ix_reservations_pending", "reservations", ["start_at"],
        postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"),
    )  # fmt: skip
    create_waitlist_decisions_notices()
    guard(HOLDING, holding("NEW"), holding("other"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reservations_active_period")
        op.execute(PG_PERIODS.format(name="ix_reservations_holding_period", where=HOLDING))


def create_series() -> None:
    """The series table (reservations refer to it)."""
    op.create_table(
        "series",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("repeat", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("weekdays_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("start_at", UTCDateTime, nullable=False),
        sa.Column("end_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("source", sa.String(20), nullable=False, server_default="api"),
    )


def create_waitlist_decisions_notices() -> None:
    """The waitlist, the approval decisions and the notice outbox."""
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("start_at", UTCDateTime, nullable=False),
        sa.Column("end_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="waiting"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("source", sa.String(20), nullable=False, server_default="api"),
        sa.Column("offered_at", UTCDateTime),
        sa.Column("hold_until", UTCDateTime),
        sa.Column("held_id", sa.Integer, sa.ForeignKey("reservations.id")),
    )
    op.create_index("ix_waitlist_room_status", "waitlist", ["room_id", "status", "created_at"])
    op.create_table(
        "approval_decisions",
        sa.Column("reservation_id", sa.Integer, sa.ForeignKey("reservations.id"), primary_key=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("reservation_id", sa.Integer, sa.ForeignKey("reservations.id"), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("outcome", sa.String(20)),
        sa.Column("ref", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_notices_due", "notices", ["sent_at", "due_at"])
    op.create_index("ix_notices_reservation_id", "notices", ["reservation_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reservations_holding_period")
        op.execute(PG_PERIODS.format(name="ix_reservations_active_period", where="active"))
    guard("(active)", "NEW.active", "other.active")
    for table in ("notices", "approval_decisions", "waitlist"):
        op.drop_table(table)
    op.drop_index("ix_reservations_pending", "reservations")
    op.drop_index("ix_reservations_series", "reservations")
    with op.batch_alter_table("reservations") as batch:  # SQLite: copies the table
        batch.drop_column("occurrence")
        batch.drop_column("series_id")
        batch.drop_column("status")
    with op.batch_alter_table("rooms", recreate="never") as batch:  # others refer to rooms
        batch.drop_column("approvers")
    op.drop_table("series")
    if op.get_bind().dialect.name != "postgresql":
        guard("(active)", "NEW.active", "other.active")  # the copy lost its triggers
