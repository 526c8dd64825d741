"""A loopback OpenAI-compatible server for tests and benchmarks (stdlib only, no model).

    with StubServer(reply="Hello", latency=0.0, fault=None) as stub:
        llm = OpenAIChatModel(base_url=stub.base_url, model="stub")

Serves POST /v1/chat/completions (JSON, or SSE when "stream": true), GET /v1/models and GET /health.
Replies come from `replies` (scripted, used in order) and then `reply` (a string, or a function of the
request body). Faults apply per server (`fault`), to the first N chat requests only (`fault_times=N`:
"fail first N then ok"), or per request (`faults=[...]`, one entry per chat request, None = ok):

  timeout       hold the request for `hang` seconds (longer than the client's timeout)
  connection    close the socket without answering
  rate_limit    429 with `Retry-After: <retry_after>`
  server        500 with an OpenAI-style error body
  stream_drop   send half the reply, then cut the connection mid-body
  invalid_json  200, but the assistant content is not JSON
  garbage       200, but the HTTP body itself is not JSON
  bad_request   400 (not worth retrying)
  auth          401 that echoes the Authorization header back (to check the key gets redacted)

With `json_schema=False` a request carrying `response_format` gets a 400, like servers without
structured output. Every request is recorded in `requests`; `connections` counts TCP connections.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Fault = Literal[
    "timeout", "connection", "rate_limit", "server", "stream_drop", "invalid_json", "garbage", "bad_request", "auth"
]
FAULTS: tuple[str, ...] = Fault.__args__  # type: ignore[attr-defined]
Reply = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]
    fault: str | None = None


@dataclass
class StubServer:
    reply: Reply = "OK"
    latency: float = 0.0
    fault: Fault | None = None
    fault_times: int | None = None
    faults: Sequence[Fault | None] | None = None
    replies: list[str] = field(default_factory=list)
    token_latency: float = 0.0
    chunk_chars: int = 4
    retry_after: str = "0"
    hang: float = 30.0
    json_schema: bool = True
    model: str = "stub-model"
    requests: list[RecordedRequest] = field(default_factory=list)
    connections: int = 0  # TCP connections accepted (shows whether clients keep them alive)

    def __post_init__(self) -> None:
        for name in [self.fault, *(self.faults or [])]:
            if name is not None and name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; choose from {', '.join(FAULTS)}")
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._chat_count = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> StubServer:
        handler = type("StubHandler", (_Handler,), {"stub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "StubServer is not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    # scripting -------------------------------------------------------------------------------

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def enqueue(self, *replies: str) -> None:
        with self._lock:
            self.replies.extend(replies)

    def _next_chat(self, body: dict[str, Any]) -> tuple[Fault | None, str]:
        """The fault (if any) and the reply text for the next chat request."""
        with self._lock:
            index, self._chat_count = self._chat_count, self._chat_count + 1
            if self.faults is not None:
                fault = self.faults[index] if index < len(self.faults) else None
            elif self.fault_times is None or index < self.fault_times:
                fault = self.fault
            else:
                fault = None
            # A faulted request does not use up a scripted reply: the retry gets the same one.
            if not self.replies:
                text = None
            else:
                text = self.replies[0] if fault else self.replies.pop(0)
        if text is None:
            text = self.reply(body) if callable(self.reply) else self.reply
        return fault, text


class _Handler(BaseHTTPRequestHandler):
    stub: StubServer
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers
    disable_nagle_algorithm = True  # else headers-then-body writes stall 40 ms on delayed ACKs

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass

    def handle(self) -> None:
        with self.stub._lock:
            self.stub.connections += 1
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):  # the client hung up; nothing to answer
            self.close_connection = True

    def _record(self, body: dict[str, Any], fault: str | None = None) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, body, fault)
        with self.stub._lock:
            self.stub.requests.append(request)

    def _send(self, status: int, payload: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, status: int, data: dict[str, Any], **headers: str) -> None:
        self._send(status, json.dumps(data).encode(), **headers)

    def _error(self, status: int, message: str, kind: str, **headers: str) -> None:
        self._send_json(status, {"error": {"message": message, "type": kind, "code": status}}, **headers)

    def _cut(self) -> None:
        """Drop the connection with no (further) bytes."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self._record({})
        if self.path in ("/health", "/v1/health"):
            self._send_json(200, {"status": "ok"})
        elif self.path in ("/v1/models", "/models"):
            self._send_json(
                200, {"object": "list", "data": [{"id": self.stub.model, "object": "model", "owned_by": "stub"}]}
            )
        else:
            self._error(404, f"no route {self.path}", "not_found_error")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._record({})
            return self._error(400, "request body is not JSON", "invalid_request_error")
        if not self.path.endswith("/chat/completions"):
            self._record(body)
            return self._error(404, f"no route {self.path}", "not_found_error")
        stub = self.stub
        if "response_format" in body and not stub.json_schema:
            self._record(body, "unsupported")
            return self._error(400, "response_format is not supported by this server", "invalid_request_error")
        fault, text = stub._next_chat(body)
        self._record(body, fault)
        if stub.latency:
            stub._stopping.wait(stub.latency)
        if fault == "timeout":
            stub._stopping.wait(stub.hang)
        if self._answer_fault(fault):
            return
        if fault == "invalid_json":
            text = "Sure! Here is the grade: {score: seven, " + text[:20]
        if body.get("stream"):
            return self._stream(body, text, drop=fault == "stream_drop")
        payload = json.dumps(_completion(body, text, stub.model)).encode()
        if fault == "stream_drop":  # a non-streamed body cut in half
            self._send_headers_only(len(payload))
            self.wfile.write(payload[: len(payload) // 2])
            return self._cut()
        self._send(200, payload)

    def _answer_fault(self, fault: Fault | None) -> bool:
        """Answer the faults that replace the reply entirely; False when the reply should go ahead."""
        if fault == "connection":
            self._cut()
        elif fault == "rate_limit":
            self._error(429, "rate limit reached, slow down", "rate_limit_error", Retry_After=self.stub.retry_after)
        elif fault == "server":
            self._error(500, "the stub fell over", "server_error")
        elif fault == "bad_request":
            self._error(400, "bad request", "invalid_request_error")
        elif fault == "auth":
            echoed = self.headers.get("Authorization", "")
            self._error(401, f"Incorrect API key provided: {echoed}", "invalid_request_error")
        elif fault == "garbage":
            self._send(200, b"<html>502 Bad Gateway</html>{")
        else:
            return False
        return True

    def _send_headers_only(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _stream(self, body: dict[str, Any], text: str, *, drop: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        stub = self.stub
        size = max(stub.chunk_chars, 1)
        pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
        cut_at = max(len(pieces) // 2, 1) if drop else None
        events = [_chunk(stub.model, {"role": "assistant", "content": ""}, None)]
        try:
            self._event(events[0])
            for n, piece in enumerate(pieces):
                if cut_at is not None and n == cut_at:
                    return self._cut()
                if stub.token_latency:
                    time.sleep(stub.token_latency)
                self._event(_chunk(stub.model, {"content": piece}, None))
            self._event(_chunk(stub.model, {}, "stop"))
            done = b"data: [DONE]\n\n"
            self.wfile.write(f"{len(done):X}\r\n".encode() + done + b"\r\n0\r\n\r\n")  # one write, like real servers
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _event(self, data: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(data).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(body: dict[str, Any], text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": _usage(body, text),
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
