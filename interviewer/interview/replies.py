"""What the interviewer says: one `Line` per LLM call (prompt file + variables + an offline fallback).

The fallback is deterministic and always safe to show, so the interview works with the model down. session.py
decides when to speak, streams the model's text through the leak guard and falls back on `ModelError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviewer.knowledge.bank import Question
from interviewer.llm.prompts import fence
from interviewer.text import STOPWORDS, content_stems, sentences

from .actions import MAX_HINTS, MAX_PROBES
from .scoring import HINT_COST
from .state import Mode, QuestionRecord, State

_DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}


@dataclass(frozen=True)
class Line:
    """One thing to say: `prompt` (a prompts/ file) with `variables`, or `fallback` when there is no model."""

    part: str
    fallback: str
    prompt: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    max_tokens: int = 80
    prefix: str = ""  # shown before the text (a label such as "Hint 2 of 3")


def difficulty_name(level: int) -> str:
    return _DIFFICULTY.get(level, str(level))


def keywords(text: str, avoid: str = "", k: int = 2) -> list[str]:
    """The k longest content words of `text` that are not in `avoid` (a hint's nudge, never the whole point)."""
    seen = set(re.findall(r"[a-z0-9-]+", avoid.lower()))
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+", text) if len(w) > 3 and w.lower() not in STOPWORDS]
    fresh = [w for w in dict.fromkeys(words) if w.lower() not in seen] or list(dict.fromkeys(words))
    return sorted(fresh, key=len, reverse=True)[:k]


def related_text(reference: str, point: str, k: int = 1) -> str:
    """Up to k sentences of `reference` sharing the most content words with `point` (in reference order)."""
    parts = sentences(reference)
    if not parts:
        return ""
    want = set(content_stems(point))
    overlap = [len(want & set(content_stems(s))) for s in parts]
    best = max(overlap)
    ranked = sorted((i for i in range(len(parts)) if overlap[i] >= max(1, best / 2)), key=lambda i: -overlap[i])
    return " ".join(parts[i] for i in sorted(ranked[:k])) or parts[0]


def _mode_text(mode: Mode) -> str:
    return (
        "study mode, with feedback after each answer"
        if mode == "study"
        else "exam mode, with all feedback in the final report"
    )


def help_text(mode: Mode) -> str:
    reveal = "right after you answer or skip" if mode == "study" else "in the final report"
    return (
        f"Answer in your own words. At any point you can ask a clarifying question, ask for a hint "
        f"(up to {MAX_HINTS}, each costs {HINT_COST:g} point), say 'skip', 'repeat', 'ask me about <topic>' or "
        f"'end'. After answering, say 'probe me' for a follow-up or 'next' to move on. "
        f"The model answer is shown {reveal}."
    )


def greeting(state: State, topics: list[str]) -> Line:
    topic_text = ", ".join(topics[:4]) + (" and more" if len(topics) > 4 else "") or "a mix of topics"
    return Line(
        "greeting",
        f"Hello, and welcome! I'm your interviewer today. We'll go through {state.total} question(s) on "
        f"{topic_text}, in {_mode_text(state.setup.mode)}.",
        "greeting",
        {"topics": topic_text, "count": str(state.total), "mode_text": _mode_text(state.setup.mode)},
        max_tokens=60,
    )


def transition(number: int, total: int, question: Question, previous: Question | None, note: str = "") -> Line:
    fallback = note or ("Let's begin." if previous is None else "Thanks. Let's move on.")
    fallback += f" Question {number} of {total}, on {question.topic} ({difficulty_name(question.difficulty)})."
    variables = {
        "previous_topic": previous.topic if previous else "(none: this is the first question)",
        "next_topic": question.topic,
        "number": str(number),
        "total": str(total),
    }
    return Line("transition", fallback.strip(), "transition", variables, max_tokens=40)


def clarify(question: Question, asked: str, about: str) -> Line:
    fallback = (
        "Good question. I can't add detail beyond the question itself, so state the assumptions you'd "
        "make and answer on that basis; interviewers like to hear them. The question again: " + about
    )
    return Line("clarify", fallback, "clarify", {"question": about, "candidate_text": fence(asked)}, max_tokens=120)


def hint_targets(question: Question) -> list[int]:
    """Key points in the order hints address them: those with a bank probe first."""
    with_probe = [i for i in range(len(question.key_points)) if question.probe_for(i)]
    return with_probe + [i for i in range(len(question.key_points)) if i not in with_probe]


def hint(question: Question, level: int) -> Line:
    targets = hint_targets(question)
    target = targets[(level - 1) % len(targets)]
    point = question.key_points[target]
    if level == 1:
        fallback = (
            f"A strong answer makes about {len(question.key_points)} distinct points. Start with the core "
            "idea in a sentence, then how it works in practice, then the trade-offs or pitfalls."
        )
    elif level == 2 and question.probe_for(target):
        fallback = f"Ask yourself: {question.probe_for(target).probe}"
    else:
        words = keywords(point, avoid=question.question)
        fallback = (
            f"One aspect worth covering involves {' and '.join(repr(w) for w in words)}."
            if words
            else "Think about what can go wrong in practice, and how you would notice it."
        )
    variables = {"question": question.question, "aspect": point, "level": str(level)}
    prefix = f"Hint {level} of {MAX_HINTS} (costs {HINT_COST:g} point): "
    return Line("hint", fallback, "hint", variables, max_tokens=80, prefix=prefix)


def probe(question: Question, answer: str, point: int | None) -> Line:
    """A generated follow-up: on a missed key point, or (point None) a harder extension."""
    if point is None:
        fallback = (
            "Let's push further. Suppose this had to work at a hundred times the scale, or one of your "
            "assumptions turned out to be wrong: what would you change first, and why?"
        )
        goal = "They covered the main points. Ask a harder extension: scale, trade-offs or failure modes."
    else:
        words = keywords(question.key_points[point], avoid=question.question)
        about = f" about {' and '.join(words)}" if words else ""
        fallback = f"Let's go one level deeper. What more can you tell me{about}, in the context of this question?"
        goal = f"Ask about this point, which the answer missed, without stating it: {question.key_points[point]}"
    return Line(
        "probe",
        fallback,
        "probe",
        {"question": question.question, "candidate_text": fence(answer[:1500]), "goal": goal},
        max_tokens=60,
    )


def refusal(mode: Mode) -> str:
    reveal = "appears right after you answer or skip" if mode == "study" else "is in the final report"
    return (
        "I can't share the model answer, my notes or the marking points before you've answered; that would "
        "spoil the practice. Give it your best attempt: you can ask a clarifying question, or ask for a hint "
        f"(each costs {HINT_COST:g} point). The model answer {reveal}. "
        "(If that message was your answer, send it again starting with 'Answer:'.)"
    )


def after_answer(record: QuestionRecord, mode: Mode, lead: bool = True) -> str:
    lead_text = "Thanks, your answer is recorded. " if mode == "exam" and lead else ""
    more = " 'probe me' for a follow-up, or" if len(record.probes) < MAX_PROBES and record.status == "answered" else ""
    return f"{lead_text}Say{more} 'next' to move on."


def probe_result(record: QuestionRecord, mode: Mode) -> str:
    p = record.probes[-1]
    if mode == "exam":
        return "Thanks, noted. " + after_answer(record, mode, lead=False)
    return (
        f"Follow-up: {p.status or 'graded'} ({p.score:.1f}/10). This question now scores "
        f"{record.score:.1f}/10. " + after_answer(record, mode)
    )


def goodbye(state: State) -> str:
    done = state.done_records
    if not done:
        return "Thanks for your time. We didn't get through a question this time; start again whenever you like."
    return (
        f"That's the end of the interview, thank you! You scored {state.overall:.1f}/10 over {len(done)} "
        "question(s). Your full report, with the model answers and what to study next, is ready."
    )
