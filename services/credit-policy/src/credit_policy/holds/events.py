from credit_policy.holds.models import CreditHold
from receivables_shared.events import CreditHoldPlaced, CreditHoldReleased

#: CreditHoldReleased.reason of a hold lifted by a person (their words go in the note).
MANUAL_RELEASE = "manual"


def hold_placed(hold: CreditHold) -> CreditHoldPlaced:
    return CreditHoldPlaced(
        customer_id=hold.customer_id,
        hold_id=hold.id,
        reason=hold.reason,
        stops=tuple(hold.stops),
        placed_on=hold.placed_on,
        note=hold.note,
    )


def hold_released(hold: CreditHold) -> CreditHoldReleased:
    assert hold.released_on is not None and hold.release_reason is not None
    automatic = hold.released_by == "system"
    return CreditHoldReleased(
        customer_id=hold.customer_id,
        hold_id=hold.id,
        reason=hold.release_reason if automatic else MANUAL_RELEASE,
        released_on=hold.released_on,
        note=None if automatic else hold.release_reason,
    )
