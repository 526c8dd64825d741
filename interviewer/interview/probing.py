"""Follow-ups like a real interviewer: on a contradicted, then missed, then partly covered key point, up to two deep
on the same point while it stays uncovered, opened with the candidate's own sentence; then harder extensions.
Each follow-up is graded against its key point (`probe_task`)."""

from __future__ import annotations

from interviewer.grading import KeyPointResult
from interviewer.knowledge.bank import Question

from . import replies
from .state import ProbeRecord, QuestionRecord

MAX_DEPTH = 2  # follow-ups on one key point
_RANK = {"contradicted": 0, "missed": 1, "partly": 2}
ANOTHER_ANGLE = "Let me come at it from another angle. "


def contradicted(kp: KeyPointResult) -> bool:
    """Either form of the verdict: the flag on today's results, or a fourth status."""
    return bool(getattr(kp, "contradicted", False)) or kp.status == "contradicted"


def _rank(rec: QuestionRecord, i: int) -> int | None:
    """How much key point i needs a follow-up (0 most); None once covered."""
    if i in rec.covered_by_probe:
        return None
    kp = rec.grade.key_points[i] if rec.grade and i < len(rec.grade.key_points) else None
    if kp is None:
        return _RANK["missed"]
    return _RANK["contradicted"] if contradicted(kp) else _RANK.get(kp.status)


def _target(rec: QuestionRecord) -> tuple[int | None, int, str, str]:
    """(key point or None for an extension, depth, the candidate's sentence to quote, lead when there is none)."""
    last = rec.probes[-1] if rec.probes else None
    if last is not None and last.key_point is not None and not last.skipped and last.status != "covered":
        depth = sum(p.key_point == last.key_point for p in rec.probes)
        if depth < MAX_DEPTH:
            return last.key_point, depth + 1, last.evidence, ANOTHER_ANGLE
    probed = {p.key_point for p in rec.probes}
    ranked = sorted(
        (rank, i)
        for i in range(len(rec.question.key_points))
        if (rank := _rank(rec, i)) is not None and i not in probed
    )
    if not ranked:
        return None, 1, "", ""
    _, i = ranked[0]
    kp = rec.grade.key_points[i] if rec.grade and i < len(rec.grade.key_points) else None
    said = kp.evidence if kp is not None and contradicted(kp) else ""
    return i, 1, said, ""


def choose_probe(rec: QuestionRecord, profile: str = "short") -> tuple[ProbeRecord, replies.Line]:
    """The next follow-up and the line that says it."""
    q, asked = rec.question, {p.base for p in rec.probes}
    point, depth, said, lead = _target(rec)
    if point is not None:
        text = replies.probe_text(q, point, depth, asked)
    else:
        text = next((f.probe for f in q.follow_ups if f.probe not in asked), replies.EXTENSION)
        point = next((f.key_point for f in q.follow_ups if f.probe == text), None)
    line = replies.probe(q, text, said, point, profile, answer=rec.answer, lead=lead)
    return ProbeRecord(text="", base=text, key_point=point, depth=depth, source="bank"), line


def probe_task(q: Question, probe: ProbeRecord) -> Question:
    """What a probe answer is graded against: the targeted key point, or (extension) the whole question."""
    if probe.key_point is None:
        return q.model_copy(update={"question": probe.text, "exemplars": []})
    point = q.key_points[probe.key_point]
    reference = f"{point}. {replies.related_text(q.reference_answer, point, k=2)}"
    return q.model_copy(
        update={
            "question": probe.text,
            "key_points": [point],
            "reference_answer": reference,
            "exemplars": [],
            "follow_ups": [],
            "hints": [],
            "misconceptions": [  # the grader may check the point against its known wrong claims
                m.model_copy(update={"key_point": 0}) for m in q.misconceptions if m.key_point == probe.key_point
            ],
        }
    )
