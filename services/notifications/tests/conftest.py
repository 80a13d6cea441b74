from receivables_shared.testing.service import service_fixtures

from notifications.definition import SERVICE

globals().update(service_fixtures(SERVICE))
