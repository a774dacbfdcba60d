"""An English display name per room (rooms.yml `name_en`), for replies in English.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms", recreate="never") as batch:
        batch.add_column(sa.Column("name_en", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rooms", recreate="never") as batch:
        batch.drop_column("name_en")
