from credit_policy.customers.models import Customer
from receivables_shared.events import CustomerCreated


def customer_created(customer: Customer) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer.id,
        name=customer.name,
        country=customer.country,
        language=customer.language,
        currency=customer.currency,
    )
