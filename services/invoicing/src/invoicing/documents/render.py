"""HTML from one Jinja2 template per document, PDF from that HTML with WeasyPrint.

Templates get the view model, `t` (the language's texts) and `fmt` (Babel formatting in the
customer's locale). WeasyPrint is CPU-bound (about 0.2 s for a one-page invoice with HarfBuzz's
subsetter, 0.5 s without it), so the async entry points run it in a worker thread and the event
loop keeps serving other requests; at most PDF_RENDERERS run at once, so a burst of PDF requests
queues instead of filling memory and starving the loop of the GIL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anyio import CapacityLimiter, to_thread
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from invoicing.documents.formatting import Formatter, grouped_iban, grouped_rf
from invoicing.documents.texts import document_language, movement_kind, texts_for
from invoicing.documents.view_models import InvoiceDocument

#: PDFs rendered at once per process (the machines have two cores).
PDF_RENDERERS = 2
_PDF_LIMITER = CapacityLimiter(PDF_RENDERERS)

_ENVIRONMENT = Environment(
    loader=PackageLoader("invoicing.documents", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    # A misspelt name in a template fails the render (and its test), not prints nothing.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["iban"] = grouped_iban
_ENVIRONMENT.filters["rf"] = grouped_rf


def render_html(template: str, language: str, **context: Any) -> str:
    """Render `template` in `language` (en, ru, bg, lv; others fall back to English)."""
    texts: Mapping[str, str] = texts_for(language)
    return _ENVIRONMENT.get_template(template).render(
        lang=document_language(language),
        t=texts,
        kind=lambda code: movement_kind(texts, code),
        fmt=Formatter.for_language(document_language(language)),
        **context,
    )


def render_invoice_html(document: InvoiceDocument) -> str:
    return render_html("invoice.html.j2", document.language, invoice=document)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a self-contained HTML page (styles inline, system fonts: DejaVu)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, ~0.5 s

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


async def html_to_pdf_in_thread(html: str) -> bytes:
    return await to_thread.run_sync(html_to_pdf, html, limiter=_PDF_LIMITER)


async def render_invoice_pdf(document: InvoiceDocument) -> bytes:
    return await html_to_pdf_in_thread(render_invoice_html(document))
