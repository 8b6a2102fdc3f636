"""A live session's owner and heartbeat (only a dead owner's session is marked interrupted) and its kind
(live or rehearsal: a rehearsal never mixes into real sessions' lists and totals).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.Float, nullable=True))
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="live"))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("kind")
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
