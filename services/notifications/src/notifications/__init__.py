"""notifications: templates in the customer's language; email, SMS, webhook, letter, call tasks."""
