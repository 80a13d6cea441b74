"""Every request body of every service is a RequestModel, so the shared input rules (no unknown
fields, no NUL characters) hold for endpoints not written yet as well."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from receivables_shared.http.inputs import RequestModel
from receivables_shared.service import ServiceDefinition
from receivables_shared.services_registry import SERVICES


@pytest.mark.parametrize(
    "definition",
    [entry.definition() for entry in SERVICES],
    ids=lambda definition: definition.name,
)
def test_every_request_body_is_a_request_model(definition: ServiceDefinition) -> None:
    routes = [
        route
        for router in definition.routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    bodies = {
        f"{sorted(route.methods or ())} {route.path} {field.name}": field.field_info.annotation
        for route in routes
        if isinstance(route, APIRoute)
        for field in route.dependant.body_params
    }

    offenders = {
        where: model
        for where, model in bodies.items()
        if not (isinstance(model, type) and issubclass(model, RequestModel))
    }
    assert offenders == {}
