"""The daily overdue-and-interest job (docs/overdue-and-interest.md)."""
