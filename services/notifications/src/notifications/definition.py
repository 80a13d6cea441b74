from notifications.base import Base
from notifications.messages.consumers import on_invoice_issued
from notifications.messages.router import router as messages_router
from notifications.settings import Settings
from receivables_shared.events import InvoiceIssued
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="notifications",
    title="Notifications",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="notifications:migrations",
    routers=[messages_router],
    handlers={InvoiceIssued: on_invoice_issued},
)
