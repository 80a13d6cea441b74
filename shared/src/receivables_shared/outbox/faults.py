"""Whose fault is a failed publish? The record's (park it) or the broker's (back off, retry).

A record the broker refuses for good (larger than the producer's max_request_size or the broker's
message.max.bytes, a topic name Kafka can never accept, any other non-retriable error the broker
answers for that record) would fail forever and block its lane: it is parked. Anything else
(broker away, leader election, timeouts, a closed producer, missing credentials) is nobody's
record's fault: the rows stay unpublished and the relay tries again after a pause.
"""

from __future__ import annotations

import re

from aiokafka.errors import (
    BrokerResponseError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)

#: Kafka's rule for topic names (kafka.common.internals.Topic). aiokafka cannot tell an illegal
#: name from a topic that does not exist yet: it waits for metadata and then raises the
#: retriable UnknownTopicOrPartitionError, so the relay checks the name itself.
_LEGAL_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")

#: Refused for good, whatever the broker's `retriable` flag says.
_RECORD_FAULTS = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
)
#: Non-retriable answers that are the deployment's fault, not the record's: fixing the ACL
#: must let every waiting row out without an operator re-queueing each one.
_DEPLOYMENT_FAULTS = (
    TopicAuthorizationFailedError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
)


def illegal_topic(topic: str) -> InvalidTopicError | None:
    """The error to park a row with when no Kafka cluster can ever accept its topic name."""
    if _LEGAL_TOPIC.fullmatch(topic) and topic not in {".", ".."}:
        return None
    return InvalidTopicError(f"{topic!r} is not a legal Kafka topic name")


def refused_for_good(error: BaseException) -> bool:
    """True when sending the same record again can never succeed: park it."""
    if isinstance(error, _RECORD_FAULTS):
        return True
    if isinstance(error, _DEPLOYMENT_FAULTS):
        return False
    return isinstance(error, BrokerResponseError) and not error.retriable


def publish_error_text(error: BaseException) -> str:
    """What the outbox row's publish_error column keeps: type and message, bounded."""
    return f"{type(error).__name__}: {error}"[:4000]
