"""Reminder and check-in state on reservations; a table of once-only job runs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.add_column(sa.Column("reminded_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("checked_in_at", UTCDateTime, nullable=True))
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("run_key", sa.String(50), primary_key=True),
        sa.Column("ran_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.drop_column("checked_in_at")
        batch.drop_column("reminded_at")
