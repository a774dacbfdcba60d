"""Calendars: reservation revisions, each room's calendar, the outbox, links, cursors, feed tokens.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("updated_at", UTCDateTime, nullable=True))
    with op.batch_alter_table("rooms", recreate="never") as batch:
        batch.add_column(sa.Column("calendar", sa.String(500), nullable=True))
    reservation = sa.ForeignKey("reservations.id", ondelete="CASCADE")
    op.create_table(
        "calendar_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("reservation_id", sa.Integer, reservation, nullable=True),
        sa.Column("href", sa.String(1000), nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("leased_until", UTCDateTime, nullable=True),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
    )
    op.create_index("ix_calendar_outbox_pending", "calendar_outbox", ["done_at", "id"])
    op.create_index("ix_calendar_outbox_reservation_id", "calendar_outbox", ["reservation_id"])
    _create_links_cursors_tokens()


def _create_links_cursors_tokens() -> None:
    op.create_table(
        "calendar_links",
        sa.Column("room_id", sa.String(64), primary_key=True),
        sa.Column("href", sa.String(1000), primary_key=True),
        sa.Column("uid", sa.String(1000), nullable=False),
        sa.Column(
            "reservation_id",
            sa.Integer,
            sa.ForeignKey("reservations.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("start_at", UTCDateTime, nullable=True),
        sa.Column("end_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_calendar_links_reservation_id", "calendar_links", ["reservation_id"])
    op.create_table(
        "calendar_cursors",
        sa.Column(
            "room_id",
            sa.String(64),
            sa.ForeignKey("rooms.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("owner_id", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("feed_tokens", "calendar_cursors", "calendar_links", "calendar_outbox"):
        op.drop_table(table)
    with op.batch_alter_table("rooms", recreate="never") as batch:
        batch.drop_column("calendar")
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("sequence")
