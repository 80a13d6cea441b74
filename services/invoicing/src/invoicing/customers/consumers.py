from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import CustomerCreated


async def on_customer_created(
    session: AsyncSession, event: CustomerCreated, context: HandlerContext
) -> None:
    await KnownCustomerRepository(session).upsert(
        customer_id=event.customer_id,
        name=event.name,
        language=event.language,
        currency=event.currency,
    )
