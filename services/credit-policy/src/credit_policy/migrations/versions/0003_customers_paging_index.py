"""index customers for paging by (created_at, id)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customers_created_at_id", "customers", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_customers_created_at_id", table_name="customers")
