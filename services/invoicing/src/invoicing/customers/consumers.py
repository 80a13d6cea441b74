from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import CustomerCreated, CustomerUpdated


async def on_customer_created(
    session: AsyncSession, event: CustomerCreated, context: HandlerContext
) -> None:
    await _keep(session, event)


async def on_customer_updated(
    session: AsyncSession, event: CustomerUpdated, context: HandlerContext
) -> None:
    # An upsert too: with the credit-policy lookup an update may reach a customer we learnt
    # of by asking, and one that we never saw at all is still worth knowing.
    await _keep(session, event)


async def _keep(session: AsyncSession, event: CustomerCreated | CustomerUpdated) -> None:
    await KnownCustomerRepository(session).upsert(
        customer_id=event.customer_id,
        name=event.name,
        language=event.language,
        currency=event.currency,
        country=event.country,
        time_zone=event.time_zone,
        tax_id=event.tax_id,
        external_id=event.external_id,
    )
