"""Quarantined events (one bad event never blocks the log) and 64-bit amounts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantined_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("event_text", sa.Text, nullable=False),
        sa.Column("quarantined_at", sa.Float, nullable=False),
    )
    op.create_index("ix_quarantined_session", "quarantined_events", ["session_id"])
    with op.batch_alter_table("events") as batch:
        batch.alter_column("amount_cents", type_=sa.BigInteger, existing_type=sa.Integer, existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.alter_column("amount_cents", type_=sa.Integer, existing_type=sa.BigInteger, existing_nullable=True)
    op.drop_index("ix_quarantined_session", "quarantined_events")
    op.drop_table("quarantined_events")
