"""The statement as CSV and PDF (JSON is schemas.StatementRead)."""

from __future__ import annotations

import csv
import io

from invoicing.documents.render import html_to_pdf_in_thread, render_html
from invoicing.statements.view_models import StatementDocument

CSV_HEADER = (
    "currency",
    "business_date",
    "invoice_number",
    "invoice_id",
    "kind",
    "amount",
    "balance",
)
#: The pseudo-kinds of the first and last row of each currency's section.
OPENING, CLOSING = "opening_balance", "closing_balance"


def statement_csv(statement: StatementDocument) -> str:
    """One row per movement, framed per currency by an opening and a closing balance row.

    Amounts are decimal strings with the currency's minor units ("1200.50"), dates ISO 8601, so a
    spreadsheet or an accounting import reads them without guessing a locale."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for section in statement.currencies:
        writer.writerow(
            (
                section.currency,
                statement.period_from.isoformat(),
                "",
                "",
                OPENING,
                "",
                section.opening_balance,
            )
        )
        writer.writerows(
            (
                section.currency,
                line.business_date.isoformat(),
                line.invoice_number,
                line.invoice_id,
                line.kind,
                line.amount,
                line.balance,
            )
            for line in section.lines
        )
        writer.writerow(
            (
                section.currency,
                statement.period_to.isoformat(),
                "",
                "",
                CLOSING,
                "",
                section.closing_balance,
            )
        )
    return out.getvalue()


def statement_html(statement: StatementDocument) -> str:
    return render_html("statement.html.j2", statement.language, statement=statement)


async def statement_pdf(statement: StatementDocument) -> bytes:
    return await html_to_pdf_in_thread(statement_html(statement))
