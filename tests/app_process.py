"""`python app.py` as a real subprocess for tests: the OpenAI backend pointed at a loopback StubServer, a tmp data
dir, and a tmp knowledge dir holding only the seed bank (its index builds in about a second).

    with AppProcess(tmp_path, stub.base_url, key="sk-test-...") as app:   # app.url, app.output(), app.kill9()
        ...

stdout and stderr go to a file (app.output() reads it). Every wait is bounded; the process is stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, free_port, wait_http

SEED_BANK = ROOT / "knowledge" / "ml_system_design.yaml"
START_TIMEOUT = 90.0


def knowledge_dir(tmp: Path) -> Path:
    folder = tmp / "knowledge"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_BANK, folder / SEED_BANK.name)
    return folder


class AppProcess:
    def __init__(
        self,
        tmp: Path,
        base_url: str,
        key: str = "sk-test-dummy-0000000000",
        args: list[str] | None = None,
        port: int | None = None,
        **env: str,
    ):
        self.tmp, self.args = tmp, args or []
        self.port = port or free_port()
        self.log = tmp / f"app-{self.port}.log"
        self.data_dir = tmp / "data"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEWER_", "OPENAI_"))}
        self.env = (
            base
            | {
                "INTERVIEWER_BACKEND": "openai",
                "OPENAI_BASE_URL": base_url,
                "OPENAI_API_KEY": key,
                "INTERVIEWER_MODEL": "stub-model",
                "INTERVIEWER_PORT": str(self.port),
                "INTERVIEWER_DATA_DIR": str(self.data_dir),
                "INTERVIEWER_KNOWLEDGE_DIR": str(knowledge_dir(tmp)),
                "INTERVIEWER_LLM_RETRIES": "1",
                "INTERVIEWER_LLM_BACKOFF": "0.01",
                "INTERVIEWER_LLM_TIMEOUT": "5",
                "GRADIO_ANALYTICS_ENABLED": "False",
                "HF_HUB_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False",
            }
            | env
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "AppProcess":
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py"), *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_http(self.url, timeout=START_TIMEOUT)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"the app did not start:\n{self.output()[-3000:]}") from None
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> "AppProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stub_reply(body: dict) -> str:
    """What the stub LLM says: one verdict per numbered key point for a grading call (it carries response_format),
    else a plain sentence that names the answer's marker ("mark-..."), so a reply can be traced to its session."""
    import json
    import re

    messages = body.get("messages", [])
    text = "\n".join(str(m.get("content", "")) for m in messages)
    if "response_format" in body:  # the numbered lines of the user message are the key points to judge
        user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        user = user.split("<<<CANDIDATE_TEXT", 1)[0]
        return json.dumps({"verdicts": ["covered"] * max(1, len(re.findall(r"^\s*\d+\.\s", user, re.M)))})
    marks = re.findall(r"mark-[0-9a-z]+", text)
    return f"Model feedback{' on ' + marks[-1] if marks else ''}: think about the data, the model and production."
