"""The grader on its development set (tests/data/grader_dev_set.yaml): nine kinds of fresh answer to bank questions,
each with the band a fair interviewer gives. Prints one JSON report: per kind the mean score, passes and share in
band; overall the share in band, Spearman against the intended quality, weak answers passing and strong answers
failing; with the bank's exemplars (the live app) and without them (every imported question).

    .venv/bin/python bench/grader_dev.py               # the development part
    .venv/bin/python bench/grader_dev.py --held-back   # the part kept aside: report it only at the end
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.grading import PASS_MARK, GradeTask, grade, metrics  # noqa: E402
from interviewer.grading.evidence import task_vectors  # noqa: E402
from interviewer.knowledge.bank import load_banks  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "grader_dev_set.yaml"
KINDS = (
    "excellent", "good", "partial", "vague", "misconception", "term_salad", "other_question", "injection",
    "honest_technical",
)  # fmt: skip
STRONG = {"excellent", "good"}  # must pass
WEAK = {"partial", "vague", "misconception", "term_salad", "other_question", "injection"}  # must not pass


def load_cases(held_back: bool) -> list[tuple[str, str, str]]:
    """(question id, kind, answer); other_question is the next question's excellent answer (the file's order)."""
    data = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
    ids = list(data["questions"])
    cases = []
    for i, qid in enumerate(ids):
        item = data["questions"][qid]
        if bool(item.get("held_back")) != held_back:
            continue
        for kind in KINDS:
            text = data["questions"][ids[(i + 1) % len(ids)]]["excellent"] if kind == "other_question" else item[kind]
            cases.append((qid, kind, " ".join(text.split())))
    return cases


def bands() -> dict[str, tuple[float, float]]:
    return {k: tuple(v) for k, v in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["bands"].items()}


def report(cases: list[tuple[str, str, str]], exemplars: bool) -> dict:
    questions = {q.id: q for b in load_banks() for q in b.questions}
    band = bands()
    rows, seconds = [], []
    for qid, kind, answer in cases:
        task = GradeTask.from_question(questions[qid])
        task = task if exemplars else task.model_copy(update={"exemplars": ()})
        task_vectors(task)
        start = time.perf_counter()
        g = grade(task, answer)
        seconds.append(time.perf_counter() - start)
        rows.append((qid, kind, g.score, g.flags, [kp.status for kp in g.key_points]))
    by_kind = {}
    for kind in KINDS:
        scores = [s for _, k, s, _, _ in rows if k == kind]
        lo, hi = band[kind]
        by_kind[kind] = {
            "band": [lo, hi],
            "mean": round(float(np.mean(scores)), 2),
            "passes": f"{sum(s >= PASS_MARK for s in scores)}/{len(scores)}",
            "in_band": f"{sum(lo <= s <= hi for s in scores)}/{len(scores)}",
        }
    intended = [sum(band[k]) / 2 for _, k, _, _, _ in rows]
    scores = [s for _, _, s, _, _ in rows]
    strong = [s for _, k, s, _, _ in rows if k in STRONG]
    return {
        "answers": len(rows),
        "by_kind": by_kind,
        "in_band": round(float(np.mean([band[k][0] <= s <= band[k][1] for _, k, s, _, _ in rows])), 3),
        "spearman": round(metrics.spearman(intended, scores), 3),
        "weak_passing": [f"{q}/{k} {s}" for q, k, s, _, _ in rows if k in WEAK and s >= PASS_MARK],
        "strong_failing_share": round(sum(s < PASS_MARK for s in strong) / len(strong), 3),
        "out_of_band": [f"{q}/{k} {s} {','.join(f)}" for q, k, s, f, _ in rows if not band[k][0] <= s <= band[k][1]],
        "latency_ms_p50": round(1000 * float(np.median(seconds)), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-back", action="store_true", help="the part kept aside (report only at the end)")
    parser.add_argument("--brief", action="store_true", help="leave out the list of answers out of band")
    args = parser.parse_args(argv)
    cases = load_cases(args.held_back)
    out = {"part": "held_back" if args.held_back else "development"}
    for name, exemplars in (("with_exemplars", True), ("without_exemplars", False)):
        out[name] = report(cases, exemplars)
        if args.brief:
            out[name].pop("out_of_band")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
