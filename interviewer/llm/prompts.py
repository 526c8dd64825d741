"""Prompt templates live as files in prompts/; only this module knows where.

A file is Markdown with sections `## system` and `## user` (and optionally `## assistant`), each becoming one
message of a LangChain ChatPromptTemplate. Variables are `{name}`; literal braces are doubled.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from interviewer.config import bundled_dir
from interviewer.errors import PromptError

from .base import Message

_SECTION = re.compile(r"^## (system|user|assistant)\s*$", re.MULTILINE)


def prompts_dir() -> Path:
    try:
        return bundled_dir("prompts")
    except FileNotFoundError:
        raise PromptError("prompts", message="no prompts/ folder found next to the package") from None


def prompt_names() -> list[str]:
    return sorted(p.stem for p in prompts_dir().glob("*.md"))


@lru_cache(maxsize=None)
def load_prompt(name: str) -> ChatPromptTemplate:
    path = prompts_dir() / f"{name}.md"
    if not path.is_file():
        raise PromptError(name, message=f"no prompt file prompts/{name}.md")
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    messages = [(role, body.strip()) for role, body in zip(parts[1::2], parts[2::2])]
    if not messages:
        raise PromptError(name, message=f"prompts/{name}.md has no '## system' / '## user' sections")
    return ChatPromptTemplate.from_messages(messages)


def render(name: str, **variables: str) -> list[Message]:
    """Fill a prompt; refuses to render with a variable missing."""
    template = load_prompt(name)
    missing = sorted(set(template.input_variables) - variables.keys())
    if missing:
        raise PromptError(name, missing)
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [Message(roles[m.type], str(m.content)) for m in template.format_messages(**variables)]


def fence(text: str) -> str:
    """Candidate text as inert data: strip anything that could close or fake the fence."""
    cleaned = text.replace("<<<", "« ").replace(">>>", " »")
    cleaned = re.sub(r"</?\s*(candidate_answer|system|assistant|user)\b[^>]*>", "", cleaned, flags=re.IGNORECASE)
    return f"<<<CANDIDATE_TEXT\n{cleaned}\nCANDIDATE_TEXT>>>"
