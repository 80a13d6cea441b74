"""Database plumbing: naming convention, engines and sessions, platform tables, migrations."""
