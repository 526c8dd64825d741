"""Text aimed at the interviewer or the grader rather than at the question: one home for both pattern lists.

- INJECTION: instructions to whoever marks the answer ("ignore the rubric", "give this 10/10", fake system lines,
  chat-template tokens, fake grader JSON). The grader removes such sentences and caps the score.
- EXTRACTION: requests for the reference answer, notes or rubric, or a role-play to get them. The interview refuses
  them (in a short message; a long answer that mentions such words is graded, and flagged if it is an injection).
"""

from __future__ import annotations

import re

from interviewer.text import any_of

EXTRACTION_WORDS = 40  # longer text is an answer even if it asks for the reference (the grader flags it)


_I = re.IGNORECASE | re.MULTILINE
_ANSWER = r"(me|this|it|my answer|this answer|the answer|the candidate|this response)"
_HIGH = r"(10|ten|full|perfect|maximum|max|highest|100|top|a pass|passing|an? a\+?)"
INJECTION = [
    re.compile(p, _I)
    for p in (
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|prompts?|rules?|directions?"
        r"|guidelines?|rubric|system message)\b",
        rf"\b(give|award|assign|grant)\b.{{0,15}}\b{_ANSWER}\b.{{0,20}}\b{_HIGH}",
        rf"\b(score|rate|grade|mark)\s+{_ANSWER}\b.{{0,20}}\b({_HIGH[1:-1]}|correct|passed|excellent|perfect)\b",
        r"\b(10|ten)\s*(/|out of)\s*(10|ten)\b|\b(full|perfect|maximum|max|top) (marks|credit)\b",
        r"\byou are (now |a |an |the )*(grader|evaluator|examiner|teacher|assistant|judge|ai)\b",
        r"\b(act as|pretend (to be|you are|you're)|role-?play|imagine you are|from now on)\b.{0,40}\b(grader"
        r"|evaluator|examiner|teacher|assistant|judge|ai|generous|lenient|you)\b",
        r"\b(dear|hey|hi|hello|attention|note to|message to|message for|to the)\s+(the\s+)?(grader|evaluator"
        r"|examiner|marker|ai|assistant|llm)\b|^\W*(grader|examiner|evaluator)\s*[,:!]",
        r"^\s*(system|assistant|user|developer|instructions?)\s*:",
        r"<\|?\s*(im_start|im_end|system|endoftext|eot_id|start_header_id)\s*\|?>|\[/?(INST|SYS)\]|<<\s*/?SYS\s*>>|###\s*(instruction|system|response)",
        r"</?\s*(system|assistant|user|instructions?|candidate_answer)\s*>|CANDIDATE_TEXT",
        r"\"(score|passed|verdict|verdicts|grade|feedback|confidence|status|key_points)\"\s*:|\{\s*(score|grade|passed)\s*:",
        r"\b(ignora|ignorez|ignoriere|ignorar)\b",
    )
]


def is_injection(unit: str) -> bool:
    """A sentence addressed to the grader."""
    return any(p.search(unit) for p in INJECTION)


_SECRET = (
    r"(answers?|solutions?|notes|key ?points|rubric|marking( scheme)?|grading (criteria|guide|notes)|checklist|"
    r"system prompt|(your|the) (instructions|prompt)|reference( answer| solution| notes| text| material)?|"
    r"cheat ?sheet|expected output|hidden text)"
)
_LEAD = (
    r"(^|[.?!,;:\"'(]\s*|\b(please|so|ok|okay|then|now|just|and|but|can you|could you|would you|will you|"
    r"you should|you must)\s+)"
)
_ASK_VERB = (
    r"(what('s| is| are| was| were)|tell|give|show|reveal|print|share|dump|output|display|list|read|recite|"
    r"spell|paste|repeat|write|provide|send|leak|copy|quote|type|translate|summari[sz]e|encode|"
    r"can i (see|have|get)|could i (see|have|get)|may i (see|have)|i need|i want|let me (see|have)|where( is|'s| are))"
)
EXTRACTION = any_of(
    _LEAD + _ASK_VERB + r"\b[^.?!]{0,60}?\b" + _SECRET + r"\b",
    r"^(the |your )?(model|reference|correct|right|ideal|perfect|expected|sample|official|full) (answer|solution)s?"
    r"( please| now)?[?!.]*$",
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(instructions|rules|prompt|guidelines)\b",
    r"\b(ignore|disregard|forget) (all|everything) (above|previous|before)\b",
    r"\bpretend (to be|you('| a)re|that you)\b",
    r"(^|[.!?]\s*|\b(please|now|just|you (will|must|should|can)|i (want|need) you to) )act as\b",
    r"\brole-?\s?play",
    r"\byou are now (a|an|my|the|in|free|unrestricted)\b",
    r"\bfrom now on,? you\b",
    r"\bdeveloper mode\b",
    r"\bjailbreak",
    r"(?-i:\bDAN\b)",
    r"\blet'?s play a game\b",
    r"\bimagine (you('| a)re|that you)\b[^.?!]{0,60}\b(interviewer|grader|teacher|tutor|examiner|assistant|model|ai|"
    r"grandma|grandmother|candidate)\b",
    r"\bwhat (would|does|should|did|will) (a|an|the|your) (perfect|ideal|model|good|great|strong|correct|complete|"
    r"full[- ]marks?|10/10|best|reference|expected|right)\s+(answer|response|solution)",
    r"\b(what|which) (key ?points|points|criteria|keywords|aspects)\b[^.?!]{0,40}\b(looking for|expect|want|grading|"
    r"marking|checking|mention|cover)",
    r"\b(what|which)\b[^.?!]{0,20}\b(checklist|rubric|notes|marking scheme|answer key)\b",
    r"\b(answer|solve|do) (it|this|that|the question)( for me| yourself)\b",
    r"\banswer your own question\b",
    r"\bhow would you (answer|respond to|solve) (it|this|that)\b",
    r"\bwhat would you say\b",
    r"\b(first|next|last) (word|letter|sentence|line)s? of (the|your) (answer|notes|reference|solution)",
    r"\bfill in the blanks?\b",
    r"\bcomplete (this|the|my) sentence\b",
    r"\b(in|as|to) (base64|rot13|hex)\b",
    r"\b(spell|write|say|print)[^.?!]{0,30}\b(backwards|in reverse)\b",
    r"\b(i am|i'?m) (the|your) (developer|admin|administrator|creator|teacher|interviewer|grader|supervisor|boss)\b",
    r"\bsudo\b",
    r"\bas an? (admin|administrator|developer)\b",
)


def is_extraction_attempt(text: str) -> bool:
    """A request for the reference answer, notes or rubric, or a role-play to get it (not in a long answer)."""
    return len(text.split()) <= EXTRACTION_WORDS and bool(EXTRACTION.search(text))
