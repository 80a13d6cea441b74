"""Test support shared by every service's tests (registered as a pytest plugin)."""
