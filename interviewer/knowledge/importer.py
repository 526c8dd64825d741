"""Turn a Q&A article ("N. Question?" then its answer) or CSV/JSON rows of question,answer into a Bank.

Key points are proposed from the answer: by the configured LLM when asked, else by a sentence/list split. With the
model, common wrong claims (misconceptions, each against one key point) are proposed too, so the grader can mark a
contradicted point on imported questions; without one they are left empty (no heuristic can invent a plausible
wrong claim). The result is a starting point for a human editor, written as a bank YAML file.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from pydantic import BaseModel, Field

from interviewer.errors import KnowledgeError

from .bank import Bank, FollowUp, Misconception, Question

_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_LIST_INTRO = re.compile(r"\b(?:include|includes|including|involves|such as|like|consider|are|is)\b\s+(.+)$", re.I)


def parse_article(text: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from numbered headings 1., 2., ... in order; prose before 1. is ignored."""
    pairs: list[tuple[str, list[str]]] = []
    for para in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not para:
            continue
        match = _NUMBERED.match(para.splitlines()[0])
        if match and int(match.group(1)) == len(pairs) + 1:
            rest = para.splitlines()[1:]
            pairs.append((match.group(2).strip(), [" ".join(rest)] if rest else []))
        elif pairs and _is_prose(para):
            pairs[-1][1].append(" ".join(para.split()))
        elif pairs and pairs[-1][1]:
            pairs.append(("", []))  # navigation or footer text: stop collecting into the last answer
    return [(q, " ".join(a)) for q, a in pairs if q and a]


def _is_prose(para: str) -> bool:
    return len(para) >= 40 and para.rstrip()[-1:] in ".!?:)\"'"


def heuristic_key_points(answer: str, limit: int = 7) -> list[str]:
    """Sentences first; a sentence that lists items ("include A, B and C") becomes one point per item."""
    points: list[str] = []
    for sentence in _SENTENCE.split(answer.strip()):
        sentence = sentence.strip().rstrip(".")
        intro = _LIST_INTRO.search(sentence)
        items = re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+", intro.group(1)) if intro else []
        if len(items) >= 3:
            points += [item.strip().rstrip(".") for item in items if len(item.strip()) > 2]
        elif len(sentence) > 15:
            points.append(sentence)
    points = [p[:1].upper() + p[1:] for p in points if p][:limit]
    while len(points) < 3:  # the schema wants 3; a short answer gets generic checks a human should edit
        points.append(
            ["Answers the question directly", "Explains why it matters", "Gives a concrete example"][len(points) % 3]
        )
    return points


class _ProposedPoints(BaseModel):
    key_points: list[str] = Field(min_length=3, max_length=7)


def llm_key_points(llm, question: str, answer: str) -> list[str]:
    """Key points proposed by the LLM; the heuristic split when the model fails."""
    from interviewer.errors import ModelError
    from interviewer.llm.prompts import render

    try:
        return llm.structured(
            render("propose_key_points", question=question, reference_answer=answer), _ProposedPoints
        ).key_points
    except ModelError:
        return heuristic_key_points(answer)


class _ProposedMisconceptions(BaseModel):
    misconceptions: list[Misconception] = Field(min_length=1, max_length=6)


def llm_misconceptions(llm, question: str, answer: str, points: list[str]) -> list[Misconception]:
    """2-4 wrong claims proposed by the LLM, each naming an existing key point and not a key point with a "not"
    added; none when the model fails or proposes nothing usable (a human can add them in the YAML)."""
    from interviewer.errors import ModelError
    from interviewer.llm.prompts import render
    from interviewer.text import content_stems

    numbered = "\n".join(f"{i}. {p}" for i, p in enumerate(points, 1))
    try:
        proposed = llm.structured(
            render("propose_misconceptions", question=question, key_points=numbered, reference_answer=answer),
            _ProposedMisconceptions,
        ).misconceptions
    except (ModelError, ValueError):
        return []
    kept: list[Misconception] = []
    for m in proposed:
        point = set(content_stems(points[m.key_point])) if m.key_point < len(points) else set()
        claim = set(content_stems(m.claim))
        if point and claim and not claim <= point:  # a key point restated (or negated) is no misconception
            kept.append(m)
    return kept[:4] if len(kept) >= 2 else []


def _slug(text: str, limit: int = 40) -> str:
    words = re.sub(r"[^a-z0-9 ]", "", text.lower()).split()
    stop = {
        "the",
        "a",
        "an",
        "of",
        "and",
        "in",
        "to",
        "what",
        "how",
        "would",
        "you",
        "your",
        "is",
        "are",
        "for",
        "its",
        "when",
        "each",
        "do",
    }
    return "-".join(w for w in words if w not in stop)[:limit].strip("-") or "q"


def build_bank(pairs: list[tuple[str, str]], bank_id: str, topic: str, llm=None) -> Bank:
    questions = []
    for n, (question, answer) in enumerate(pairs, 1):
        points = llm_key_points(llm, question, answer) if llm else heuristic_key_points(answer)
        wrong = llm_misconceptions(llm, question, answer, points) if llm else []
        probes = [
            FollowUp(probe=f"Can you go deeper on this point: {p.rstrip('.').lower()}?", key_point=i)
            for i, p in enumerate(points[:2], 1)
        ]
        questions.append(
            Question(
                id=f"{bank_id.replace('_', '-')}-{n:02d}-{_slug(question)}",
                topic=topic,
                difficulty=2,
                question=question,
                reference_answer=answer,
                key_points=points,
                follow_ups=probes,
                misconceptions=wrong,
                tags=[],
            )
        )
    return Bank(id=bank_id, title=bank_id.replace("_", " ").title(), questions=questions)


def read_rows(path: Path) -> list[tuple[str, str]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    else:
        data = (
            json.loads(path.read_text(encoding="utf-8"))
            if path.suffix.lower() == ".json"
            else [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        )
        rows = data if isinstance(data, list) else data.get("questions", [])
    pairs = []
    for n, row in enumerate(rows, 1):
        question, answer = (
            (row.get("question") or "").strip(),
            (row.get("answer") or row.get("reference_answer") or "").strip(),
        )
        if not question or not answer:
            raise KnowledgeError("each row needs non-empty question and answer", file=str(path), question_id=f"row {n}")
        pairs.append((question, answer))
    return pairs


def import_file(path: Path, bank_id: str | None = None, topic: str | None = None, use_llm: bool = False) -> Bank:
    if not path.is_file():
        raise KnowledgeError("no such file", file=str(path))
    if path.suffix.lower() in {".csv", ".json", ".jsonl"}:
        pairs = read_rows(path)
    else:
        pairs = parse_article(path.read_text(encoding="utf-8"))
    if not pairs:
        raise KnowledgeError("found no numbered questions (expected lines like '1. Question?')", file=str(path))
    bank_id = bank_id or re.sub(r"[^a-z0-9_]", "_", path.stem.lower()).strip("_")
    if not use_llm:
        return build_bank(pairs, bank_id, topic or "General")
    from interviewer.config import get_settings
    from interviewer.llm import build_llm

    llm = build_llm(get_settings())  # one engine for the whole file: starting it costs seconds
    try:
        return build_bank(pairs, bank_id, topic or "General", llm=llm)
    finally:
        llm.close()
