from analytics.base import Base
from analytics.receivables.consumers import on_invoice_issued
from analytics.receivables.router import router as receivables_router
from analytics.settings import Settings
from receivables_shared.events import InvoiceIssued
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="analytics",
    title="Analytics",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="analytics:migrations",
    routers=[receivables_router],
    handlers={InvoiceIssued: on_invoice_issued},
)
