from typing import Any

import pytest

from services.invoicing.tests.webhooks.samples import SOURCES_JSON


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"customer_event_wait_seconds": 0.3, "webhook_sources": SOURCES_JSON}
