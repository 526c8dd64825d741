"""The model boundary: `Message` and the `ChatModel` protocol, all a caller of the model sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal, Protocol, TypeVar

from pydantic import BaseModel

Role = Literal["system", "user", "assistant"]
T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


class ChatModel(Protocol):
    name: str

    def complete(self, messages: list[Message], *, max_tokens: int | None = None) -> str: ...

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]: ...

    def structured(self, messages: list[Message], schema: type[T], *, max_tokens: int | None = None) -> T: ...


class ClosableChatModel(ChatModel, Protocol):
    """What build_llm returns: a ChatModel that may own a server or a connection pool."""

    def close(self) -> None: ...
