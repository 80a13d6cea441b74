"""docs/asyncapi.yaml is generated from the event catalogue and must stay in step with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from receivables_shared.events.asyncapi import build_document, render
from receivables_shared.events.catalogue import CATALOGUE
from receivables_shared.events.compatibility import incompatible_changes
from receivables_shared.services_registry import SERVICES

REPO_ROOT = Path(__file__).resolve().parents[3]
DOCUMENT_PATH = REPO_ROOT / "docs" / "asyncapi.yaml"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and key in node, f"{ref} does not resolve"
        node = node[key]
    return node


def test_the_catalogue_keeps_every_committed_event_version_compatible() -> None:
    committed = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    problems = incompatible_changes(committed, build_document())
    assert problems == [], "a breaking change needs a new event version: " + "; ".join(problems)


def test_the_committed_document_is_up_to_date() -> None:
    committed = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
    assert committed == render(), "docs/asyncapi.yaml is stale: run `make asyncapi`"


def test_rendering_is_deterministic() -> None:
    assert render() == render()


def test_the_document_is_asyncapi_3() -> None:
    document = yaml.safe_load(render())
    assert document["asyncapi"] == "3.0.0"
    assert document == build_document()


def test_every_event_is_a_message_in_exactly_one_producer_channel() -> None:
    document = build_document()
    messages = document["components"]["messages"]
    producer_channels = {
        name: channel
        for name, channel in document["channels"].items()
        if channel["address"].endswith(".events")
    }
    for event in CATALOGUE:
        name = event.__name__
        assert messages[name]["summary"] == event.summary
        assert messages[name]["x-event-version"] == event.version
        assert messages[name]["payload"] == {"$ref": f"#/components/schemas/{name}"}
        holders = [
            topic for topic, channel in producer_channels.items() if name in channel["messages"]
        ]
        assert holders == [event.topic()], f"{name} is in {holders}"


def test_every_ce_type_matches_the_event_type() -> None:
    messages = build_document()["components"]["messages"]
    for event in CATALOGUE:
        properties = messages[event.__name__]["headers"]["properties"]
        assert properties["ce_type"]["const"] == event.event_type()
        assert properties["ce_source"]["const"] == f"/{event.producer}"


def test_every_reference_resolves() -> None:
    document = yaml.safe_load(render())
    refs = list(_refs(document))
    assert refs
    for ref in refs:
        _resolve(document, ref)


def test_every_handler_is_a_receive_operation_of_its_consumer_group() -> None:
    operations = build_document()["operations"]
    for entry in SERVICES:
        definition = entry.definition()
        for event in definition.handlers:
            matching = [
                operation
                for operation in operations.values()
                if operation["action"] == "receive"
                and operation["bindings"]["kafka"]["groupId"]["enum"] == [definition.consumer_group]
                and {"$ref": f"#/channels/{event.topic()}/messages/{event.__name__}"}
                in operation["messages"]
            ]
            assert len(matching) == 1, f"{definition.name} handles {event.__name__}"
