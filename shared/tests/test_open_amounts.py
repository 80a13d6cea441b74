import uuid
from datetime import date
from decimal import Decimal

from receivables_shared.events import CustomerCreated, PaymentReversed
from receivables_shared.open_amounts import (
    BooksBalance,
    MovementKind,
    books_balances,
    change_of,
    in_minor_units,
    supersedes,
)
from receivables_shared.testing.events import create_invoice_issued
from receivables_shared.testing.movements import (
    imported_invoice,
    payment_applied,
    payment_reversed,
)


def test_a_reversed_discounted_payment_takes_back_the_cash_and_the_discount() -> None:
    issued = create_invoice_issued(total="100.00")
    applied = payment_applied(issued, "98.00", open_amount="2.00").model_copy(
        update={"movement_sequence": 7}
    )

    change = change_of(
        payment_reversed(applied, open_amount="100.00", discount="2.00").model_copy(
            update={"movement_sequence": 9}
        )
    )

    assert change is not None
    assert [(m.kind, m.amount) for m in change.movements] == [
        (MovementKind.PAID, Decimal("-98.00")),
        (MovementKind.DISCOUNT, Decimal("-2.00")),
    ]
    assert (change.open_after, change.sequence) == (Decimal("100.00"), 9)


def test_only_a_later_movement_supersedes_a_sequenced_figure() -> None:
    assert supersedes(12, 11)
    assert not supersedes(11, 12)
    assert not supersedes(12, 12)  # the same movement again
    assert supersedes(12, None)  # nothing sequenced applied yet
    assert supersedes(None, 12)  # an event without a sequence: arrival order
    assert change_of(create_invoice_issued(total="1.00")).sequence is None  # type: ignore[union-attr]


def test_an_imported_invoice_is_invoiced_and_partly_paid_at_its_issue_date() -> None:
    change = change_of(imported_invoice(uuid.uuid4(), total="500.00", paid_before_import="200"))

    assert change is not None
    assert [(m.kind, m.amount, m.on) for m in change.movements] == [
        (MovementKind.INVOICED, Decimal("500.00"), date(2025, 12, 1)),
        (MovementKind.PAID, Decimal("200"), date(2025, 12, 1)),
    ]
    assert change.open_after == Decimal("300.00")


def test_a_reversal_is_a_negative_payment() -> None:
    issued = create_invoice_issued(total="100.00")
    applied = payment_applied(issued, "40.00", open_amount="60.00")

    change = change_of(payment_reversed(applied, open_amount="100.00"))

    assert change is not None
    movements = [(m.kind, m.amount) for m in change.movements]
    assert movements == [(MovementKind.PAID, Decimal("-40.00"))]
    assert change.open_after == Decimal("100.00")


def test_events_that_move_no_invoice_are_no_change() -> None:
    from_balance = PaymentReversed(
        customer_id=uuid.uuid4(),
        payment_id=uuid.uuid4(),
        invoice_id=None,
        currency="EUR",
        amount=Decimal("5"),
        reversed_on=date(2026, 4, 1),
        open_amount=None,
    )
    customer = CustomerCreated(
        customer_id=uuid.uuid4(), name="SIA Koks", country="LV", language="lv", currency="EUR"
    )

    assert (change_of(from_balance), change_of(customer)) == (None, None)


def test_amounts_are_written_in_their_currencys_minor_units_and_never_rounded() -> None:
    assert in_minor_units(Decimal("1200.500"), "EUR") == Decimal("1200.50")
    assert str(in_minor_units(Decimal("5.000"), "JPY")) == "5"
    assert str(in_minor_units(Decimal("0"), "KWD")) == "0.000"
    assert str(in_minor_units(Decimal("1.005"), "EUR")) == "1.005"  # shown, not rounded away


def test_the_books_balance_only_when_the_identity_holds() -> None:
    sums = [("EUR", "invoiced", Decimal("100")), ("EUR", "paid", Decimal("40"))]

    [right] = books_balances(sums, [("EUR", Decimal("60"))])
    [wrong] = books_balances(sums, [("EUR", Decimal("60.01"))])

    assert (right.balanced, wrong.balanced) == (True, False)
    assert right.model_dump()["fees"] == Decimal("0.00")


def test_every_figure_takes_part_in_the_identity() -> None:
    balance = BooksBalance(
        currency="EUR", invoiced=Decimal("1000"), fees=Decimal("50"), credited=Decimal("100"),
        written_off=Decimal("200"), paid=Decimal("300"), discount=Decimal("10"),
        cancelled=Decimal("40"), open=Decimal("400"),
    )  # fmt: skip

    assert balance.balanced
