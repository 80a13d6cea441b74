"""park outbox rows the broker refuses; index the inbox for its retention

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from receivables_shared.db.platform_migration import (
    park_refused_outbox_rows_and_index_inbox,
    unpark_outbox_rows_and_unindex_inbox,
)

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    park_refused_outbox_rows_and_index_inbox()


def downgrade() -> None:
    unpark_outbox_rows_and_unindex_inbox()
