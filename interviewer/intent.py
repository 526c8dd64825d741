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

IntentKind = Literal[
    "answer", "clarify", "hint", "probe", "skip", "next", "repeat", "end", "ask_about",
    "extraction_attempt", "retry_feedback", "help", "empty",
]

SHORT_WORDS = 14  # a command is at most this long
EXTRACTION_WORDS = 40  # longer text is an answer even if it asks for the reference (the grader flags it)


class Intent(BaseModel):
    kind: IntentKind
    text: str = ""
    topic: str = ""  # for ask_about


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_FORCED_ANSWER = _rx(r"^\s*(my\s+)?answer\s*[:\-]\s*\S")
_RETRY = _rx(r"\bretry( the)? feedback\b", r"\b(try|get|show)( the)? feedback again\b", r"^\s*retry\s*$")
_HELP = _rx(r"^\s*(help|commands|options|\?|what can i (do|say)|how does this work)\s*[?!.]*\s*$")
_HINT = _rx(r"\bhints?\b", r"\bclue\b", r"\bnudge\b", r"\bi'?m stuck\b", r"\bhelp me (get started|out|start)\b",
            r"\bpoint me in the right direction\b")
_PROBE = _rx(r"\bprobe\b", r"\bgo deeper\b", r"\bdig deeper\b", r"\bdrill (down|deeper)\b", r"\bfollow[- ]?up\b",
             r"\bchallenge me\b", r"\b(ask|give) me (something|a question|one) harder\b", r"\bharder (one|question)\b",
             r"\bpush me\b", r"\bgrill me\b")
_ASK_ABOUT = re.compile(
    r"(?:\b(?:ask me|quiz me|question me|test me|give me (?:a|another|one|some) questions?|let'?s (?:talk|do one|try one)|"
    r"(?:next|another|a) question|can (?:you|we) (?:ask|do|talk|go)|i want (?:a question|to practi[cs]e))\s*"
    r"(?:about|on|regarding|for)\s+|\b(?:switch(?: the topic)? to|change (?:the )?topic to|move on to|"
    r"let'?s (?:do|try|switch to))\s+)(?P<topic>[^?!.]{2,80})", re.IGNORECASE)
_NOT_TOPIC = re.compile(r"^(it|this|that|them|one|so|the next( one| question)?|next( one| question)?|another( one)?|"
                        r"something else|a break|later)$", re.IGNORECASE)
_END = _rx(r"^(let'?s |i want to |i'?d like to |can we |please )?(end|stop|quit|exit|finish|terminate|wrap up)"
           r"( (the|this|my))?( (interview|session|test|exam|here|now|it|for today|things up))*$",
           r"^(i'?m|i am|we'?re) (done|finished)( for (today|now))?$", r"^(that'?s (all|it)( for (today|now))?)$",
           r"^(bye|goodbye|end interview)$", r"\bend (the|this) interview\b")
_SKIP = _rx(r"^(skip|pass)( (it|this|that|this one|the question|question|please))*$",
            r"^(i )?(don'?t|do not) know( the answer)?$", r"^(no idea|idk|no clue|not sure|dunno|i have no idea)$",
            r"^(can we|let'?s|please|could we) skip( (it|this|this one|the question))?$", r"\bskip (this|the) question\b")
_NEXT = _rx(r"^(next|continue|move on|go on|proceed|carry on|ok|okay|ready|go|go ahead|sure|yes|yep)"
            r"( (please|then|now))?$",
            r"^(ok(ay)?,? )?(next|another) (one|question)( please)?$", r"^(let'?s )?(move on|continue|keep going|go on)"
            r"( to the next( one| question)?)?$", r"^(i'?m )?ready( for the next( one| question)?)?$",
            r"^let'?s (do it|go|start|begin|get started)$")
_REPEAT = _rx(r"\brepeat\b", r"\bsay (that|it) again\b", r"\bwhat was the question\b", r"^(come again|pardon|sorry)$",
              r"\b(re-?read|read) (the|that) question( again)?\b", r"\bone more time\b", r"\bi missed (that|the question)\b")

_SECRET = (r"(answers?|solutions?|notes|key ?points|rubric|marking( scheme)?|grading (criteria|guide|notes)|checklist|"
           r"system prompt|(your|the) (instructions|prompt)|reference( answer| solution| notes| text| material)?|"
           r"cheat ?sheet|expected output|hidden text)")
_LEAD = r"(^|[.?!,;:\"'(]\s*|\b(please|so|ok|okay|then|now|just|and|but|can you|could you|would you|will you|you should|you must)\s+)"
_ASK_VERB = (r"(what('s| is| are| was| were)|tell|give|show|reveal|print|share|dump|output|display|list|read|recite|"
             r"spell|paste|repeat|write|provide|send|leak|copy|quote|type|translate|summari[sz]e|encode|"
             r"can i (see|have|get)|could i (see|have|get)|may i (see|have)|i need|i want|let me (see|have)|where( is|'s| are))")
_EXTRACTION = _rx(
    _LEAD + _ASK_VERB + r"\b[^.?!]{0,60}?\b" + _SECRET + r"\b",
    r"^(the |your )?(model|reference|correct|right|ideal|perfect|expected|sample|official|full) (answer|solution)s?"
    r"( please| now)?[?!.]*$",
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(instructions|rules|prompt|guidelines)\b",
    r"\b(ignore|disregard|forget) (all|everything) (above|previous|before)\b",
    r"\bpretend (to be|you('| a)re|that you)\b", r"(^|[.!?]\s*|\b(please|now|just|you (will|must|should|can)|i (want|need) you to) )act as\b",
    r"\brole-?\s?play", r"\byou are now (a|an|my|the|in|free|unrestricted)\b",
    r"\bfrom now on,? you\b", r"\bdeveloper mode\b", r"\bjailbreak", r"(?-i:\bDAN\b)", r"\blet'?s play a game\b",
    r"\bimagine (you('| a)re|that you)\b[^.?!]{0,60}\b(interviewer|grader|teacher|tutor|examiner|assistant|model|ai|"
    r"grandma|grandmother|candidate)\b",
    r"\bwhat (would|does|should|did|will) (a|an|the|your) (perfect|ideal|model|good|great|strong|correct|complete|"
    r"full[- ]marks?|10/10|best|reference|expected|right)\s+(answer|response|solution)",
    r"\b(what|which) (key ?points|points|criteria|keywords|aspects)\b[^.?!]{0,40}\b(looking for|expect|want|grading|"
    r"marking|checking|mention|cover)",
    r"\b(what|which)\b[^.?!]{0,20}\b(checklist|rubric|notes|marking scheme|answer key)\b",
    r"\b(answer|solve|do) (it|this|that|the question)( for me| yourself)\b", r"\banswer your own question\b",
    r"\bhow would you (answer|respond to|solve) (it|this|that)\b", r"\bwhat would you say\b",
    r"\b(first|next|last) (word|letter|sentence|line)s? of (the|your) (answer|notes|reference|solution)",
    r"\bfill in the blanks?\b", r"\bcomplete (this|the|my) sentence\b", r"\b(in|as|to) (base64|rot13|hex)\b",
    r"\b(spell|write|say|print)[^.?!]{0,30}\b(backwards|in reverse)\b",
    r"\b(i am|i'?m) (the|your) (developer|admin|administrator|creator|teacher|interviewer|grader|supervisor|boss)\b",
    r"\bsudo\b", r"\bas an? (admin|administrator|developer)\b",
)
_CLARIFY_START = _rx(r"^(do|did|does) you mean\b", r"^what do you mean\b", r"^(should|shall|may|can|could) (i|we)\b",
                     r"^(is|are|was|were) (it|this|that|the question|we|you)\b", r"^by\b.*\bdo you mean\b",
                     r"\bclarif(y|ication)\b", r"^(just )?to (be clear|confirm|check)\b", r"^(which|what) (kind|type|sort)\b",
                     r"^are we (talking|assuming)\b", r"^does (the|this) question\b", r"^can you (explain|rephrase)\b",
                     r"^how (much|many|long|big|large|detailed)\b", r"^(what|which) (scale|context|language|version)\b",
                     r"^(assuming|i assume)\b")


def _words(text: str) -> int:
    return len(text.split())


def _norm(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"^(please|ok(ay)?|hey|hi|um+|uh+|so|well)[,!.]?\s+", "", text)
    text = re.sub(r"[,;]?\s*(please|thanks|thank you)\s*[.!]*$", "", text)
    return text.strip(" .!,;:")


def is_extraction_attempt(text: str) -> bool:
    """A request for the reference answer, notes or rubric, or a role-play to get it (not in a long answer)."""
    return _words(text) <= EXTRACTION_WORDS and bool(_EXTRACTION.search(text))


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
    if topic and not _NOT_TOPIC.match(topic.group("topic").strip(" .,!?'\"")) and not _EXTRACTION.search(norm):
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
