"""Optional auth: `--host`/`--auth` flags, and with auth on, each user reaches and lists only their own sessions
(the m003_owner migration, the owner saved from the logged-in user, list/trend/weak queries filtered by it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from app_harness import exemplar, running_app
from gradio_client import Client
from gradio_client.exceptions import AppError
from interview_fakes import GOOD, make_deps

import app
from interviewer.config import Settings
from interviewer.interview.session import new_session, step, stream_step
from interviewer.interview.state import Action, Setup
from interviewer.store import MIGRATIONS, Store, persist
from webui.callbacks import history_frames

SETUP = {"banks": ["ml_system_design"], "count": 1, "mode": "study"}


def test_flags_override_settings_and_the_default_host_is_loopback() -> None:
    assert Settings().host == "127.0.0.1"
    plain = Settings(port=7000)
    assert app.settings_from(app.parse_args([]), plain) is plain
    s = app.settings_from(
        app.parse_args(["--host", "0.0.0.0", "--port", "7999", "--auth", "ann:pw:1", "--auth", "bob:x"]), plain
    )
    assert (s.host, s.port, s.auth) == ("0.0.0.0", 7999, "ann:pw:1,bob:x")
    assert app.parse_logins(s.auth) == [("ann", "pw:1"), ("bob", "x")]
    assert app.parse_logins(None) is None


def test_a_bad_auth_flag_stops_before_anything_starts(capsys) -> None:
    with pytest.raises(SystemExit, match="user:password"):
        app.main(["--auth", "no-password-here"])


def play(store: Store, state, action: Action, deps, owner: str | None):
    run = stream_step(state, action, deps)
    for _ in persist(store, run, owner):
        pass
    return run.state


def interview(store: Store, deps, owner: str | None, answer: str) -> str:
    state = new_session(Setup(count=1, difficulty="2", seed=1), deps)
    state = play(store, state, Action(kind="start"), deps, owner)
    text = GOOD[state.current.question.id] if answer == "good" else answer
    state = play(store, state, Action(kind="answer", text=text), deps, owner)
    play(store, state, Action(kind="next"), deps, owner)
    return state.id


def test_owner_migration_keeps_old_rows_and_filters_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    deps = make_deps()
    with sqlite3.connect(path) as conn:  # a history database from before m003
        conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        for name, sql in MIGRATIONS[:2]:
            conn.executescript(sql)
            conn.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
        state, _ = step(new_session(Setup(count=1, seed=1), deps), Action(kind="start"), deps)
        conn.execute(
            "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                state.id,
                state.started_at.isoformat(),
                state.updated_at.isoformat(),
                None,
                state.phase,
                "study",
                "adaptive",
                "fake",
                "[]",
                1,
                0,
                0.0,
                state.model_dump_json(),
            ),
        )
    store = Store(path)
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]  # m003_owner onwards, on old rows
    assert [s.owner for s in store.list_sessions()] == [None]
    ann = interview(store, deps, "ann", "I would just try things until it works.")
    bob = interview(store, deps, "bob", "good")
    assert {s.id for s in store.list_sessions(owner="ann")} == {ann}
    assert {s.id for s in store.list_sessions()} == {ann, bob, state.id}  # no auth: everyone's history
    assert {p.session_id for p in store.topic_trend(owner="bob")} == {bob}
    assert store.weak_questions(owner="ann") and store.weak_questions(owner="bob") == []
    assert (
        Setup.retry(store.weak_questions(owner="bob")) is None
        and Setup.retry(store.weak_questions(owner="ann")) is not None
    )
    store.save(store.load(ann), owner="mallory")  # the first owner sticks
    assert store.owner_of(ann) == "ann"


def test_with_auth_each_user_sees_only_their_own_sessions(tmp_path: Path) -> None:
    with running_app(tmp_path, auth="ann:pw-ann,bob:pw-bob") as running:
        ann = Client(running.url, auth=("ann", "pw-ann"), verbose=False)
        bob = Client(running.url, auth=("bob", "pw-bob"), verbose=False)
        mine = []
        for _ in range(2):
            r = ann.predict(SETUP, api_name="/start")
            ann.predict(r["session_id"], "answer: I am not sure, maybe more data.", api_name="/answer")
            mine.append(r["session_id"])
        r = bob.predict(SETUP, api_name="/start")
        bob.predict(r["session_id"], exemplar(r["question"]["id"], "strong"), api_name="/answer")
        for sid in mine:
            with pytest.raises(AppError, match="unknown session"):
                bob.predict(sid, api_name="/report")
            with pytest.raises(AppError, match="unknown session"):
                bob.predict(sid, "hijack", api_name="/answer")
        assert ann.predict(mine[0], api_name="/report")["report"]["answered"] == 1
        store = running.store
        assert {s.id: s.owner for s in store.list_sessions()} == {
            **{sid.split(".")[0]: "ann" for sid in mine},
            r["session_id"].split(".")[0]: "bob",
        }
        table, ids, trend = history_frames(store, "bob")
        assert ids == [r["session_id"].split(".")[0]] and len(table) == 1
        assert len(history_frames(store, "ann")[1]) == 2
        assert store.weak_questions(owner="bob") == [] and store.weak_questions(owner="ann")
