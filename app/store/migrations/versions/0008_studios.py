"""工作室 studios: several studios share one database; products, coupons, FAQ pairs and sessions each belong to one.
What was there before belongs to the default studio (id 1). A SKU is unique within its studio, not across them.

Revision ID: 0008
Revises: 0007
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEFAULT_STUDIO = "默认工作室"
OWNED = ("products", "coupons", "faqs", "sessions")
# SQLite's copy-and-move needs a name for 0001's unnamed UNIQUE(sku) to drop it; PostgreSQL named it itself.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    studios = op.create_table(
        "studios",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.bulk_insert(studios, [{"id": 1, "name": DEFAULT_STUDIO, "created_at": time.time()}])
    if op.get_bind().dialect.name == "postgresql":  # the explicit id 1 above did not move the sequence
        op.execute("SELECT setval(pg_get_serial_sequence('studios', 'id'), (SELECT max(id) FROM studios))")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in OWNED:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.add_column(sa.Column("studio_id", sa.Integer, nullable=False, server_default="1"))
            batch.create_foreign_key(f"fk_{table}_studio_id", "studios", ["studio_id"], ["id"])
            batch.create_index(f"ix_{table}_studio_id", ["studio_id"])
            if table == "products":
                batch.drop_constraint("uq_products_sku" if sqlite else "products_sku_key", type_="unique")
                batch.create_unique_constraint("uq_products_studio_sku", ["studio_id", "sku"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(OWNED):
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            if table == "products":
                batch.drop_constraint("uq_products_studio_sku", type_="unique")
                batch.create_unique_constraint("uq_products_sku" if sqlite else "products_sku_key", ["sku"])
            batch.drop_index(f"ix_{table}_studio_id")
            batch.drop_constraint(f"fk_{table}_studio_id", type_="foreignkey")
            batch.drop_column("studio_id")
    op.drop_table("studios")
