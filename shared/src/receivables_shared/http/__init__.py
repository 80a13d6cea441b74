"""HTTP layer shared by the services: app factory, errors, auth, health, metrics."""
