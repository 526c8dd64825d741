"""`OpenAIChatModel`: a ChatModel over any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio, a
llama.cpp server or our embedded engine). Faults are retried with backoff and raised as ModelError(kind=...)
(faults.py classifies them; structured.py holds the JSON helpers). The API key never appears in a log line or an
error message."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Iterator

from pydantic import SecretStr, ValidationError

from interviewer.errors import ConfigError, ModelError

from .base import Message, T
from .faults import RetryPolicy, StreamErrorEvent, StreamIncomplete, classify, http_errors
from .structured import REPAIR_HINT, SCHEMA_HINT, parse_reply, response_format, short_error

if TYPE_CHECKING:
    import openai

    from .engine import EmbeddedServer

log = logging.getLogger(__name__)
NO_KEY = "not-needed"  # the openai client insists on a key; local servers ignore it
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9]{0,4})[A-Za-z0-9_\-]{8,}")
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


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
                        raise ModelError(
                            self._redact("the retried reply differs from the part already shown"), "stream", attempt
                        )
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
        prompt = (
            messages if fmt else with_hint(messages, SCHEMA_HINT.format(schema=json.dumps(schema.model_json_schema())))
        )
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

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
        if self.server is not None:
            self.server.close()
