"""What each key point gets: covered, partly, missed or contradicted, with the answer's sentence that shows it.

Three rules a real interviewer applies, in code:
- A sentence that states one of the rubric's wrong claims (misconceptions, by meaning: close to the claim, closer to
  it than to any key point, same polarity) contradicts the key point the claim is tied to; that costs more than a
  miss (offline.py), and the sentence never counts as covering anything.
- A sentence that only names terms ("X and Y are important for Z", "A involves B") earns at most "partly": saying
  how or why is what covers a point.
- The whole answer as one text can show a point is touched (partly), not that it is covered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from interviewer import text as tx

COVERED = 0.575  # cosine of a sentence to a key point: these two maximise the Spearman of coverage
PARTLY = 0.40  # ... against the banks' exemplar scores (bench/calibrate_grader.py prints it)
CLAIM = 0.76  # cosine of a sentence to a wrong claim: the sentence states it (dev set: no false hit on right answers)
CLAIM_MARGIN = 0.12  # ... and it is this much closer to the claim than to any key point
OPPOSITE = 0.80  # a short sentence this close to a key point but of the other polarity ("not") says the opposite
OPPOSITE_WORDS = 25  # in longer sentences a "not" is as likely to be about something else (dev set: 2 of 2 were)

_LINK = r"\b(is|are|was|were|be|being|seems?)\b"
_EMPTY_ADJ = (
    r"(important|key|relevant|crucial|essential|related|central|critical|significant|vital|involved|fundamental"
    r"|connected|linked|useful|helpful|necessary|interesting|part of|a part of)"
)
_EMPTY_NOUN = (
    r"(topics?|concepts?|ideas?|things?|aspects?|factors?|challenges?|causes?|fixes|remedies|considerations?"
    r"|trade-?offs?|issues?|elements?|components?|parts?|pieces?|terms?|notions?)"
)
# "X and Y are important for Z", "A involves B", "C matters": a predicate that says nothing about how or why
EMPTY_PREDICATE = re.compile(
    _LINK + r"\s+(\w+\s+){0,2}?" + _EMPTY_ADJ + r"\b|" + _LINK + r"\s+(all\s+)?about\b|"
    + _LINK + r"\b[^.;]{0,40}\b" + _EMPTY_NOUN + r"\W*$"
    + r"|\b(matters?|involves?|concerns?|relates? to|plays? (a|an) (\w+ )?role|comes? into play|revolves? around)\b",
    re.IGNORECASE,
)  # fmt: skip
# ... unless the sentence also gives a reason, a condition, a comparison or a consequence
EXPLAINS = re.compile(
    r"(?<![\w-])(because|since|so|therefore|thus|hence|which|that|who|when|whenever|if|unless|otherwise|than|by|until"
    r"|instead|rather|while|whereas|would|will|can|cannot|could|should|must|need to|needs to|in order to|to avoid"
    r"|to prevent|to keep|to make|how|why)(?![\w-])|'d\b|'ll\b",
    re.IGNORECASE,
)


_NOT_A_DENIAL = re.compile(r"\bnot (just|only|merely|simply|solely)\b|\bno matter\b|\bnot least\b", re.IGNORECASE)


def negated(text: str) -> bool:
    """Polarity for comparing a sentence with a point or claim: "not just the inputs" adds, it does not deny."""
    return tx.negated(_NOT_A_DENIAL.sub(" ", text))


def names_only(sentence: str) -> bool:
    """Terms strung together with an empty predicate and no reason, condition or consequence."""
    return bool(EMPTY_PREDICATE.search(sentence)) and not EXPLAINS.search(sentence)


def stated_claims(
    unit_vecs: np.ndarray,
    units: Sequence[str],
    claims: np.ndarray,
    claim_points: Sequence[int],
    claim_negated: Sequence[bool],
    point_vecs: np.ndarray,
) -> dict[int, tuple[int, float]]:
    """Key point -> (index of the sentence that states a wrong claim against it, its cosine to the claim)."""
    found: dict[int, tuple[int, float]] = {}
    if not len(claims) or not len(units):
        return found
    sims = unit_vecs @ claims.T
    nearest_point = (unit_vecs @ point_vecs.T).max(axis=1)
    for i, unit in enumerate(units):
        j = int(sims[i].argmax())
        sim = float(sims[i, j])
        if sim < CLAIM or sim - float(nearest_point[i]) < CLAIM_MARGIN or negated(unit) != claim_negated[j]:
            continue
        point = claim_points[j]
        if point not in found or sim > found[point][1]:
            found[point] = (i, sim)
    return found


@dataclass(frozen=True)
class PointStatus:
    status: str  # covered | partly | missed | contradicted
    sentence: str  # the answer's sentence closest to the point (or the one that contradicts it)
    similarity: float
    contradicted: bool


def point_status(
    point_sims: np.ndarray,
    units: Sequence[str],
    explained: Sequence[bool],
    wrong: dict[int, tuple[int, float]],
    point_negated: bool | None,
    j: int,
) -> PointStatus:
    """The verdict for key point j. `point_sims` has a row per sentence and a last row for the whole answer;
    `explained[i]` says whether sentence i says how or why; `wrong` maps points to the sentence contradicting them.
    `point_negated` is the point's polarity, or None when the rubric lists its wrong claims: then a contradiction is
    one of those, never a stray "no longer" in a right sentence (polarity misfired on 2 of 30 strong answers)."""
    n = len(units) - 1  # the last unit is the whole answer
    if j in wrong:
        i, sim = wrong[j]
        return PointStatus("contradicted", units[i], sim, True)
    column = point_sims[:, j]
    sentences = column[:n] if n > 1 else column[:1]
    best = int(sentences.argmax())
    sim = float(sentences.max())
    whole = float(column[-1])
    sentence = units[best]
    if (
        point_negated is not None and negated(sentence) != point_negated and sim >= COVERED
    ):  # the point said the other way round
        if sim >= OPPOSITE and len(sentence.split()) <= OPPOSITE_WORDS:
            return PointStatus("contradicted", sentence, sim, True)
        return PointStatus("partly", sentence, sim, False)
    explained_sims = [float(column[i]) for i in range(len(sentences)) if explained[i]]
    if explained_sims and max(explained_sims) >= COVERED:
        i = max((i for i in range(len(sentences)) if explained[i]), key=lambda i: column[i])
        return PointStatus("covered", units[i], float(column[i]), False)
    if max(sim, whole) >= PARTLY:
        return PointStatus("partly", sentence, max(sim, whole), False)
    return PointStatus("missed", sentence, max(sim, whole), False)
