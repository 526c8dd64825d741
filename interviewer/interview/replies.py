"""What the interviewer says. Code writes every line that frames the interview (greetings, transitions, nudges) and
every hint (the bank's ladders); the model only phrases clarifications and, on a capable backend, follow-ups, each
as a `Line`: a prompt file with its variables, the code text said when the model is down or its text is in doubt,
and the fixed text said when even that is in doubt. speech.speak streams the model's sentences through the checks.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from interviewer.knowledge.bank import Question
from interviewer.llm import Message
from interviewer.llm.prompts import fence, render
from interviewer.text import STOPWORDS, any_of, content_stems, sentences

from .actions import MAX_HINTS, MAX_PROBES
from .scoring import HINT_COST
from .state import Mode, QuestionRecord, State

_DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
Profile = str  # "short" (a small local model) or "rich" (a capable backend): settings.active_profile


@dataclass(frozen=True)
class Line:
    """One thing to say: `prompt` (a prompts/ file) with `variables` when the model phrases it, else `fallback`;
    `fixed` when the checks doubt even the fallback. `ask`: the line is one question (a follow-up)."""

    part: str
    fallback: str
    prompt: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    max_tokens: int = 80
    prefix: str = ""  # shown before the text (a label such as "Hint 2 of 3")
    fixed: str = ""
    ask: bool = False

    @property
    def last_resort(self) -> str:
        return self.fixed or self.fallback


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


def quote(text: str, words: int = 18) -> str:
    """A candidate's sentence, short enough to quote back to them."""
    ws = " ".join(text.split()).strip(" .").split(" ")
    return " ".join(ws[:words]) + ("..." if len(ws) > words else "")


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


# ---- framing lines: code only, so no model can slip a question or a wrong subject into them

_GREETINGS = (
    "Hello, and welcome! I'm your interviewer today. We'll go through {count} on {topics}, in {mode}.",
    "Hi, thanks for joining. Today we'll cover {topics}: {count}, in {mode}.",
    "Welcome! This session is {count} on {topics}, in {mode}. Take your time with each one.",
    "Good to have you here. We'll work through {count} on {topics}, in {mode}.",
)
_FIRST = ("Let's begin.", "Let's start.", "Here's the first one.")
_NEXT = ("Thanks. Let's move on.", "Thank you. Next one.", "Moving on.", "Thanks, here's the next one.")


def topic_list(topics: list[str]) -> str:
    named = topics[:4]
    if not named:
        return "a mix of topics"
    text = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return text + (" and more" if len(topics) > 4 else "")


def greeting(state: State, topics: list[str]) -> str:
    """A greeting naming the interview's real topics, its length and mode; the phrasing varies by session."""
    template = random.Random(f"{state.seed}:greeting").choice(_GREETINGS)
    count = f"{state.total} question" + ("s" if state.total != 1 else "")
    return template.format(count=count, topics=topic_list(topics), mode=_mode_text(state.setup.mode))


def transition(number: int, total: int, question: Question, seed: int, note: str = "") -> str:
    """The line before a question: a varied lead, then its number, topic and difficulty. Never a question."""
    lead = note or random.Random(f"{seed}:{number}").choice(_FIRST if number == 1 else _NEXT)
    return f"{lead} Question {number} of {total}, on {question.topic} ({difficulty_name(question.difficulty)})."


# ---- clarifications: scope only; the fixed reply restates the scope and invites an assumption

_CHOICE = re.compile(r"\b\w[\w\s/-]{0,40}\s+or\s+\w[\w\s/-]{0,40}\?\s*$", re.IGNORECASE)
_SCALE = any_of(r"\bhow (big|large|many|much)\b", r"\bscale\b", r"\btraffic\b", r"\bvolume\b", r"\bqps\b")


def fixed_clarify(question: Question, asked: str) -> str:
    if _CHOICE.search(asked):
        return (
            "Either reading is fair, and the question leaves it open on purpose. Pick the one you find more "
            "realistic, say which in a sentence, and answer for that case."
        )
    if _SCALE.search(asked):
        return (
            "There's no fixed number. Assume a scale you find realistic, state it (for example requests per second "
            "or rows per day), and answer for it."
        )
    return (
        f"I can't add more than the question says. Take the reading you find most realistic for {question.topic}, "
        "state your assumption in a sentence, and answer on that basis."
    )


def _clarify_prompt(profile: Profile) -> str:
    return "clarify_rich" if profile == "rich" else "clarify"


def clarify(question: Question, asked: str, about: str, profile: Profile = "short") -> Line:
    fixed = fixed_clarify(question, asked)
    variables = {"question": about, "topic": question.topic, "candidate_text": fence(asked)}
    return Line("clarify", fixed, _clarify_prompt(profile), variables, max_tokens=90 if profile == "rich" else 48)


def clarify_prefix(question: Question, profile: Profile = "short") -> list[Message]:
    """The clarify prompt up to the candidate's text: warmup sends it while the candidate reads, so the model's
    prompt cache holds it and a clarifying question only adds its own tokens."""
    system, user = render(_clarify_prompt(profile), question=question.question, topic=question.topic, candidate_text="")
    return [system, Message("user", user.content.strip())]


# ---- hints: the bank's three-step ladder, vaguest first; no model call


def hint_target(question: Question) -> int:
    """The key point hints climb towards: the first one that has a ladder (the core idea comes first)."""
    return next((i for i in range(len(question.key_points)) if question.hint_ladder(i)), 0)


def generic_hint(question: Question, level: int) -> str:
    if level == 1:
        return (
            f"A strong answer makes about {len(question.key_points)} distinct points. Start with the core "
            "idea in a sentence, then how it works in practice, then the trade-offs or pitfalls."
        )
    words = keywords(question.key_points[hint_target(question)], avoid=question.question)
    if words:
        return f"One aspect worth covering involves {' and '.join(repr(w) for w in words)}."
    return "Think about what can go wrong in practice, and how you would notice it."


def hint_sentences(question: Question) -> list[str]:
    """Every sentence a hint on `question` can say (the leak guard checks each; the warm-up embeds them)."""
    ladder = question.hint_ladder(hint_target(question))
    texts = [*(ladder.steps if ladder else []), *(generic_hint(question, level) for level in range(1, MAX_HINTS + 1))]
    return [s for text in texts for s in sentences(text)]


def hint(question: Question, level: int) -> Line:
    ladder = question.hint_ladder(hint_target(question))
    generic = generic_hint(question, level)
    text = ladder.steps[min(level, len(ladder.steps)) - 1] if ladder else generic
    prefix = f"Hint {level} of {MAX_HINTS} (costs {HINT_COST:g} point): "
    return Line("hint", text, prefix=prefix, fixed=generic_hint(question, 1))


# ---- follow-ups: the bank's probe or ladder on a missed point, opened with the candidate's own words

EXTENSION = (
    "Let's push further. Suppose this had to work at a hundred times the scale, or one of your assumptions turned "
    "out to be wrong: what would you change first, and why?"
)


def probe_text(question: Question, point: int, depth: int, asked: set[str]) -> str:
    """Code's follow-up on key point `point`: the bank probe first, a ladder step on the way down (the second
    probe on a point goes to the most specific step), else a generic one."""
    ladder = question.hint_ladder(point)
    bank = question.probe_for(point)
    options = [bank.probe if bank else "", *(reversed(ladder.steps[1:]) if ladder else ())]
    if depth > 1:
        options = [*(reversed(ladder.steps[1:]) if ladder else ()), options[0]]
    for text in options:
        if text and text not in asked:
            return text
    words = keywords(question.key_points[point], avoid=question.question)
    about = f" about {' and '.join(words)}" if words else ""
    if depth > 1:
        return f"Take a concrete case{about}: what exactly would you do, and why?"
    return f"Let's go one level deeper. What more can you tell me{about}, in the context of this question?"


def probe(
    question: Question, text: str, said: str, point: int | None, profile: Profile, answer: str = "", lead: str = ""
) -> Line:
    """A follow-up: code's `text` opened with the candidate's sentence `said` (else `lead`); a capable backend
    rephrases it so it builds on their words in `answer` (validated: one question, nothing of the reference)."""
    lead = f'You said: "{quote(said)}". ' if said else lead
    fallback = lead + text
    if profile != "rich":
        return Line("probe", fallback, fixed=text, ask=True)
    goal = (
        f"Steer them towards this point without stating it: {question.key_points[point]}"
        if point is not None
        else "They covered the main points: go harder (scale, trade-offs or failure modes)."
    )
    variables = {
        "question": question.question,
        "candidate_text": fence(said or answer[:800] or "(no answer)"),
        "draft": text,
        "goal": goal,
    }
    return Line("probe", fallback, "probe", variables, max_tokens=70, fixed=text, ask=True)


# ---- fixed lines


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
    copied = "That repeats the model answer, so it earns no credit. " if p.copied else ""
    return (
        f"{copied}Follow-up: {p.status or 'graded'} ({p.score:.1f}/10). This question now scores "
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
