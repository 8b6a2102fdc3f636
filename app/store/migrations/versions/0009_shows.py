"""The manager's desk: a show's host (主播) and platform, and what is kept of each ended show for the views across
shows — its figures (`show_figures`) and who was in it (`show_viewers`: one row per platform account id, erasable).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("host", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("platform", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", sa.JSON, nullable=True))
    op.create_table(
        "show_figures",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("studio_id", sa.Integer, nullable=False),
        sa.Column("through_seq", sa.BigInteger, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.Float, nullable=False),
    )
    op.create_index("ix_show_figures_studio_id", "show_figures", ["studio_id"])
    op.create_table(
        "show_viewers",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("studio_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("entered", sa.Boolean, nullable=False),
        sa.Column("orders", sa.Integer, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False),
        sa.Column("followed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_show_viewers_account", "show_viewers", ["studio_id", "platform", "user_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_show_viewers_account", table_name="show_viewers")
    op.drop_table("show_viewers")
    op.drop_index("ix_show_figures_studio_id", table_name="show_figures")
    op.drop_table("show_figures")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("tags")
        batch.drop_column("platform")
        batch.drop_column("host")
