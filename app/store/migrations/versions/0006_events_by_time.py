"""Events by kind and time: the review answers "how many entries in this window, how many comments this minute"
from this index alone (app/store/aggregates.py), instead of replaying every event of a long show. It starts with
(session_id, type), so it replaces that index (one index more to write would slow the event writer). And
`session_counts`: those answers kept once counted (at the end of the show, or the first time its review opens).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_session_type_time", "events", ["session_id", "type", "stream_time", "user_id"])
    op.drop_index("ix_events_session_type", table_name="events")
    op.create_table(
        "session_counts",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("through_seq", sa.BigInteger, nullable=False),
        sa.Column("bulk_events", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_counts")
    op.create_index("ix_events_session_type", "events", ["session_id", "type"])
    op.drop_index("ix_events_session_type_time", table_name="events")
