from credit_policy.base import Base
from credit_policy.customers.router import router as customers_router
from credit_policy.history.router import router as history_router
from credit_policy.risk_classes.router import router as risk_classes_router
from credit_policy.settings import Settings
from credit_policy.terms.router import router as terms_router
from receivables_shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="credit-policy",
    title="Credit policy",
    settings_class=Settings,
    metadata=Base.metadata,
    migrations="credit_policy:migrations",
    routers=[customers_router, risk_classes_router, terms_router, history_router],
)
