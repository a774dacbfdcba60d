"""Teams conversation references: where reminders reach a Teams user (stored on first contact).

Revision ID: 0007
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0007"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("owner_id", sa.String(255), primary_key=True),
        sa.Column("conversation_id", sa.String(512), primary_key=True),
        sa.Column("personal", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reference", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_teams_conversations_owner", "teams_conversations", ["owner_id", "personal"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_owner", table_name="teams_conversations")
    op.drop_table("teams_conversations")
