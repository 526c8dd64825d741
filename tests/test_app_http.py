"""The web app starts (small index, fake model, tmp data dir) and answers over HTTP; rendering keeps input inert."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from app_harness import make_deps, running_app

import app
from interviewer.errors import ConfigError
from interviewer.interview.state import Action, Setup
from interviewer.llm import FakeChatModel
from interviewer.store import Store
from webui import render
from webui.sessions import Sessions, UnknownSession, app_secret

API = {
    "/start",
    "/answer",
    "/say",
    "/hint",
    "/probe",
    "/skip",
    "/next",
    "/repeat",
    "/end",
    "/retry_feedback",
    "/report",
    "/resume",
}


def test_page_and_api_info_answer(tmp_path):
    with running_app(tmp_path) as running:
        with urllib.request.urlopen(running.url, timeout=10) as resp:
            page = resp.read().decode()
        assert resp.status == 200 and "Mock Interviewer" in page
        with urllib.request.urlopen(running.url + "gradio_api/info", timeout=10) as resp:
            info = json.load(resp)
        assert API <= set(info["named_endpoints"])
        assert not any(name.startswith("/on_") or "lambda" in name for name in info["named_endpoints"])


def test_auth_from_settings(tmp_path):
    with running_app(tmp_path, auth="ann:s3cret") as running:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(running.url + "gradio_api/info", timeout=10)
        assert err.value.code == 401


def test_parse_auth():
    assert app.parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    assert app.parse_auth(None) is None
    with pytest.raises(ConfigError):
        app.parse_auth("no-colon")


def test_queue_concurrency_comes_from_settings(tmp_path):
    deps = make_deps(tmp_path / "data", FakeChatModel(), concurrency=7)
    demo = app.build_app(deps, Store.open(deps.settings))
    demo.queue(default_concurrency_limit=deps.settings.concurrency)
    assert demo._queue.default_concurrency_limit == 7


def test_candidate_text_is_inert():
    shown = render.message("candidate", "answer", "<script>alert(1)</script><b>x</b> **bold** [link](http://x)")
    assert "<script" not in shown["content"] and "<b>" not in shown["content"]
    assert "&lt;script&gt;" in shown["content"] and "\\*\\*bold\\*\\*" in shown["content"]
    said = render.message("interviewer", "feedback", "<img src=x onerror=alert(1)>")
    assert "<img" not in said["content"]
    assert "<script" not in render.rich_html("a <script>x</script>\n- <b>item</b>")


def test_button_turns_read_as_words():
    assert render.message("candidate", "hint", "[hint]")["content"] == render.esc_md(render.BUTTON_WORDS["hint"])
    assert render.message("system", "scorecard", "Score 5/10") is None


def test_unwrap_joins_hard_wrapped_lines():
    text = "One line\ncontinues here.\n\nA list:\n- first item\n  wraps\n- second"
    assert render.unwrap(text) == "One line continues here.\n\nA list:\n- first item wraps\n- second"


def test_session_tokens_cannot_be_forged(tmp_path):
    deps = make_deps(tmp_path / "data", FakeChatModel())
    store = Store.open(deps.settings)
    sessions = Sessions(deps, store, app_secret(deps.settings))
    token = sessions.create(Setup(count=1))
    sid = sessions.state_id(token)
    for bad in (sid, sid + ".0000", "", "x.y", token + "0"):
        with pytest.raises(UnknownSession):
            sessions.get(bad)
    other = Sessions(deps, store, b"another key")
    with pytest.raises(UnknownSession):
        other.get(token)


def test_sessions_restore_from_the_store_after_a_restart(tmp_path):
    deps = make_deps(tmp_path / "data", FakeChatModel())
    store = Store.open(deps.settings)
    secret = app_secret(deps.settings)
    first = Sessions(deps, store, secret)
    token = first.create(Setup(count=2))
    state, _ = first.step(token, Action(kind="start"))
    assert state.phase == "question"
    again = Sessions(deps, Store.open(deps.settings), app_secret(deps.settings))  # a fresh process
    restored = again.get(token)
    assert restored.id == state.id and restored.current.question.id == state.current.question.id
    resumed, events = again.step(token, Action(kind="resume"))
    assert any(e.kind == "say" and e.part == "question" for e in events)


def test_the_chat_streams_and_the_scorecard_comes_before_the_feedback(tmp_path):
    from app_harness import FAKE_REPLY, small_index

    from webui import callbacks

    deps = make_deps(tmp_path / "data", FakeChatModel(default=FAKE_REPLY))
    sessions = Sessions(deps, Store.open(deps.settings), app_secret(deps.settings))
    ui = callbacks.Ui()
    for name in callbacks.Ui.__annotations__:
        setattr(ui, name, object())  # callbacks only use components as dict keys
    ui.buttons = {kind: object() for kind in ("hint", "probe", "skip", "next", "repeat", "end")}
    updates = list(callbacks.on_start(sessions, ui, [], [], "adaptive", 1, "study"))
    token = updates[0][ui.token]
    chats = [u[ui.chat] for u in updates if ui.chat in u and u[ui.chat]]
    assert len(chats[-1]) >= 3, "greeting, help, question: code's lines, shown whole"
    qid = sessions.get(token).current.question.id
    answer = " ".join(small_index().get(qid).key_points)
    steps = [
        ("side" if ui.side in u and ui.chat not in u else "chat", u)
        for u in callbacks.on_act(sessions, ui, "text", token, answer)
    ]
    first_card = next(i for i, (kind, _) in enumerate(steps) if kind == "side")
    feedback = [
        i for i, (kind, u) in enumerate(steps) if kind == "chat" and FAKE_REPLY[:8] in u[ui.chat][-1]["content"]
    ]
    assert "iv-scorecard" in steps[first_card][1][ui.side] and feedback and first_card < feedback[0]
    growing = [u[ui.chat][-1]["content"] for kind, u in steps if kind == "chat" and ui.chat in u]
    assert any(len(a) < len(b) and b.startswith(a[:20]) for a, b in zip(growing, growing[1:])), "feedback streams"
    final = steps[-1][1]
    assert final[ui.chat][1]["role"] == "assistant" and any(m["role"] == "user" for m in final[ui.chat])
