"""The Danish user guides (docs/brugervejledning/*.md) shown inside Helhed under 'Hjælp'.

Rendered with markdown-it-py's CommonMark preset with raw HTML switched off, so a guide can never
inject script or style (strict CSP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from markdown_it import MarkdownIt

_SLUG = re.compile(r"^[a-z0-9-]{1,60}$")


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    html: str


def _title(text: str, slug: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return slug


@lru_cache(maxsize=32)
def _render(path: Path, mtime: float) -> Guide:
    text = path.read_text(encoding="utf-8")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Guide(slug=path.stem, title=_title(text, path.stem), html=md.render(text))


def guides() -> list[Guide]:
    folder = Path(settings.HELP_DIR)
    if not folder.is_dir():
        return []
    return [_render(p, p.stat().st_mtime) for p in sorted(folder.glob("*.md")) if _SLUG.match(p.stem)]


def guide(slug: str) -> Guide | None:
    if not _SLUG.match(slug or ""):
        return None
    path = Path(settings.HELP_DIR) / f"{slug}.md"
    if not path.is_file():
        return None
    return _render(path, path.stat().st_mtime)
