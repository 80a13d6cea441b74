"""API keys with scopes for service-to-service callers."""
