"""Warm-up while the candidate reads: the leak guard's vectors, the grader's rubric vectors and the model's prompt
cache (the clarify prompt, then the feedback prompt) for the question just asked, on one long-lived worker thread,
best effort, so asking never waits for it."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from interviewer.grading import GradeTask, prepare, warm_process
from interviewer.knowledge.bank import Question
from interviewer.llm import ChatModel
from interviewer.safety.leak import EmbedFn, secret_vectors

log = logging.getLogger(__name__)


class Warmer:
    """A `prepare_fn` for Deps. One worker thread for every session, so many sessions don't start many threads
    (threads that ran onnxruntime and then exited made the process abort at exit); `close()` stops it.
    `rich` picks the prompt variants (settings.active_profile); `embed` is the leak guard's embedder; `clarify`:
    the model phrases clarifications (Deps.llm_parts), so its prompt prefix is worth caching too."""

    def __init__(self, rich: bool = False, embed: EmbedFn | None = None, clarify: bool = True) -> None:
        self.rich, self.embed, self.clarify = rich, embed, clarify
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
            return self._pool

    def __call__(self, question: Question, llm: ChatModel | None) -> None:
        def run() -> None:
            from .replies import clarify_prefix, hint_sentences

            try:
                if self.embed is not None:
                    secret_vectors(question, self.embed)  # a hint or clarification checks against these
                    self.embed(hint_sentences(question))  # and the hints' own sentences are checked
                prefill = getattr(llm, "prefill", None)
                if prefill is not None and self.clarify:  # first: the feedback prefix below stays in the model's slot
                    prefill(clarify_prefix(question, "rich" if self.rich else "short"))
                prepare(GradeTask.from_question(question), llm, rich=self.rich)
            except Exception:  # noqa: BLE001 (warming up is an optimisation; the grade step does the work anyway)
                log.debug("prepare failed for %s", question.id, exc_info=True)

        self._executor().submit(run)

    def start(self, llm: ChatModel | None = None) -> None:
        """Queue the once-per-process work now, so the first question's warm-up is short: start the model (the
        embedded engine loads its weights, ~3 s) and grading.warm_process."""

        def run() -> None:
            try:
                start = getattr(llm, "start", None)
                if callable(start):
                    start()
                warm_process()
            except Exception:  # noqa: BLE001 (an optimisation; grading builds what it needs anyway)
                log.debug("process warm-up failed", exc_info=True)

        self._executor().submit(run)

    def wait(self, timeout: float | None = None) -> None:
        """Block until every queued warm-up has run (benchmarks and tests; the worker runs them in order)."""
        self._executor().submit(lambda: None).result(timeout)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
