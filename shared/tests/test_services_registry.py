"""The one list of services agrees with each service's own definition and settings."""

from __future__ import annotations

import pytest

from receivables_shared.services_registry import SERVICES, ServiceEntry, service_named


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_the_registry_matches_the_service(entry: ServiceEntry) -> None:
    definition = entry.definition()
    settings_class = definition.settings_class

    assert definition.name == entry.name
    assert settings_class.model_config.get("env_prefix") == entry.env_prefix
    assert settings_class.model_fields["port"].default == entry.port


def test_a_service_is_found_by_name_or_package() -> None:
    assert service_named("collections") is service_named("collection")
    with pytest.raises(KeyError, match="known: credit-policy"):
        service_named("billing")
