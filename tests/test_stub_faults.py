"""Every fault the stub can inject ends in a typed ModelError after bounded retries, and recovers
when it stops; structured output survives bad JSON and servers without response_format."""

from __future__ import annotations

import itertools
import time
import urllib.request

import pytest
from conftest import FAST_RETRY, free_port
from pydantic import BaseModel, Field

from interviewer.errors import ModelError
from interviewer.llm import Message, OpenAIChatModel, RetryPolicy
from interviewer.llm.stub import StubServer

REPLY = "A list is an ordered, mutable sequence of items."
MESSAGES = [Message("system", "You are an interviewer."), Message("user", "What is a list?")]


class Grade(BaseModel):
    score: int = Field(ge=0, le=10)
    reason: str


def make_llm(stub: StubServer, **kwargs) -> OpenAIChatModel:
    kwargs = {"model": "stub-model", "retry": FAST_RETRY, "timeout": 5.0, **kwargs}
    return OpenAIChatModel(base_url=stub.base_url, **kwargs)


RETRYABLE = [
    ("timeout", "timeout"),
    ("connection", "connection"),
    ("rate_limit", "rate_limit"),
    ("server", "server"),
    ("stream_drop", "stream"),
    ("garbage", "invalid_json"),
]


@pytest.mark.parametrize(("fault", "kind"), RETRYABLE)
@pytest.mark.parametrize("call", ["complete", "stream"])
def test_fault_gives_typed_error_after_bounded_retries(fault, kind, call):
    with StubServer(reply=REPLY, fault=fault, hang=5.0) as stub:
        llm = make_llm(stub, timeout=0.3)
        with pytest.raises(ModelError) as info:
            if call == "complete":
                llm.complete(MESSAGES)
            else:
                "".join(llm.stream(MESSAGES))
        llm.close()
    assert info.value.kind == kind
    assert info.value.attempts == FAST_RETRY.retries + 1
    assert len(stub.chat_requests) == FAST_RETRY.retries + 1


@pytest.mark.parametrize(("fault", "kind"), RETRYABLE)
def test_fail_first_n_then_ok(fault, kind):
    with StubServer(reply=REPLY, fault=fault, fault_times=FAST_RETRY.retries, hang=5.0) as stub:
        llm = make_llm(stub, timeout=0.3)
        assert llm.complete(MESSAGES) == REPLY
    assert len(stub.chat_requests) == FAST_RETRY.retries + 1


def test_one_failure_too_many_is_an_error():
    with StubServer(reply=REPLY, fault="server", fault_times=FAST_RETRY.retries + 1) as stub:
        with pytest.raises(ModelError, match="HTTP 500") as info:
            make_llm(stub).complete(MESSAGES)
    assert info.value.kind == "server"


def test_connection_refused():
    llm = OpenAIChatModel(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", retry=FAST_RETRY)
    with pytest.raises(ModelError) as info:
        llm.complete(MESSAGES)
    assert (info.value.kind, info.value.attempts) == ("connection", 3)
    assert "cannot reach" in str(info.value)


@pytest.mark.parametrize(("fault", "kind"), [("bad_request", "request"), ("auth", "auth")])
def test_client_errors_are_not_retried(fault, kind):
    with StubServer(fault=fault) as stub:
        with pytest.raises(ModelError) as info:
            make_llm(stub, api_key="sk-test-0123456789abcdef").complete(MESSAGES)
    assert (info.value.kind, info.value.attempts, len(stub.chat_requests)) == (kind, 1, 1)


def test_per_request_fault_sequence():
    with StubServer(reply=REPLY, faults=["rate_limit", "server", None, "connection"]) as stub:
        llm = make_llm(stub)
        assert llm.complete(MESSAGES) == REPLY  # 429, 500, then ok
        assert llm.complete(MESSAGES) == REPLY  # dropped connection, then ok
    assert [r.fault for r in stub.chat_requests] == ["rate_limit", "server", None, "connection", None]


def test_retry_after_is_honoured():
    with StubServer(reply=REPLY, fault="rate_limit", fault_times=1, retry_after="0.3") as stub:
        began = time.perf_counter()
        assert make_llm(stub, retry=RetryPolicy(retries=1, backoff=0.001, max_delay=5)).complete(MESSAGES) == REPLY
    assert time.perf_counter() - began >= 0.3


def test_retry_after_is_capped():
    with StubServer(reply=REPLY, fault="rate_limit", fault_times=1, retry_after="120") as stub:
        began = time.perf_counter()
        assert make_llm(stub, retry=RetryPolicy(retries=1, backoff=0.001, max_delay=0.05)).complete(MESSAGES) == REPLY
    assert time.perf_counter() - began < 5


def test_dropped_stream_resumes_without_repeating_text():
    with StubServer(reply=REPLY, fault="stream_drop", fault_times=2, chunk_chars=3) as stub:
        pieces = list(make_llm(stub).stream(MESSAGES))
    assert "".join(pieces) == REPLY
    assert len(stub.chat_requests) == 3


def test_retry_that_changes_the_shown_text_is_a_stream_error():
    texts = itertools.chain(["Hello world, first version."], itertools.repeat("Goodbye all, other version."))
    with StubServer(reply=lambda body: next(texts), fault="stream_drop", fault_times=1) as stub:
        shown: list[str] = []
        with pytest.raises(ModelError) as info:
            for piece in make_llm(stub).stream(MESSAGES):
                shown.append(piece)
    assert info.value.kind == "stream"
    assert "".join(shown) and "Hello world, first version.".startswith("".join(shown))


def test_structured_uses_json_schema_response_format():
    with StubServer(replies=['{"score": 7, "reason": "correct"}']) as stub:
        grade = make_llm(stub).structured(MESSAGES, Grade)
    assert grade == Grade(score=7, reason="correct")
    fmt = stub.chat_requests[0].body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"]["properties"].keys() == {"score", "reason"}


def test_structured_repairs_fenced_json_without_a_retry():
    with StubServer(replies=['Here you go:\n```json\n{"score": 5, "reason": "partial",}\n```']) as stub:
        assert make_llm(stub).structured(MESSAGES, Grade).score == 5
    assert len(stub.chat_requests) == 1


def test_structured_retries_once_with_the_error():
    with StubServer(replies=['{"score": 11, "reason": "too high"}', '{"score": 10, "reason": "fixed"}']) as stub:
        assert make_llm(stub).structured(MESSAGES, Grade).score == 10
    retry = stub.chat_requests[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"score": 11, "reason": "too high"}'}
    assert "score" in retry[-1]["content"] and retry[-1]["role"] == "user"


def test_structured_invalid_json_twice_is_a_typed_error():
    with StubServer(reply='{"score": 3, "reason": "x"}', fault="invalid_json") as stub:
        with pytest.raises(ModelError) as info:
            make_llm(stub).structured(MESSAGES, Grade)
    assert (info.value.kind, info.value.attempts, len(stub.chat_requests)) == ("invalid_json", 2, 2)


def test_structured_falls_back_when_response_format_is_unsupported():
    with StubServer(replies=['{"score": 4, "reason": "a"}', '{"score": 6, "reason": "b"}'], json_schema=False) as stub:
        llm = make_llm(stub)
        assert llm.structured(MESSAGES, Grade).score == 4
        assert llm.structured(MESSAGES, Grade).score == 6  # remembers: no second rejected request
    sent = [r for r in stub.requests if r.path.endswith("/chat/completions")]
    assert [r.fault for r in sent] == ["unsupported", None, None]
    assert "JSON schema" in sent[1].body["messages"][0]["content"]
    assert "response_format" not in sent[2].body


def test_stub_basics():
    with StubServer(replies=["one", "two"], reply="default", latency=0.05) as stub:
        llm = make_llm(stub)
        began = time.perf_counter()
        assert [llm.complete(MESSAGES) for _ in range(3)] == ["one", "two", "default"]
        assert time.perf_counter() - began >= 0.15
        stub.enqueue("later")
        assert "".join(llm.stream(MESSAGES, max_tokens=5)) == "later"
        assert stub.chat_requests[-1].body["max_tokens"] == 5
        assert urllib.request.urlopen(f"{stub.url}/health").status == 200
        assert b"stub-model" in urllib.request.urlopen(f"{stub.base_url}/models").read()
    with pytest.raises(ValueError, match="unknown fault"):
        StubServer(fault="nope")  # type: ignore[arg-type]
