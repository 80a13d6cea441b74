from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.router import router as assessments_router
from credit_policy.base import Base
from credit_policy.credit_checks.jobs import EXPIRE_RESERVATIONS
from credit_policy.credit_checks.router import router as credit_checks_router
from credit_policy.credit_checks.terms import on_customer_terms_changed
from credit_policy.customers.router import router as customers_router
from credit_policy.exposure.consumers import (
    on_invoice_cancelled,
    on_invoice_due_date_extended,
    on_invoice_issued,
    on_invoice_overdue,
    on_open_amount_changed,
    on_payment_reversed,
)
from credit_policy.exposure.router import router as exposure_router
from credit_policy.history.router import router as history_router
from credit_policy.holds.consumers import on_dunning_step_due
from credit_policy.holds.jobs import CREDIT_HOLDS
from credit_policy.holds.router import router as holds_router
from credit_policy.ranking.consumers import on_invoice_issued as rank_invoice_issued
from credit_policy.ranking.consumers import on_invoice_reduced as rank_invoice_reduced
from credit_policy.ranking.consumers import on_payment_applied as rank_payment_applied
from credit_policy.ranking.jobs import SPECIAL_CONTROL
from credit_policy.ranking.router import router as ranking_router
from credit_policy.reviews.consumers import (
    on_case_escalated,
    on_customer_behaviour_updated,
    on_promise_broken,
)
from credit_policy.reviews.consumers import on_dunning_step_due as review_dunning_step_due
from credit_policy.reviews.jobs import CREDIT_REVIEWS
from credit_policy.reviews.router import router as reviews_router
from credit_policy.risk_classes.router import router as risk_classes_router
from credit_policy.settings import Settings
from credit_policy.terms.router import router as terms_router
from receivables_shared.consumer import Handler, HandlerContext
from receivables_shared.events import (
    CaseEscalated,
    CreditNoteIssued,
    CustomerBehaviourUpdated,
    CustomerTermsChanged,
    DunningStepDue,
    EarlyPaymentDiscountTaken,
    InvoiceCancelled,
    InvoiceDueDateExtended,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceWrittenOff,
    LateFeeCharged,
    PaymentApplied,
    PaymentReversed,
    PromiseBroken,
)
from receivables_shared.service import ServiceDefinition


def in_turn(*handlers: Handler) -> Handler:
    """Several folders' handlers of one event, in one transaction (one inbox entry)."""

    async def handle(session: AsyncSession, event: Any, context: HandlerContext) -> None:
        for handler in handlers:
            await handler(session, event, context)

    return handle


SERVICE = ServiceDefinition(
    name="credit-policy",
    title="Credit policy",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="credit_policy:migrations",
    routers=[
        # First: the router tries routes in this order, and the credit check is order entry's
        # hot path (docs/benchmarks.md, bench/credit_check).
        credit_checks_router,
        # Before customers: /customers/ranking must not be read as /customers/{customer_id}.
        ranking_router,
        customers_router,
        risk_classes_router,
        terms_router,
        history_router,
        holds_router,
        exposure_router,
        assessments_router,
        reviews_router,
    ],
    handlers={
        # Exposure (exposure/): every movement of an invoice's open amount; the ranking
        # (ranking/) keeps issue dates, totals, credit notes, cancellations and payments beside it.
        InvoiceIssued: in_turn(on_invoice_issued, rank_invoice_issued),
        LateFeeCharged: on_open_amount_changed,
        PaymentApplied: in_turn(on_open_amount_changed, rank_payment_applied),
        CreditNoteIssued: in_turn(on_open_amount_changed, rank_invoice_reduced),
        InvoiceWrittenOff: on_open_amount_changed,
        EarlyPaymentDiscountTaken: on_open_amount_changed,
        PaymentReversed: on_payment_reversed,
        InvoiceCancelled: in_turn(on_invoice_cancelled, rank_invoice_reduced),
        InvoiceOverdue: on_invoice_overdue,
        InvoiceDueDateExtended: on_invoice_due_date_extended,
        # The terms the check reads (credit_checks/terms.py).
        CustomerTermsChanged: on_customer_terms_changed,
        # Holds (holds/) and the review's escalation signal (reviews/).
        DunningStepDue: in_turn(on_dunning_step_due, review_dunning_step_due),
        # The review's other signals (reviews/).
        PromiseBroken: on_promise_broken,
        CaseEscalated: on_case_escalated,
        CustomerBehaviourUpdated: on_customer_behaviour_updated,
    },
    jobs=[EXPIRE_RESERVATIONS, CREDIT_HOLDS, CREDIT_REVIEWS, SPECIAL_CONTROL],
)
