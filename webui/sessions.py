"""Per-user interview sessions for the web UI and the gradio_client API.

A caller holds a token `<state id>.<HMAC>` and reaches its State only through it. The State lives in the history
store, not in this process: every step loads it, under the session's step lock, and saves it as it goes, so any
replica sharing the database (Postgres) continues any session, and a restarted app too. The HMAC key comes from
settings (INTERVIEWER_SECRET_KEY), else from the shared database, else from a file in the data dir (SQLite). With
auth on, a session also belongs to the user who started it (`owner`); another user's token reaches nothing.

One step runs at a time per session, across every replica (store.step_lock): a second request while one runs is
refused at once (SessionBusy), so a double click, two tabs or a flood of requests from one session cannot
interleave steps, lose an update or tie up the app's workers. Steps are also rate-limited per session in each
process (a burst of STEP_BURST, then STEP_RATE a second, far above anyone typing), and a session stops taking
steps once its transcript holds MAX_TURNS lines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from contextlib import ExitStack, contextmanager
from typing import Iterator

from interviewer.config import Settings
from interviewer.errors import InterviewerError
from interviewer.interview.deps import Deps
from interviewer.interview.report import Report, build_report
from interviewer.interview.session import new_session, stream_step
from interviewer.interview.state import Action, Event, Setup, State
from interviewer.store import Locked, NotFound, Store, persist

MAX_TURNS = 1000  # transcript lines per interview; a real one uses well under 300 (30 questions)
MAX_TOKEN = 128  # longer "session ids" are refused before any hashing
STEP_BURST = 20  # steps a session may take back to back ...
STEP_RATE = 2.0  # ... then this many a second (a token bucket)
UNKNOWN = "unknown session id: start an interview first (start), then pass its session_id"


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


def app_secret(settings: Settings, store: Store | None = None) -> bytes:
    """The HMAC key for session tokens: INTERVIEWER_SECRET_KEY when set; else, with a database shared by replicas
    (Postgres), the one kept in it, so every replica signs alike; else one created once in the data dir (0600)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    if store is not None and store.shared:
        return store.shared_secret("session_hmac").encode()
    path = settings.data_dir / "app_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


class Sessions:
    """Per-user interview states for the UI and the API. A caller only reaches a session through its token."""

    def __init__(self, deps: Deps, store: Store, secret: bytes):
        self.deps, self.store, self._secret = deps, store, secret
        self._buckets: dict[str, tuple[float, float]] = {}  # state id -> (tokens, monotonic time of the last refill)
        self._guard = threading.Lock()

    def token(self, state_id: str) -> str:
        return f"{state_id}.{hmac.new(self._secret, state_id.encode(), hashlib.sha256).hexdigest()[:32]}"

    def state_id(self, token: str) -> str:
        token = token.strip() if isinstance(token, str) else ""
        sid, _, _ = token.partition(".")
        if not sid or len(token) > MAX_TOKEN or not token.isascii() or not hmac.compare_digest(self.token(sid), token):
            raise UnknownSession(UNKNOWN)
        return sid

    def create(self, setup: Setup, owner: str | None = None) -> str:
        """A new interview (not started yet), saved at once: whichever replica gets the next call can take it."""
        state = new_session(setup, self.deps)
        self.store.save(state, owner)
        return self.token(state.id)

    def owner(self, sid: str) -> str | None:
        try:
            return self.store.owner_of(sid)
        except NotFound:
            return None

    def get(self, token: str, user: str | None = None) -> State:
        """The session's state as last saved. With `user` (auth on), only a session that user started."""
        return self._load(self.state_id(token), user)[0]

    def _load(self, sid: str, user: str | None) -> tuple[State, str | None]:
        try:
            state, owner = self.store.load_owned(sid)
        except NotFound as exc:
            raise UnknownSession(f"session {sid} is not in the history any more: start a new interview") from exc
        if user is not None and owner != user:
            raise UnknownSession(UNKNOWN)
        return state, owner

    def _take_token(self, sid: str) -> None:
        now = time.monotonic()
        with self._guard:
            tokens, last = self._buckets.get(sid, (float(STEP_BURST), now))
            tokens = min(float(STEP_BURST), tokens + (now - last) * STEP_RATE)
            if tokens < 1.0:
                self._buckets[sid] = (tokens, now)
                raise SessionBusy("too many messages at once: wait a second, then send the next one")
            self._buckets[sid] = (tokens - 1.0, now)
            if len(self._buckets) > 4096:  # a bucket refilled to the brim is the same as none
                full = now - STEP_BURST / STEP_RATE
                self._buckets = {k: v for k, v in self._buckets.items() if v[1] > full}

    @contextmanager
    def _locked(self, sid: str) -> Iterator[None]:
        with ExitStack() as held:
            try:
                held.enter_context(self.store.step_lock(sid))
            except Locked:
                raise SessionBusy(
                    "still working on your previous message: wait for its reply, then send the next one"
                ) from None
            yield

    def run(self, token: str, action: Action, user: str | None = None) -> Iterator[tuple[Event | None, State]]:
        """Stream one step: (event, state before the step) pairs, then (None, new state). Saved as it goes."""
        sid = self.state_id(token)
        with self._locked(sid):
            self._take_token(sid)
            state, owner = self._load(sid, user)  # under the lock: the latest save, whichever replica made it
            if len(state.turns) >= MAX_TURNS and not (action.kind == "end" and state.phase != "finished"):
                raise SessionFull(f"this interview has reached {MAX_TURNS} messages: end it (end) and start a new one")
            step = stream_step(state, action, self.deps)
            for event in persist(self.store, step, owner):
                yield event, state
        yield None, step.state

    def step(self, token: str, action: Action, user: str | None = None) -> tuple[State, list[Event]]:
        events, state = [], None
        for event, state in self.run(token, action, user):
            if event is not None and event.kind not in ("chunk", "checkpoint"):
                events.append(event)
        return state, events
