"""The web app in-process for tests: a small real Chroma index (the seed bank), FakeChatModel, a tmp data dir.

    with running_app(tmp_path) as app:   # app.url, app.deps, app.store, app.llm
        ...

Grading is the real offline grader (Deps' defaults: MiniLM evidence + the calibrated model; deterministic), and
with the fake model the streamed feedback is the fake's reply. The app code under test is the same as in production
(only the model and the index differ). `exemplar(qid, label)` answers with one of the seed bank's own graded
exemplars (labels: excellent, strong, partial, weak, wrong), so a test knows roughly what score to expect.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from conftest import ROOT, free_port, wait_http

from interviewer.config import Settings
from interviewer.interview.deps import Deps
from interviewer.knowledge.bank import load_bank
from interviewer.knowledge.index import Index
from interviewer.llm import FakeChatModel
from interviewer.store import Store

SEED_BANK = ROOT / "knowledge" / "ml_system_design.yaml"
_index: Index | None = None
_index_lock = threading.Lock()

# What the fake model says: one plausible line for every prompt (greetings, transitions, hints, feedback).
FAKE_REPLY = "Thanks. Let's keep going: think about the data, the model and how it runs in production."


def small_index() -> Index:
    """The seed bank in an in-memory Chroma collection, built once per test process."""
    global _index
    with _index_lock:
        if _index is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
            _index = Index(client, "app-tests")
            _index.ingest([load_bank(SEED_BANK)])
        return _index


def make_deps(data_dir: Path, llm: FakeChatModel | None = None, **settings: object) -> Deps:
    """Production Deps (the real grader and feedback) over the small index."""
    return Deps(settings=Settings(data_dir=data_dir, **settings), llm=llm, index=small_index())


def exemplar(question_id: str, label: str) -> str:
    """The answer text of the seed bank's first exemplar with this label for the question. Verbatim, it is its own
    nearest graded exemplar, so the grade lands near the ends of the scale (strong ~9.9, weak/wrong/partial ~0)."""
    answers = [e.answer for e in small_index().get(question_id).exemplars if e.label == label]
    assert answers, f"{question_id} has no {label!r} exemplar"
    return answers[0].strip()


@dataclass
class RunningApp:
    url: str
    deps: Deps
    store: Store
    llm: FakeChatModel | None


FAKE = "fake"  # running_app(llm=FAKE): a FakeChatModel with FAKE_REPLY; llm=None: no model at all (offline texts)


@contextmanager
def running_app(tmp_path: Path, llm: FakeChatModel | str | None = FAKE, **settings: object) -> Iterator[RunningApp]:
    import app

    llm = FakeChatModel(default=FAKE_REPLY) if llm == FAKE else llm
    deps = make_deps(tmp_path / "data", llm, **settings)
    store = Store.open(deps.settings)
    demo = app.build_app(deps, store)
    port = free_port()
    app.launch(demo, deps.settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, timeout=60)
        yield RunningApp(url=url, deps=deps, store=store, llm=llm)
    finally:
        demo.close()
