from collection.base import Base
from collection.receivables.consumers import on_invoice_issued
from collection.receivables.router import router as receivables_router
from collection.settings import Settings
from receivables_shared.events import InvoiceIssued
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="collections",
    title="Collections",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="collection:migrations",
    routers=[receivables_router],
    handlers={InvoiceIssued: on_invoice_issued},
)
