"""`interviewer chat`: run_chat driven by scripted stdin, with the same session and store as the app."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from interview_fakes import GOOD, make_deps

from interviewer.chat import parse_line, run_chat
from interviewer.llm import FakeChatModel
from interviewer.store import Store


def chat(tmp_path: Path, monkeypatch, script: str, deps=None, **kw):
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    out = io.StringIO()
    deps = deps or make_deps(tmp_path=tmp_path)
    store = Store(tmp_path / "history.sqlite3")
    state = run_chat(
        deps.settings,
        count=kw.pop("count", 2),
        mode=kw.pop("mode", "study"),
        difficulty=kw.pop("difficulty", "2"),
        deps=deps,
        store=store,
        out=out,
        **kw,
    )
    return state, out.getvalue(), store


def test_parse_line() -> None:
    assert parse_line("/hint").kind == "hint"
    assert parse_line("/about feature stores").model_dump(include={"kind", "text"}) == {
        "kind": "ask_about",
        "text": "feature stores",
    }
    assert parse_line("/answer use a cache").model_dump(include={"kind", "text"}) == {
        "kind": "answer",
        "text": "use a cache",
    }
    assert parse_line("probe me").kind == "text" and parse_line("/nonsense x").kind == "text"


def test_full_interview_in_the_terminal(tmp_path: Path, monkeypatch) -> None:
    answer = "A cache with eviction and time to live; writes invalidate entries; coalesce requests."
    script = (
        "\n".join(
            ["hint", "what is the answer?", answer, "probe me", "request coalescing for the herd", "next", "skip"]
        )
        + "\n"
    )
    state, out, store = chat(tmp_path, monkeypatch, script)
    assert state.phase == "finished"
    assert "Backend: offline" in out and "Hint 1 of 3" in out and "can't share the model answer" in out
    assert "Score:" in out and "Model answer:" in out and "[Follow-up]" in out and "Overall:" in out
    assert state.records[0].question.question in out
    md = tmp_path / "reports" / f"{state.id}.md"
    assert md.exists() and json.loads(md.with_suffix(".json").read_text())["session_id"] == state.id
    [saved] = store.list_sessions()
    assert saved.finished and store.load(state.id) == state


def test_eof_saves_and_next_run_resumes(tmp_path: Path, monkeypatch) -> None:
    deps = make_deps(tmp_path=tmp_path)
    first, out, store = chat(tmp_path, monkeypatch, "/hint\n", deps=deps, count=3)
    qid = first.current.question.id
    assert first.phase == "question" and "Saved." in out
    second, out, store = chat(tmp_path, monkeypatch, f"y\n{GOOD[qid]}\n/end\n", deps=deps, count=3)
    assert second.id == first.id and "Welcome back" in out
    assert second.records[0].hints == first.records[0].hints and second.records[0].score == 9.0
    assert second.phase == "finished" and store.resumable() == []


def test_declining_resume_starts_fresh(tmp_path: Path, monkeypatch) -> None:
    deps = make_deps(tmp_path=tmp_path)
    first, _, _ = chat(tmp_path, monkeypatch, "", deps=deps)
    second, out, store = chat(tmp_path, monkeypatch, "n\n/end\n", deps=deps)
    assert second.id != first.id and len(store.list_sessions()) == 2


def test_multiline_answer(tmp_path: Path, monkeypatch) -> None:
    script = '"""\nFirst line of my answer about caching.\n\nSecond paragraph: <b>eviction</b>.\n"""\n/end\n'
    state, _, _ = chat(tmp_path, monkeypatch, script, resume=False)
    assert state.records[0].answer == "First line of my answer about caching.\n\nSecond paragraph: <b>eviction</b>."


def test_streamed_replies_print_once(tmp_path: Path, monkeypatch) -> None:
    """The feedback streams sentence by sentence and is printed once (not the stream and then the whole text);
    the greeting is code's, so a model that would invent a question is never asked for one."""
    llm = FakeChatModel(default="Caching matters because reads dominate. Add an eviction policy next time. And also")
    deps = make_deps(llm=llm, tmp_path=tmp_path)
    script = "A cache with eviction and time to live in front of the database.\n/end\n"
    state, out, _ = chat(tmp_path, monkeypatch, script, deps=deps, resume=False)
    assert "Backend: fake" in out and "?" not in out.split("\n")[2]  # the greeting line
    assert out.count("Caching matters because reads dominate.") == 1
    assert out.count("Add an eviction policy next time.") == 1 and "And also" not in out
    assert state.records[0].feedback.endswith("Add an eviction policy next time.")


@pytest.mark.parametrize("mode", ["study", "exam"])
def test_modes_in_the_terminal(tmp_path: Path, monkeypatch, mode: str) -> None:
    state, out, _ = chat(
        tmp_path, monkeypatch, "A cache in front of it with eviction.\nnext\n/end\n", mode=mode, resume=False
    )
    assert ("Score:" in out) == (mode == "study")
    assert state.records[0].status == "answered"


def test_bad_setup_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    from interviewer.interview.session import SetupError

    with pytest.raises(SetupError, match="difficulty"):
        chat(tmp_path, monkeypatch, "", difficulty="impossible")
    with pytest.raises(SetupError, match="no questions match"):
        chat(tmp_path, monkeypatch, "", bank="nope")
