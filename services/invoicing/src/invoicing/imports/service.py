"""The history import: validate the whole file, then load it in one transaction.

Every row is checked first (types, dates, amounts against the currency, the customer, named by
its id or by the caller's external id, and its currency, duplicates in the file and among
invoices already stored); any bad row answers 422
with every bad row (field `line[N].<column>`) and nothing is stored. Then the repository
loads all rows with a few set-based statements and records one InvoiceIssued (imported) per
row. Never commits.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.imports.parsing import RawRow, read_rows
from invoicing.imports.repository import ImportRepository, LoadRow
from invoicing.imports.schemas import CurrencyTotals, ImportResult, ImportRow
from invoicing.invoices.references import make_rf
from receivables_shared.clock import Clock
from receivables_shared.http.problems import FieldError, ProblemError, ProblemType
from receivables_shared.money import fits_minor_units, minor_units

#: Beyond this many, the report says how many more bad rows there are (the answer stays small).
MAX_REPORTED_ERRORS = 10_000

#: What this platform's own numbers look like (numbering.format_number): an imported number of
#: that shape could later collide with a number the platform issues.
_PLATFORM_NUMBER = re.compile(r"^[A-Z]{1,10}-\d{4}-\d{6}$")


@dataclass
class _Checked:
    line: int
    row: ImportRow
    rf_reference: str
    #: The row's customer_id, or the customer its customer_external_id names once resolved.
    customer_id: uuid.UUID | None


class _Report:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.bad_lines: set[int] = set()

    def add(self, line: int, field: str, message: str) -> None:
        self.bad_lines.add(line)
        self.errors.append(
            FieldError(field=f"line[{line}].{field}", location="body", message=message)
        )

    def raise_if_any(self, rows: int) -> None:
        if not self.errors:
            return
        shown = self.errors[:MAX_REPORTED_ERRORS]
        more = len(self.errors) - len(shown)
        raise ProblemError(
            422,
            f"{len(self.bad_lines)} of {rows} rows are bad; nothing was imported"
            + (f" ({more} more errors not listed)" if more else ""),
            type_=ProblemType.VALIDATION,
            errors=shown,
        )


async def import_invoices(
    session: AsyncSession, clock: Clock, body: bytes, content_type: str | None, imported_by: str
) -> ImportResult:
    await ImportRepository(session).allow_long_transaction()
    raw_rows = read_rows(body, content_type)
    report = _Report()
    today = clock.today()
    checked = [row for raw in raw_rows if (row := _check_row(raw, today, report)) is not None]
    _check_duplicates_in_file(checked, report)
    await _check_against_stored(ImportRepository(session), checked, report)
    report.raise_if_any(len(raw_rows))

    try:
        await ImportRepository(session).load(
            [
                LoadRow(
                    number=c.row.number,
                    customer_id=_customer_of(c),
                    currency=c.row.currency,
                    issue_date=c.row.issue_date,
                    due_date=c.row.due_date,
                    total=c.row.total,
                    net_total=c.row.net_total if c.row.net_total is not None else c.row.total,
                    tax_total=c.row.tax_total if c.row.tax_total is not None else Decimal(0),
                    paid_amount=c.row.paid_amount,
                    order_reference=c.row.order_reference,
                    rf_reference=c.rf_reference,
                )
                for c in checked
            ],
            imported_by=imported_by,
            clock=clock,
        )
    except IntegrityError as error:
        # Checked above, so another request loaded some of these numbers meanwhile.
        raise ProblemError(
            409,
            "another import or invoice took some of these numbers while this file was checked;"
            " nothing was imported: send it again to see which rows",
        ) from error
    return ImportResult(imported=len(checked), by_currency=_totals(checked))


def _customer_of(checked: _Checked) -> uuid.UUID:
    assert checked.customer_id is not None, "a row that passed the checks has its customer"
    return checked.customer_id


def rf_reference_for(number: str) -> str:
    """The RF reference of the original number; a number too long for one (ISO 11649 takes 21
    characters) gets a reference from its hash, still unique for practical purposes."""
    try:
        return make_rf(number)
    except ValueError:
        return make_rf("IMP" + hashlib.sha256(number.encode()).hexdigest()[:18].upper())


def _check_row(raw: RawRow, today: date, report: _Report) -> _Checked | None:
    for field, message in raw.errors:
        report.add(raw.line, field, message)
    if raw.errors:
        return None
    try:
        row = ImportRow.model_validate(raw.values)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            field = ".".join(str(part) for part in detail["loc"]) or "row"
            report.add(raw.line, field, detail["msg"])
        return None
    before = len(report.errors)
    line, currency = raw.line, row.currency
    if (row.customer_id is None) == (row.customer_external_id is None):
        report.add(line, "customer_id", "give customer_id or customer_external_id, one of them")
    if row.due_date < row.issue_date:
        report.add(line, "due_date", "must not be before the issue date")
    if row.issue_date > today:
        report.add(line, "issue_date", f"must not be after the business date {today}")
    if _PLATFORM_NUMBER.match(row.number):
        report.add(line, "number", "has the shape of this platform's own numbers; prefix it")
    amounts = {"total": row.total, "paid_amount": row.paid_amount,
               "net_total": row.net_total, "tax_total": row.tax_total}  # fmt: skip
    for field, amount in amounts.items():
        if amount is None:
            continue
        if amount < 0:
            report.add(line, field, "must not be negative")
        elif not fits_minor_units(amount, currency):
            report.add(
                line, field, f"{currency} amounts have at most {minor_units(currency)} decimals"
            )
    if row.total <= 0:
        report.add(line, "total", "must be above zero")
    elif row.paid_amount >= row.total:
        report.add(line, "paid_amount", "must be less than the total: import open items only")
    if (row.net_total is None) != (row.tax_total is None):
        report.add(
            line, "tax_total" if row.tax_total is None else "net_total", "give both or neither"
        )
    elif (
        row.net_total is not None
        and row.tax_total is not None
        and row.net_total + row.tax_total != row.total
    ):
        report.add(line, "total", "must be net_total + tax_total")
    if len(report.errors) > before:
        return None
    return _Checked(line, row, rf_reference_for(row.number), row.customer_id)


def _check_duplicates_in_file(checked: list[_Checked], report: _Report) -> None:
    first_of_number: dict[str, int] = {}
    first_of_rf: dict[str, int] = {}
    for c in checked:
        if (first := first_of_number.setdefault(c.row.number, c.line)) != c.line:
            report.add(c.line, "number", f"{c.row.number} is also on line {first}")
        elif (first := first_of_rf.setdefault(c.rf_reference, c.line)) != c.line:
            report.add(c.line, "number", f"makes the RF reference of line {first}")


async def _check_against_stored(
    repository: ImportRepository, checked: list[_Checked], report: _Report
) -> None:
    if not checked:
        return
    numbers = await repository.existing_numbers([c.row.number for c in checked])
    references = await repository.existing_rf_references([c.rf_reference for c in checked])
    currencies = await repository.customer_currencies(
        list({c.customer_id for c in checked if c.customer_id is not None})
    )
    by_external_id = await repository.customers_by_external_id(
        list({e for c in checked if (e := c.row.customer_external_id) is not None})
    )
    for c in checked:
        if c.row.number in numbers:
            report.add(c.line, "number", f"invoice {c.row.number} already exists")
        elif c.rf_reference in references:
            report.add(c.line, "number", f"its RF reference {c.rf_reference} is already in use")
        if (external_id := c.row.customer_external_id) is not None:
            matches = by_external_id.get(external_id, [])
            if len(matches) != 1:
                problem = "no known customer has" if not matches else "several customers have"
                report.add(c.line, "customer_external_id", f"{problem} this external id")
                continue
            c.customer_id, currencies[c.customer_id] = matches[0]
        customer_currency = currencies.get(c.customer_id) if c.customer_id else None
        if customer_currency is None:
            report.add(c.line, "customer_id", "unknown customer")
        elif customer_currency != c.row.currency:
            report.add(c.line, "currency", f"the customer is invoiced in {customer_currency}")


def _totals(checked: list[_Checked]) -> list[CurrencyTotals]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for c in checked:
        entry = sums[c.row.currency]
        entry[0] += 1
        entry[1] += c.row.total
        entry[2] += c.row.total - c.row.paid_amount
    return [
        CurrencyTotals(currency=currency, invoices=int(n), total=total, open_amount=open_amount)
        for currency, (n, total, open_amount) in sorted(sums.items())
    ]
