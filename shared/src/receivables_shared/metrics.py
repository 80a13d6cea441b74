"""Prometheus metrics, labelled by service so several services can share one process (tests)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from receivables_shared.events.catalogue import EVENT_TYPES

#: The event_type label of a type outside the catalogue: a producer must not be able to create
#: one time series per made-up type.
OTHER_EVENT_TYPE = "other"

# Label values come from a fixed set: every new value is a new time series kept for ever, so a
# client inventing methods or paths must not be able to create them.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
#: The route label of a request no route matched (404).
UNMATCHED_ROUTE = "unmatched"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox events published", ["service"])
OUTBOX_PARKED = Counter(
    "outbox_parked_total",
    "Outbox rows the broker refused for good, parked with their error (alert on any increase)",
    ["service"],
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total", "Events applied by a consumer group", ["group", "event_type"]
)
EVENTS_DUPLICATE = Counter(
    "events_duplicate_total", "Redelivered events skipped thanks to the inbox", ["group"]
)
EVENTS_UNKNOWN = Counter(
    "events_unknown_type_total",
    "Events of a type this consumer group has no handler for, skipped",
    ["group", "event_type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total",
    "Events sent to the dead-letter topic, by reason (malformed, unknown-version, failed)",
    ["group", "reason"],
)
EVENT_LAG = Histogram(
    "event_lag_seconds",
    "From the event's time to its committed effect in the consumer",
    ["group"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def event_type_label(event_type: str) -> str:
    """The event_type label: a catalogue type as it is, anything else as `other`."""
    return event_type if event_type in EVENT_TYPES else OTHER_EVENT_TYPE
