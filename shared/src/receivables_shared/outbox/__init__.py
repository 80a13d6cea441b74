"""Transactional outbox: events are written with the state change and published by a relay."""

from receivables_shared.outbox.bulk import record_events, record_events_in_bulk
from receivables_shared.outbox.writer import record_event

__all__ = ["record_event", "record_events", "record_events_in_bulk"]
