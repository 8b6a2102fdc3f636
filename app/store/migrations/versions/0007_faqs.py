"""自动回复 FAQ pairs: keywords and an answer, per product or (no product) for the whole room.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faqs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id", ondelete="CASCADE"), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("answer", sa.String(400), nullable=False),
    )
    op.create_index("ix_faqs_product_id", "faqs", ["product_id"])


def downgrade() -> None:
    op.drop_index("ix_faqs_product_id", table_name="faqs")
    op.drop_table("faqs")
