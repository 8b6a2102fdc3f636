"""Each show's log as a hash chain (app/store/chain.py): `chain_links`, one row per link.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=True),
        sa.Column("content", sa.String(64), nullable=False),
        sa.Column("personal", sa.String(64), nullable=False),
        sa.Column("link", sa.String(64), nullable=False),
        sa.Column("note", sa.JSON, nullable=True),
    )
    op.create_index("ix_chain_links_session_position", "chain_links", ["session_id", "position"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_chain_links_session_position", table_name="chain_links")
    op.drop_table("chain_links")
