"""Serving a stored document's file (after the gatekeeper and the audit have said yes)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404

from .models import Document


def document_path(doc: Document):
    return settings.DOCUMENT_ROOT / doc.storage_name[:2] / doc.storage_name


def document_file_response(doc: Document) -> FileResponse:
    path = document_path(doc)
    if not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        content_type=doc.content_type,
        as_attachment=True,
        filename=doc.original_name or f"dokument-{doc.pk}",
    )
    response["Cache-Control"] = "no-store"
    return response
