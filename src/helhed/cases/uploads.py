"""Checks on uploaded documents: size, and that the content really is the type its name claims.

The content is sniffed with `puremagic`; a file whose bytes do not match an allowed type (an .exe
renamed to .pdf, an HTML page called .png) is refused with a message saying what is allowed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.utils.translation import gettext as _

from helhed.core.errors import HelhedError

# extension -> (content type, content family puremagic must find)
ALLOWED = {
    ".pdf": ("application/pdf", "pdf"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "zip"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"),
    ".odt": ("application/vnd.oasis.opendocument.text", "zip"),
    ".doc": ("application/msword", "ole"),
    ".xls": ("application/vnd.ms-excel", "ole"),
}
_OOXML_MARKER = {".docx": "word/", ".xlsx": "xl/"}


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    size: int


def _family(head: bytes) -> set[str]:
    found: set[str] = set()
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for m in matches:
        text = f"{m.extension} {m.mime_type} {m.name}".lower()
        if "pdf" in text:
            found.add("pdf")
        if "png" in text:
            found.add("png")
        if "jpeg" in text or "jpg" in text:
            found.add("jpeg")
        if "zip" in text or "openxml" in text or "opendocument" in text or ".docx" in text or ".xlsx" in text:
            found.add("zip")
        if "ole" in text or "msword" in text or "ms-excel" in text or "compound" in text or ".doc" in text:
            found.add("ole")
    if head.startswith(b"PK\x03\x04"):
        found.add("zip")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        found.add("ole")
    return found


def allowed_list() -> str:
    return _("PDF, PNG, JPEG, Word (.docx/.doc), Excel (.xlsx/.xls) og OpenDocument (.odt)")


def check_upload(uploaded_file) -> CheckedUpload:
    name = uploaded_file.name or ""
    ext = PurePath(name).suffix.lower()
    size = uploaded_file.size or 0
    if size == 0:
        raise HelhedError(_("Filen er tom. Vælg filen igen."), field="file")
    if size > settings.DOCUMENT_MAX_BYTES:
        raise HelhedError(
            _("Filen er for stor (%(size)s MB). Den største tilladte størrelse er %(max)s MB.")
            % {"size": round(size / 1048576, 1), "max": settings.DOCUMENT_MAX_BYTES // 1048576},
            field="file",
            code="too_large",
        )
    if ext not in ALLOWED:
        raise HelhedError(
            _("Filtypen er ikke tilladt. Tilladte typer: %(types)s.") % {"types": allowed_list()},
            field="file",
            code="type",
        )
    content_type, family = ALLOWED[ext]
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    if family not in _family(head):
        raise HelhedError(
            _("Filens indhold passer ikke til filtypen %(ext)s. Gem filen i det rigtige format og prøv igen.")
            % {"ext": ext},
            field="file",
            code="disguised",
        )
    if ext in _OOXML_MARKER:
        try:
            with zipfile.ZipFile(uploaded_file) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            names = []
        uploaded_file.seek(0)
        if not any(n.startswith(_OOXML_MARKER[ext]) for n in names):
            raise HelhedError(
                _("Filens indhold passer ikke til filtypen %(ext)s. Gem filen i det rigtige format og prøv igen.")
                % {"ext": ext},
                field="file",
                code="disguised",
            )
    return CheckedUpload(extension=ext, content_type=content_type, size=size)
