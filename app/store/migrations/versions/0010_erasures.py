"""A viewer's data erased on request: the record of each erasure (never the erased id), `erasures`.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("studio_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("erased_at", sa.Float, nullable=False),
        sa.Column("shows", sa.Integer, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("draws", sa.JSON, nullable=False),
    )
    op.create_index("ix_erasures_studio_id", "erasures", ["studio_id"])


def downgrade() -> None:
    op.drop_index("ix_erasures_studio_id", table_name="erasures")
    op.drop_table("erasures")
