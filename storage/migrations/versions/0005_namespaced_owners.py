"""Owners namespaced by surface: 'U123' becomes 'slack:U123', other API owners 'api:<name>'.

A Teams user whose id string equals a Slack user's must never act on that user's bookings, so
every identity carries its surface. Legacy values were Slack user ids (U…/W…) or API callers.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")  # frozen here: later rule changes must not rewrite it
SURFACES = ("slack:", "teams:", "api:", "console:", "calendar:")
KEEP = {"no-show"}  # cancelled_by values that are not people
reservations = sa.table(
    "reservations",
    sa.column("owner_id", sa.String),
    sa.column("cancelled_by", sa.String),
)


def namespaced(value: str) -> str:
    """The namespaced identity of a legacy owner value."""
    if value in KEEP or value.startswith(SURFACES):
        return value
    return ("slack:" if SLACK_USER.match(value) else "api:") + value


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in ("owner_id", "cancelled_by"):
            op.alter_column("reservations", column, type_=sa.String(255))
    for column in ("owner_id", "cancelled_by"):
        field = getattr(reservations.c, column)
        values = bind.execute(sa.select(field).where(field.is_not(None)).distinct()).scalars()
        for value in list(values):
            new = namespaced(value)
            if new != value:
                bind.execute(reservations.update().where(field == value).values({column: new}))


def downgrade() -> None:
    bind = op.get_bind()
    for column in ("owner_id", "cancelled_by"):
        field = getattr(reservations.c, column)
        for prefix in ("slack:", "api:"):
            bind.execute(
                reservations.update()
                .where(field.like(prefix + "%"))
                .values({column: sa.func.substr(field, len(prefix) + 1)})
            )
