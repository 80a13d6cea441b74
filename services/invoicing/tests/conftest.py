from typing import Any

import pytest

from invoicing.definition import SERVICE
from receivables_shared.testing.service import service_fixtures

globals().update(service_fixtures(SERVICE))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # No credit-policy here: an unknown customer waits this long for CustomerCreated first.
    return {"customer_event_wait_seconds": 0.3}
