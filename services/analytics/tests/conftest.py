from receivables_shared.testing.service import service_fixtures

from analytics.definition import SERVICE

globals().update(service_fixtures(SERVICE))
