"""LLM faults mid-interview, end to end: the app (in-process, real grader) talks to a loopback StubServer through
the real OpenAIChatModel, and gradio_client drives it. Whatever the fault, the answer turn completes with the offline
grade and a clear message, the answer is on disk, and /retry_feedback works once the model is back."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import pytest
from app_harness import small_index
from app_process import stub_reply
from conftest import free_port, wait_http
from gradio_client import Client

import app as web
from interviewer.config import Settings
from interviewer.interview.deps import Deps
from interviewer.llm import OpenAIChatModel, RetryPolicy
from interviewer.llm.stub import StubServer
from interviewer.store import Store

pytestmark = pytest.mark.slow
SETUP = {"question_ids": ["mlsd-01-feature-engineering"], "count": 1, "mode": "study"}  # one question: graded warm
FAULTS = ["timeout", "rate_limit", "server", "stream_drop", "invalid_json", "connection"]


@dataclass
class Running:
    client: Client
    stub: StubServer
    store: Store
    settings: Settings


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("faults") / "data"
    with StubServer(reply=stub_reply, hang=3.0) as stub:
        llm = OpenAIChatModel(
            base_url=stub.base_url,
            model="stub-model",
            api_key="sk-test-faults-0000000000",
            timeout=0.25,
            retry=RetryPolicy(retries=1, backoff=0.001, max_delay=0.01),
        )
        deps = Deps(settings=Settings(data_dir=data), llm=llm, index=small_index())  # the real grader and feedback
        store = Store.open(deps.settings)
        demo = web.build_app(deps, store)
        port = free_port()
        web.launch(demo, deps.settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/")
            yield Running(Client(f"http://127.0.0.1:{port}/", verbose=False), stub, store, deps.settings)
        finally:
            demo.close()
            llm.close()


def good(question: dict, mark: str) -> str:
    """A good answer with `mark` opening every sentence (so the saved answer can be traced)."""
    points = [p.replace(";", ",") for p in small_index().get(question["id"]).key_points]  # ";" would split a sentence
    return " ".join(f"In {mark}, {point[0].lower()}{point[1:]}." for point in points)


def texts(response: dict, kind: str, part: str | None = None) -> list[str]:
    return [m["text"] for m in response["messages"] if m["kind"] == kind and (part is None or m["part"] == part)]


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_mid_answer_gives_the_offline_grade_keeps_the_answer_and_retry_works(
    running: Running, fault: str, monkeypatch
) -> None:
    client, stub = running.client, running.stub
    r = client.predict(SETUP, api_name="/start")
    sid, question = r["session_id"], r["question"]
    answer = good(question, f"mark-{fault.replace('_', '')}")
    stub.fault = fault  # every model call from now on fails, retries included
    # Structured output (where invalid JSON can occur) is only used in an interview with the model's verdicts on.
    monkeypatch.setattr(running.settings, "llm_grading", fault == "invalid_json")  # restored even if an assert fails
    try:
        began = time.perf_counter()
        r = client.predict(sid, answer, api_name="/answer")
        elapsed = time.perf_counter() - began
    finally:
        stub.fault = None
    assert elapsed < 15, f"the turn took {elapsed:.1f} s"
    assert r["phase"] == "review" and r["retry_feedback"] is True
    card = r["scorecard"]
    assert card["question_id"] == question["id"] and card["score"] > 0 and card["feedback_failed"]
    assert any("didn't respond" in t and "offline grade" in t for t in texts(r, "notice"))
    assert texts(r, "say", "feedback") and texts(r, "reveal"), "offline feedback and the model answer are shown"
    saved = running.store.load(sid.split(".")[0])
    assert saved.current.answer == answer and saved.current.grade.mode == "offline"

    r = client.predict(sid, api_name="/retry_feedback")
    assert r["retry_feedback"] is False and not r["scorecard"]["feedback_failed"]
    assert any(t.startswith("You covered") and "Model feedback" in t for t in texts(r, "say", "feedback")), (
        "code's lead, then the model"
    )
    saved = running.store.load(sid.split(".")[0]).current
    assert "Model feedback" in saved.feedback and not saved.feedback_failed
    assert saved.grade.mode == ("llm" if fault == "invalid_json" else "offline")


def test_feedback_stream_breaking_after_a_good_grade_still_completes_the_turn(running: Running) -> None:
    client, stub = running.client, running.stub
    r = client.predict(SETUP, api_name="/start")
    sid, question = r["session_id"], r["question"]
    stub.faults = [None] * len(stub.chat_requests) + ["stream_drop", "stream_drop"]  # the feedback stream is cut, twice
    try:
        r = client.predict(sid, good(question, "mark-cut"), api_name="/answer")
    finally:
        stub.faults = None
    assert r["phase"] == "review" and r["scorecard"]["score"] > 0
    [feedback] = texts(r, "say", "feedback")
    assert feedback.strip(), "some feedback is shown"
    assert r["retry_feedback"] is True and feedback == running.store.load(sid.split(".")[0]).current.grade.feedback
    assert "In mark-cut," in running.store.load(sid.split(".")[0]).current.answer
