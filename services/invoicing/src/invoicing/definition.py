from invoicing.base import Base
from invoicing.credit_notes.router import router as credit_notes_router
from invoicing.customers.consumers import on_customer_created, on_customer_updated
from invoicing.imports.router import router as imports_router
from invoicing.invoices.router import router as invoices_router
from invoicing.ledger import models as _ledger_models  # noqa: F401 (tables)
from invoicing.numbering import models as _numbering_models  # noqa: F401 (tables)
from invoicing.overdue.job import OVERDUE_AND_INTEREST
from invoicing.settings import Settings
from invoicing.terms.consumers import on_customer_terms_changed
from invoicing.write_offs.router import router as write_offs_router
from receivables_shared.events import CustomerCreated, CustomerTermsChanged, CustomerUpdated
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="invoicing",
    title="Invoicing",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="invoicing:migrations",
    routers=[invoices_router, credit_notes_router, write_offs_router, imports_router],
    handlers={
        CustomerCreated: on_customer_created,
        CustomerUpdated: on_customer_updated,
        CustomerTermsChanged: on_customer_terms_changed,
    },
    jobs=[OVERDUE_AND_INTEREST],
)
