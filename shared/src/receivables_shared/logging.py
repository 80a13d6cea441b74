"""JSON-lines logging with a correlation id carried by a context variable.

The HTTP middleware sets the id from X-Request-ID (or makes one); the event consumer sets it from
the event's correlation id, so one business action can be followed across services.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

#: One line per HTTP request, written by the request middleware.
access_log = logging.getLogger("receivables.access")

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "color_message",  # uvicorn duplicates its message with ANSI colours
}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def log_access(
    *,
    method: str,
    route: str,
    status: int,
    duration_seconds: float,
    request_id: str,
    api_key_name: str | None,
) -> None:
    """The request's outcome with its id, so a request can be followed across services.

    The key's name, never the key: log lines travel further than secrets may."""
    duration_ms = round(duration_seconds * 1000, 1)
    access_log.info(
        "%s %s %s %.1f ms",
        method,
        route,
        status,
        duration_ms,
        extra={
            "http_method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": request_id,
            "api_key_name": api_key_name,
        },
    )


def configure_logging(service: str, level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka is chatty at INFO about every group rebalance step.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
