"""A version number of the rooms table, bumped by a trigger on every change to it.

Each process caches the rooms; one cheap read of this number (or a guard inside the booking's
INSERT) tells it whether its copy is current, whoever changed the rooms and however (`rooms
sync` in another process, plain SQL, TRUNCATE).

Revision ID: 0012
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_rooms_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms_version SET version = version + 1;
    RETURN NULL;
END $$
"""
PG_TRIGGER = """
CREATE TRIGGER rooms_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rooms
FOR EACH STATEMENT EXECUTE FUNCTION bump_rooms_version()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER rooms_version_{name} AFTER {event} ON rooms
BEGIN
    UPDATE rooms_version SET version = version + 1;
END
"""


def upgrade() -> None:
    op.create_table(
        "rooms_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="rooms_version_one_row"),
    )
    op.execute("INSERT INTO rooms_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
        return
    for name in ("insert", "update", "delete"):
        op.execute(SQLITE_TRIGGER.format(name=name, event=name.upper()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS rooms_version_bump ON rooms")
        op.execute("DROP FUNCTION IF EXISTS bump_rooms_version()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS rooms_version_{name}")
    op.drop_table("rooms_version")
