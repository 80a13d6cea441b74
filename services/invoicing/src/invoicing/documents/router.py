from __future__ import annotations

import uuid
from enum import StrEnum

from fastapi import APIRouter, Query, Response

from invoicing.dependencies import ReadKeyDep, SessionDep, SettingsDep
from invoicing.documents import service
from invoicing.documents.render import render_invoice_html, render_invoice_pdf

router = APIRouter(tags=["documents"])


class DocumentFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"


@router.get(
    "/invoices/{invoice_id}/document",
    response_class=Response,
    responses={
        200: {
            "description": "The invoice in the customer's language (en, ru, bg, lv).",
            "content": {"application/pdf": {}, "text/html": {}},
        }
    },
)
async def get_invoice_document(
    invoice_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    _: ReadKeyDep,
    format: DocumentFormat = Query(default=DocumentFormat.PDF),
) -> Response:
    document = await service.invoice_document(
        session, invoice_id, settings.seller, settings.business_zone
    )
    filename = f"{document.number}.{format.value}"
    headers = {"Content-Disposition": f'inline; filename="{filename}"'}
    if format is DocumentFormat.HTML:
        html = render_invoice_html(document)
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    pdf = await render_invoice_pdf(document)  # in a worker thread: WeasyPrint is CPU-bound
    return Response(pdf, media_type="application/pdf", headers=headers)
