"""Cursor (keyset) pagination, the same for every list endpoint.

A list is ordered by a unique, immutable key (e.g. `(created_at, id)`); a page is the `limit`
rows after the key of the last row the client saw. Unlike offsets, rows inserted or deleted
before the cursor cannot shift a page, so paging never repeats or skips a row that existed when
paging began. The cursor is opaque to clients (base64url JSON) and names the list it belongs to,
so a cursor from another list is refused instead of silently misread.

    # repository.py
    MESSAGE_ORDER = Keyset("messages", OutboundMessage.created_at, OutboundMessage.id)
    rows = await session.scalars(MESSAGE_ORDER.page_query(select(OutboundMessage), page))
    return MESSAGE_ORDER.page_of(rows.all(), page)  # (items, next_cursor)

    # router.py: `page: PageRequestDep` parses ?limit=&cursor=; answer a Page[...] subclass.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: Far longer than any real cursor; stops a client from making us decode megabytes.
MAX_CURSOR_LENGTH = 1000

T = TypeVar("T")
Row = TypeVar("Row")


class Page(BaseModel, Generic[T]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null when there is none."
    )


@dataclass(frozen=True)
class PageRequest:
    limit: int
    #: The decoded cursor: the list's name and the sort key values, still as JSON scalars.
    after: tuple[str, list[Any]] | None


def invalid_cursor(message: str) -> RequestValidationError:
    """A 422 problem naming `cursor` in `query`, as request validation reports it."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", "cursor"), "msg": message, "input": None}]
    )


def _encode(list_name: str, values: Sequence[Any]) -> str:
    raw = json.dumps([list_name, list(values)], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, list[Any]]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise invalid_cursor("is not a cursor this API gave out") from error
    if (
        not isinstance(decoded, list)
        or len(decoded) != 2
        or not isinstance(decoded[0], str)
        or not isinstance(decoded[1], list)
    ):
        raise invalid_cursor("is not a cursor this API gave out")
    return decoded[0], decoded[1]


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="`next_cursor` of the previous page; omit for the first page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after=_decode(cursor) if cursor else None)


PageRequestDep = Annotated[PageRequest, Depends(page_request)]


class Keyset:
    """The sort key of one list: unique and immutable columns, all ascending (or, with
    `descending=True`, all descending: newest first)."""

    def __init__(
        self, name: str, *columns: InstrumentedAttribute[Any], descending: bool = False
    ) -> None:
        self.name = name
        self.columns = columns
        self.descending = descending
        self._adapters = [TypeAdapter(column.type.python_type) for column in columns]

    def _after_values(self, page: PageRequest) -> list[Any] | None:
        if page.after is None:
            return None
        name, values = page.after
        if name != self.name:
            raise invalid_cursor(f"belongs to another list ({name!r}), not {self.name!r}")
        if len(values) != len(self.columns):
            raise invalid_cursor("is not a cursor this API gave out")
        try:
            return [
                adapter.validate_python(value)
                for adapter, value in zip(self._adapters, values, strict=True)
            ]
        except ValidationError as error:
            raise invalid_cursor("is not a cursor this API gave out") from error

    def page_query(self, statement: Select[Any], page: PageRequest) -> Select[Any]:
        """`statement` ordered by the key, after the cursor, one row more than a page.

        The extra row only tells whether another page follows."""
        if (after := self._after_values(page)) is not None:
            key, seen = tuple_(*self.columns), tuple_(*after)
            statement = statement.where(key < seen if self.descending else key > seen)
        order = [column.desc() for column in self.columns] if self.descending else self.columns
        return statement.order_by(*order).limit(page.limit + 1)

    def page_of(self, rows: Sequence[Row], page: PageRequest) -> tuple[list[Row], str | None]:
        """The page's rows and the cursor of the next page (None on the last)."""
        items = list(rows[: page.limit])
        if len(rows) <= page.limit:
            return items, None
        last = items[-1]
        values = [self._json_value(getattr(last, column.key)) for column in self.columns]
        return items, _encode(self.name, values)

    @staticmethod
    def _json_value(value: Any) -> Any:
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value
        # datetime, date, UUID: their ISO / canonical text validates back to the same value.
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
