"""Deterministic feedback: strengths, gaps and a short second-person paragraph built from the evidence.

Each gap names the key point and why it matters, quoting the reference sentence that carries it.
"""

from __future__ import annotations

import re

from interviewer import text as tx

from .types import PASS_MARK, Flag, GradeTask, KeyPointResult

FLAG_NOTES: dict[Flag, str] = {
    "empty": "You did not give an answer, so there was nothing to score.",
    "injection_attempt": (
        "Part of your answer was addressed to the grader instead of answering the question; it was ignored and the "
        "answer capped at 3/10."
    ),
    "off_topic": "Your answer does not address this question; re-read it and answer what is asked.",
    "gibberish": "Most of your answer is not recognisable words, so it could not be scored.",
    "other_language": "Please answer in English: the grader can only check English answers, so this one is capped.",
    "copied_question": "Restating the question earns no credit; it was left out of the scoring.",
    "keyword_stuffing": (
        "Listing terms without explaining them earns no credit: say what each one does and why it matters."
    ),
    "padding": "Repeated or filler sentences were ignored: length alone earns no credit.",
    "too_short": "Your answer is too short to show understanding; explain the how and the why.",
    "truncated": "Your answer was very long; only its first part was graded.",
}


_BECAUSE = re.compile(r"\b(because|so that|otherwise|to avoid|which|since|or else|means)\b", re.IGNORECASE)


def _clip(text: str, words: int = 30) -> str:
    ws = text.split()
    return " ".join(ws[:words]) + (" ..." if len(ws) > words else "")


def why_it_matters(task: GradeTask, point: str) -> str:
    """The reference sentence that shares most content words with the point (when it adds something)."""
    point_stems = set(tx.content_stems(point))
    best, best_overlap = "", 0.0
    for sentence in (s for ref in task.reference_answers for s in tx.sentences(ref)):
        stems = set(tx.content_stems(sentence))
        overlap = len(point_stems & stems) / max(len(point_stems | stems), 1)
        overlap += 0.1 * bool(overlap and _BECAUSE.search(sentence))  # prefer a sentence that gives the reason
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    if not best or set(tx.content_stems(best)) <= point_stems:
        return ""
    return best


def _point(kp: KeyPointResult) -> str:
    return _clip(kp.point.strip().rstrip("."), 25)


def strengths_and_gaps(points: list[KeyPointResult]) -> tuple[list[str], list[str]]:
    strengths = [f"You covered: {p.point}" for p in points if p.status == "covered"]
    gaps = []
    for p in points:
        if p.contradicted:
            gaps.append(f"Contradicts the key point: {p.point}")
        elif p.status == "partly":
            gaps.append(f"Only touched on: {p.point}")
        elif p.status == "missed":
            gaps.append(f"Missing: {p.point}")
    return strengths, gaps


def offline_feedback(task: GradeTask, score: float, points: list[KeyPointResult], flags: list[Flag]) -> str:
    """A short paragraph in the second person: the verdict, what was covered, what was missing and why."""
    covered = [p for p in points if p.status == "covered"]
    verdict = "This answer passes" if score >= PASS_MARK else "This answer does not pass yet"
    parts = [f"{verdict} ({score:.1f}/10, pass mark {PASS_MARK:.0f})."]
    parts += [FLAG_NOTES[f] for f in flags if f in FLAG_NOTES and f != "too_short"]
    if covered and "empty" not in flags:
        parts.append(f'You covered {len(covered)} of {len(points)} key points, e.g. "{_point(covered[0])}".')
    for p in [p for p in points if p.contradicted][:2]:
        parts.append(
            f'You said "{_clip(p.evidence, 20)}", which contradicts the key point "{_point(p)}"; '
            "a wrong statement costs more than a missing one."
        )
    for p in [p for p in points if p.status == "partly" and not p.contradicted][:2]:
        parts.append(f'You touched on "{_point(p)}" but did not explain it: say how it works and why.')
    for p in [p for p in points if p.status == "missed"][:2]:
        why = why_it_matters(task, p.point)
        parts.append(f'You did not cover "{_point(p)}".' + (f' It matters: "{_clip(why)}"' if why else ""))
    if "too_short" in flags:
        parts.append(FLAG_NOTES["too_short"])
    return " ".join(parts)
