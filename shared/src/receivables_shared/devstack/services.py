"""Kept for older imports: the list of services lives in receivables_shared.services_registry."""

from receivables_shared.services_registry import SERVICES, ServiceEntry

__all__ = ["SERVICES", "ServiceEntry"]
