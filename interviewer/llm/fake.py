"""A scripted model for tests (and `INTERVIEWER_BACKEND=fake`): queued replies, recorded requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from interviewer.errors import ModelError

from .base import Message, T


@dataclass
class FakeChatModel:
    """Deterministic scripted model for tests: `enqueue` replies; `history` records what was sent.
    With an empty queue it answers `default`. A queued Exception is raised instead of replying."""

    replies: list[str | Exception] = field(default_factory=list)
    default: str = "OK"
    name: str = "fake"
    history: list[list[Message]] = field(default_factory=list)
    prefills: list[list[Message]] = field(default_factory=list)

    def enqueue(self, *replies: str | Exception) -> None:
        self.replies.extend(replies)

    def _next(self, messages: list[Message]) -> str:
        self.history.append(list(messages))
        reply = self.replies.pop(0) if self.replies else self.default
        if isinstance(reply, Exception):
            raise reply
        return reply

    def complete(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        return self._next(messages)

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        text = self._next(messages)
        for i in range(0, len(text), 8):
            yield text[i : i + 8]

    def structured(self, messages: list[Message], schema: type[T], *, max_tokens: int | None = None) -> T:
        reply = self._next(messages)
        try:
            return schema.model_validate_json(reply)
        except ValueError as exc:
            raise ModelError(f"fake reply is not a valid {schema.__name__}", kind="invalid_json") from exc

    def prefill(self, messages: list[Message]) -> None:
        self.prefills.append(list(messages))

    def close(self) -> None:
        """Nothing to release; here so the fake matches what build_llm returns."""
