"""build_llm and the OpenAI-protocol client: backend choice, request shape, no I/O on construction,
retry arithmetic, JSON repair, and the API key never leaking into logs or errors."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from conftest import FAST_RETRY, free_port
from pydantic import BaseModel, Field

from interviewer.config import Settings
from interviewer.doctor import check_backend, check_round_trip, run_doctor
from interviewer.errors import ConfigError, ModelError
from interviewer.llm import (
    DEFAULT_OPENAI_MODEL,
    FakeChatModel,
    Message,
    OpenAIChatModel,
    RetryPolicy,
    build_llm,
)
from interviewer.llm.faults import retry_after
from interviewer.llm.structured import parse_reply, response_format
from interviewer.llm.stub import StubServer

SECRET = "sk-proj-SuperSecretKey0123456789abcdefXYZ"
MESSAGES = [Message("system", "You are an interviewer."), Message("user", "What is a tuple?")]


class Grade(BaseModel):
    score: int = Field(ge=0, le=10)
    reason: str


class Loose(BaseModel):
    score: int
    note: str = ""


def settings(tmp_path, **values) -> Settings:
    return Settings(_env_file=None, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", **values)


# --- build_llm -------------------------------------------------------------------------------------


def test_fake_backend(tmp_path):
    llm = build_llm(settings(tmp_path, backend="fake"))
    assert isinstance(llm, FakeChatModel)
    llm.close()


def test_openai_backend_defaults(tmp_path):
    llm = build_llm(settings(tmp_path, openai_api_key=SECRET))
    assert isinstance(llm, OpenAIChatModel)
    assert llm.name == DEFAULT_OPENAI_MODEL and llm.base_url is None
    assert SECRET not in repr(llm)


def test_openai_backend_needs_key_or_url(tmp_path):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_llm(settings(tmp_path, backend="openai"))


def test_embedded_backend_does_nothing_until_used(tmp_path):
    llm = build_llm(settings(tmp_path))
    assert isinstance(llm, OpenAIChatModel) and llm.server is not None
    assert not llm.server.running
    assert not (tmp_path / "cache").exists()  # no assembly, no server, no port yet
    llm.close()


def test_constructing_does_no_io():
    llm = OpenAIChatModel(base_url=f"http://127.0.0.1:{free_port()}/v1", retry=FAST_RETRY)  # nothing listens there
    with pytest.raises(ModelError) as info:
        llm.complete(MESSAGES)
    assert info.value.kind == "connection"


def test_compatible_server_model_name_is_asked_for(tmp_path):
    with StubServer(reply="hi", model="llama3.2:1b") as stub:
        llm = build_llm(settings(tmp_path, openai_base_url=stub.base_url), retry=FAST_RETRY)
        assert llm.complete(MESSAGES) == "hi"
        assert llm.name == "llama3.2:1b"
        assert stub.chat_requests[0].body["model"] == "llama3.2:1b"
        assert stub.chat_requests[0].headers["authorization"] == "Bearer not-needed"


def test_request_shape_is_deterministic_and_streamed():
    with StubServer(reply="fine") as stub:
        llm = OpenAIChatModel(base_url=stub.base_url, model="m", api_key=SECRET)
        assert llm.complete(MESSAGES, max_tokens=7) == "fine"
        body = stub.chat_requests[0].body
        assert body["temperature"] == 0 and body["stream"] is True and body["max_tokens"] == 7
        assert body["messages"] == [{"role": m.role, "content": m.content} for m in MESSAGES]
        assert stub.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the key does reach the server
        llm.close()


def test_prefill_sends_one_token_request_only_when_enabled_and_never_raises(tmp_path):
    messages = [Message("system", "You grade answers."), Message("user", "Ready.")]
    with StubServer(reply="x") as stub:
        OpenAIChatModel(base_url=stub.base_url, model="m", retry=FAST_RETRY).prefill(messages)
        assert stub.chat_requests == []  # off by default: api.openai.com has no prompt cache to warm this way
        llm = OpenAIChatModel(base_url=stub.base_url, model="m", retry=FAST_RETRY, prefill=True)
        llm.prefill(messages)
        [req] = stub.chat_requests
        assert req.body["max_tokens"] == 1 and req.body["messages"][0]["content"] == "You grade answers."
        stub.fault = "server"
        llm.prefill(messages)  # a failure is only logged: warming up must never break a turn
        assert len(stub.chat_requests) == 2  # one try, no retries
    assert settings(tmp_path, backend="embedded").prefill_enabled
    assert settings(tmp_path, openai_base_url="http://127.0.0.1:11434/v1").prefill_enabled
    assert not settings(tmp_path, openai_api_key="sk-x").prefill_enabled
    assert not settings(tmp_path, backend="embedded", llm_prefill=False).prefill_enabled


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(retries=5, backoff=1.0, max_delay=3.0)
    assert 0.5 <= policy.delay(1) <= 1.0
    assert 1.0 <= policy.delay(2) <= 2.0
    assert policy.delay(6) == 3.0
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=60) == 3.0


def test_retry_policy_from_settings(tmp_path):
    assert RetryPolicy.from_settings(settings(tmp_path, llm_retries=4)).retries == 4


def test_retry_after_header_forms():
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < retry_after({"retry-after": later}) <= 30
    assert retry_after({}) is None


@pytest.mark.parametrize(
    "reply",
    [
        '{"score": 3, "reason": "ok"}',
        '```json\n{"score": 3, "reason": "ok"}\n```',
        'Sure! {"score": 3, "reason": "ok",} Hope that helps.',
    ],
)
def test_parse_reply_repairs_wrapping(reply):
    assert parse_reply(reply, Grade) == Grade(score=3, reason="ok")


@pytest.mark.parametrize("reply", ["no json here", '{"score": 30, "reason": "x"}', "{'score': 3}"])
def test_parse_reply_rejects(reply):
    with pytest.raises(ValueError):
        parse_reply(reply, Grade)


def test_response_format_strict_only_when_schema_allows():
    strict = response_format(Grade)["json_schema"]
    assert strict["strict"] is True and strict["schema"]["additionalProperties"] is False
    assert response_format(Loose)["json_schema"]["strict"] is False


def test_fake_model_structured_and_close():
    fake = FakeChatModel()
    fake.enqueue('{"score": 2, "reason": "r"}', "not json")
    assert fake.structured(MESSAGES, Grade).score == 2
    with pytest.raises(ModelError, match="not a valid Grade"):
        fake.structured(MESSAGES, Grade)
    fake.close()


# --- the API key never leaks ------------------------------------------------------------------------


def test_api_key_never_in_logs_or_errors(tmp_path, caplog, capsys):
    for name in ("", "openai", "httpx", "httpx2", "interviewer"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    errors: list[ModelError] = []
    # The stub's 401 echoes the Authorization header, as some servers echo a bad key.
    with StubServer(reply="ok", faults=["auth", "rate_limit", "server", None, "server", "server", "server"]) as stub:
        llm = OpenAIChatModel(base_url=stub.base_url, model="m", api_key=SECRET, retry=FAST_RETRY)
        for _ in range(3):
            try:
                llm.complete(MESSAGES)
            except ModelError as exc:
                errors.append(exc)
        llm.close()
        s = settings(tmp_path, backend="openai", openai_base_url=stub.base_url, openai_api_key=SECRET, model="m")
        assert run_doctor(s, checks=[check_backend, check_round_trip]) == 0
    assert [e.kind for e in errors] == ["auth", "server"]
    assert "check OPENAI_API_KEY" in str(errors[0])
    texts = [caplog.text, *capsys.readouterr()]
    for exc in errors:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    assert "server error" in caplog.text  # the retries were logged ...
    for text in texts:
        assert SECRET not in text  # ... without the key
        assert SECRET[8:24] not in text
    assert SECRET not in repr(s) and SECRET not in str(s.model_dump())


def test_redaction_covers_echoed_keys():
    llm = OpenAIChatModel(model="m", api_key=SECRET)
    assert SECRET not in llm._redact(f"Incorrect API key provided: {SECRET}.")
    assert llm._redact("another key sk-otherKeyABCDEFGHIJKLMNOP leaked") == "another key sk-othe*** leaked"
    assert llm._redact(f"Bearer {SECRET}") == "Bearer ***"
    proxied = OpenAIChatModel(model="m", base_url="http://user:hunter2@proxy.local/v1")
    assert "hunter2" not in repr(proxied) and "hunter2" not in proxied._redact("at http://user:hunter2@proxy.local/v1")


def test_abandoned_stream_and_concurrent_calls():
    from concurrent.futures import ThreadPoolExecutor

    with StubServer(reply="one two three four five six", chunk_chars=3, token_latency=0.01) as stub:
        llm = OpenAIChatModel(base_url=stub.base_url, model="m", retry=FAST_RETRY)
        stream = llm.stream(MESSAGES)
        assert next(stream) == "one"
        stream.close()  # the caller stopped reading: the response is closed, nothing leaks
        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(lambda _: llm.complete(MESSAGES), range(8)))
        assert replies == ["one two three four five six"] * 8
        llm.close()


def test_settings_bound_the_retries(tmp_path):
    with StubServer(fault="server") as stub:
        s = settings(tmp_path, backend="openai", openai_base_url=stub.base_url, model="m", llm_retries=1)
        with pytest.raises(ModelError) as info:
            build_llm(s).complete(MESSAGES)  # default backoff: one pause of 0.25-0.5 s
    assert (info.value.kind, info.value.attempts, len(stub.chat_requests)) == ("server", 2, 2)
