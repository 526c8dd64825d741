"""Latency budget of one answer on the embedded model (the default backend, CPU): drives the real session API
(build_deps with backend=embedded, new_session, stream_step) through N answers and times each step. Prints JSON.

    .venv/bin/python bench/latency_budget.py [--n 6] [--threads 2] [--out FILE]

Budget, from submitting an answer: the deterministic scorecard p50 <= 0.3 s; the first streamed token of the
feedback p50 <= 1.5 s; full grade + feedback p50 <= 5 s.

Times per answer, from submit (measured on the session's event stream):
- scorecard_s: the `scorecard` event (the offline grade; the model is not called before it);
- first_feedback_chunk_s, feedback_done_s: the first `chunk` of the feedback (code's lead sentence) and its final
  `say`; model_first_token_s: the model's first token of the feedback (judged against the 1.5 s budget);
- step_s: the whole step (model answer and the next-step line included).
Where the time goes: the model is wrapped in a timing proxy (every call: kind, prompt size, time to first piece,
total) and offline_s = the grade step less its model call. Greetings and transitions are code and Deps.llm_parts
is empty (no clarify or follow-up calls), so only the answer's own calls are timed; every other kind of turn is
timed by bench/simulated_candidates.py. Answers are the bank's graded exemplars of the
seed bank (strong, partial, weak), each question new to the process, as in a real interview: the first grade of
a question needs its rubric and exemplars embedded (task vectors) and the feedback prompt's prefix evaluated by the
model: interview.warmup.Warmer does both in the background when the question is asked; the bench submits once that
is done (prepare_s: how long it took, prefill_s: the model's part) and task_vectors_s times the embedding
separately, after the run, on a fresh embedder.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsonout import emit  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.interview.deps import Deps, build_deps  # noqa: E402
from interviewer.interview.session import new_session, stream_step  # noqa: E402
from interviewer.interview.state import Action, Setup  # noqa: E402
from interviewer.knowledge.bank import load_bank  # noqa: E402
from interviewer.llm import Message  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED_BANK = ROOT / "knowledge" / "ml_system_design.yaml"
# The feedback's first chunk is code's lead sentence (instant); the 1.5 s budget is judged on the model's own first
# token, which is what the prompt cache and the short prompt are for.
BUDGET = {"scorecard_s": 0.3, "model_first_token_s": 1.5, "feedback_done_s": 5.0}


class TimedModel:
    """A ChatModel proxy that records every call: kind, prompt characters, time to the first piece, total."""

    def __init__(self, model: Any):
        self.model, self.name, self.calls = model, model.name, []

    def _record(
        self, kind: str, messages: list[Message], began: float, first: float | None, reply_chars: int = 0
    ) -> None:
        now = time.perf_counter()
        self.calls.append(
            {
                "kind": kind,
                "prompt_chars": sum(len(m.content) for m in messages),
                "at": began,
                "first_s": round((first or now) - began, 3),
                "total_s": round(now - began, 3),
                "reply_chars": reply_chars,
            }
        )

    def complete(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        began = time.perf_counter()
        try:
            return self.model.complete(messages, max_tokens=max_tokens)
        finally:
            self._record("complete", messages, began, None)

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        began, first, size = time.perf_counter(), None, 0
        try:
            for piece in self.model.stream(messages, max_tokens=max_tokens):
                first, size = first or time.perf_counter(), size + len(piece)
                yield piece
        finally:
            self._record("stream", messages, began, first, size)

    def prefill(self, messages: list[Message]) -> None:
        began = time.perf_counter()
        try:
            getattr(self.model, "prefill", lambda m: None)(messages)
        finally:
            self._record("prefill", messages, began, None)

    def structured(self, messages: list[Message], schema: Any, *, max_tokens: int | None = None) -> Any:
        began = time.perf_counter()
        try:
            return self.model.structured(messages, schema, max_tokens=max_tokens)
        finally:
            self._record("structured", messages, began, None)


def answers(n: int) -> list[tuple[str, str, str]]:
    """(question id, label, text): one exemplar per question, cycling strong -> partial -> weak."""
    order = ("strong", "partial", "weak")
    out = []
    for i, q in enumerate(load_bank(SEED_BANK).questions):
        wanted = order[i % len(order)]
        ex = next((e for e in q.exemplars if e.label == wanted), q.exemplars[0])
        out.append((q.id, ex.label or "?", ex.answer.strip()))
    return (out * (n // len(out) + 1))[:n]


def time_answer(deps: Deps, model: TimedModel, qid: str, text: str) -> dict[str, Any]:
    state = new_session(Setup(question_ids=[qid], count=1, mode="study"), deps)
    run = stream_step(state, Action(kind="start"), deps)
    for _ in run:
        pass
    state = run.state
    warm_s = wait_for_prepare(deps)
    prefills = [c for c in model.calls if c["kind"] == "prefill"]
    model.calls.clear()
    marks: dict[str, float] = {}
    began = time.perf_counter()
    run = stream_step(state, Action(kind="answer", text=text), deps)
    for event in run:
        now = time.perf_counter() - began
        if event.kind == "checkpoint":
            marks.setdefault("graded_s", now)
        elif event.kind == "scorecard":
            marks.setdefault("scorecard_s", now)
        elif event.kind == "chunk" and event.part == "feedback":
            marks.setdefault("first_feedback_chunk_s", now)
        elif event.kind == "say" and event.part == "feedback":
            marks["feedback_done_s"] = now
    marks["step_s"] = time.perf_counter() - began
    rec = run.state.current
    calls = [dict(c, at=round(c["at"] - began, 3)) for c in model.calls]
    grade_call = sum(c["total_s"] for c in calls if c["kind"] == "structured")
    streamed = [c["at"] + c["first_s"] for c in calls if c["kind"] == "stream" and c["reply_chars"]]
    if streamed:
        marks["model_first_token_s"] = min(streamed)
    return {
        "question_id": qid,
        "score": rec.score,
        "prepare_s": warm_s,
        "prefill_s": prefills[-1]["total_s"] if prefills else None,
        "grade_mode": rec.grade.mode if rec.grade else None,
        "feedback_failed": rec.feedback_failed,
        "answer_chars": len(text),
        **{k: round(v, 3) for k, v in marks.items()},
        "offline_s": round(marks.get("graded_s", 0.0) - grade_call, 3),
        "llm_calls": calls,
    }


def wait_for_prepare(deps: Deps, limit: float = 60.0) -> float:
    """Seconds until the question's warm-up (interview.warmup.Warmer: rubric vectors + prompt prefill) is done.
    The bench answers after it, as a candidate who takes longer than that to type would."""
    began = time.perf_counter()
    deps.prepare_fn.wait(limit)
    return round(time.perf_counter() - began, 3)


def task_vectors_s(qids: list[str]) -> float:
    """Median time to embed one question's rubric and exemplars (what the first grade of a question adds)."""
    from interviewer.grading import GradeTask, evidence
    from interviewer.knowledge.embeddings import MiniLM

    bank = {q.id: q for q in load_bank(SEED_BANK).questions}
    samples = []
    for qid in qids:
        embedder = MiniLM(verify=False)  # a fresh instance: nothing of it is cached yet
        began = time.perf_counter()
        evidence.task_vectors(GradeTask.from_question(bank[qid]), embedder)
        samples.append(time.perf_counter() - began)
    return round(statistics.median(samples), 3)


def p50(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if key in r]
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6, help="timed answers (after one warm-up answer)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="interviewer-latency-"))
    knowledge = tmp / "knowledge"
    knowledge.mkdir()
    shutil.copy(SEED_BANK, knowledge / SEED_BANK.name)
    load_before = os.getloadavg()[0]
    settings = Settings(
        _env_file=None, backend="embedded", data_dir=tmp / "data", knowledge_dir=knowledge, llm_threads=args.threads
    )
    deps = build_deps(settings)
    began = time.perf_counter()
    deps.llm.start()
    engine_start = time.perf_counter() - began
    model = TimedModel(deps.llm)
    deps = dataclasses.replace(deps, llm=model, llm_parts=frozenset())
    plan = answers(args.n + 1)
    try:
        warm = time_answer(deps, model, *plan[0][::2])  # first answer: loads the embedder, fills the prompt cache
        rows = []
        for qid, label, text in plan[1:]:
            rows.append(time_answer(deps, model, qid, text) | {"label": label})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "llm_calls"}), file=sys.stderr, flush=True)
    finally:
        deps.llm.model.close()
    structured = [c for r in rows for c in r["llm_calls"] if c["kind"] == "structured"]
    streamed = [c for r in rows for c in r["llm_calls"] if c["kind"] == "stream"]
    keys = (
        "graded_s",
        "scorecard_s",
        "first_feedback_chunk_s",
        "model_first_token_s",
        "feedback_done_s",
        "step_s",
        "offline_s",
    )
    summary = {key: p50(rows, key) for key in keys}
    result = {
        "model": deps.llm.name,
        "threads": args.threads,
        "answers": len(rows),
        "engine_start_s": round(engine_start, 2),
        "budget_p50_s": BUDGET,
        "p50_s": summary,
        "met": {k: summary[k] is not None and summary[k] <= v for k, v in BUDGET.items()},
        "where_the_time_goes_p50_s": {
            "offline_assessment": summary["offline_s"],
            "prepare_while_typing": p50(rows, "prepare_s"),
            "prefill_while_typing": p50(rows, "prefill_s"),
            "llm_grade_call": round(statistics.median(c["total_s"] for c in structured), 3) if structured else None,
            "llm_grade_calls_per_answer": round(len(structured) / len(rows), 2),
            "llm_grade_prompt_chars": round(statistics.median(c["prompt_chars"] for c in structured))
            if structured
            else None,
            "feedback_first_token": round(statistics.median(c["first_s"] for c in streamed), 3) if streamed else None,
            "feedback_total": round(statistics.median(c["total_s"] for c in streamed), 3) if streamed else None,
            "feedback_prompt_chars": round(statistics.median(c["prompt_chars"] for c in streamed))
            if streamed
            else None,
            "feedback_reply_chars": round(statistics.median(c["reply_chars"] for c in streamed)) if streamed else None,
            "feedback_chars_per_s_after_first": round(
                statistics.median(c["reply_chars"] / max(c["total_s"] - c["first_s"], 1e-3) for c in streamed), 1
            )
            if streamed
            else None,
            "task_vectors_first_grade_of_a_question": task_vectors_s([r["question_id"] for r in rows][:3]),
        },
        "warm_up_answer": {k: v for k, v in warm.items() if k != "llm_calls"},
        "rows": rows,
        "load_avg_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }
    emit(result, args.out)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
