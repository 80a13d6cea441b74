"""The contract of a published event version: what may change in place, what needs a new version.

An event version (its ce_type, `receivables.<Name>.v<version>`) is a promise to every consumer and
to every event already on a topic. Against the committed docs/asyncapi.yaml, a change to an
existing version is INCOMPATIBLE when it
- removes a field (consumers read it),
- retypes a field: its JSON type, format, const, nullability or nested shape changes (constraints
  such as pattern or length, and annotations such as title or description, are not compared),
- adds a required field (events already on the topic lack it, so a replay would fail).
COMPATIBLE changes are written in place: a new optional field (with a default), a new event, a
new version of an event, retiring a version that no producer publishes any more.
An incompatible change is a new version class instead; see docs/events.md for the rollout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JsonObject = dict[str, Any]

#: The keywords that make a field's type; everything else (constraints, annotations) is ignored.
_TYPE_KEYWORDS = ("type", "format", "const")
_UNION_KEYWORDS = ("anyOf", "oneOf", "allOf")


def event_schemas(document: Mapping[str, Any]) -> dict[str, JsonObject]:
    """ce_type -> payload schema of every event message in an AsyncAPI document built by us."""
    components = document.get("components", {})
    schemas: JsonObject = components.get("schemas", {})
    found: dict[str, JsonObject] = {}
    for message in components.get("messages", {}).values():
        ce_type = message.get("headers", {}).get("properties", {}).get("ce_type", {}).get("const")
        if ce_type is None:
            continue  # not an event (the dead-letter message)
        found[ce_type] = _resolve(message["payload"], schemas)
    return found


def _resolve(schema: Any, schemas: Mapping[str, Any]) -> Any:
    """`schema` with every local `$ref` replaced by what it points to (schemas are not cyclic)."""
    if isinstance(schema, dict):
        if isinstance(ref := schema.get("$ref"), str):
            return _resolve(schemas[ref.rsplit("/", 1)[-1]], schemas)
        return {key: _resolve(value, schemas) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve(item, schemas) for item in schema]
    return schema


def _shape(schema: Any) -> Any:
    """The part of a (resolved) field schema that says what a value looks like."""
    if not isinstance(schema, dict):
        return schema
    shape: JsonObject = {key: schema[key] for key in _TYPE_KEYWORDS if key in schema}
    for keyword in _UNION_KEYWORDS:
        if keyword in schema:
            members = {json.dumps(_shape(member), sort_keys=True) for member in schema[keyword]}
            shape[keyword] = sorted(members)
    if "items" in schema:
        shape["items"] = _shape(schema["items"])
    if "properties" in schema:
        shape["properties"] = {name: _shape(value) for name, value in schema["properties"].items()}
        shape["required"] = sorted(schema.get("required", []))
    return shape


def compare_payloads(ce_type: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The incompatible changes from `old` to `new` payload schema of one event version."""
    problems = []
    old_fields: Mapping[str, Any] = old.get("properties", {})
    new_fields: Mapping[str, Any] = new.get("properties", {})
    for name, schema in old_fields.items():
        if name not in new_fields:
            problems.append(f"{ce_type}: field '{name}' was removed")
        elif _shape(schema) != _shape(new_fields[name]):
            problems.append(
                f"{ce_type}: field '{name}' was retyped from {json.dumps(_shape(schema))}"
                f" to {json.dumps(_shape(new_fields[name]))}"
            )
    for name in new.get("required", []):
        if name not in old.get("required", []) and name not in old_fields:
            problems.append(f"{ce_type}: new field '{name}' is required (give it a default)")
        elif name not in old.get("required", []):
            problems.append(f"{ce_type}: field '{name}' became required")
    return problems


def incompatible_changes(committed: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Every incompatible change to an event version both documents describe; [] if none."""
    before, after = event_schemas(committed), event_schemas(current)
    problems: list[str] = []
    for ce_type in sorted(before.keys() & after.keys()):
        problems.extend(compare_payloads(ce_type, before[ce_type], after[ce_type]))
    return problems
