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
from credit_policy.history.router import router as history_router
from credit_policy.holds.consumers import on_dunning_step_due
from credit_policy.holds.jobs import CREDIT_HOLDS
from credit_policy.holds.router import router as holds_router
from credit_policy.risk_classes.router import router as risk_classes_router
from credit_policy.settings import Settings
from credit_policy.terms.router import router as terms_router
from receivables_shared.events import (
    CreditNoteIssued,
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
)
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="credit-policy",
    title="Credit policy",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="credit_policy:migrations",
    routers=[
        customers_router,
        risk_classes_router,
        terms_router,
        history_router,
        credit_checks_router,
        holds_router,
    ],
    handlers={
        # Exposure (exposure/): every movement of an invoice's open amount.
        InvoiceIssued: on_invoice_issued,
        LateFeeCharged: on_open_amount_changed,
        PaymentApplied: on_open_amount_changed,
        CreditNoteIssued: on_open_amount_changed,
        InvoiceWrittenOff: on_open_amount_changed,
        EarlyPaymentDiscountTaken: on_open_amount_changed,
        PaymentReversed: on_payment_reversed,
        InvoiceCancelled: on_invoice_cancelled,
        InvoiceOverdue: on_invoice_overdue,
        InvoiceDueDateExtended: on_invoice_due_date_extended,
        # The terms the check reads (credit_checks/terms.py).
        CustomerTermsChanged: on_customer_terms_changed,
        # Holds (holds/).
        DunningStepDue: on_dunning_step_due,
    },
    jobs=[EXPIRE_RESERVATIONS, CREDIT_HOLDS],
)
