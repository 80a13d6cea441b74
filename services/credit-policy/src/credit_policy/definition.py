from credit_policy.assessments.router import router as assessments_router
from credit_policy.base import Base
from credit_policy.customers.router import router as customers_router
from credit_policy.history.router import router as history_router
from credit_policy.ranking.consumers import on_invoice_issued, on_payment_applied
from credit_policy.ranking.jobs import SPECIAL_CONTROL
from credit_policy.ranking.router import router as ranking_router
from credit_policy.reviews.consumers import (
    on_case_escalated,
    on_customer_behaviour_updated,
    on_dunning_step_due,
    on_promise_broken,
)
from credit_policy.reviews.jobs import CREDIT_REVIEWS
from credit_policy.reviews.router import router as reviews_router
from credit_policy.risk_classes.router import router as risk_classes_router
from credit_policy.settings import Settings
from credit_policy.terms.router import router as terms_router
from receivables_shared.events import (
    CaseEscalated,
    CustomerBehaviourUpdated,
    DunningStepDue,
    InvoiceIssued,
    PaymentApplied,
    PromiseBroken,
)
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="credit-policy",
    title="Credit policy",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="credit_policy:migrations",
    # ranking first: /customers/ranking must not be read as /customers/{customer_id}.
    routers=[
        ranking_router,
        customers_router,
        risk_classes_router,
        terms_router,
        history_router,
        assessments_router,
        reviews_router,
    ],
    handlers={
        # Ranking and reviews (ranking/, reviews/): issue dates, totals, payments, signals.
        InvoiceIssued: on_invoice_issued,
        PaymentApplied: on_payment_applied,
        DunningStepDue: on_dunning_step_due,
        PromiseBroken: on_promise_broken,
        CaseEscalated: on_case_escalated,
        CustomerBehaviourUpdated: on_customer_behaviour_updated,
    },
    jobs=[CREDIT_REVIEWS, SPECIAL_CONTROL],
)
