"""credit-policy: customers, contacts, risk classes, credit limits, terms, credit checks, holds."""
