"""Candidate text coming in: control characters stripped (one rule for the whole app), newlines normalised, very
long pastes truncated with a notice. HTML and Markdown are kept as plain text; escaping is the UI's job."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_INPUT_CHARS = 8000
_INVISIBLE = ("Cc", "Cf", "Cs", "Co")  # control, format (zero-width, bidi), surrogate, private use


def strip_controls(text: str) -> str:
    """`text` without control and invisible format characters; newlines and tabs are kept."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in _INVISIBLE)


@dataclass(frozen=True)
class CleanText:
    text: str
    notices: tuple[str, ...] = ()


def clean_input(text: str, limit: int = MAX_INPUT_CHARS) -> CleanText:
    """Candidate text made safe to store and grade; nothing but control characters is dropped below `limit`."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = strip_controls(text)
    notices: list[str] = []
    if len(kept) != len(text):
        notices.append(f"Removed {len(text) - len(kept)} control character(s) from your message.")
    cleaned = kept.strip()
    if len(cleaned) > limit:
        notices.append(
            f"Your message was {len(cleaned):,} characters; only the first {limit:,} were kept. "
            "Interview answers are best kept to a few paragraphs."
        )
        cleaned = cleaned[:limit].rstrip()
    return CleanText(cleaned, tuple(notices))
