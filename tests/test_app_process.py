"""The app as a real subprocess (`python app.py`, OpenAI backend on a loopback stub, gradio_client): kill -9 mid-
interview and restart; the API key never leaks; a corrupt Chroma folder; the --host and --auth flags."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
from app_process import SEED_BANK, AppProcess, stub_reply
from gradio_client import Client
from gradio_client.exceptions import AppError

from interviewer.interview.report import build_report
from interviewer.knowledge.bank import load_bank
from interviewer.llm.stub import StubServer
from interviewer.store import Store

pytestmark = pytest.mark.slow
SETUP = {"banks": ["ml_system_design"], "mode": "study", "difficulty": "adaptive"}


@lru_cache(maxsize=1)
def key_points() -> dict[str, list[str]]:
    return {q.id: q.key_points for q in load_bank(SEED_BANK).questions}


def good(question: dict, mark: str) -> str:
    """A good answer that names `mark` first (the model sees an excerpt of the answer: its start)."""
    return f"Answer from {mark}. " + " ".join(key_points()[question["id"]])


def fault_next(stub: StubServer, *faults: str | None) -> None:
    """Apply `faults` to the stub's next chat requests, in order (the ones after them are fine)."""
    stub.faults = [None] * len(stub.chat_requests) + list(faults)


def test_kill9_mid_answer_then_restart_resumes_every_answered_turn(tmp_path: Path) -> None:
    streaming, release = threading.Event(), threading.Event()
    feedback_calls = []

    def reply(body: dict) -> str:
        """Like stub_reply, but the feedback on the second answer hangs (until release): the kill lands mid-turn."""
        text = json.dumps(body)
        is_feedback = "why the key point below matters" in text or "what a strong answer would add" in text
        if is_feedback and body.get("max_tokens") != 1:  # not a prefill (short or rich feedback prompt)
            feedback_calls.append(body)
            if len(feedback_calls) == 2:
                streaming.set()
                release.wait(30)
        return stub_reply(body)

    with StubServer(reply=reply) as stub:
        with AppProcess(tmp_path, stub.base_url) as app:
            assert "index empty: building it from knowledge/" in app.output()  # a missing index is built, said so
            client = Client(app.url, verbose=False)
            r = client.predict(SETUP | {"count": 2}, api_name="/start")
            sid, q1 = r["session_id"], r["question"]
            r = client.predict(sid, good(q1, "mark-one"), api_name="/answer")
            assert r["phase"] == "review" and r["scorecard"]["score"] > 0
            q2 = client.predict(sid, api_name="/next")["question"]
            # The second answer: it is graded, then its feedback call hangs; kill -9 while the turn is in flight.
            with httpx.Client() as http:
                http.post(
                    f"{app.url}gradio_api/call/answer", json={"data": [sid, good(q2, "mark-two"), None]}, timeout=10
                )
            assert streaming.wait(30), "the feedback call never came"
            app.kill9()
        release.set()
        store = Store(tmp_path / "data" / "history.sqlite3")
        [listed] = store.list_sessions()
        assert listed.id == sid.split(".")[0] and listed.answered == 2 and not listed.finished
        with AppProcess(tmp_path, stub.base_url) as again:  # same data dir, so the same signing key
            client = Client(again.url, verbose=False)
            r = client.predict(sid, api_name="/resume")
            texts = " ".join(m["text"] for m in r["messages"])
            assert "Welcome back" in texts and q2["text"] in texts
            assert r["phase"] == "review" and r["scorecard"]["question_id"] == q2["id"]
            report = client.predict(sid, api_name="/report")["report"]
            assert [q["answer"] for q in report["questions"]] == [good(q1, "mark-one"), good(q2, "mark-two")]
            assert client.predict(sid, api_name="/next")["finished"]
            report = client.predict(sid, api_name="/report")["report"]
            assert report["finished"] and [q["status"] for q in report["questions"]] == ["answered"] * 2


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as resp:
        return resp.read().decode("utf-8", "replace")


def test_the_api_key_never_leaks(tmp_path: Path) -> None:
    secret = f"sk-test-SECRET{uuid.uuid4().hex}"
    with StubServer(reply=stub_reply) as stub:
        with AppProcess(tmp_path, stub.base_url, key=secret) as app:
            client = Client(app.url, verbose=False)
            r = client.predict(SETUP | {"count": 1}, api_name="/start")
            sid = r["session_id"]
            stub.fault = "auth"  # a 401 whose message echoes the key back, on every call of this answer
            try:
                r = client.predict(sid, good(r["question"], "mark-k"), api_name="/answer")
            finally:
                stub.fault = None
            assert r["retry_feedback"] and any("offline grade" in m["text"] for m in r["messages"])
            fault_next(stub, "server")  # the retry: one 500 (logged, retried), then fine
            r = client.predict(sid, api_name="/retry_feedback")
            assert not r["retry_feedback"]
            assert client.predict(sid, api_name="/end")["finished"]
            report = client.predict(sid, api_name="/report")
            with pytest.raises(AppError) as forged:
                client.predict(sid.split(".")[0] + ".0", api_name="/report")
            seen = {
                "page": fetch(app.url),
                "config": fetch(app.url + "config"),
                "info": fetch(app.url + "gradio_api/info"),
                "report": json.dumps(report),
                "error": str(forged.value),
                "responses": json.dumps(r),
            }
        assert any(req.headers.get("authorization") == f"Bearer {secret}" for req in stub.chat_requests), "key was used"
        assert any(req.fault == "auth" for req in stub.chat_requests)
        state_id = sid.split(".")[0]
        store = Store(tmp_path / "data" / "history.sqlite3")
        exported = build_report(store.load(state_id))
        seen |= {"markdown": exported.as_markdown(), "json": exported.as_json(), "log": app.output()}
        for db in (tmp_path / "data").glob("history.sqlite3*"):
            seen[db.name] = db.read_bytes().decode("latin-1")
        for name, text in seen.items():
            assert secret not in text and secret[14:] not in text, f"the API key leaked into {name}"
        assert "refused the API key" in app.output() and "mark-k" in seen["markdown"]


def test_corrupt_index_and_host_and_auth_flags(tmp_path: Path) -> None:
    chroma = tmp_path / "data" / "chroma"
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(b"this is not a database " * 64)
    flags = ["--host", "127.0.0.1", "--auth", "ann:pw-ann", "--auth", "bob:pw-bob"]
    with StubServer(reply=stub_reply) as stub, AppProcess(tmp_path, stub.base_url, args=flags) as app:
        out = app.output()
        assert "Chroma index unreadable" in out and "rebuilding from knowledge/" in out
        assert "Traceback" not in out
        assert list((tmp_path / "data").glob("chroma.broken-*")), "the broken folder is kept aside"
        with pytest.raises(urllib.error.HTTPError) as denied:
            fetch(app.url + "gradio_api/info")
        assert denied.value.code == 401
        ann = Client(app.url, auth=("ann", "pw-ann"), verbose=False)
        r = ann.predict(SETUP | {"count": 1}, api_name="/start")
        assert r["question"]["id"] in key_points(), "the rebuilt index serves the bank"
        bob = Client(app.url, auth=("bob", "pw-bob"), verbose=False)
        with pytest.raises(AppError, match="unknown session"):
            bob.predict(r["session_id"], api_name="/report")
        bob.predict(SETUP | {"count": 1}, api_name="/start")
    owners = {s.owner for s in Store(tmp_path / "data" / "history.sqlite3").list_sessions()}
    assert owners == {"ann", "bob"}
    assert re.search(r"127\.0\.0\.1:\d+", out)
