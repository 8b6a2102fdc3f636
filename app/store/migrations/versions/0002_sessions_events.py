"""Sessions and the event log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("run_sheet", sa.JSON, nullable=False),
        sa.Column("destinations", sa.JSON, nullable=False),
        sa.Column("recording_path", sa.String(500), nullable=False),
        sa.Column("started_at", sa.Float, nullable=True),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("wall_time", sa.Float, nullable=False),
        sa.Column("stream_time", sa.Float, nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("product_id", sa.Integer, nullable=True),
        sa.Column("amount_cents", sa.Integer, nullable=True),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_session_seq", "events", ["session_id", "seq"], unique=True)
    op.create_index("ix_events_session_type", "events", ["session_id", "type"])


def downgrade() -> None:
    op.drop_index("ix_events_session_type", "events")
    op.drop_index("ix_events_session_seq", "events")
    op.drop_table("events")
    op.drop_table("sessions")
