from invoicing.base import Base
from invoicing.credit_notes.router import router as credit_notes_router
from invoicing.customers.consumers import on_customer_created, on_customer_updated
from invoicing.disputes.consumers import on_dispute_opened, on_dispute_resolved
from invoicing.documents.router import router as documents_router
from invoicing.imports.router import router as imports_router
from invoicing.invoices.router import router as invoices_router
from invoicing.ledger import models as _ledger_models  # noqa: F401 (tables)
from invoicing.numbering import models as _numbering_models  # noqa: F401 (tables)
from invoicing.overdue.job import OVERDUE_AND_INTEREST
from invoicing.payments import webhook_applier as _webhook_applier  # noqa: F401 (registers it)
from invoicing.payments.router import router as payments_router
from invoicing.payments.statements_router import router as bank_statements_router
from invoicing.settings import Settings
from invoicing.statements.router import router as statements_router
from invoicing.terms.consumers import on_customer_terms_changed
from invoicing.webhooks.router import router as webhooks_router
from invoicing.webhooks.worker import APPLY_DELIVERIES
from invoicing.write_offs.router import router as write_offs_router
from receivables_shared.events import (
    CustomerCreated,
    CustomerTermsChanged,
    CustomerUpdated,
    DisputeOpened,
    DisputeResolved,
)
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="invoicing",
    title="Invoicing",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="invoicing:migrations",
    routers=[
        # First: the router tries routes in this order; payment webhooks are the hot path.
        webhooks_router,
        invoices_router,
        credit_notes_router,
        write_offs_router,
        documents_router,
        statements_router,
        payments_router,
        bank_statements_router,
        imports_router,
    ],
    handlers={
        CustomerCreated: on_customer_created,
        CustomerUpdated: on_customer_updated,
        CustomerTermsChanged: on_customer_terms_changed,
        DisputeOpened: on_dispute_opened,
        DisputeResolved: on_dispute_resolved,
    },
    jobs=[APPLY_DELIVERIES, OVERDUE_AND_INTEREST],
)
