"""exposure follows invoicing's movement sequence, not the events' wall-clock time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for rows kept before: the next sequenced movement of each invoice replaces it.
    op.add_column(
        "exposure_invoices", sa.Column("open_amount_sequence", sa.BigInteger(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("exposure_invoices", "open_amount_sequence")
