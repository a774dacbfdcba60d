"""Delivered event ids claimed in the database, so redeliveries are dropped without Redis too.

Revision ID: 0009
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_claims",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_event_claims_expires_at", "event_claims", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_event_claims_expires_at", table_name="event_claims")
    op.drop_table("event_claims")
