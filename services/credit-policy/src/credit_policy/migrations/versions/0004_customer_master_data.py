"""customer master data: external id, time zone, segment, contacts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Customers created before time zones existed get the default business time zone.
EXISTING_CUSTOMERS_TIME_ZONE = "Europe/Riga"


def upgrade() -> None:
    op.add_column("customers", sa.Column("external_id", sa.String(length=100), nullable=True))
    op.create_unique_constraint("uq_customers_external_id", "customers", ["external_id"])
    op.add_column(
        "customers",
        sa.Column(
            "time_zone",
            sa.String(length=64),
            nullable=False,
            server_default=EXISTING_CUSTOMERS_TIME_ZONE,
        ),
    )
    op.alter_column("customers", "time_zone", server_default=None)
    op.add_column("customers", sa.Column("segment", sa.String(length=64), nullable=True))
    op.add_column(
        "customers",
        sa.Column(
            "contacts",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )
    op.alter_column("customers", "contacts", server_default=None)
    op.create_index(
        "ix_customers_segment_created_at_id", "customers", ["segment", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_customers_segment_created_at_id", table_name="customers")
    op.drop_column("customers", "contacts")
    op.drop_column("customers", "segment")
    op.drop_column("customers", "time_zone")
    op.drop_constraint("uq_customers_external_id", "customers", type_="unique")
    op.drop_column("customers", "external_id")
