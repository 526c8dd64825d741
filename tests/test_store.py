"""The history store, the same tests on SQLite and on a real Postgres (Debian's postgresql, started in a temp dir
for the test run; `-k postgres` selects those): migrations, saving as it happens, resume after kill -9, trends,
best scores, retry weak, step locks across processes, the shared signing secret."""

from __future__ import annotations

import dataclasses
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import free_port
from interview_fakes import GOOD, make_deps

from interviewer.interview.report import build_report
from interviewer.interview.session import new_session, stream_step
from interviewer.interview.state import Action, Setup, State
from interviewer.store import MIGRATIONS, Locked, Store, StoreError, persist

TESTS = Path(__file__).resolve().parent


class Stores:
    """Opens Stores on one database (a fresh Postgres database or an SQLite file per test), closes them after."""

    def __init__(self, target: str | Path):
        self.target, self.opened = target, []

    def __call__(self) -> Store:
        store = Store(self.target)
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request, tmp_path):
    if request.param == "postgres":
        target = request.getfixturevalue("postgres_server").new_database()
    else:
        target = tmp_path / "h.sqlite3"
    opened = Stores(target)
    yield opened
    for store in opened.opened:
        store.close()


def act(kind: str, text: str = "") -> Action:
    return Action(kind=kind, text=text)


def play(store: Store, state: State, action: Action, deps) -> State:
    run = stream_step(state, action, deps)
    for _ in persist(store, run):
        pass
    assert run.state is not None
    return run.state


def session(store: Store, deps, answers: list[str | None], **setup) -> State:
    """Start a session and answer (or skip, for None) one question per entry; `end` after the list."""
    state = new_session(Setup(**({"count": len(answers), "difficulty": "2", "seed": 1} | setup)), deps)
    state = play(store, state, act("start"), deps)
    for answer in answers:
        if answer is None:
            state = play(store, state, act("skip"), deps)
            continue
        text = GOOD[state.current.question.id] if answer == "good" else answer
        state = play(store, state, act("answer", text), deps)
        state = play(store, state, act("next"), deps)
    return state


def test_migrations_apply_once_and_are_recorded(stores: Stores) -> None:
    store = stores()
    names = ["m001_initial", "m002_results", "m003_owner", "m004_app_secrets"]
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS] == names
    assert stores().migrate() == []
    with store.db.read() as q:
        for table in ("sessions", "turns", "results", "app_secrets", "_migrations"):
            assert q.one(f"SELECT COUNT(*) AS n FROM {table}")["n"] >= 0


def test_sqlite_schema_on_disk(tmp_path: Path) -> None:
    Store(tmp_path / "h.sqlite3").close()
    with sqlite3.connect(tmp_path / "h.sqlite3") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "turns", "results", "app_secrets", "_migrations"} <= tables


def test_save_load_roundtrip_and_turn_rows(stores: Stores) -> None:
    store, deps = stores(), make_deps()
    state = session(store, deps, ["good", None])
    assert state.phase == "finished"
    assert store.load(state.id) == state
    store.save(state)  # idempotent
    rows = store.turns(state.id)
    assert [r.seq for r in rows] == [t.seq for t in state.turns]
    assert any(r.speaker == "candidate" and r.kind == "answer" and r.question_id for r in rows)
    with pytest.raises(StoreError, match="no saved session"):
        store.load("nope")


def test_answer_is_saved_before_feedback_streams(stores: Stores) -> None:
    store = stores()
    seen: list[State] = []

    def feedback(question, answer, grade, llm):
        seen.append(store.load(state.id))
        yield "Feedback."

    deps = dataclasses.replace(make_deps(), feedback_fn=feedback)
    state = play(store, new_session(Setup(count=2, seed=1), deps), act("start"), deps)
    play(store, state, act("answer", "A growing gap between training and validation error."), deps)
    assert seen and seen[0].current.status == "answered" and seen[0].current.answer


def test_list_sessions_and_resumable(stores: Stores) -> None:
    store, deps = stores(), make_deps()
    done = session(store, deps, ["good"])
    open_state = new_session(Setup(count=3, seed=2), deps)
    open_state = play(store, open_state, act("start"), deps)
    listed = store.list_sessions()
    assert {s.id for s in listed} == {done.id, open_state.id}
    assert [s.id for s in store.resumable()] == [open_state.id]
    summary = next(s for s in listed if s.id == done.id)
    assert summary.finished and summary.answered == 1 and summary.overall == 10.0 and summary.backend == "offline"
    assert build_report(store.load(done.id)).overall == 10.0
    store.delete(open_state.id)
    assert store.resumable() == [] and store.turns(open_state.id) == []


def test_topic_trend_best_scores_and_retry_weak(stores: Stores) -> None:
    store, deps = stores(), make_deps()
    first = session(store, deps, ["nothing useful to say about it", None], topics=["Machine learning"])
    weak = store.weak_questions()
    assert set(weak) == {r.question.id for r in first.records}
    setup = Setup.retry(store.weak_questions(), mode="exam")
    assert setup is not None and setup.question_ids == weak and setup.mode == "exam"
    retry = new_session(setup, deps)
    retry = play(store, retry, act("start"), deps)
    assert retry.current.question.id == weak[0]
    retry = play(store, retry, act("answer", GOOD[weak[0]]), deps)
    retry = play(store, retry, act("end"), deps)
    best = store.best_scores()
    assert best[weak[0]] == 10.0  # the best score is kept
    history = {h.question_id: h for h in store.question_history()}
    assert history[weak[0]].attempts == 2 and history[weak[0]].last == 10.0
    assert store.weak_questions() == weak[1:]
    trend = store.topic_trend("machine learning")
    assert [p.session_id for p in trend] == [first.id, retry.id] and trend[-1].score == 10.0
    assert trend[0].score < trend[-1].score


def test_retry_setup_is_none_without_misses(stores: Stores) -> None:
    store = stores()
    assert Setup.retry(store.weak_questions()) is None
    session(store, make_deps(), ["good"])
    assert Setup.retry(store.weak_questions()) is None


def test_concurrent_sessions_do_not_interfere(stores: Stores) -> None:
    store = stores()
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            deps = dataclasses.replace(make_deps(), new_id=lambda: f"w{seed}")
            session(store, deps, ["good", None, "good"], seed=seed)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(s.id for s in store.list_sessions()) == ["w0", "w1", "w2", "w3"]
    assert all(s.answered == 2 for s in store.list_sessions())


def test_unreadable_database_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "h.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="Move it aside"):
        Store(bad)


KILLED = """
import dataclasses, os, signal, sys
sys.path.insert(0, {tests!r})
from interview_fakes import GOOD, make_deps
from interviewer.interview.session import new_session, stream_step
from interviewer.interview.state import Action, Setup
from interviewer.store import Store, persist

answered = []

def dying_feedback(question, answer, grade, llm):
    yield "Good start. "
    if len(answered) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    yield "More to say."

deps = dataclasses.replace(make_deps(), feedback_fn=dying_feedback)
store = Store({db!r})

def run(state, action):
    r = stream_step(state, action, deps)
    for _ in persist(store, r):
        pass
    return r.state

state = run(new_session(Setup(count=4, mode="study", difficulty="2", seed=1), deps), Action(kind="start"))
for i in range(4):
    state = run(state, Action(kind="answer", text=GOOD[state.current.question.id]))
    answered.append(i)
    state = run(state, Action(kind="next"))
"""


def test_killed_session_resumes_with_every_answered_turn(stores: Stores) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", KILLED.format(tests=str(TESTS), db=str(stores.target))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=TESTS.parent,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = stores()
    [waiting] = store.resumable()
    assert waiting.answered == 3
    state = store.load(waiting.id)
    assert [r.status for r in state.records] == ["answered"] * 3 and state.phase == "review"
    answers = [t for t in store.turns(state.id) if t.speaker == "candidate" and t.kind == "answer"]
    assert [a.text for a in answers] == [r.answer for r in state.records]
    deps = make_deps()
    state = play(store, state, act("resume"), deps)
    assert state.current.feedback  # the feedback cut off by the kill is shown again
    state = play(store, state, act("next"), deps)
    state = play(store, state, act("answer", GOOD[state.current.question.id]), deps)
    state = play(store, state, act("next"), deps)
    assert state.phase == "finished" and store.resumable() == []
    assert build_report(store.load(state.id)).answered == 4


def test_migrations_are_safe_to_race(stores: Stores) -> None:
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(stores().applied_migrations())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[name for name, _ in MIGRATIONS]] * 4


def test_one_step_per_session_across_stores(stores: Stores) -> None:
    """Two Stores on one database stand for two replicas: while one holds a session's step lock, the other (and a
    second request in the same one) is refused; other sessions are free; the lock is free again afterwards."""
    first, second = stores(), stores()
    with first.step_lock("s1"):
        for store in (first, second):
            with pytest.raises(Locked):
                with store.step_lock("s1"):
                    pass
        with second.step_lock("s2"):
            pass
    with second.step_lock("s1"):
        with pytest.raises(Locked):
            with first.step_lock("s1"):
                pass


HOLDER = """
import sys, time
from interviewer.store import Store
store = Store({db!r})
with store.step_lock("s1"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_postgres_step_lock_is_freed_when_its_process_is_killed(postgres_server) -> None:
    url = postgres_server.new_database()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(db=url)], stdout=subprocess.PIPE, text=True, cwd=TESTS.parent
    )
    store = Store(url)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Locked, match="another replica"):
            with store.step_lock("s1"):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10  # the server notices the closed socket at once; allow for a busy machine
        while True:
            try:
                with store.step_lock("s1"):
                    break
            except Locked:
                assert time.monotonic() < deadline, "the killed process's lock was never released"
                time.sleep(0.1)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        store.close()


def test_shared_secret_is_created_once_and_read_by_every_store(stores: Stores) -> None:
    first = stores().shared_secret("session_hmac")
    assert len(first) == 64 and stores().shared_secret("session_hmac") == first
    assert stores().shared_secret("other") != first


def test_postgres_unreachable_says_which_setting_without_the_password(postgres_server) -> None:
    url = f"postgresql://ann:pw-Secret123@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(StoreError, match="INTERVIEWER_DATABASE_URL") as failed:
        Store(url)
    assert "pw-Secret123" not in str(failed.value)


def test_postgres_step_locks_survive_a_dropped_lock_connection(postgres_server) -> None:
    """The server ends the connection holding step locks (a restart, an idle timeout): the next step reconnects."""
    url = postgres_server.new_database()
    store = Store(url)
    try:
        with store.step_lock("s1"):
            pass
        with store.db.write() as q:
            ended = q.all(
                "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity"
                " WHERE query LIKE '%advisory_unlock%' AND pid <> pg_backend_pid()"
            )
        assert [row["ok"] for row in ended] == [True]
        other = Store(url)
        with store.step_lock("s1"):
            with pytest.raises(Locked):
                with other.step_lock("s1"):
                    pass
        other.close()
    finally:
        store.close()
