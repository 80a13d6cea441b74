from credit_policy.base import Base
from credit_policy.customers.router import router as customers_router
from credit_policy.settings import Settings
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="credit-policy",
    title="Credit policy",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="credit_policy:migrations",
    routers=[customers_router],
)
