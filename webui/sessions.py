"""Per-user interview sessions for the web UI and the gradio_client API.

A caller holds a token `<state id>.<HMAC>` and reaches its State only through it. States live in an LRU in memory
and are restored from the SQLite store when missing (after a restart too: the HMAC key is kept in the data dir).
With auth on, a session also belongs to the user who started it (`owner`); another user's token reaches nothing.

One step runs at a time per session: a second request while one runs is refused at once (SessionBusy), so a
double click, two tabs or a flood of requests from one session cannot interleave steps or tie up the app's
workers. Steps are also rate-limited per session (a burst of STEP_BURST, then STEP_RATE a second, far above
anyone typing), and a session stops taking steps once its transcript holds MAX_TURNS lines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

from interviewer.config import Settings
from interviewer.errors import InterviewerError
from interviewer.interview.deps import Deps
from interviewer.interview.report import Report, build_report
from interviewer.interview.session import new_session, stream_step
from interviewer.interview.state import Action, Event, Setup, State
from interviewer.store import Store, StoreError, persist

CACHE_SIZE = 256  # sessions kept in memory; older ones are reloaded from the store on demand
MAX_TURNS = 1000  # transcript lines per interview; a real one uses well under 300 (30 questions)
MAX_TOKEN = 128  # longer "session ids" are refused before any hashing
STEP_BURST = 20  # steps a session may take back to back ...
STEP_RATE = 2.0  # ... then this many a second (a token bucket)


class UnknownSession(InterviewerError):
    """A session token that is malformed, forged, someone else's or no longer stored."""


class SessionBusy(InterviewerError):
    """A step is already running for this session."""


class SessionFull(InterviewerError):
    """The interview's transcript reached MAX_TURNS."""


def user_of(request: object) -> str | None:
    """The logged-in user of a gr.Request when the app runs with auth, else None (no per-user filtering)."""
    return getattr(request, "username", None) or None


def visible_report(state: State) -> Report:
    """The report as the candidate may see it mid-interview: a question still open (asked, not yet answered or
    skipped) is left out, since its key points are the marking scheme."""
    if state.current is None or state.current.status != "open":
        return build_report(state)
    return build_report(state.model_copy(update={"records": state.records[:-1]}))


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
        self._owners: dict[str, str | None] = {}  # sessions not saved yet (the store keeps the rest)
        self._locks: dict[str, threading.Lock] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # state id -> (tokens, monotonic time of the last refill)
        self._guard = threading.Lock()

    def token(self, state_id: str) -> str:
        return f"{state_id}.{hmac.new(self._secret, state_id.encode(), hashlib.sha256).hexdigest()[:32]}"

    def state_id(self, token: str) -> str:
        token = token.strip() if isinstance(token, str) else ""
        sid, _, _ = token.partition(".")
        if not sid or len(token) > MAX_TOKEN or not token.isascii() or not hmac.compare_digest(self.token(sid), token):
            raise UnknownSession("unknown session id: start an interview first (start), then pass its session_id")
        return sid

    def create(self, setup: Setup, owner: str | None = None) -> str:
        state = new_session(setup, self.deps)
        with self._guard:
            self._owners[state.id] = owner
        self._remember(state)
        return self.token(state.id)

    def owner(self, sid: str) -> str | None:
        with self._guard:
            if sid in self._owners:
                return self._owners[sid]
        try:
            owner = self.store.owner_of(sid)
        except StoreError:
            return None
        with self._guard:
            if sid in self._states:  # cached while the state is; dropped with it
                self._owners[sid] = owner
        return owner

    def get(self, token: str, user: str | None = None) -> State:
        """The session's state. With `user` (auth on), only a session that user started."""
        sid = self.state_id(token)
        if user is not None and self.owner(sid) != user:
            raise UnknownSession("unknown session id: start an interview first (start), then pass its session_id")
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
                self._owners.pop(old, None)  # saved sessions keep theirs in the store
                self._buckets.pop(old, None)
                if not self._locks[old].locked():
                    del self._locks[old]

    def _take_token(self, sid: str) -> None:
        now = time.monotonic()
        with self._guard:
            tokens, last = self._buckets.get(sid, (float(STEP_BURST), now))
            tokens = min(float(STEP_BURST), tokens + (now - last) * STEP_RATE)
            if tokens < 1.0:
                self._buckets[sid] = (tokens, now)
                raise SessionBusy("too many messages at once: wait a second, then send the next one")
            self._buckets[sid] = (tokens - 1.0, now)

    @contextmanager
    def _locked(self, sid: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(sid, threading.Lock())
        if not lock.acquire(blocking=False):
            raise SessionBusy("still working on your previous message: wait for its reply, then send the next one")
        try:
            yield
        finally:
            lock.release()

    def run(self, token: str, action: Action, user: str | None = None) -> Iterator[tuple[Event | None, State]]:
        """Stream one step: (event, state before the step) pairs, then (None, new state). Saved as it goes."""
        sid = self.state_id(token)
        with self._locked(sid):
            self._take_token(sid)
            state = self.get(token, user)
            if len(state.turns) >= MAX_TURNS and not (action.kind == "end" and state.phase != "finished"):
                raise SessionFull(f"this interview has reached {MAX_TURNS} messages: end it (end) and start a new one")
            step = stream_step(state, action, self.deps)
            done = False
            try:
                for event in persist(self.store, step, self.owner(sid)):
                    yield event, state
                done = True
            finally:
                if done and step.state is not None:
                    self._remember(step.state)
                else:  # abandoned mid-step: forget it, so the next call reloads the last checkpoint
                    with self._guard:
                        self._states.pop(sid, None)
                        self._owners.pop(sid, None)  # a saved session's owner is in the store
        yield None, step.state

    def step(self, token: str, action: Action, user: str | None = None) -> tuple[State, list[Event]]:
        events, state = [], None
        for event, state in self.run(token, action, user):
            if event is not None and event.kind not in ("chunk", "checkpoint"):
                events.append(event)
        return state, events
