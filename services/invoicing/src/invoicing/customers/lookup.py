"""How invoicing comes to know a customer that its request names (read-your-writes)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from invoicing.settings import Settings
from receivables_shared.peers import Peer, PeerUnavailable


class CreditPolicyCustomer(BaseModel):
    """What invoicing keeps of credit-policy's customer (the same facts as CustomerCreated)."""

    name: str
    language: str
    currency: str
    country: str | None = None
    time_zone: str | None = None
    tax_id: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class CustomerLookup:
    #: credit-policy, when configured: asked for a customer invoicing has not heard of yet.
    credit_policy: Peer | None
    #: Otherwise how long a request waits for CustomerCreated to arrive.
    event_wait_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> CustomerLookup:
        peer = None
        if settings.credit_policy_url and settings.credit_policy_api_key:
            peer = Peer(
                name="credit-policy",
                base_url=settings.credit_policy_url,
                api_key=settings.credit_policy_api_key.get_secret_value(),
                timeout_seconds=settings.credit_policy_timeout_seconds,
            )
        return cls(credit_policy=peer, event_wait_seconds=settings.customer_event_wait_seconds)

    async def fetch(self, peer: Peer, customer_id: object) -> CreditPolicyCustomer | None:
        body = await peer.get_json(f"/v1/customers/{customer_id}")
        if body is None:
            return None
        try:
            return CreditPolicyCustomer.model_validate(body)
        except ValidationError as error:
            raise PeerUnavailable(peer.name, "its customer had an unexpected shape") from error
