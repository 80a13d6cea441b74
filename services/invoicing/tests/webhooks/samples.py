"""Sample payloads of the three shipped adapters, and the sources the tests configure."""

from __future__ import annotations

import json
from typing import Any

STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STANDARD_OLD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
STRIPE_SECRET = "whsec_test_stripe_0123456789abcdef"
QUICKBOOKS_SECRET = "intuit-verifier-token-0123456789"

SOURCES: list[dict[str, Any]] = [
    {
        "name": "bank-standard",
        "scheme": "standard",
        # Rotation: the new secret first, the old one still verifies.
        "secrets": [STANDARD_SECRET, STANDARD_OLD_SECRET],
        "adapter": "standard",
    },
    {"name": "stripe", "scheme": "stripe", "secrets": [STRIPE_SECRET], "adapter": "stripe"},
    {
        "name": "quickbooks",
        "scheme": "hmac-base64",
        "secrets": [QUICKBOOKS_SECRET],
        "adapter": "quickbooks",
        "signature_header": "intuit-signature",
    },
]
SOURCES_JSON = json.dumps(SOURCES)


def standard_payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "payment_id": "pay_2026_000123",
        "amount": "1210.50",
        "currency": "EUR",
        "received_on": "2026-03-02",
        "payer_name": "SIA Koks",
        "payer_iban": "LV80BANK0000435195001",
        "reference": "RF18539007547034",
        "customer_external_id": "erp-4711",
        "invoice_numbers": ["INV-2026-000017"],
    }
    data.update(changes)
    return {"type": "payment.received", "data": data}


def stripe_event(event_id: str = "evt_1PqRsT2eZvKYlo2C0a1b2c3d", **changes: Any) -> dict[str, Any]:
    intent: dict[str, Any] = {
        "id": "pi_3PqRsT2eZvKYlo2C1xYz",
        "object": "payment_intent",
        "amount": 121050,
        "amount_received": 121050,
        "currency": "eur",
        "created": 1772442000,  # 2026-03-02 09:00 UTC
        "description": "Invoice INV-2026-000017",
        "status": "succeeded",
        "metadata": {"customer_external_id": "erp-4711", "invoice_numbers": "INV-2026-000017"},
    }
    intent.update(changes)
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1772442001,
        "type": "payment_intent.succeeded",
        "livemode": False,
        "data": {"object": intent},
    }


def quickbooks_notification(payment_id: str = "145", **changes: Any) -> dict[str, Any]:
    payment: dict[str, Any] = {
        "Id": payment_id,
        "TotalAmt": 1210.50,  # a JSON number, as QuickBooks sends it: read as a Decimal
        "CurrencyRef": {"value": "EUR", "name": "Euro"},
        "TxnDate": "2026-03-02",
        "PaymentRefNum": "RF18539007547034",
        "CustomerRef": {"value": "58", "name": "SIA Koks"},
        "Line": [
            {"Amount": 1210.50, "LinkedTxn": [{"TxnId": "INV-2026-000017", "TxnType": "Invoice"}]}
        ],
        "MetaData": {"CreateTime": "2026-03-02T01:00:00-08:00"},
    }
    payment.update(changes)
    return {
        "eventNotifications": [
            {
                "realmId": "9130349876543210",
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": "Payment",
                            "id": payment_id,
                            "operation": "Create",
                            "lastUpdated": "2026-03-02T09:00:00.000Z",
                        }
                    ]
                },
            }
        ],
        "payment": payment,
    }


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()
