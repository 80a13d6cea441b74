"""The event contract: what may change in an existing event version, and `make asyncapi` refusing
the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from receivables_shared.events import InvoiceIssued
from receivables_shared.events.asyncapi import main, render
from receivables_shared.events.compatibility import compare_payloads, incompatible_changes

V1 = "receivables.Thing.v1"
BASE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "customer_id": {"type": "string", "format": "uuid", "title": "Customer Id"},
        "total": {"type": "string", "title": "Total"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["customer_id", "total"],
}


def changed(**properties: Any) -> dict[str, Any]:
    return {**BASE, "properties": {**BASE["properties"], **properties}}


def document(**events: dict[str, Any]) -> dict[str, Any]:
    """A minimal AsyncAPI document as ours are built: one message and one schema per event."""
    return {
        "components": {
            "messages": {
                name: {
                    "headers": {"properties": {"ce_type": {"const": f"receivables.{name}"}}},
                    "payload": {"$ref": f"#/components/schemas/{name}"},
                }
                for name in events
            },
            "schemas": dict(events),
        }
    }


def test_a_removed_field_is_incompatible() -> None:
    schema = {**BASE, "properties": {k: v for k, v in BASE["properties"].items() if k != "total"}}
    schema["required"] = ["customer_id"]

    assert compare_payloads(V1, BASE, schema) == [f"{V1}: field 'total' was removed"]


@pytest.mark.parametrize(
    "retyped",
    [
        {"type": "number"},
        {"type": "string", "format": "decimal"},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},  # may now be null
    ],
)
def test_a_retyped_field_is_incompatible(retyped: dict[str, Any]) -> None:
    [problem] = compare_payloads(V1, BASE, changed(total=retyped))

    assert problem.startswith(f"{V1}: field 'total' was retyped")


def test_a_new_required_field_is_incompatible() -> None:
    schema = changed(due_date={"type": "string", "format": "date"})
    schema["required"] = [*BASE["required"], "due_date"]

    assert compare_payloads(V1, BASE, schema) == [
        f"{V1}: new field 'due_date' is required (give it a default)"
    ]


def test_an_optional_field_made_required_is_incompatible() -> None:
    schema = {**BASE, "required": [*BASE["required"], "note"]}

    assert compare_payloads(V1, BASE, schema) == [f"{V1}: field 'note' became required"]


def test_a_new_optional_field_is_compatible() -> None:
    schema = changed(reference={"anyOf": [{"type": "string"}, {"type": "null"}], "default": None})

    assert compare_payloads(V1, BASE, schema) == []


def test_annotations_and_constraints_are_not_a_retype() -> None:
    total = {"type": "string", "title": "Amount", "pattern": "^-?[0-9]+[.][0-9]{2}$"}

    assert compare_payloads(V1, BASE, changed(total=total)) == []


def test_a_new_event_or_version_is_compatible_and_a_retired_version_is_allowed() -> None:
    committed = document(**{"Thing.v1": BASE})
    current = document(**{"Thing.v2": changed(total={"type": "number"}), "Other.v1": BASE})

    assert incompatible_changes(committed, current) == []


def test_references_are_compared_by_what_they_point_to() -> None:
    money = {"type": "object", "properties": {"amount": {"type": "string"}}}
    committed = document(**{"Thing.v1": changed(total={"$ref": "#/components/schemas/Money"})})
    committed["components"]["schemas"]["Money"] = money
    current = document(**{"Thing.v1": changed(total={"type": "string"})})

    [problem] = incompatible_changes(committed, current)
    assert "field 'total' was retyped" in problem


def write(path: Path, committed: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(committed, sort_keys=False), encoding="utf-8")


def test_make_asyncapi_refuses_an_incompatible_change_and_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = yaml.safe_load(render())
    # As if the committed v1 had a field the catalogue has since dropped.
    schema = committed["components"]["schemas"]["InvoiceIssued"]
    schema["properties"]["purchase_order"] = {"type": "string"}
    path = tmp_path / "asyncapi.yaml"
    write(path, committed)
    before = path.read_text(encoding="utf-8")

    assert main(["--write", str(path)]) == 1

    assert path.read_text(encoding="utf-8") == before
    error = capsys.readouterr().err
    assert "receivables.InvoiceIssued.v1: field 'purchase_order' was removed" in error


def test_make_asyncapi_writes_new_events_and_new_optional_fields(tmp_path: Path) -> None:
    committed = yaml.safe_load(render())
    # As if the catalogue had since gained DunningStepDue and PaymentReceived.reference.
    del committed["components"]["messages"]["DunningStepDue"]
    payment = committed["components"]["schemas"]["PaymentReceived"]
    del payment["properties"]["reference"]
    path = tmp_path / "asyncapi.yaml"
    write(path, committed)

    assert main(["--write", str(path)]) == 0

    assert path.read_text(encoding="utf-8") == render()


def test_a_new_version_class_keeps_the_event_name_in_its_ce_type() -> None:
    class InvoiceIssuedV2(InvoiceIssued):
        version = 2

    assert InvoiceIssued.event_type() == "receivables.InvoiceIssued.v1"
    assert InvoiceIssuedV2.event_type() == "receivables.InvoiceIssued.v2"
