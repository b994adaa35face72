"""Serving a stored document's file (after the gatekeeper and the audit have said yes)."""

from __future__ import annotations

from django.http import FileResponse

from helhed.core import filestore

from .models import Document


def document_file_response(doc: Document) -> FileResponse:
    return filestore.file_response(
        doc.storage_name, content_type=doc.content_type, filename=doc.original_name or f"dokument-{doc.pk}"
    )
