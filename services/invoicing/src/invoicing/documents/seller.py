"""The seller printed on every invoice: one legal entity per deployment, from settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from stdnum import bic, iban
from stdnum.exceptions import ValidationError as StdnumValidationError


def _valid_iban(value: str) -> str:
    try:
        return str(iban.validate(value))  # compact: no spaces, upper case
    except StdnumValidationError as error:
        raise ValueError(f"not a valid IBAN: {error}") from error


def _valid_bic(value: str) -> str:
    try:
        return str(bic.validate(value))
    except StdnumValidationError as error:
        raise ValueError(f"not a valid BIC: {error}") from error


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class BankAccount(BaseModel):
    """An account the customer may pay into; IBAN and BIC are checked with python-stdnum."""

    model_config = ConfigDict(frozen=True)

    iban: Annotated[str, AfterValidator(_valid_iban)] = Field(examples=["LV80BANK0000435195001"])
    bic: Annotated[str, AfterValidator(_valid_bic)] = Field(examples=["BANKLV22"])
    bank_name: Text | None = None


#: Demo defaults, so `make run` renders a real-looking invoice. A deployment sets its own.
DEMO_LEGAL_NAME = "SIA Receivables Demo"
DEMO_ADDRESS = "Brīvības iela 100, Rīga, LV-1010, Latvija"
DEMO_TAX_ID = "LV40003000000"
DEMO_BANK_ACCOUNTS = (
    BankAccount(iban="LV80BANK0000435195001", bic="BANKLV22", bank_name="Demo Bank"),
)


class SellerSettings(BaseModel):
    """Who issues the invoices (requirement 12: legal name, address, tax id, bank details)."""

    legal_name: Text = DEMO_LEGAL_NAME
    address: Text = DEMO_ADDRESS
    tax_id: Text = DEMO_TAX_ID
    bank_accounts: Annotated[list[BankAccount], Field(min_length=1, max_length=5)] = list(
        DEMO_BANK_ACCOUNTS
    )
