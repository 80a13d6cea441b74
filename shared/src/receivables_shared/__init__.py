"""Common library of the receivables platform's services: settings, database, events, HTTP."""
