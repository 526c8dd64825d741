"""Simulated candidates on the embedded model (the default backend, CPU): every persona of
interviewer.interview.simulate runs whole study interviews over the seed bank through the real session API
(build_deps with backend=embedded, the real offline grader, the real leak guard), with fresh answers from
tests/data/candidate_answers.yaml. Prints JSON: per kind of turn p50/p95 seconds against its budget, and rates
(invented questions, leaks, score mismatches, "not answered" errors, pasted answers credited, clarify replies that
fell back to the fixed scope reply).

    .venv/bin/python bench/simulated_candidates.py [--count 2] [--personas strong,clarifier] [--threads 2] [--out F]

Turn budgets (p50, seconds from sending): first question after Start 2.0; hint 1.0; clarify first shown text 1.5;
probe 1.0; next question 1.0; scorecard 0.3; feedback complete 5.0. Before each turn the bench waits for the
question's warm-up (interview.warmup.Warmer: guard and rubric vectors, the clarify and feedback prompt prefixes), as
a candidate reading the question for a few seconds would; `warmup_s` says how long that took. The engine is started
before the first interview (engine_start_s, not part of any turn).

Leaks are counted independently of the guard: a whole key point or a 6-word run of the reference or a key point in
anything shown while the model answer was hidden (simulate.leaked). `near_point_sentences` counts shown sentences of
model-written lines (clarify, follow-ups the model phrased) whose MiniLM cosine to a key point is >= 0.6: a looser,
guard-independent look at meaning.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from jsonout import emit  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.interview.deps import build_deps, default_embed  # noqa: E402
from interviewer.interview.replies import fixed_clarify  # noqa: E402
from interviewer.interview.simulate import PERSONAS, Transcript, check, run_persona  # noqa: E402
from interviewer.interview.state import Setup  # noqa: E402
from interviewer.text import sentences  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED_BANK = ROOT / "knowledge" / "ml_system_design.yaml"
ANSWERS = ROOT / "tests" / "data" / "candidate_answers.yaml"
BUDGET = {
    "first_question": 2.0,
    "hint": 1.0,
    "clarify_first_text": 1.5,
    "probe": 1.0,
    "next": 1.0,
    "scorecard": 0.3,
    "feedback_complete": 5.0,
}
NEAR_POINT = 0.6


def turn_times(transcript: Transcript) -> dict[str, list[float]]:
    """Seconds per kind of turn, from each turn's marks (what the candidate waited for)."""
    out: dict[str, list[float]] = {k: [] for k in (*BUDGET, "clarify_complete", "refusal")}
    for turn in transcript.turns:
        m = turn.marks
        if turn.kind == "start" and "say:question" in m:
            out["first_question"].append(m["say:question"])
        elif turn.kind == "hint" and "say:hint" in m:
            out["hint"].append(m["say:hint"])
        elif "first:clarify" in m:
            out["clarify_first_text"].append(m["first:clarify"])
            out["clarify_complete"].append(m["say:clarify"])
        elif turn.kind == "probe" and "say:probe" in m:
            out["probe"].append(m["say:probe"])
        elif turn.kind in ("next", "skip") and "say:question" in m:
            out["next"].append(m["say:question"])
        elif turn.kind == "extraction_attempt" and "say:refusal" in m:
            out["refusal"].append(m["say:refusal"])
        if "scorecard" in m and turn.kind == "answer" and "say:feedback" in m:
            out["scorecard"].append(m["scorecard"])
            out["feedback_complete"].append(m["say:feedback"])
    return out


def near_point(transcript: Transcript) -> int:
    count = 0
    for turn in transcript.turns:
        if not turn.hidden or turn.question is None:
            continue
        lines = [e.text for e in turn.events if e.kind == "say" and e.part in ("clarify", "probe")]
        parts = [s for line in lines for s in sentences(line)]
        if parts:
            points = default_embed(list(turn.question.key_points))
            count += int(((default_embed(parts) @ points.T).max(axis=1) >= NEAR_POINT).sum())
    return count


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2, help="questions per interview (1-3)")
    parser.add_argument("--personas", default=",".join(PERSONAS))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    answers = yaml.safe_load(ANSWERS.read_text())
    tmp = Path(tempfile.mkdtemp(prefix="interviewer-simulated-"))
    (tmp / "knowledge").mkdir()
    shutil.copy(SEED_BANK, tmp / "knowledge" / SEED_BANK.name)
    settings = Settings(
        _env_file=None,
        backend="embedded",
        data_dir=tmp / "data",
        knowledge_dir=tmp / "knowledge",
        llm_threads=args.threads,
    )
    load_before = os.getloadavg()[0]
    deps = build_deps(settings)
    began = time.perf_counter()
    deps.llm.start()
    engine_start = time.perf_counter() - began
    times: dict[str, list[float]] = {}
    rates: dict[str, dict] = {}
    waits: list[float] = []

    def wait_for_warmup(_state) -> None:
        t = time.perf_counter()
        deps.prepare_fn.wait(300)
        waits.append(time.perf_counter() - t)

    totals = {"invented": 0, "leaks": 0, "score_mismatches": 0, "not_answered_errors": 0, "paste_credit": 0}
    clarify_replies = clarify_fixed = 0
    try:
        for persona in args.personas.split(","):
            setup = Setup(question_ids=list(answers)[: args.count], count=args.count, mode="study")
            transcript = run_persona(persona, deps, setup, answers, before_turn=wait_for_warmup)
            findings = check(transcript)
            for kind, values in turn_times(transcript).items():
                times.setdefault(kind, []).extend(values)
            for turn in transcript.turns:
                for e in turn.events:
                    if e.kind == "say" and e.part == "clarify" and turn.question is not None:
                        clarify_replies += 1
                        clarify_fixed += e.text == fixed_clarify(turn.question, turn.text)
            counts = {
                "invented": len(findings.invented),
                "leaks": len(findings.leaks),
                "score_mismatches": len(findings.score_mismatches),
                "not_answered_errors": len(findings.not_answered),
                "paste_credit": len(findings.paste_credit),
            }
            for key, value in counts.items():
                totals[key] += value
            rates[persona] = {
                "turns": len(transcript.turns),
                **counts,
                "near_point_sentences": near_point(transcript),
                "overall": transcript.report.overall,
                "details": (findings.invented + findings.leaks + findings.score_mismatches)[:5],
            }
            print(json.dumps({persona: rates[persona]}), file=sys.stderr, flush=True)
    finally:
        deps.close()
    per_turn = {
        kind: {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95), "budget_p50_s": BUDGET.get(kind)}
        for kind, v in times.items()
    }
    result = {
        "model": deps.llm.name,
        "threads": args.threads,
        "profile": deps.profile,
        "questions_per_interview": args.count,
        "engine_start_s": round(engine_start, 2),
        "per_turn": per_turn,
        "met": {k: per_turn[k]["p50_s"] is not None and per_turn[k]["p50_s"] <= v for k, v in BUDGET.items()},
        "totals": totals,
        "clarify_replies": clarify_replies,
        "clarify_fixed_reply_rate": round(clarify_fixed / clarify_replies, 3) if clarify_replies else None,
        "warmup_wait_s": {"p50": pct([w for w in waits if w > 0.01], 50), "max": pct(waits, 100)},
        "personas": rates,
        "load_avg_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }
    emit(result, args.out)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
