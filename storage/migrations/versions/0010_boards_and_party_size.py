"""Door boards' tokens (hashed) and the party size a booking was made for (when known).

Revision ID: 0010
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.add_column(sa.Column("party_size", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.drop_column("party_size")
    op.drop_table("board_tokens")
