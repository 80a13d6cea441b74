"""Special control by rules (requirements 6, 7): regular non-payers and the top of the
potential-debt ranking. The rules are evaluated in one statement; each customer whose flag
changes goes through set_special_control (history + CustomerTermsChanged)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.ranking.repository import RankingRepository
from credit_policy.ranking.service import year_before
from credit_policy.terms.effective import set_special_control
from receivables_shared.clock import Clock

ACTOR = "special-control rules"
SOURCE = "special_control_rules"


@dataclass(frozen=True)
class ControlRound:
    placed: int
    lifted: int


async def apply_special_control_rules(session: AsyncSession, clock: Clock) -> ControlRound:
    """Flag the customers the rules match; lift only the flags the rules set themselves."""
    repository = RankingRepository(session)
    as_of = clock.today()
    matches = await repository.special_control_matches(as_of, year_before(as_of))
    flagged = await repository.flagged()
    marks = await repository.marks()
    placed = lifted = 0
    for customer_id, keys in sorted(matches.items()):
        if customer_id in flagged and not flagged[customer_id]:
            continue  # a person put it there; the rules neither claim nor lift it
        if customer_id not in flagged:
            await set_special_control(
                session,
                clock,
                customer_id,
                special_control=True,
                reason=f"special-control rules matched: {', '.join(keys)}",
                actor=ACTOR,
                source=SOURCE,
            )
            placed += 1
        await repository.mark(customer_id, keys, as_of)
    stale = [customer_id for customer_id in marks if customer_id not in matches]
    for customer_id in sorted(stale):
        if flagged.get(customer_id):
            await set_special_control(
                session,
                clock,
                customer_id,
                special_control=False,
                reason="no special-control rule matches any more",
                actor=ACTOR,
                source=SOURCE,
            )
            lifted += 1
    if stale:
        await repository.unmark(stale)
    return ControlRound(placed=placed, lifted=lifted)
