"""complete invoices (tax, totals, open amount, state, terms, RF reference), the movement
ledger, customer terms, credit notes, write-offs, due-date extensions; counters per series

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from invoicing.invoices.references import make_rf

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=19, scale=3)
PERCENT = sa.Numeric(precision=7, scale=4)


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    _known_customers()
    _counters()
    _invoices()
    _invoice_lines()
    _movements()
    _customer_terms()
    _credit_notes_write_offs_extensions()


def _known_customers() -> None:
    op.add_column("known_customers", sa.Column("country", sa.String(length=2), nullable=True))
    op.add_column("known_customers", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.add_column("known_customers", sa.Column("tax_id", sa.String(length=64), nullable=True))


def _counters() -> None:
    op.create_table(
        "number_counters",
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_number_counters")),
    )
    op.execute(
        "INSERT INTO number_counters (series, year, last_number)"
        " SELECT 'INV', year, last_number FROM invoice_counters"
    )
    op.drop_table("invoice_counters")


def _invoices() -> None:
    op.alter_column("invoices", "number", type_=sa.String(length=40))
    op.alter_column("invoices", "total", type_=MONEY)
    # Invoices issued before this revision: EUR-style, untaxed, unpaid, issued by "unknown".
    backfilled: dict[str, tuple[Any, str]] = {
        "series": (sa.String(length=10), "'INV'"),
        "net_total": (MONEY, "0"),
        "tax_total": (MONEY, "0"),
        "open_amount": (MONEY, "0"),
        "state": (sa.String(length=20), "'issued'"),
        "original_due_date": (sa.Date(), "'2000-01-01'"),
        "issued_at": (sa.DateTime(timezone=True), "now()"),
        "issuing_system": (sa.String(length=200), "'unknown'"),
        "payment_term_days": (sa.Integer(), "0"),
        "terms_source": (sa.String(length=20), "'request'"),
        "business_day_rule": (sa.String(length=30), "'none'"),
    }
    for name, (type_, default) in backfilled.items():
        op.add_column(
            "invoices", sa.Column(name, type_, server_default=sa.text(default), nullable=False)
        )
    op.execute(
        "UPDATE invoices SET net_total = total, open_amount = total,"
        " original_due_date = due_date, issued_at = created_at,"
        " payment_term_days = due_date - issue_date"
    )
    for name in backfilled:
        if name != "state":
            op.alter_column("invoices", name, server_default=None)
    op.add_column(
        "invoices", sa.Column("paid_amount", MONEY, server_default=sa.text("0"), nullable=False)
    )
    op.add_column("invoices", sa.Column("completed_at", sa.DateTime(timezone=True)))
    op.add_column("invoices", sa.Column("order_reference", sa.String(length=100)))
    op.add_column("invoices", sa.Column("rf_reference", sa.String(length=25)))
    op.add_column("invoices", sa.Column("terms_version", sa.Integer()))
    op.add_column(
        "invoices",
        sa.Column(
            "early_payment_discount_percent", PERCENT, server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column("invoices", sa.Column("discount_until", sa.Date()))
    op.add_column("invoices", sa.Column("discount_amount", MONEY))
    op.add_column(
        "invoices",
        sa.Column(
            "late_interest_percent_per_month", PERCENT, server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column(
        "invoices",
        sa.Column("interest_grace_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("invoices", sa.Column("overdue_since", sa.Date()))
    op.add_column("invoices", sa.Column("interest_accrued_through", sa.Date()))
    op.add_column(
        "invoices",
        sa.Column("imported", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("invoices", sa.Column("cancelled_on", sa.Date()))
    op.add_column("invoices", sa.Column("cancel_reason", sa.String(length=500)))

    # RF references of existing invoices come from their numbers (the check digits need Python).
    connection = op.get_bind()
    for invoice_id, number in connection.execute(sa.text("SELECT id, number FROM invoices")):
        connection.execute(
            sa.text("UPDATE invoices SET rf_reference = :rf WHERE id = :id"),
            {"rf": make_rf(number), "id": invoice_id},
        )
    op.alter_column("invoices", "rf_reference", nullable=False)
    op.create_unique_constraint(op.f("uq_invoices_rf_reference"), "invoices", ["rf_reference"])
    op.create_check_constraint(
        op.f("ck_invoices_open_not_negative"), "invoices", "open_amount >= 0"
    )
    op.drop_index(op.f("ix_invoices_customer_id"), table_name="invoices")
    op.create_index("ix_invoices_customer_id_state", "invoices", ["customer_id", "state"])
    op.create_index("ix_invoices_order_reference", "invoices", ["order_reference"])
    op.create_index(
        "ix_invoices_open_due_date",
        "invoices",
        ["due_date"],
        postgresql_where=sa.text("open_amount > 0"),
    )


def _invoice_lines() -> None:
    op.alter_column("invoice_lines", "amount", new_column_name="net", type_=MONEY)
    op.alter_column("invoice_lines", "unit_price", type_=MONEY)
    for name, type_ in (
        ("tax_rate", sa.Numeric(precision=5, scale=2)),
        ("tax", MONEY),
        ("gross", MONEY),
    ):
        op.add_column(
            "invoice_lines",
            sa.Column(name, type_, server_default=sa.text("0"), nullable=False),
        )
        op.alter_column("invoice_lines", name, server_default=None)
    op.execute("UPDATE invoice_lines SET gross = net")
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"])


def _movements() -> None:
    op.create_table(
        "invoice_movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("open_amount_after", MONEY, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        _created_at(),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_invoice_movements_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_movements_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_movements")),
        sa.UniqueConstraint(
            "invoice_id", "kind", "source_id", name=op.f("uq_invoice_movements_invoice_id")
        ),
        sa.UniqueConstraint("sequence", name=op.f("uq_invoice_movements_sequence")),
    )
    op.create_index(
        "ix_invoice_movements_customer_id_business_date",
        "invoice_movements",
        ["customer_id", "business_date"],
    )
    # Invoices issued before the ledger get their issue movement (source: the invoice itself).
    op.execute(
        "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,"
        " open_amount_after, business_date, source_id)"
        " SELECT gen_random_uuid(), id, customer_id, currency, 'issue', total, total,"
        " issue_date, id FROM invoices WHERE total > 0"
    )


def _customer_terms() -> None:
    op.create_table(
        "customer_terms",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("credit_allowed", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_term_days", sa.Integer(), nullable=False),
        sa.Column("business_day_rule", sa.String(length=30), nullable=False),
        sa.Column("early_payment_discount_percent", PERCENT, nullable=False),
        sa.Column("early_payment_discount_days", sa.Integer(), nullable=False),
        sa.Column("late_interest_percent_per_month", PERCENT, nullable=False),
        sa.Column("interest_grace_days", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_terms")),
    )


def _credit_notes_write_offs_extensions() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_credit_notes_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
    )
    op.create_index(op.f("ix_credit_notes_invoice_id"), "credit_notes", ["invoice_id"])
    op.create_table(
        "write_offs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_write_offs_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_offs")),
    )
    op.create_index(op.f("ix_write_offs_invoice_id"), "write_offs", ["invoice_id"])
    op.create_table(
        "due_date_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("previous_due_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_due_date_extensions_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_date_extensions")),
    )
    op.create_index(
        op.f("ix_due_date_extensions_invoice_id"), "due_date_extensions", ["invoice_id"]
    )


def downgrade() -> None:
    op.drop_table("due_date_extensions")
    op.drop_table("write_offs")
    op.drop_table("credit_notes")
    op.drop_table("customer_terms")
    op.drop_table("invoice_movements")
    op.drop_index(op.f("ix_invoice_lines_invoice_id"), table_name="invoice_lines")
    for name in ("gross", "tax", "tax_rate"):
        op.drop_column("invoice_lines", name)
    op.alter_column("invoice_lines", "net", new_column_name="amount", type_=sa.Numeric(18, 2))
    op.alter_column("invoice_lines", "unit_price", type_=sa.Numeric(18, 2))
    op.drop_index("ix_invoices_open_due_date", table_name="invoices")
    op.drop_index("ix_invoices_order_reference", table_name="invoices")
    op.drop_index("ix_invoices_customer_id_state", table_name="invoices")
    op.create_index(op.f("ix_invoices_customer_id"), "invoices", ["customer_id"])
    op.drop_constraint(op.f("ck_invoices_open_not_negative"), "invoices", type_="check")
    op.drop_constraint(op.f("uq_invoices_rf_reference"), "invoices", type_="unique")
    for name in (
        "cancel_reason", "cancelled_on", "imported", "interest_accrued_through",
        "overdue_since", "interest_grace_days", "late_interest_percent_per_month",
        "discount_amount", "discount_until", "early_payment_discount_percent",
        "terms_version", "rf_reference", "order_reference", "completed_at", "paid_amount",
        "business_day_rule", "terms_source", "payment_term_days", "issuing_system",
        "issued_at", "original_due_date", "state", "open_amount", "tax_total", "net_total",
        "series",
    ):  # fmt: skip
        op.drop_column("invoices", name)
    op.alter_column("invoices", "total", type_=sa.Numeric(18, 2))
    op.alter_column("invoices", "number", type_=sa.String(length=32))
    op.create_table(
        "invoice_counters",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_counters")),
    )
    op.execute(
        "INSERT INTO invoice_counters (year, last_number)"
        " SELECT year, last_number FROM number_counters WHERE series = 'INV'"
    )
    op.drop_table("number_counters")
    for name in ("tax_id", "time_zone", "country"):
        op.drop_column("known_customers", name)
