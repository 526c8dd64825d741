"""Offline assessment: screen the answer, gather evidence, score it with the calibrated model, apply caps.

Deterministic and model-free apart from the sentence embedder; the LLM mode starts from the same Assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import evidence as ev
from . import guards, relevance, rubric
from .model import Params, load_params
from .types import PASS_MARK, Flag, GradeTask, KeyPointResult

FLAG_ORDER: tuple[Flag, ...] = (
    "empty", "injection_attempt", "off_topic", "gibberish", "other_language", "copied_question",
    "keyword_stuffing", "padding", "too_short", "truncated",
)  # fmt: skip


@dataclass
class Assessment:
    task: GradeTask
    screened: guards.Screened
    evidence: ev.Evidence | None
    probability: float
    threshold: float
    model_score: float  # before caps
    cap: float
    points: list[KeyPointResult]

    @property
    def flags(self) -> list[Flag]:
        return [f for f in FLAG_ORDER if f in self.screened.flags]

    @property
    def score(self) -> float:
        return round(min(self.model_score, self.cap), 1)

    @property
    def confidence(self) -> float:
        """How far the evidence is from the pass/fail boundary: 0.5 on it, 1.0 at the ends."""
        if self.cap < PASS_MARK and self.model_score >= PASS_MARK:
            return 0.9  # a flag decided it, not the evidence
        p, t = self.probability, self.threshold
        return round(0.5 + 0.5 * abs(p - t) / ((1 - t) if p > t else t), 2)


def gather(
    task: GradeTask, answer: str, embedder: ev.Embedder | None = None
) -> tuple[guards.Screened, ev.Evidence | None]:
    """Screen the answer and compute the evidence features of what is left (None when nothing is)."""
    screened = guards.screen_text(answer)
    vectors = ev.task_vectors(task, embedder)
    if screened.units:
        unit_vecs, relevance = guards.screen_vectors(vectors, screened, ev.embed_units(screened.units, embedder))
    if not screened.units:
        return screened, None
    evidence = ev.compute(task, screened.units, unit_vecs, relevance, embedder)
    if evidence.relevance < guards.OFF_TOPIC:
        screened.flags.add("off_topic")
    if guards.too_short(screened.units, vectors.reference_len, relevance):
        screened.flags.add("too_short")
    return screened, evidence


def assess(
    task: GradeTask, answer: str, *, embedder: ev.Embedder | None = None, params: Params | None = None
) -> Assessment:
    params = params or load_params()
    screened, evidence = gather(task, answer, embedder)
    model = params.for_task(task)
    if evidence is None:  # nothing left that counts as evidence
        points = [KeyPointResult(point=p, status="missed") for p in ev.task_vectors(task, embedder).groups[0].points]
        return Assessment(task, screened, None, 0.0, model.threshold, 0.0, 0.0, points)
    p = model.probability(evidence.features)
    points = key_point_results(evidence, listed_only=screened.only_lists)
    score, cap = model.to_score(p), guards.cap_for(screened.flags, screened.only_lists)
    if rubric.applies(task):  # the bands of knowledge/RUBRIC.md
        if not any(kp.status == "covered" for kp in points):
            if rubric.names_only(evidence.explained, points):  # the right terms strung into empty sentences
                screened.flags.add("keyword_stuffing")
                screened.only_lists = True
            if relevance.other_question(task, evidence.answer_vec, embedder) is not None:  # another question's answer
                screened.flags.add("off_topic")
        cap = min(guards.cap_for(screened.flags, screened.only_lists), rubric.contradiction_cap(points))
        if not screened.flags - {"truncated"}:  # a short, padded or flagged answer earns no floor
            score = max(score, rubric.floor(points))  # the band of what is covered, then the caps
    return Assessment(task, screened, evidence, p, model.threshold, score, cap, points)


def key_point_results(evidence: ev.Evidence, listed_only: bool = False) -> list[KeyPointResult]:
    """Covered / partly / missed / contradicted per key point, with the answer's sentence that shows it."""
    results = []
    for j, point in enumerate(evidence.group.points):
        s = ev.point_status(evidence, j)
        status = "partly" if listed_only and s.status == "covered" else s.status  # named, not explained
        shown = status != "missed"
        results.append(
            KeyPointResult(
                point=point,
                status=status,
                evidence=s.sentence if shown else "",
                similarity=round(s.similarity, 3),
                contradicted=s.contradicted,
            )
        )
    return results
