from credit_policy.customers.models import Customer
from receivables_shared.events import CustomerContact, CustomerCreated, CustomerUpdated


def _contacts(customer: Customer) -> tuple[CustomerContact, ...]:
    return tuple(CustomerContact.model_validate(contact) for contact in customer.contacts)


def customer_created(customer: Customer) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer.id,
        name=customer.name,
        country=customer.country,
        language=customer.language,
        currency=customer.currency,
        external_id=customer.external_id,
        tax_id=customer.tax_id,
        time_zone=customer.time_zone,
        segment=customer.segment,
        contacts=_contacts(customer),
    )


def customer_updated(customer: Customer) -> CustomerUpdated:
    return CustomerUpdated(
        customer_id=customer.id,
        name=customer.name,
        country=customer.country,
        language=customer.language,
        currency=customer.currency,
        external_id=customer.external_id,
        tax_id=customer.tax_id,
        time_zone=customer.time_zone,
        segment=customer.segment,
        contacts=_contacts(customer),
    )
