"""the caller's external id of known customers: imports may name customers by it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for customers known before: the next CustomerUpdated (or a replay of credit-policy's
    # customer events) fills it in.
    op.add_column("known_customers", sa.Column("external_id", sa.String(length=100), nullable=True))
    op.create_index(
        op.f("ix_known_customers_external_id"), "known_customers", ["external_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_known_customers_external_id"), table_name="known_customers")
    op.drop_column("known_customers", "external_id")
