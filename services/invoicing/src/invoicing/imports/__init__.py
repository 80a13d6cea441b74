"""Taking over an existing ledger: open items imported in bulk (docs/imports.md)."""
