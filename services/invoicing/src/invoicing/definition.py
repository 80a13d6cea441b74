from invoicing.base import Base
from invoicing.customers.consumers import on_customer_created, on_customer_updated
from invoicing.invoices.router import router as invoices_router
from invoicing.settings import Settings
from invoicing.webhooks.router import router as webhooks_router
from invoicing.webhooks.worker import APPLY_DELIVERIES
from receivables_shared.events import CustomerCreated, CustomerUpdated
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="invoicing",
    title="Invoicing",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="invoicing:migrations",
    routers=[invoices_router, webhooks_router],
    handlers={CustomerCreated: on_customer_created, CustomerUpdated: on_customer_updated},
    jobs=[APPLY_DELIVERIES],
)
