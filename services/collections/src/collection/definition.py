from collection.base import Base
from collection.receivables.consumers import (
    on_invoice_due_date_extended,
    on_invoice_issued,
    on_invoice_overdue,
    on_open_amount_moved,
)
from collection.receivables.router import router as receivables_router
from collection.settings import Settings
from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.open_amounts import MOVEMENT_EVENTS
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="collections",
    title="Collections",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="collection:migrations",
    routers=[receivables_router],
    handlers={
        **{event: on_open_amount_moved for event in MOVEMENT_EVENTS},
        InvoiceIssued: on_invoice_issued,
        InvoiceOverdue: on_invoice_overdue,
        InvoiceDueDateExtended: on_invoice_due_date_extended,
    },
)
