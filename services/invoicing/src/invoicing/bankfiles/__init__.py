"""Bank statement files (camt.053, camt.054, MT940) parsed into plain data.

Pure parsing, no database: `parse_statement(data)` returns a ParsedFile whose entries the
payments code turns into payments. See docs/bank-statements.md.
"""

from invoicing.bankfiles.models import (
    Entry,
    MalformedStatement,
    ParsedFile,
    Statement,
    StatementFormat,
)
from invoicing.bankfiles.parser import MAX_FILE_BYTES, parse_statement

__all__ = [
    "MAX_FILE_BYTES",
    "Entry",
    "MalformedStatement",
    "ParsedFile",
    "Statement",
    "StatementFormat",
    "parse_statement",
]
