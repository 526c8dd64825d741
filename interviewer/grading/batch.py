"""Batch grading and evaluation over JSON-lines files (`interviewer grade`, `interviewer eval`).

A row has `question`, `reference_answer` (or `reference_answers`, a list), `answer`, and optionally `key_points`
(list), `misconceptions` (list of {claim, key_point}: a wrong claim and the number, from 1, of the key point it
contradicts), `exemplars` (list of {answer, score 0-10} or {answer, label}), `question_id`, and human labels:
`label` (correct / incorrect) and/or `score_human` (any numeric scale). Bad rows are reported with their line
number and skipped; the output file is written atomically (temp file, then rename).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
from pydantic import ValidationError

from interviewer.llm import ChatModel

from . import metrics
from .evidence import task_vectors
from .grader import Grade, GradeExemplar, GradeTask, grade
from .types import GradeMisconception, Mode

LABELS = {"correct": True, "incorrect": False}


@dataclass
class BatchResult:
    graded: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: why"


def _exemplars(raw: object) -> tuple[GradeExemplar, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise ValueError("exemplars must be a list")
    out = []
    for e in raw:
        score = e.get("score", 10.0 if e.get("label") == "correct" else 0.0 if e.get("label") == "incorrect" else None)
        if score is None:
            raise ValueError("each exemplar needs a score (0-10) or a label (correct/incorrect)")
        out.append(GradeExemplar(answer=str(e["answer"]), score=float(score)))
    return tuple(out)


def _misconceptions(raw: object, points: list) -> tuple[GradeMisconception, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ValueError("misconceptions must be a list of {claim, key_point}")
    out = []
    for m in raw:
        number = m.get("key_point")
        if not isinstance(m.get("claim"), str) or not isinstance(number, int) or not 1 <= number <= len(points):
            raise ValueError("each misconception needs a claim (text) and key_point (1 to the number of key points)")
        out.append(GradeMisconception(claim=m["claim"], key_point=number - 1))
    return tuple(out)


def row_task(row: dict, extra_exemplars: tuple[GradeExemplar, ...] = ()) -> GradeTask:
    """The GradeTask of one input row; ValueError (or ValidationError) names what is wrong."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    for name in ("question", "answer"):
        if not isinstance(row.get(name), str):
            raise ValueError(f"missing or non-text field {name!r}")
    refs = row.get("reference_answers") or ([row["reference_answer"]] if row.get("reference_answer") else [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs) or not any(r.strip() for r in refs):
        raise ValueError("needs reference_answer (text) or reference_answers (list of text)")
    points = row.get("key_points") or []
    if not isinstance(points, list) or not all(isinstance(p, str) and p.strip() for p in points):
        raise ValueError("key_points must be a list of text")
    return GradeTask(
        question=row["question"],
        reference_answers=tuple(refs),
        key_points=tuple(points[:7]),
        misconceptions=_misconceptions(row.get("misconceptions"), points[:7]),
        exemplars=_exemplars(row.get("exemplars")) + extra_exemplars,
        question_id=str(row.get("question_id", "")),
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """(line number, row or None, error) for each non-blank line."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), ""
            except ValueError as exc:
                yield number, None, f"not valid JSON ({exc})"


def _llm_for(mode: Mode, llm: ChatModel | None) -> ChatModel | None:
    if mode != "llm" or llm is not None:
        return llm
    from interviewer.config import get_settings
    from interviewer.llm import build_llm  # type: ignore[attr-defined]

    return build_llm(get_settings())


def _progress(items: list, desc: str):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="answer", file=sys.stderr, disable=len(items) < 2)


def grade_file(input: Path, output: Path, mode: Mode = "offline", llm: ChatModel | None = None) -> BatchResult:  # noqa: A002
    """Grade every row of `input` and write it back to `output` with score, passed, flags and key points."""
    llm = _llm_for(mode, llm)
    result = BatchResult()
    rows = list(read_rows(Path(input)))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for number, row, error in _progress(rows, "grading"):
                try:
                    if error:
                        raise ValueError(error)
                    g = grade(row_task(row), row["answer"], mode=mode, llm=llm)
                except (ValueError, ValidationError) as exc:
                    result.skipped.append(f"line {number}: {exc}".splitlines()[0])
                    print(f"{input}: {result.skipped[-1]} (skipped)", file=sys.stderr)
                    continue
                out.write(json.dumps({**row, **g.as_row(), "grade_mode": g.mode}, ensure_ascii=False) + "\n")
                result.graded += 1
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"graded {result.graded} answers, skipped {len(result.skipped)} -> {output}", file=sys.stderr)
    return result


def _spread(items: list, limit: int) -> list:
    """At most `limit` items spread evenly over the list (so a limit still covers many questions)."""
    if not limit or len(items) <= limit:
        return items
    return [items[i] for i in np.linspace(0, len(items) - 1, limit).round().astype(int)]


def _exemplar_pool(path: Path | None) -> dict[str, tuple[GradeExemplar, ...]]:
    """Labelled rows of another file (e.g. a train split) as graded exemplars, by question_id."""
    pool: dict[str, list[GradeExemplar]] = {}
    for _, row, error in read_rows(path) if path else ():
        if error or not row.get("question_id") or row.get("label") not in LABELS:
            continue
        pool.setdefault(str(row["question_id"]), []).append(
            GradeExemplar(answer=row["answer"], score=10.0 * LABELS[row["label"]])
        )
    return {q: tuple(e) for q, e in pool.items()}


def _summary(grades: list[Grade], seconds: list[float], human_labels: list, human_scores: list) -> dict:
    out: dict = {"graded": len(grades)}
    labelled = [(y, g.score) for y, g in zip(human_labels, grades) if y is not None]
    if labelled:
        out["binary"] = metrics.binary([y for y, _ in labelled], [s for _, s in labelled])
    scored = [(h, g.score) for h, g in zip(human_scores, grades) if h is not None]
    if len(scored) > 1:
        out["numeric"] = metrics.numeric([h for h, _ in scored], [s for _, s in scored])
    ms = np.array(seconds) * 1000
    out["latency_ms"] = (
        {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1)}
        if len(ms)
        else {}
    )
    out["modes"] = dict(Counter(g.mode for g in grades))
    out["flags"] = dict(Counter(f for g in grades for f in g.flags).most_common())
    return out


def _timed(task: GradeTask, answer: str, mode: Mode, llm: ChatModel | None) -> tuple[Grade, float]:
    """Grade and time one answer in steady state: the task's vectors are built (once per question) beforehand."""
    task_vectors(task)
    start = time.perf_counter()
    g = grade(task, answer, mode=mode, llm=llm)
    return g, time.perf_counter() - start


def eval_file(
    input: Path | None,
    mode: Mode = "offline",
    limit: int = 0,
    *,
    exemplars: Path | None = None,
    llm: ChatModel | None = None,
) -> dict:  # noqa: A002
    """Grade labelled rows and compare with the human labels; with no input, grade the banks' own exemplars."""
    llm = _llm_for(mode, llm)
    if input is None:
        from .bank_eval import eval_banks

        return eval_banks(mode=mode, limit=limit, llm=llm)
    pool = _exemplar_pool(exemplars)
    grades, seconds, labels, humans, skipped = [], [], [], [], []
    for number, row, error in _progress(_spread(list(read_rows(Path(input))), limit), "evaluating"):
        try:
            if error:
                raise ValueError(error)
            task = row_task(row, pool.get(str(row.get("question_id", "")), ()))
            label = LABELS.get(row.get("label")) if row.get("label") is not None else None
            human = float(row["score_human"]) if row.get("score_human") is not None else None
            g, s = _timed(task, row["answer"], mode, llm)
        except (ValueError, TypeError, ValidationError) as exc:
            skipped.append(f"line {number}: {exc}".splitlines()[0])
            continue
        grades.append(g)
        seconds.append(s)
        labels.append(label)
        humans.append(human)
    summary = _summary(grades, seconds, labels, humans)
    summary.update(
        {"input": str(input), "mode": mode, "exemplars": str(exemplars) if exemplars else None, "skipped": skipped}
    )
    return summary
