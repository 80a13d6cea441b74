"""Reading an import file into rows with their line numbers: CSV with a header, or JSON lines.

Only the file's shape is checked here (encoding, header, JSON); each row's values are checked
by the service, which reports every bad row at once.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from invoicing.imports.schemas import COLUMNS, REQUIRED_COLUMNS
from receivables_shared.http.problems import FieldError, ProblemError, ProblemType

CSV_TYPES = frozenset({"text/csv"})
JSON_LINES_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonl"})


@dataclass
class RawRow:
    #: The line of the file the row ends on (CSV: the header is line 1).
    line: int
    values: dict[str, Any]
    #: Problems found while reading (a cell too many, a line that is not a JSON object).
    errors: list[tuple[str, str]] = field(default_factory=list)


def bad_file(message: str, field_name: str = "file") -> ProblemError:
    return ProblemError(
        422,
        f"The file cannot be read: {message}; nothing was imported",
        type_=ProblemType.VALIDATION,
        errors=[FieldError(field=field_name, location="body", message=message)],
    )


def read_rows(body: bytes, content_type: str | None) -> list[RawRow]:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES | JSON_LINES_TYPES:
        raise ProblemError(
            415,
            f"send text/csv or application/x-ndjson (JSON lines), not {media_type or 'nothing'}",
            field="Content-Type",
            location="header",
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise bad_file(f"not UTF-8 (byte {error.start})") from error
    rows = _csv_rows(text) if media_type in CSV_TYPES else _json_rows(text)
    if not rows:
        raise bad_file("no rows")
    return rows


def _csv_rows(text: str) -> list[RawRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as error:
        raise bad_file(f"line 1: {error}", "header") from error
    if not header:
        raise bad_file("empty file", "header")
    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise bad_file(
            f"the header has unknown columns {unknown}, lacks {missing} or repeats a column;"
            f" the columns are {', '.join(COLUMNS)}",
            "header",
        )
    reader.fieldnames = names
    rows: list[RawRow] = []
    try:
        for record in reader:
            row = RawRow(reader.line_num, {})
            for name, value in record.items():
                if name is None:  # DictReader's key for cells beyond the header
                    row.errors.append(("row", "more cells than the header has columns"))
                elif value is None:
                    row.errors.append(("row", "fewer cells than the header has columns"))
                elif value.strip():
                    row.values[name] = value.strip()
            rows.append(row)
    except csv.Error as error:
        raise bad_file(f"line {reader.line_num}: {error}") from error
    return rows


def _json_rows(text: str) -> list[RawRow]:
    rows: list[RawRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append(RawRow(number, {}, [("row", f"not JSON: {error.msg}")]))
            continue
        if not isinstance(values, dict):
            rows.append(RawRow(number, {}, [("row", "a line must be a JSON object")]))
            continue
        rows.append(RawRow(number, values))
    return rows
