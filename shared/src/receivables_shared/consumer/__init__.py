"""Idempotent event consumers with retries and a dead-letter topic."""

from receivables_shared.consumer.runner import EventConsumer, Handler, HandlerContext

__all__ = ["EventConsumer", "Handler", "HandlerContext"]
