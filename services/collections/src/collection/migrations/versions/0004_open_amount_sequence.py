"""invoicing's movement sequence on the kept open amounts and movements: the newest wins

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for what was kept before: the next sequenced movement of each invoice replaces it.
    op.add_column("receivables", sa.Column("open_amount_sequence", sa.BigInteger(), nullable=True))
    op.add_column("receivable_movements", sa.Column("sequence", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("receivable_movements", "sequence")
    op.drop_column("receivables", "open_amount_sequence")
