"""Every request body of every service is a RequestModel, so the shared input rules (no unknown
fields, no NUL characters) hold for endpoints not written yet as well."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from analytics.definition import SERVICE as ANALYTICS
from collection.definition import SERVICE as COLLECTIONS
from credit_policy.definition import SERVICE as CREDIT_POLICY
from invoicing.definition import SERVICE as INVOICING
from notifications.definition import SERVICE as NOTIFICATIONS
from receivables_shared.http.inputs import RequestModel
from receivables_shared.service import ServiceDefinition


@pytest.mark.parametrize(
    "definition",
    [CREDIT_POLICY, INVOICING, COLLECTIONS, NOTIFICATIONS, ANALYTICS],
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
