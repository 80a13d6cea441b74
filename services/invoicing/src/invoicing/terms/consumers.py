from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.terms.repository import CustomerTermsRepository
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import CustomerTermsChanged


async def on_customer_terms_changed(
    session: AsyncSession, event: CustomerTermsChanged, context: HandlerContext
) -> None:
    # Only what invoicing uses to issue invoices and charge interest.
    await CustomerTermsRepository(session).keep_newest(
        event.customer_id,
        {
            "terms_version": event.terms_version,
            "effective_on": event.effective_on,
            "credit_allowed": event.credit_allowed,
            "currency": event.currency,
            "payment_term_days": event.payment_term_days,
            "business_day_rule": event.business_day_rule,
            "early_payment_discount_percent": event.early_payment_discount_percent,
            "early_payment_discount_days": event.early_payment_discount_days,
            "late_interest_percent_per_month": event.late_interest_percent_per_month,
            "interest_grace_days": event.interest_grace_days,
            "grace_days": event.grace_days,
        },
    )
