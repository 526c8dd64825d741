"""What prompt order and prefix prefill buy on the embedded model (CPU): time to first token and total time of
the feedback call, as prompts/feedback.md orders it now, against a reordered prompt whose static part (system
prompt, question, key points) was sent once when the question was asked. Prints JSON.

    .venv/bin/python bench/feedback_prefix_cache.py [--questions 3] [--threads 2]

- current: prompts/feedback.md as rendered by the grader (score and verdicts come before the answer), on a
  question the engine has not seen (nothing of it in the prompt cache);
- reordered_prefilled: the same content with the answer-independent part first (system, question, key points)
  and everything that depends on the answer last (answer, score, verdicts, the instruction), after a one-token
  "prefill" request of that static part made while the candidate was typing; llama.cpp reuses the cached
  prefix, so only the answer-dependent tokens are evaluated after submit. Feedback is capped at `--short` tokens
  (2 sentences) in this variant; `current` keeps the grader's cap.
Prompt text here is an experiment for the proposal in the load report, not interview prompt text.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interviewer.config import Settings  # noqa: E402
from interviewer.grader import PASS_MARK, GradeTask, grade  # noqa: E402
from interviewer.grading import llm_judge  # noqa: E402
from interviewer.knowledge import load_bank  # noqa: E402
from interviewer.llm import Message, build_llm  # noqa: E402
from interviewer.prompts import fence, load_prompt, render  # noqa: E402

SEED_BANK = Path(__file__).resolve().parents[1] / "knowledge" / "ml_system_design.yaml"


def timed_stream(llm, messages: list[Message], max_tokens: int) -> dict:
    began, first, text = time.perf_counter(), None, ""
    for piece in llm.stream(messages, max_tokens=max_tokens):
        first = first or time.perf_counter()
        text += piece
    end = time.perf_counter()
    return {"ttft_s": round((first or end) - began, 3), "total_s": round(end - began, 3), "reply_chars": len(text)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--short", type=int, default=48, help="max_tokens of the 2-sentence variant")
    args = parser.parse_args()
    settings = Settings(_env_file=None, backend="embedded", data_dir=Path(tempfile.mkdtemp()), llm_threads=args.threads)
    llm = build_llm(settings)
    llm.start()
    system = load_prompt("feedback").messages[0].prompt.template  # the same system text in both variants
    bank = load_bank(SEED_BANK).questions
    rows = []
    try:
        for q in bank[1 : 1 + args.questions]:
            answer = next(e.answer for e in q.exemplars if e.label in ("partial", "strong")).strip()
            task = GradeTask.from_question(q)
            g = grade(task, answer, mode="offline")
            verdicts = "\n".join(f"- [{kp.status}] {kp.point}" for kp in g.key_points)
            current = render("feedback", question=q.question, score=f"{g.score:.1f}", pass_mark=f"{PASS_MARK:.1f}",
                              verdicts=verdicts, notes="", candidate_answer=fence(answer))
            cold = timed_stream(llm, current, llm_judge.FEEDBACK_TOKENS)
            static = f"Question: {q.question}\n\nKey points:\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(q.key_points, 1))
            began = time.perf_counter()
            llm.complete([Message("system", system), Message("user", static)], max_tokens=1)  # at ask time
            prefill_s = time.perf_counter() - began
            tail = (f"\n\nCandidate answer:\n{fence(answer)}\n\nScore: {g.score:.1f}/10 (pass mark {PASS_MARK:.1f}). "
                    f"Verdicts:\n{verdicts}\n\nWrite 2 sentences of feedback.")
            warm = timed_stream(llm, [Message("system", system), Message("user", static + tail)], args.short)
            rows.append({"question_id": q.id, "answer_chars": len(answer), "current": cold,
                         "prefill_at_ask_s": round(prefill_s, 3), "reordered_prefilled": warm})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        llm.close()

    def med(variant: str, key: str) -> float:
        return round(statistics.median(r[variant][key] for r in rows), 3)

    print(json.dumps({
        "threads": args.threads, "max_tokens": {"current": llm_judge.FEEDBACK_TOKENS, "reordered_prefilled": args.short},
        "p50": {v: {k: med(v, k) for k in ("ttft_s", "total_s", "reply_chars")} for v in ("current", "reordered_prefilled")},
        "prefill_at_ask_s_p50": round(statistics.median(r["prefill_at_ask_s"] for r in rows), 3),
        "rows": rows, "load_avg_1m": round(os.getloadavg()[0], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
