"""A product's id on the shop platform (抖店 商品ID, 淘宝 宝贝ID): how an order export's lines find their product.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("platform_item_id", sa.String(64), nullable=True))
        batch.create_index("ix_products_platform_item_id", ["platform_item_id"])


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_index("ix_products_platform_item_id")
        batch.drop_column("platform_item_id")
