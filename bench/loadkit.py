"""Shared by the load benchmarks: the app and the stub LLM as loopback subprocesses, and a lean Gradio client.

    with stub_process(latency=0.5) as stub, app_process(stub.base_url, tmp) as app:
        ...   # app.url; stub.stats() -> {"chat": n, ...}

- `stub_process`: interviewer.stub.StubServer in its own process (so the load generator's GIL doesn't delay it),
  answering like an interviewer (`interview_reply`) and counting requests at GET /stats.
- `app_process`: `python app.py` with INTERVIEWER_BACKEND=openai pointed at the stub, a tmp data dir and a tmp
  knowledge dir holding one bank (the index builds in about a second); stdout/stderr go to files.
- `call`: one API call over Gradio's REST protocol (POST /gradio_api/call/<name>, then read its SSE stream), with
  no client-side polling: the floor a client can reach.
Everything binds 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
SEED_BANK = ROOT / "knowledge" / "ml_system_design.yaml"
DUMMY_KEY = "sk-bench-not-a-real-key-0000000000"
MARKER = re.compile(r"cand-[0-9]+-[0-9a-f]{6}")


def interview_reply(body: dict[str, Any]) -> str:
    """What the stub says: one verdict per numbered key point for a grading call (it carries response_format),
    else a sentence that echoes the candidate marker it was shown, so a reply routed to the wrong session shows."""
    messages = body.get("messages", [])
    text = "\n".join(str(m.get("content", "")) for m in messages)
    if "response_format" in body:  # the numbered lines of the user message are the key points to judge
        user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        points = re.findall(r"^\s*\d+\.\s", user.split("<<<CANDIDATE_TEXT", 1)[0], re.M)
        return json.dumps({"verdicts": ["covered"] * max(1, len(points))})
    seen = MARKER.findall(text)
    about = f" about {seen[-1]}" if seen else ""
    return f"Thanks for that answer{about}. Think about the data, the model and how it runs in production."


def _serve_stub(latency: float, port_file: str, lifetime: float = 3600) -> None:
    """Child process: the stub plus GET /stats, until SIGTERM, its parent exits or `lifetime` seconds pass."""
    sys.path.insert(0, str(ROOT))
    from interviewer.llm.stub import StubServer, _Handler

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            if self.path == "/stats":
                chat = self.stub.chat_requests
                return self._send_json(
                    200,
                    {
                        "chat": len(chat),
                        "structured": sum("response_format" in r.body for r in chat),
                        "faults": sum(r.fault is not None for r in chat),
                        "connections": self.stub.connections,
                        # what a model server would have to read and (at most) write: bench/capacity.py
                        "prompt_chars": sum(len(str(m.get("content", ""))) for r in chat for m in r.body["messages"]),
                        "max_tokens": sum(int(r.body.get("max_tokens") or 0) for r in chat),
                    },
                )
            super().do_GET()

    class Stub(StubServer):
        def start(self) -> "Stub":
            import threading
            from http.server import ThreadingHTTPServer

            self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Handler,), {"stub": self}))
            self._httpd.daemon_threads = True
            self._httpd.request_queue_size = 256
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
            return self

    parent = os.getppid()
    stub = Stub(reply=interview_reply, latency=latency, model="stub-model").start()
    Path(port_file + ".tmp").write_text(str(stub.port))
    os.replace(port_file + ".tmp", port_file)
    deadline = time.monotonic() + lifetime
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.5)
    stub.close()


@dataclass
class StubProcess:
    proc: subprocess.Popen
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as resp:
            return json.load(resp)


@contextmanager
def stub_process(tmp: Path, latency: float = 0.5) -> Iterator[StubProcess]:
    port_file = tmp / "stub.port"
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import loadkit; "
        f"loadkit._serve_stub({latency}, {str(port_file)!r})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the stub process did not start")
            time.sleep(0.05)
        yield StubProcess(proc, int(port_file.read_text()))
    finally:
        stop(proc)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppProcess:
    proc: subprocess.Popen
    url: str
    log: Path
    started_s: float


def app_env(base_url: str, data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    knowledge = data_dir.parent / "knowledge"
    knowledge.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_BANK, knowledge / SEED_BANK.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEWER_", "OPENAI_"))}
    return (
        env
        | {
            "INTERVIEWER_BACKEND": "openai",
            "OPENAI_BASE_URL": base_url,
            "OPENAI_API_KEY": DUMMY_KEY,
            "INTERVIEWER_MODEL": "stub-model",
            "INTERVIEWER_PORT": str(port),
            "INTERVIEWER_DATA_DIR": str(data_dir),
            "INTERVIEWER_KNOWLEDGE_DIR": str(knowledge),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "INTERVIEWER_LLM_PREFILL": "false",
        }
        | extra
    )  # the stub has no prompt cache to warm


def wait_page(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def app_process(base_url: str, tmp: Path, **env: str) -> Iterator[AppProcess]:
    port = free_port()
    log = tmp / "app.log"
    began = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=app_env(base_url, tmp / "data", port, **env),
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_page(url, proc)
        yield AppProcess(proc, url, log, time.perf_counter() - began)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def call(http: Any, url: str, name: str, *args: Any, timeout: float = 120) -> dict:
    """One API call over Gradio's REST protocol (what curl uses); raises RuntimeError with the app's message."""
    api = f"{url.rstrip('/')}/gradio_api/call/{name}"
    event_id = http.post(api, json={"data": list(args)}, timeout=timeout).json()["event_id"]
    kind = None
    with http.stream("GET", f"{api}/{event_id}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "complete":
                return json.loads(line[5:])[0]
            elif line.startswith("data:") and kind == "error":
                raise RuntimeError(line[5:].strip())
    raise RuntimeError(f"{name}: the stream ended without a result")


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
