"""Retention (app/retention.py): each studio's policy — how long its shows are kept, after how long their viewers
are pseudonymised — and when a show's viewers were.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("studios") as batch:
        batch.add_column(sa.Column("keep_days", sa.Integer, nullable=False, server_default="1095"))
        batch.add_column(sa.Column("pseudonymise_days", sa.Integer, nullable=False, server_default="365"))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("pseudonymised_at", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("pseudonymised_at")
    with op.batch_alter_table("studios") as batch:
        batch.drop_column("pseudonymise_days")
        batch.drop_column("keep_days")
