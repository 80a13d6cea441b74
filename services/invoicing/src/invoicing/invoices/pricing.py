"""Invoice lines priced per line: net = quantity x unit price, tax = net x rate, each rounded
half-up to the currency's minor unit (EUR cents, whole JPY, KWD fils); gross = net + tax."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from invoicing.invoices.models import InvoiceLine
from invoicing.invoices.schemas import InvoiceLineCreate
from receivables_shared.http.problems import InvalidField
from receivables_shared.money import fits_minor_units, minor_units, quantum

QUANTITY_STEP = Decimal("0.0001")
#: Amounts are stored as Numeric(19, 3): below 10^16.
MAX_AMOUNT = Decimal("1E16")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RateTotal:
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), ROUND_HALF_UP)


def price_lines(
    lines: Sequence[InvoiceLineCreate], currency: str, tax_rates: frozenset[Decimal]
) -> list[InvoiceLine]:
    """Lines as they will be stored; a bad line is an InvalidField naming it."""
    priced = []
    with localcontext() as context:
        context.prec = 60  # quantity x price can exceed the default 28 digits before the check
        for index, line in enumerate(lines):
            field = f"lines[{index}]"
            if not fits_minor_units(line.unit_price, currency):
                raise InvalidField(
                    f"{field}.unit_price",
                    f"{currency} amounts have at most {minor_units(currency)} decimals",
                )
            if line.tax_rate not in tax_rates:
                allowed = ", ".join(str(rate) for rate in sorted(tax_rates))
                raise InvalidField(f"{field}.tax_rate", f"allowed rates are {allowed}")
            quantity = line.quantity.quantize(QUANTITY_STEP)
            net = round_to_currency(quantity * line.unit_price, currency)
            tax = round_to_currency(net * line.tax_rate / HUNDRED, currency)
            if net + tax >= MAX_AMOUNT:
                raise InvalidField(field, "quantity x unit price is too large")
            priced.append(
                InvoiceLine(
                    position=index + 1,
                    description=line.description,
                    quantity=quantity,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    net=net,
                    tax=tax,
                    gross=net + tax,
                )
            )
    return priced


def totals_per_rate(lines: Iterable[InvoiceLine]) -> list[RateTotal]:
    """Net, tax and gross per tax rate, lowest rate first (the sums of the rounded lines)."""
    per_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, tax = per_rate.get(line.tax_rate, (Decimal(0), Decimal(0)))
        per_rate[line.tax_rate] = (net + line.net, tax + line.tax)
    return [
        RateTotal(tax_rate=rate, net=net, tax=tax, gross=net + tax)
        for rate, (net, tax) in sorted(per_rate.items())
    ]
