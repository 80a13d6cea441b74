from collection.definition import SERVICE
from receivables_shared.testing.service import service_fixtures

globals().update(service_fixtures(SERVICE))
