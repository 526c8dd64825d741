"""The only place that talks to a model. Callers see `ChatModel` and `Message`, nothing else.

Every real backend takes one path: the `openai` client against an OpenAI-compatible endpoint, be it
OpenAI, Ollama, vLLM, LM Studio, a llama.cpp server or our embedded engine (engine.py). `build_llm`
picks the endpoint from Settings. Faults (timeouts, refused connections, 429, 5xx, broken streams,
invalid JSON) are retried with backoff and then raised as ModelError(kind=...): llm_faults.py classifies them,
llm_json.py holds the structured-output helpers. The API key never appears in a log line or an error message.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Literal, Protocol, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from .errors import ConfigError, ModelError
from .llm_faults import RetryPolicy, StreamErrorEvent, StreamIncomplete, classify, http_errors
from .llm_json import REPAIR_HINT, SCHEMA_HINT, parse_reply, response_format, short_error

__all__ = ["ChatModel", "FakeChatModel", "Message", "OpenAIChatModel", "RetryPolicy", "build_llm", "parse_reply",
           "response_format"]

if TYPE_CHECKING:
    import openai

    from .config import Settings
    from .engine import EmbeddedServer

log = logging.getLogger(__name__)
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


# --- real backends: one OpenAI-protocol path ------------------------------------------------------

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
NO_KEY = "not-needed"  # the openai client insists on a key; local servers ignore it
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9]{0,4})[A-Za-z0-9_\-]{8,}")
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


class ClosableChatModel(ChatModel, Protocol):
    """What build_llm returns: a ChatModel that may own a server or a connection pool."""

    def close(self) -> None: ...


def with_hint(messages: list[Message], hint: str) -> list[Message]:
    if messages and messages[0].role == "system":
        return [Message("system", f"{messages[0].content}\n\n{hint}"), *messages[1:]]
    return [Message("system", hint), *messages]


class OpenAIChatModel:
    """A ChatModel over any OpenAI-compatible endpoint, at temperature 0, always streaming (so the
    timeout bounds silence, not the length of a reply). Constructing it does no I/O: the first call
    connects, and starts `server` (the embedded engine) when there is one."""

    def __init__(
        self,
        *,
        model: str = "",
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        server: EmbeddedServer | None = None,
        json_schema: bool = True,
        prefill: bool = False,
    ):
        self.name = model or "openai-compatible"
        self.base_url, self.timeout, self.server = base_url, timeout, server
        self.retry = retry or RetryPolicy()
        self.json_schema = json_schema  # turns False once the server rejects response_format
        self.prefill_enabled = prefill
        self._model = model
        self._key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return self._redact(f"OpenAIChatModel(model={self.name!r}, base_url={self.base_url!r})")

    def start(self) -> None:
        """Connect now (starting the embedded engine, resolving the model name) rather than on first use."""
        self._connect()

    def _connect(self) -> openai.OpenAI:
        import openai

        with self._lock:
            if self._client is None:
                if self.server is not None:
                    self.base_url = self.server.base_url
                    self._key = SecretStr(self.server.api_key) if self.server.api_key else None
                key = self._key.get_secret_value() if self._key else NO_KEY
                base_url = self.base_url or "https://api.openai.com/v1"  # explicit: the client must not read env
                self._client = openai.OpenAI(api_key=key, base_url=base_url, timeout=self.timeout, max_retries=0)
            client = self._client
        if not self._model:
            self._model = self._with_retries(lambda: self._first_model(client))
            self.name = self._model
        return client

    @staticmethod
    def _first_model(client: openai.OpenAI) -> str:
        models = client.models.list().data
        if not models:
            raise ConfigError("the server lists no models: set INTERVIEWER_MODEL")
        return models[0].id

    def _redact(self, text: str) -> str:
        secret = self._key.get_secret_value() if self._key else ""
        if len(secret) >= 4:
            text = text.replace(secret, "***")
        return _URL_USERINFO.sub("***@", _KEY_PATTERN.sub(r"\1***", text))

    def _fail(self, exc: Exception, attempt: int, *, mid_stream: bool = False) -> None:
        """Sleep before the next attempt, or raise the typed error when retrying is pointless or used up."""
        failure = classify(exc, mid_stream=mid_stream)
        message = self._redact(f"{failure.message} [{self.name} at {self.base_url or 'api.openai.com'}]")
        if not failure.retryable or attempt > self.retry.retries:
            tries = f" (after {attempt} attempts)" if attempt > 1 else ""
            raise ModelError(f"{message}{tries}", failure.kind, attempt) from None
        delay = self.retry.delay(attempt, failure.retry_after)
        log.warning("model call failed, %s; retry %d of %d in %.2f s", message, attempt, self.retry.retries, delay)
        time.sleep(delay)

    def _with_retries(self, call: Any) -> Any:
        import openai

        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except (openai.OpenAIError, ValueError, *http_errors()) as exc:
                self._fail(exc, attempt)

    def _events(self, messages: list[Message], max_tokens: int | None, fmt: dict | None) -> Iterator[dict]:
        """The SSE chunks as dicts. Reading the body to its end (rather than stopping at [DONE], as the
        openai Stream does) lets the connection go back to the pool: no new TLS handshake per call."""
        client = self._connect()
        request: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": 0,
            "stream": True,
        }
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        if fmt is not None:
            request["response_format"] = fmt
        with client.chat.completions.with_streaming_response.create(**request) as response:
            for line in response.iter_lines():
                data = line[5:].strip() if line.startswith("data:") else ""
                if not data or data == "[DONE]":
                    continue
                event = json.loads(data)
                if not isinstance(event, dict):
                    raise ValueError(f"unexpected stream event {data[:80]!r}")
                if error := event.get("error"):
                    raise StreamErrorEvent(str(error.get("message") if isinstance(error, dict) else error)[:300])
                yield event

    def _stream(self, messages: list[Message], max_tokens: int | None, fmt: dict | None = None) -> Iterator[str]:
        """Text pieces, retried as a whole on failure. A retry after a mid-way drop replays the reply
        (temperature 0) and yields only what the caller has not seen; if it differs, that is an error."""
        import openai

        sent, attempt = "", 0
        while True:
            attempt += 1
            fresh, received, finished = "", 0, False
            try:
                for event in self._events(messages, max_tokens, fmt):
                    received += 1
                    choice = (event.get("choices") or [{}])[0]
                    finished = finished or bool(choice.get("finish_reason"))
                    piece = (choice.get("delta") or {}).get("content")
                    if not piece:
                        continue
                    fresh += piece
                    crossing = len(fresh) - len(piece) < len(sent)
                    if crossing and not (sent.startswith(fresh) if len(fresh) <= len(sent) else fresh.startswith(sent)):
                        raise ModelError(self._redact("the retried reply differs from the part already shown"), "stream", attempt)
                    if len(fresh) > len(sent):
                        piece, sent = fresh[len(sent) :], fresh
                        yield piece
                if not finished:
                    raise StreamIncomplete(received)
                return
            except (openai.OpenAIError, ValueError, StreamIncomplete, StreamErrorEvent, *http_errors()) as exc:
                self._fail(exc, attempt, mid_stream=received > 0 and not isinstance(exc, openai.APIStatusError))

    def complete(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        return "".join(self._stream(messages, max_tokens))

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        return self._stream(messages, max_tokens)

    def prefill(self, messages: list[Message]) -> None:
        """Evaluate `messages` now and discard the 1-token reply: a server with a prompt cache (llama.cpp) then
        serves a later prompt that starts the same way from cache. Best effort: one try, failures only logged."""
        if not self.prefill_enabled:
            return
        try:
            for _ in self._events(messages, 1, None):
                pass
        except Exception as exc:  # noqa: BLE001 (an optimisation must never break a turn)
            log.debug("prefill failed: %s", self._redact(str(exc)))

    def structured(self, messages: list[Message], schema: type[T], *, max_tokens: int | None = None) -> T:
        """JSON-schema constrained output where the server supports it; elsewhere the schema goes into
        the prompt. Either way the reply is validated (after repair) and retried once with the error."""
        fmt = response_format(schema) if self.json_schema else None
        prompt = messages if fmt else with_hint(messages, SCHEMA_HINT.format(schema=json.dumps(schema.model_json_schema())))
        try:
            reply = "".join(self._stream(prompt, max_tokens, fmt))
        except ModelError as exc:
            if fmt is None or exc.kind != "request":
                raise
            log.info("%s rejected response_format json_schema; using prompt + validation instead", self.name)
            self.json_schema = False
            return self.structured(messages, schema, max_tokens=max_tokens)
        try:
            return parse_reply(reply, schema)
        except ValidationError as exc:
            error = short_error(exc)
        log.info("reply is not a valid %s (%s); asking once more", schema.__name__, error)
        retry = [*prompt, Message("assistant", reply), Message("user", REPAIR_HINT.format(error=error))]
        reply = "".join(self._stream(retry, max_tokens, fmt))
        try:
            return parse_reply(reply, schema)
        except ValidationError as exc:
            message = f"the model's reply is not a valid {schema.__name__} after one retry ({short_error(exc)})"
            raise ModelError(self._redact(message), "invalid_json", 2) from None

    def as_langchain(self) -> Any:
        """The same endpoint as a LangChain ChatOpenAI (temperature 0, streaming), for LCEL pipelines."""
        from langchain_openai import ChatOpenAI

        self._connect()
        return ChatOpenAI(
            model=self._model, base_url=self.base_url, api_key=self._key or SecretStr(NO_KEY), temperature=0,
            timeout=self.timeout, max_retries=self.retry.retries, streaming=True,
        )

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
        if self.server is not None:
            self.server.close()


def build_llm(settings: Settings, *, retry: RetryPolicy | None = None) -> ClosableChatModel:
    """The configured model. No I/O here: the embedded engine starts on the first call (or `start()`)."""
    retry = retry or RetryPolicy.from_settings(settings)
    backend = settings.active_backend
    if backend == "fake":
        return FakeChatModel()
    if backend == "openai":
        if not (settings.openai_api_key or settings.openai_base_url):
            raise ConfigError(
                "backend 'openai' needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM, LM Studio, "
                "llama.cpp server); or set INTERVIEWER_BACKEND=embedded for the offline model"
            )
        model = settings.model or ("" if settings.openai_base_url else DEFAULT_OPENAI_MODEL)
        return OpenAIChatModel(
            model=model, base_url=settings.openai_base_url, api_key=settings.openai_api_key,
            timeout=settings.llm_timeout, retry=retry, prefill=settings.prefill_enabled,
        )
    from .engine import MODEL_NAME, EmbeddedServer

    server = EmbeddedServer(settings, api_key=secrets.token_urlsafe(16))
    return OpenAIChatModel(model=MODEL_NAME, server=server, timeout=settings.llm_timeout, retry=retry,
                           prefill=settings.prefill_enabled)
