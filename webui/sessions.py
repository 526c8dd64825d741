"""Per-user interview sessions for the web UI and the gradio_client API.

A caller holds a token `<state id>.<HMAC>` and reaches its State only through it. States live in an LRU in memory
and are restored from the SQLite store when missing (after a restart too: the HMAC key is kept in the data dir).
One step runs at a time per session, so a double click or two tabs cannot interleave steps.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

from interviewer.config import Settings
from interviewer.errors import InterviewerError
from interviewer.session import Deps, new_session, stream_step
from interviewer.state import Action, Event, Setup, State
from interviewer.store import Store, StoreError

CACHE_SIZE = 256  # sessions kept in memory; older ones are reloaded from the store on demand


class UnknownSession(InterviewerError):
    """A session token that is malformed, forged or no longer stored."""


def app_secret(settings: Settings) -> bytes:
    """The HMAC key for session tokens, created once in the data dir (0600)."""
    path = settings.data_dir / "app_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


class Sessions:
    """Per-user interview states for the UI and the API. A caller only reaches a session through its token."""

    def __init__(self, deps: Deps, store: Store, secret: bytes, capacity: int = CACHE_SIZE):
        self.deps, self.store, self._secret, self._capacity = deps, store, secret, capacity
        self._states: OrderedDict[str, State] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def token(self, state_id: str) -> str:
        return f"{state_id}.{hmac.new(self._secret, state_id.encode(), hashlib.sha256).hexdigest()[:32]}"

    def state_id(self, token: str) -> str:
        sid, _, _ = (token or "").strip().partition(".")
        if not sid or not hmac.compare_digest(self.token(sid), (token or "").strip()):
            raise UnknownSession("unknown session id: start an interview first (start), then pass its session_id")
        return sid

    def create(self, setup: Setup) -> str:
        state = new_session(setup, self.deps)
        self._remember(state)
        return self.token(state.id)

    def get(self, token: str) -> State:
        sid = self.state_id(token)
        with self._guard:
            if sid in self._states:
                self._states.move_to_end(sid)
                return self._states[sid]
        try:
            state = self.store.load(sid)
        except StoreError as exc:
            raise UnknownSession(f"session {sid} is not in the history any more: start a new interview") from exc
        self._remember(state)
        return state

    def _remember(self, state: State) -> None:
        with self._guard:
            self._states[state.id] = state
            self._states.move_to_end(state.id)
            self._locks.setdefault(state.id, threading.Lock())
            while len(self._states) > self._capacity:
                old, _ = self._states.popitem(last=False)
                if not self._locks[old].locked():
                    del self._locks[old]

    @contextmanager
    def _locked(self, sid: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(sid, threading.Lock())
        with lock:
            yield

    def run(self, token: str, action: Action) -> Iterator[tuple[Event | None, State]]:
        """Stream one step: (event, state before the step) pairs, then (None, new state). Saved as it goes."""
        sid = self.state_id(token)
        with self._locked(sid):
            state = self.get(token)
            step = stream_step(state, action, self.deps)
            done = False
            try:
                for event in self.store.persist(step):
                    yield event, state
                done = True
            finally:
                if done and step.state is not None:
                    self._remember(step.state)
                else:  # abandoned mid-step: forget it, so the next call reloads the last checkpoint
                    with self._guard:
                        self._states.pop(sid, None)
        yield None, step.state

    def step(self, token: str, action: Action) -> tuple[State, list[Event]]:
        events, state = [], None
        for event, state in self.run(token, action):
            if event is not None and event.kind not in ("chunk", "checkpoint"):
                events.append(event)
        return state, events
