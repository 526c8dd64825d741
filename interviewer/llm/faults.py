"""How a model call fails, for client.py: the retry policy and the mapping of openai / transport / stream errors
to one ModelError kind (timeout, connection, rate_limit, server, stream, invalid_json, auth, not_found, request)."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import importlib
import importlib.util
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai

    from interviewer.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """`retries` extra attempts after the first; exponential backoff with jitter starting at `backoff`
    seconds, capped at `max_delay`. A server's Retry-After is honoured, up to the same cap."""

    retries: int = 2
    backoff: float = 0.5
    max_delay: float = 8.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(retries=max(settings.llm_retries, 0), backoff=settings.llm_backoff, max_delay=settings.llm_max_delay)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.0), self.max_delay)


@dataclass(frozen=True)
class Failure:
    kind: str
    message: str
    retryable: bool = True
    retry_after: float | None = None


class StreamIncomplete(Exception):
    """The stream ended cleanly as far as HTTP goes, but without a finish_reason."""

    def __init__(self, received: int):
        self.received = received
        super().__init__("the stream ended before the reply was complete")


class StreamErrorEvent(Exception):
    """An error event inside an otherwise healthy stream (the server failed mid-reply)."""


@functools.lru_cache(maxsize=1)
def http_errors() -> tuple[type[Exception], ...]:
    """Transport errors of whichever httpx the openai client uses (httpx2 in openai 3.x)."""
    names = [name for name in ("httpx2", "httpx") if importlib.util.find_spec(name)]
    return tuple(importlib.import_module(name).HTTPError for name in names)


def retry_after(headers: Any) -> float | None:
    if ms := headers.get("retry-after-ms"):
        with contextlib.suppress(ValueError):
            return float(ms) / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        return (email.utils.parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
    return None


def _root(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def describe(exc: BaseException) -> str:
    root = _root(exc)
    return f"{type(root).__name__}: {root}" if str(root) else type(root).__name__


def _error_detail(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body)
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or exc.message)[:300]


def classify(exc: Exception, *, mid_stream: bool) -> Failure:
    """Map an openai / transport / parsing exception to one fault kind."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        status, detail = exc.status_code, _error_detail(exc)
        if status == 429:
            return Failure(
                "rate_limit", f"rate limited (HTTP 429): {detail}", retry_after=retry_after(exc.response.headers)
            )
        if status >= 500:
            return Failure("server", f"server error (HTTP {status}): {detail}")
        if status == 408:
            return Failure("timeout", "the server gave up waiting (HTTP 408)")
        if status in (401, 403):
            return Failure("auth", f"the server refused the API key (HTTP {status}); check OPENAI_API_KEY", False)
        if status == 404:
            return Failure("not_found", f"HTTP 404 ({detail}); check INTERVIEWER_MODEL and OPENAI_BASE_URL", False)
        return Failure("request", f"the server rejected the request (HTTP {status}): {detail}", False)
    if isinstance(exc, openai.APITimeoutError) or "Timeout" in type(_root(exc)).__name__:
        return Failure(
            "timeout", f"no answer in time ({describe(exc)}); raise INTERVIEWER_LLM_TIMEOUT if the model is slow"
        )
    if isinstance(exc, StreamErrorEvent):
        return Failure("server", f"the model server failed mid-reply ({exc})")
    if isinstance(exc, StreamIncomplete) and exc.received == 0:
        return Failure("invalid_json", "the server's reply is not an OpenAI-compatible stream")
    if mid_stream or isinstance(exc, StreamIncomplete):
        return Failure("stream", f"the reply stream broke off mid-way ({describe(exc)})")
    if isinstance(exc, (openai.APIConnectionError, *http_errors())):
        return Failure("connection", f"cannot reach the model server ({describe(exc)})")
    if isinstance(exc, ValueError):
        return Failure("invalid_json", f"the server's reply is not valid JSON ({exc})")
    return Failure("server", f"the model server failed ({exc})")  # openai.APIError without a status
