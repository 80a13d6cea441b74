"""The ledger: every change of an open amount is a movement; the state follows the open amount."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.ledger.service import MovementAlreadyPosted, post_movement
from invoicing.testing import count, create_known_customer, issue, stored_invoice
from receivables_shared.http.problems import InvalidField, ProblemError

DAY = date(2026, 3, 10)


async def issued_invoice(
    client: httpx.AsyncClient,
    session: AsyncSession,
    *,
    currency: str = "EUR",
    price: str = "600.25",
) -> Invoice:
    customer_id = await create_known_customer(session, currency=currency)
    line = {"description": "Work", "quantity": "2", "unit_price": price}
    created = await issue(client, customer_id, currency=currency, lines=[line])
    return await stored_invoice(session, created["id"])


async def pay(
    session: AsyncSession, invoice: Invoice, amount: str, source: uuid.UUID | None = None
) -> InvoiceMovement:
    return await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT,
        amount=-Decimal(amount),
        business_date=DAY,
        source_id=source or uuid.uuid4(),
    )


async def movements(session: AsyncSession, invoice: Invoice) -> list[tuple[str, Decimal, Decimal]]:
    rows = await session.scalars(
        select(InvoiceMovement)
        .where(InvoiceMovement.invoice_id == invoice.id)
        .order_by(InvoiceMovement.sequence)
    )
    return [(row.kind, row.amount, row.open_amount_after) for row in rows]


async def test_issue_posts_the_total_as_the_first_movement(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)

    assert (invoice.open_amount, invoice.state) == (Decimal("1200.50"), "issued")
    assert await movements(session, invoice) == [("issue", Decimal("1200.50"), Decimal("1200.50"))]


async def test_a_partial_payment_lowers_the_open_amount_and_makes_it_partially_paid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    payment_id = uuid.uuid4()

    movement = await pay(session, invoice, "200.50", payment_id)

    assert (movement.kind, movement.amount, movement.source_id) == (
        "payment",
        Decimal("-200.50"),
        payment_id,
    )
    assert (movement.customer_id, movement.currency, movement.business_date) == (
        invoice.customer_id,
        "EUR",
        DAY,
    )
    stored = await stored_invoice(session, invoice.id)
    assert (stored.open_amount, stored.state) == (Decimal("1000.00"), "partially_paid")


async def test_paying_the_rest_makes_it_paid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    await pay(session, invoice, "200.50")

    await pay(session, invoice, "1000.00")

    stored = await stored_invoice(session, invoice.id)
    assert (stored.open_amount, stored.state) == (Decimal("0"), "paid")


async def test_a_reversed_payment_takes_it_back_to_issued_or_overdue(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    payment_id = uuid.uuid4()
    await pay(session, invoice, "1200.50", payment_id)

    await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT_REVERSAL,
        amount=Decimal("1200.50"),
        business_date=DAY,
        source_id=payment_id,
    )
    assert (invoice.open_amount, invoice.state) == (Decimal("1200.50"), "issued")

    invoice.overdue_since = DAY  # as the overdue job marks it
    second = uuid.uuid4()
    await pay(session, invoice, "1200.50", second)
    await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT_REVERSAL,
        amount=Decimal("1200.50"),
        business_date=DAY,
        source_id=second,
    )
    assert (invoice.open_amount, invoice.state) == (Decimal("1200.50"), "overdue")


async def test_reversing_one_of_two_payments_leaves_it_partially_paid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    first = uuid.uuid4()
    await pay(session, invoice, "100.00", first)
    await pay(session, invoice, "100.00")

    await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT_REVERSAL,
        amount=Decimal("100.00"),
        business_date=DAY,
        source_id=first,
    )

    assert (invoice.open_amount, invoice.state) == (Decimal("1100.50"), "partially_paid")


async def test_a_write_off_to_zero_makes_it_written_off_and_a_fee_raises_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)

    await post_movement(
        session,
        invoice,
        kind=MovementKind.LATE_FEE,
        amount=Decimal("10.00"),
        business_date=DAY,
        source_id=uuid.uuid4(),
    )
    assert (invoice.open_amount, invoice.state) == (Decimal("1210.50"), "issued")
    await post_movement(
        session,
        invoice,
        kind=MovementKind.WRITE_OFF,
        amount=Decimal("-1210.50"),
        business_date=DAY,
        source_id=uuid.uuid4(),
    )

    assert (invoice.open_amount, invoice.state) == (Decimal("0"), "written_off")
    assert [kind for kind, _, _ in await movements(session, invoice)] == [
        "issue",
        "late_fee",
        "write_off",
    ]


async def test_a_disputed_invoice_stays_disputed_while_something_is_open(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    invoice.state = "disputed"

    await pay(session, invoice, "100.00")

    assert invoice.state == "disputed"


async def test_more_than_the_open_amount_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)

    with pytest.raises(InvalidField) as refused:
        await pay(session, invoice, "1200.51")

    assert refused.value.field == "amount"
    stored = await stored_invoice(session, invoice.id)
    assert (stored.open_amount, stored.state) == (Decimal("1200.50"), "issued")
    assert await count(session, InvoiceMovement) == 1


async def test_the_same_source_is_never_posted_twice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    payment_id = uuid.uuid4()
    await pay(session, invoice, "100.00", payment_id)

    with pytest.raises(MovementAlreadyPosted) as refused:
        await pay(session, invoice, "100.00", payment_id)

    assert refused.value.status == 409
    assert (await stored_invoice(session, invoice.id)).open_amount == Decimal("1100.50")


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (MovementKind.PAYMENT, "100.00"),
        (MovementKind.LATE_FEE, "-1.00"),
        (MovementKind.CREDIT_NOTE, "5.00"),
        (MovementKind.PAYMENT, "0"),
        (MovementKind.PAYMENT, "-0.001"),
    ],
    ids=["payment-raising", "fee-lowering", "credit-note-raising", "zero", "below-a-cent"],
)
async def test_a_movement_of_the_wrong_sign_or_precision_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, kind: MovementKind, amount: str
) -> None:
    invoice = await issued_invoice(client, session)

    with pytest.raises(InvalidField) as refused:
        await post_movement(
            session,
            invoice,
            kind=kind,
            amount=Decimal(amount),
            business_date=DAY,
            source_id=uuid.uuid4(),
        )

    assert refused.value.field == "amount"
    assert await count(session, InvoiceMovement) == 1


async def test_whole_yen_and_fils_are_the_units(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    yen = await issued_invoice(client, session, currency="JPY", price="1500")
    dinar = await issued_invoice(client, session, currency="KWD", price="1.255")

    await pay(session, dinar, "0.005")
    with pytest.raises(InvalidField):
        await pay(session, yen, "0.5")

    assert (yen.open_amount, dinar.open_amount) == (Decimal("3000"), Decimal("2.505"))


async def test_nothing_moves_on_a_cancelled_invoice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issued_invoice(client, session)
    invoice.state = "cancelled"

    with pytest.raises(ProblemError) as refused:
        await pay(session, invoice, "1.00")

    assert refused.value.status == 409
