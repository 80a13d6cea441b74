"""Every event type of the platform, in one place.

Add an event here (with its producer and a summary), then run `make asyncapi` to refresh
docs/asyncapi.yaml; a test fails while the document is stale.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from receivables_shared.events.base import Event
from receivables_shared.money import Amount, RecordedCurrencyCode


class CustomerContact(BaseModel):
    """A person at the customer: role `decision_maker`, `accountant` or `other`; preferred
    channel `email`, `phone`, `sms` or `letter` (plain text, so a value added later stays
    readable by an older consumer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    role: str
    email: str | None = None
    #: E.164, e.g. "+37120000000".
    phone: str | None = None
    preferred_channel: str


class CustomerCreated(Event):
    producer = "credit-policy"
    summary = "A customer was registered for trading on credit."

    name: str
    country: str
    language: str
    currency: RecordedCurrencyCode
    # Added after v1 was published, so optional: a consumer may meet events without them.
    external_id: str | None = None
    tax_id: str | None = None
    #: IANA zone, e.g. "Europe/Riga".
    time_zone: str | None = None
    segment: str | None = None
    contacts: tuple[CustomerContact, ...] = ()


class CustomerUpdated(Event):
    producer = "credit-policy"
    summary = "A customer's master data changed: the full snapshot after the change."

    name: str
    country: str
    language: str
    currency: RecordedCurrencyCode
    external_id: str | None
    tax_id: str | None
    #: IANA zone, e.g. "Europe/Riga".
    time_zone: str
    segment: str | None
    contacts: tuple[CustomerContact, ...]


class CustomerTermsChanged(Event):
    producer = "credit-policy"
    summary = (
        "A customer's effective credit terms changed: risk class, limit, payment and interest "
        "terms, grace, dunning policy, special control. The full set after the change."
    )

    #: Counts up per customer with every change, so a consumer can drop a stale snapshot.
    terms_version: int
    effective_on: date
    #: None while the customer has no class yet.
    risk_class: str | None
    #: False until an assessment was accepted and the terms were agreed: no deferred payment.
    credit_allowed: bool
    currency: RecordedCurrencyCode
    credit_limit: Amount | None
    payment_term_days: int
    #: "none" (due date as computed) or "next_business_day" (weekends and the customer's
    #: country's public holidays move it forward).
    business_day_rule: str
    #: Share of an order to prepay, 0-100; 100 for a prepayment-only class.
    prepayment_percent: Decimal
    early_payment_discount_percent: Decimal
    early_payment_discount_days: int
    late_interest_percent_per_month: Decimal
    #: Days after the due date before interest starts to accrue.
    interest_grace_days: int
    #: Days overdue tolerated before holds and dunning escalation (requirement 8).
    grace_days: int
    dunning_policy: str | None
    #: Put first by collections; large orders referred to a person (requirements 6, 7).
    special_control: bool
    # Added after v1 was published, so optional (None: the producer did not say).
    #: What the signed contract reserves: "late_interest", "penalties", "suspend_service",
    #: "disable_equipment_remotely"; an action relying on one needs it (requirements 9, 29).
    contract_clauses: tuple[str, ...] | None = None


class CreditHoldPlaced(Event):
    producer = "credit-policy"
    summary = "New credit (and maybe support or deliveries) is stopped for a customer."

    hold_id: uuid.UUID
    #: e.g. "overdue_beyond_grace", "dunning_step", "manual".
    reason: str
    #: What the hold stops: "new_credit", "support", "deliveries".
    stops: tuple[str, ...]
    placed_on: date
    note: str | None = None


class CreditHoldReleased(Event):
    producer = "credit-policy"
    summary = "A credit hold was lifted, automatically after payment or by a person."

    hold_id: uuid.UUID
    #: e.g. "overdue_paid", "manual".
    reason: str
    released_on: date
    note: str | None = None


class InvoiceIssued(Event):
    producer = "invoicing"
    summary = "An invoice was issued to a customer and is now receivable."

    invoice_id: uuid.UUID
    number: str
    currency: RecordedCurrencyCode
    #: The gross total (net + tax): what the customer owes.
    total: Amount
    issue_date: date
    due_date: date
    # Added after v1 was published, so optional.
    order_reference: str | None = None
    #: ISO 11649 structured creditor reference, e.g. "RF18539007547034".
    rf_reference: str | None = None
    net_total: Amount | None = None
    tax_total: Amount | None = None
    line_count: int | None = None
    #: When the work was completed or the goods delivered.
    completed_on: date | None = None
    #: Last day on which the early-payment discount applies, and its amount.
    discount_until: date | None = None
    discount_amount: Amount | None = None
    #: True for an open item loaded from a previous ledger (history import).
    imported: bool = False
    #: Already paid on an imported item, so open = total - paid_before_import.
    paid_before_import: Amount | None = None


class InvoiceOverdue(Event):
    producer = "invoicing"
    summary = "An invoice's due date has passed while it is still open (once per invoice)."

    invoice_id: uuid.UUID
    number: str
    currency: RecordedCurrencyCode
    due_date: date
    #: The first business date on which it was overdue.
    overdue_on: date
    open_amount: Amount


class InvoiceDueDateExtended(Event):
    producer = "invoicing"
    summary = "An invoice's due date was moved to a later date; dunning counts from the new date."

    invoice_id: uuid.UUID
    previous_due_date: date
    due_date: date
    reason: str
    extended_on: date


# Every movement of an open amount below carries the invoice's open amount after it, so a
# consumer can check its own copy (the books balance) without asking invoicing, and its
# `movement_sequence`: invoicing's ledger position of the movement, larger for every later
# movement of the same invoice (not gap-free, not comparable across invoices). A copy keeps the
# open amount of the highest sequence it applied, so an event replayed or delivered late never
# sets an older open amount over a newer one (receivables_shared.open_amounts.supersedes).
# Optional: added after v1; None from the overdue job's bulk interest for now.


class CreditNoteIssued(Event):
    producer = "invoicing"
    summary = "A credit note reduced an invoice's open amount (full or partial)."

    credit_note_id: uuid.UUID
    invoice_id: uuid.UUID
    number: str
    currency: RecordedCurrencyCode
    #: Gross amount credited (positive).
    amount: Amount
    issued_on: date
    reason: str
    open_amount: Amount
    movement_sequence: int | None = None


class LateFeeCharged(Event):
    producer = "invoicing"
    summary = "A late fee or accrued late interest was added to an invoice's open amount."

    fee_id: uuid.UUID
    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    #: "interest" (accrued per day) or "fee" (a fixed charge, e.g. from a dunning step).
    kind: str
    charged_on: date
    #: For interest: the days it covers.
    period_start: date | None = None
    period_end: date | None = None
    open_amount: Amount
    movement_sequence: int | None = None


class InvoiceWrittenOff(Event):
    producer = "invoicing"
    summary = "All or part of an invoice's open amount was written off as not collectible."

    write_off_id: uuid.UUID
    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    written_off_on: date
    reason: str
    approver: str
    open_amount: Amount
    movement_sequence: int | None = None


class EarlyPaymentDiscountTaken(Event):
    producer = "invoicing"
    summary = (
        "A payment inside the discount window settled an invoice; the discount closed the rest."
    )

    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    taken_on: date
    open_amount: Amount
    movement_sequence: int | None = None


class InvoiceCancelled(Event):
    producer = "invoicing"
    summary = "An invoice issued in error was cancelled; nothing of it is receivable any more."

    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    #: The open amount the cancellation removed.
    amount: Amount
    cancelled_on: date
    reason: str
    movement_sequence: int | None = None


class PaymentReceived(Event):
    producer = "invoicing"
    summary = (
        "Money from a customer arrived (webhook, bank file or by hand), before allocation. "
        "A payment no customer matches is announced when a person assigns it."
    )

    payment_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    received_on: date
    reference: str | None = None
    # Added after v1 was published, so optional.
    #: "webhook", "bank_statement" or "manual".
    source: str | None = None
    #: e.g. "bank_transfer", "card", "cash".
    method: str | None = None
    payer_name: str | None = None


class PaymentApplied(Event):
    producer = "invoicing"
    summary = "Part of a payment (or of a credit balance) was applied to one invoice."

    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    applied_on: date
    open_amount: Amount
    #: Days between the due date and the payment date; 0 or negative when on time.
    days_late: int
    #: "payment" or "credit_balance" (an earlier overpayment consumed).
    funded_by: str = "payment"
    movement_sequence: int | None = None


class PaymentReversed(Event):
    producer = "invoicing"
    summary = "The bank reversed or returned a payment: what it had applied is open again."

    payment_id: uuid.UUID
    invoice_id: uuid.UUID | None
    currency: RecordedCurrencyCode
    #: The amount re-opened on the invoice (or taken back from the credit balance).
    amount: Amount
    reversed_on: date
    open_amount: Amount | None
    #: Of `amount`, the early-payment discount the payment had earned, re-opened with it: the
    #: books take it off `discount`, the rest off `paid`. None when there was none.
    discount: Amount | None = None
    movement_sequence: int | None = None


class CreditBalanceChanged(Event):
    producer = "invoicing"
    summary = "A customer's unapplied credit (overpayments) went up or down."

    currency: RecordedCurrencyCode
    #: Positive when money was added (overpayment), negative when consumed or refunded.
    change: Amount
    balance: Amount
    changed_on: date
    payment_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None


class DisputeOpened(Event):
    producer = "collections"
    summary = "A customer disputes (part of) an invoice: the disputed amount leaves dunning."

    dispute_id: uuid.UUID
    invoice_id: uuid.UUID
    currency: RecordedCurrencyCode
    #: The amount the customer contests (at most the invoice's open amount).
    amount: Amount
    #: e.g. "goods_not_received", "wrong_price", "quality", "other".
    reason: str
    opened_on: date


class DisputeResolved(Event):
    producer = "collections"
    summary = "A dispute was settled: by a credit note, a corrected invoice, or rejected."

    dispute_id: uuid.UUID
    invoice_id: uuid.UUID
    #: "credit_note", "correction" or "rejected"; a credit note itself comes from invoicing.
    resolution: str
    resolved_on: date


class DunningStepDue(Event):
    producer = "collections"
    summary = "A dunning step (reminder, call, final notice) is due for an overdue invoice."

    invoice_id: uuid.UUID
    step: int
    channel: str
    due_on: date
    # Added after v1 was published, so optional.
    #: What the step does besides writing: "hold", "fee", "suspend", "hand_over".
    actions: tuple[str, ...] = ()


class PromiseBroken(Event):
    producer = "collections"
    summary = "A customer's promise to pay (an amount by a date) was not kept."

    promise_id: uuid.UUID
    amount: Amount
    currency: RecordedCurrencyCode
    promised_for: date


class CaseEscalated(Event):
    producer = "collections"
    summary = "A collection case was escalated beyond reminders (requirement 28)."

    case_id: uuid.UUID
    #: "senior_management", "legal" or "agency".
    level: str


class CustomerBehaviourUpdated(Event):
    producer = "analytics"
    summary = (
        "A customer's payment behaviour as analytics measures it: lateness, punctuality, "
        "trend and broken promises (feeds credit reviews and worklists)."
    )

    #: Amount-weighted days late of the payments measured; negative when early.
    average_days_late: Decimal
    #: Share of payments on time, 0-1.
    on_time_share: Decimal
    #: "improving", "stable" or "worsening".
    trend: str
    broken_promises: int
    as_of: date


CATALOGUE: tuple[type[Event], ...] = (
    CustomerCreated,
    CustomerUpdated,
    CustomerTermsChanged,
    CreditHoldPlaced,
    CreditHoldReleased,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceDueDateExtended,
    CreditNoteIssued,
    LateFeeCharged,
    InvoiceWrittenOff,
    EarlyPaymentDiscountTaken,
    InvoiceCancelled,
    PaymentReceived,
    PaymentApplied,
    PaymentReversed,
    CreditBalanceChanged,
    DisputeOpened,
    DisputeResolved,
    DunningStepDue,
    PromiseBroken,
    CaseEscalated,
    CustomerBehaviourUpdated,
)

EVENT_TYPES: dict[str, type[Event]] = {event.event_type(): event for event in CATALOGUE}
