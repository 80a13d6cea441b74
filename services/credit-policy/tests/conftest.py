from receivables_shared.testing.service import service_fixtures

from credit_policy.definition import SERVICE

globals().update(service_fixtures(SERVICE))
