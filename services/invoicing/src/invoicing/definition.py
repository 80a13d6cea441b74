from invoicing.base import Base
from invoicing.credit_notes import models as _credit_note_models  # noqa: F401 (tables)
from invoicing.customers.consumers import on_customer_created, on_customer_updated
from invoicing.invoices.router import router as invoices_router
from invoicing.ledger import models as _ledger_models  # noqa: F401 (tables)
from invoicing.numbering import models as _numbering_models  # noqa: F401 (tables)
from invoicing.payments.router import router as payments_router
from invoicing.settings import Settings
from invoicing.terms.consumers import on_customer_terms_changed
from invoicing.write_offs import models as _write_off_models  # noqa: F401 (tables)
from receivables_shared.events import CustomerCreated, CustomerTermsChanged, CustomerUpdated
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="invoicing",
    title="Invoicing",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="invoicing:migrations",
    routers=[invoices_router, payments_router],
    handlers={
        CustomerCreated: on_customer_created,
        CustomerUpdated: on_customer_updated,
        CustomerTermsChanged: on_customer_terms_changed,
    },
)
