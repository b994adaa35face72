"""Files kept under the data directory (never in the web root): cases' documents, attachments to reports
of concern and generated letters. One layout, DOCUMENT_ROOT/<first two characters>/<random name>."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    sha256: str
    size: int
    path: Path


def path_for(storage_name: str) -> Path:
    return Path(settings.DOCUMENT_ROOT) / storage_name[:2] / storage_name


def store(chunks: Iterable[bytes], extension: str) -> StoredFile:
    """Write the chunks to a new file. The caller removes it (`discard`) if its transaction fails."""
    storage_name = f"{uuid.uuid4().hex}{extension}"
    path = path_for(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(storage_name=storage_name, sha256=digest.hexdigest(), size=size, path=path)


def discard(stored: Iterable[StoredFile]) -> None:
    for item in stored:
        item.path.unlink(missing_ok=True)


def file_response(storage_name: str, *, content_type: str, filename: str, inline: bool = False) -> FileResponse:
    path = path_for(storage_name)
    if not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=content_type, as_attachment=not inline, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
