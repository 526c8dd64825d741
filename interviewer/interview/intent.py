"""What the candidate meant by a line of free text: rules and keywords, no model call.

`classify(text)` returns an `Intent`. Commands are short, so a command phrase only counts in a short message;
anything long is an answer. Two phrases are always honoured: a leading "answer:" forces an answer, and a request
for the reference answer, notes or rubric (or a role-play to get it) is an `extraction_attempt` unless the text
is long enough to be a real answer that merely mentions such words (the grader flags those as injection).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from interviewer.safety.injection import EXTRACTION, is_extraction_attempt
from interviewer.text import any_of

IntentKind = Literal[
    "answer",
    "clarify",
    "hint",
    "probe",
    "skip",
    "next",
    "repeat",
    "end",
    "ask_about",
    "extraction_attempt",
    "retry_feedback",
    "help",
    "empty",
]

SHORT_WORDS = 14  # a command is at most this long


class Intent(BaseModel):
    kind: IntentKind
    text: str = ""
    topic: str = ""  # for ask_about


_FORCED_ANSWER = any_of(r"^\s*(my\s+)?answer\s*[:\-]\s*\S")
_RETRY = any_of(r"\bretry( the)? feedback\b", r"\b(try|get|show)( the)? feedback again\b", r"^\s*retry\s*$")
_HELP = any_of(r"^\s*(help|commands|options|\?|what can i (do|say)|how does this work)\s*[?!.]*\s*$")
_HINT = any_of(
    r"\bhints?\b",
    r"\bclue\b",
    r"\bnudge\b",
    r"\bi'?m stuck\b",
    r"\bhelp me (get started|out|start)\b",
    r"\bpoint me in the right direction\b",
)
_PROBE = any_of(
    r"\bprobe\b",
    r"\bgo deeper\b",
    r"\bdig deeper\b",
    r"\bdrill (down|deeper)\b",
    r"\bfollow[- ]?up\b",
    r"\bchallenge me\b",
    r"\b(ask|give) me (something|a question|one) harder\b",
    r"\bharder (one|question)\b",
    r"\bpush me\b",
    r"\bgrill me\b",
)
_ASK_ABOUT = re.compile(
    r"(?:\b(?:ask me|quiz me|question me|test me|give me (?:a|another|one|some) questions?|let'?s (?:talk|do one"
    r"|try one)|"
    r"(?:next|another|a) question|can (?:you|we) (?:ask|do|talk|go)|i want (?:a question|to practi[cs]e))\s*"
    r"(?:about|on|regarding|for)\s+|\b(?:switch(?: the topic)? to|change (?:the )?topic to|move on to|"
    r"let'?s (?:do|try|switch to))\s+)(?P<topic>[^?!.]{2,80})",
    re.IGNORECASE,
)
_NOT_TOPIC = re.compile(
    r"^(it|this|that|them|one|so|the next( one| question)?|next( one| question)?|another( one)?|"
    r"something else|a break|later)$",
    re.IGNORECASE,
)
_END = any_of(
    r"^(let'?s |i want to |i'?d like to |can we |please )?(end|stop|quit|exit|finish|terminate|wrap up)"
    r"( (the|this|my))?( (interview|session|test|exam|here|now|it|for today|things up))*$",
    r"^(i'?m|i am|we'?re) (done|finished)( for (today|now))?$",
    r"^(that'?s (all|it)( for (today|now))?)$",
    r"^(bye|goodbye|end interview)$",
    r"\bend (the|this) interview\b",
)
_SKIP = any_of(
    r"^(skip|pass)( (it|this|that|this one|the question|question|please))*$",
    r"^(i )?(don'?t|do not) know( the answer)?$",
    r"^(no idea|idk|no clue|not sure|dunno|i have no idea)$",
    r"^(can we|let'?s|please|could we) skip( (it|this|this one|the question))?$",
    r"\bskip (this|the) question\b",
)
_NEXT = any_of(
    r"^(next|continue|move on|go on|proceed|carry on|ok|okay|ready|go|go ahead|sure|yes|yep)"
    r"( (please|then|now))?$",
    r"^(ok(ay)?,? )?(next|another) (one|question)( please)?$",
    r"^(let'?s )?(move on|continue|keep going|go on)"
    r"( to the next( one| question)?)?$",
    r"^(i'?m )?ready( for the next( one| question)?)?$",
    r"^let'?s (do it|go|start|begin|get started)$",
)
_REPEAT = any_of(
    r"\brepeat\b",
    r"\bsay (that|it) again\b",
    r"\bwhat was the question\b",
    r"^(come again|pardon|sorry)$",
    r"\b(re-?read|read) (the|that) question( again)?\b",
    r"\bone more time\b",
    r"\bi missed (that|the question)\b",
)

_CLARIFY_START = any_of(
    r"^(do|did|does) you mean\b",
    r"^what do you mean\b",
    r"^(should|shall|may|can|could) (i|we)\b",
    r"^(is|are|was|were) (it|this|that|the question|we|you)\b",
    r"^by\b.*\bdo you mean\b",
    r"\bclarif(y|ication)\b",
    r"^(just )?to (be clear|confirm|check)\b",
    r"^(which|what) (kind|type|sort)\b",
    r"^are we (talking|assuming)\b",
    r"^does (the|this) question\b",
    r"^can you (explain|rephrase)\b",
    r"^how (much|many|long|big|large|detailed)\b",
    r"^(what|which) (scale|context|language|version)\b",
    r"^(assuming|i assume)\b",
)


def _words(text: str) -> int:
    return len(text.split())


def _norm(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"^(please|ok(ay)?|hey|hi|um+|uh+|so|well)[,!.]?\s+", "", text)
    text = re.sub(r"[,;]?\s*(please|thanks|thank you)\s*[.!]*$", "", text)
    return text.strip(" .!,;:")


def classify(text: str) -> Intent:
    """Rule-based intent of a line of free text. Cheap, deterministic, no model."""
    raw = text.strip()
    if not raw:
        return Intent(kind="empty")
    if _FORCED_ANSWER.search(raw):
        return Intent(kind="answer", text=re.sub(r"^\s*(my\s+)?answer\s*[:\-]\s*", "", raw, flags=re.IGNORECASE))
    norm = _norm(raw)
    short = _words(norm) <= SHORT_WORDS
    if short:
        if _RETRY.search(norm):
            return Intent(kind="retry_feedback", text=raw)
        if _HELP.search(norm):
            return Intent(kind="help", text=raw)
        if _HINT.search(norm) and not _PROBE.search(norm):
            return Intent(kind="hint", text=raw)
    topic = _ASK_ABOUT.search(norm) if _words(norm) <= 20 else None
    if topic and not _NOT_TOPIC.match(topic.group("topic").strip(" .,!?'\"")) and not EXTRACTION.search(norm):
        return Intent(kind="ask_about", text=raw, topic=topic.group("topic").strip(" .,!?'\""))
    if is_extraction_attempt(raw):
        return Intent(kind="extraction_attempt", text=raw)
    if short:
        for kind, rule in (("end", _END), ("skip", _SKIP), ("probe", _PROBE), ("next", _NEXT), ("repeat", _REPEAT)):
            if rule.search(norm):
                return Intent(kind=kind, text=raw)
    if _words(norm) <= 40 and (raw.rstrip().endswith("?") or _CLARIFY_START.search(norm)):
        return Intent(kind="clarify", text=raw)
    return Intent(kind="answer", text=raw)
