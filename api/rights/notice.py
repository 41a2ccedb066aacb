"""The AI notice a candidate reads before the interview: `prompts/notice.md`, editable.

Its version is the SHA-256 of the text as shown (after `{retention_days}` is filled in), so a
stored consent names exactly what the candidate acknowledged; editing the file makes a new
version. It is read where the prompts are (`INTERVIEWER_PROMPTS_DIR`, the installed copy or
`prompts/`), and re-read when it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graph import prompts

NOTICE_FILE = "notice.md"
VERSION_CHARS = 16


@dataclass(frozen=True)
class Notice:
    text: str
    """Markdown: `#`/`##` headings, paragraphs, `**bold**`."""
    version: str
    """Its hash: what a consent records."""


def _format_days(days: float) -> str:
    return f"{days:g}"


@lru_cache(maxsize=8)
def _render(path: Path, mtime_ns: int, retention_days: float) -> Notice:
    text = path.read_text(encoding="utf-8").strip()
    text = text.replace("{retention_days}", _format_days(retention_days))
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:VERSION_CHARS]
    return Notice(text=text, version=version)


def current_notice(retention_days: float) -> Notice:
    """The notice as shown now, with its version."""
    path = prompts.PROMPTS_DIR / NOTICE_FILE
    return _render(path, path.stat().st_mtime_ns, retention_days)
