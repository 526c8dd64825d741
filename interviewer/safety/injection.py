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


# An injection is judged by what a sentence does, not by set phrases: it speaks to whoever marks the answer (or about
# the grading of this very answer) and asks for an outcome or for the criteria to be set aside, in any wording and
# in several languages. Technical language that shares words with it ("100 epochs", "rate the model by top-1
# accuracy", "10 out of 10 folds", "User:" in a log, an attack quoted as a threat) has no addressee or no requested
# outcome, so it passes. Each concept is one alternation below; a sentence is an injection when concepts combine.
_EVALUATOR = (
    r"(grader|marker|evaluator|examiner|assessor|reviewer|checker|scorer|corrector|judge"
    r"|(grading|scoring|marking|evaluation|assessment|review)\s+(assistant|model|system|module|step|script|bot|engine"
    r"|ai|llm|tool|process)|(automated|automatic|ai)\s+(grader|marker|reviewer|checker|scorer|assessor|evaluator)"
    r"|evaluador\w*|corrector\w*|calificador\w*|examinador\w*|correcteur\w*|correctrice|[ée]valuateur\w*"
    r"|examinateur\w*|pr[üu]fer\w*|korrektor\w*|bewerter\w*|avaliador\w*|corretor\w*|valutator\w*|correttor\w*"
    r"|esaminator\w*|beoordelaar\w*|egzaminator\w*|oceniaj\w*|проверяющ\w*|оценщик\w*|экзаменатор\w*"
    r"|评分员|评分系统|阅卷\w*|评审|考官|採点者|採点\w*|評価者)"
)
_ANSWER_REF = (
    r"\b(this|my|the candidate'?s?|the following|the above|that)\s+(answer|answers|response|responses|submission"
    r"|reply|explanation|section|item|one)\b|\b(the candidate|this candidate|me)\b"
    r"|\b(diese[rn]?|meine|esta|mi|cette|ma|questa|mia|deze|mijn|essa|minha)\s+(antwort|respuesta|r[ée]ponse|risposta"
    r"|antwoord|resposta)\b"
)
_PROCESS = (
    r"\b(rubric(?!-)|marking scheme|answer (key|sheet)|grading (policy|guidelines?|criteria|instructions|notes|step)"
    r"|reference (answer|material|solution)s?|criteri(a|on)|key points?|verdicts?|full marks|the (top|highest) band"
    r"|bar[èe]me|r[úu]brica|criterios|crit[èe]res|kriterien|bewertung\w*|评分标准|評価基準|критери\w*)"
)
_OUTCOME = (
    r"\b(full|maximum|max|top|perfect|highest|best)(\s+possible)?\s+(marks?|credit|score|points|grade|band|mark)\b"
    r"|\bthe (maximum|max|highest)\b|\b10\s*(/|out of)\s*10\b|\bten out of ten\b|\bscore\s*[=:]\s*10\b"
    r"|\b(a|the) (pass|passing)\b|\bpassing( verdict| grade| mark)?\b|\bgives? (a |an )?(10|ten)\b"
    r"|\bas (correct|complete|excellent|strong|passing|a model answer|full credit)\b"
    r"|\bregardless of (the |its |their )?(content|quality|correctness)\b"
    r"|\b(all|every|each)\s+(\w+\s+){0,2}?(points?|criteri(a|on)|answers?)\b[^.]{0,30}?\b(covered|met|satisfied"
    r"|present|pass(es)?)\b|\b(satisf(y|ies)|meets?) (all|every)\b|\bsame score as the reference\b"
    r"|\b(the|a) (top|highest) band\b|\btop[- ]band\b|\b(verdicts?|points?)\s*[=:]\s*covered\b"
    r"|\bfull\s+\d+\s+(points|marks)\b|\b(10|ten)\s+(points|marks)\b|\bmarked\s+(as\s+)?(excellent|correct|complete"
    r"|strong|perfect|passing)\b|\bdeserves?\s+(a |an |the )?(\d+|top|full|perfect|pass\w*|high\w*|maximum)\b"
    r"|\b(rate|score|grade|mark)\s+(this|it|me|my)\s+(\w+\s+)?(a\s+)?(10|ten|9|nine|100)\b|\bpass (it|this|me)\b"
    r"|\b(count|treat|consider|take|accept)\s+(this|it|me|my \w+)\s+as\s+(a\s+|an\s+)?(complete|correct|full|perfect"
    r"|excellent|strong|passing|right)\b|\b(respond|reply|answer|output|return)\s+(only\s+)?with\s+\W?(pass|passed"
    r"|correct|10|full marks)\b|\b(points?|criteri\w+)\s+(are\s+|is\s+)?(all\s+)?(addressed|covered|met|satisfied)\b"
    r"|\bmerec\w*\b[^.]{0,15}\b(10|diez|m[áa]xim\w*)|\bm[ée]rite\b[^.]{0,15}\b(20|10|maxim\w*)"
    r"|\bverdient\b[^.]{0,20}\b(volle|beste|10)\b|\bmerita\b[^.]{0,15}\b(10|dieci|massim\w*)"
    r"|nota m[áa]xima|con un (diez|10)\b|comme (parfaite?|excellente?)|como (perfecta|excelente)"
    r"|als (perfekt|ausgezeichnet)|puntuaci[óo]n (m[áa]xima|perfecta)|como (correcta|correcto|completa)|aprobad[oa]"
    r"|note maximale|note parfaite|comme correcte?|volle punktzahl|h[öo]chstpunktzahl|bestnote|als korrekt"
    r"|pontua[çc][ãa]o m[áa]xima|como correta|punteggio massimo|voto massimo|come corrett[ao]|maximale score"
    r"|maksymaln\w*|满分|最高分|通过|満点|合格|максимальн\w* балл|как правильн\w*|засчита\w*"
    r"|\b(generous|lenient|kind)\s+(mark|grade|score|marking|grading)\b|\b(should|must|to) pass\b|covers everything"
    r"|\bbe (generous|lenient|kind|easy)\b(?! (to|with) (users|customers))"
    r"|\b(award|assign|give)\s+(it\s+|this\s+|me\s+)?(a\s+)?(10|ten|100)\b|\bas passed\b"
)
_OVERRIDE = (
    r"\b(ignore|disregard|forget|override|bypass|skip|overlook|set aside|pay no attention to|no need to compare"
    r"|do not compare|don'?t compare)\b[^.]{0,40}?\b(instructions?|prompts?|rules|rubric(?!-)|reference|criteria"
    r"|guidelines|marking scheme|answer key|gaps|comparison|system message|key points"
    r"|(scoring|grading|marking) (guide|sheet|scheme|notes))\b"
    r"|\b(ignor\w*|ignoriere\w*|ignorieren)\b[^.]{0,30}?(instrucciones|r[úu]brica|criterios|instructions|consignes|bar[èe]me|crit[èe]res|anweisungen|kriterien|vorgaben|instru[çc][õo]es"
    r"|istruzioni|criteri)|(ne tenez pas compte|no tenga en cuenta)|忽略|無視|игнорир\w*|не обращай\w* внимани\w*"
)
_VOCATIVE = re.compile(
    r"(^|[,.:;(\[\]]\s*)\W*(dear|hey|hi|hello|attention|note (to|for)|message (to|for)|instructions? (to|for)|to|for"
    r"|a quien|al|au|aux|an den|an die|liebe|lieber|ao|à|aan de|do|致)?\s*(the\s+|el\s+|la\s+|le\s+|o\s+|a\s+)?"
    r"(\w+\s+)?" + _EVALUATOR + r"\s*(\w+\s*)?[,:!、，]"
    r"|\b(who|whoever|whatever|whichever|person|program|model|system|ai|tool|bot|script)\b[^.]{0,25}?\b(is\s+)?"
    r"(marks?|marking|grades?|grading|scores?|scoring|evaluates?|evaluating|assesses|assessing|checks|checking"
    r"|reviews|reviewing|reads|reading|doing the grading)\s+(this|these|my|the grading|answers|responses"
    r"|submissions|interviews)\b"
    r"|\bif (an? )?(ai|model|llm|system|program|bot|machine)\b[^.]{0,15}\b(is )?(grading|scoring|marking|checking"
    r"|evaluating|reading)\b|\byou, the\b|" + _EVALUATOR + r"\b[^.]{0,30}?\b(should|must|is asked|is instructed"
    r"|are asked|are instructed|please|kindly|are now|is now)\b|\bquien (corrija|califique|eval[úu]e|revise)\b"
    r"|\bqui corrige\b|\byou\b[^.]{0,20}?\b(assign|give|award|mark|grade|score|rate)\b"
    r"|\b(to|for|attention)\s+(the\s+|any\s+|whoever\s+|whatever\s+)?(\w+\s+){0,2}?(evaluation|evaluator|grader|grading"
    r"|marker|marking|scorer|scoring|ai|bot|model|llm|assistant|system|reviewer|assessor|assessment|checker)\b"
    r"[^.:,;]{0,30}?[,:!]|\bif you are (a|an)\s+(\w+\s+){0,2}?(model|ai|llm|assistant|grader|evaluator|system)\b"
    r"|^\W*(assessment|grading|marking|evaluation|scoring|reviewer|grader|marker|examiner)\s+(note|notice|instructions?"
    r"|override|reminder)\b|\byou are (grading|marking|scoring|evaluating|assessing|reviewing|checking)"
    r" (this|my|these)\b"
    r"|\b(want|like|ask|remind|tell|need)\s+(the|any|every)\s+(\w+\s+)?(grader|marker|evaluator|examiner|assessor|reviewer"
    r"|checker|scorer)\s+(to|that)\b|(^|\W)(à|a|al|au)\s+l['’]\s*(é|e)valuat\w*"
    r"|\b(para|al|a la)\s+(el\s+|la\s+)?(\w+\s+)?(sistema|modelo|evaluador\w*|corrector\w*)\b"
    r"[^.:,;]{0,25}[,:]|\bque (califica|corrige|eval[úu]a|punt[úu]a)\b",
    re.IGNORECASE,
)
_AI_ADDRESSED = re.compile(  # "Dear AI, ...", "Hey ChatGPT: ...": the model reading this, addressed by name
    r"^\W*(dear|hey|hi|hello|attention|ok|okay)?\s*(the\s+)?(ai|a\.i\.|chat\s?gpt|gpt|llm|claude|gemini|copilot"
    r"|language model|chatbot|bot|assistant)\s*[,:!]",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(  # a grading verb at the start, aimed at this answer ("Give the model ..." is not)
    r"^\W*(please\s+|kindly\s+|just\s+)?(mark|score|grade|rate|record|register|treat|assign|award|give|output|return"
    r"|respond|set|accept|pass|validate|approve|bump|put|count|consider)\s+(this|it|me|my|every|each|all|the (answer"
    r"|response|candidate|submission|evaluation))\b",
    re.IGNORECASE,
)
_ROLE_LINE = re.compile(
    r"^\W*(system|assistant|user|developer|instructions?|grader|reviewer)\s*(note|override)?\s*:", re.I
)
_ROLE_PLAY = re.compile(
    r"\b(act as|pretend (to be|you are|you're)|role-?play|imagine you are|from now on you|you are (now )?(a|an|the)"
    r"(\s+\w+)?\s+(grader|evaluator|examiner|teacher|judge|marker|assessor))\b[^.]{0,50}?\b(grader|evaluator|examiner"
    r"|teacher|judge|marker|assessor|generous|lenient|pass\w*|10|full marks)\b|\byou are (now )?(the|a|an) (grader"
    r"|evaluator|examiner|judge|marker|assessor)\b",
    re.IGNORECASE,
)
_TOKENS = re.compile(
    r"<\|?\s*(im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\s*\|?>|\[/?(INST|SYS)\]"
    r"|<<\s*/?SYS\s*>>|###\s*(instruction|system|response)|</?\s*(system|assistant|instructions?|candidate_answer)\s*>"
    r"|CANDIDATE_TEXT|\"(passed|verdicts?|key_points)\"\s*:|\"(score|grade)\"\s*:\s*\"?(10|ten|100|a\+?|pass|perfect|max)"
    r"|\{\s*(score|grade|passed)\s*:",
    re.IGNORECASE,
)
# Chinese and Japanese run words together: a marker and an outcome in one sentence
_CJK = re.compile(r"(评分|阅卷|考官|採点|評価者).{0,20}(满分|最高分|通过|満点|合格)")
# A sentence about attacks ("we filtered prompts like '...'") may quote one: the quote is the threat, not a request.
_ATTACK_TALK = re.compile(
    r"\b(inject\w*|attack\w*|jailbreak\w*|malicious|adversarial|red[- ]team\w*|guardrails?|filter\w*|block\w*"
    r"|detect\w*|saniti[sz]\w*|defen[cd]\w*|threats?|prompts like|inputs like|inputs such as)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"]{3,200}\"|“[^”]{3,200}”|«[^»]{3,200}»|'[^']{12,200}'")


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def is_injection(unit: str) -> bool:
    """A sentence addressed to whoever marks the answer that asks for an outcome or for the criteria to be ignored,
    a fake role line or chat-template token, or a fake grader reply; an attack quoted as a threat does not count."""
    if _ATTACK_TALK.search(unit):
        unit = _QUOTED.sub(" ", unit)
        if not _search(_OUTCOME, unit) and not _search(_OVERRIDE, unit):
            return False  # tokens named as what an attacker sends, not sent
    if _TOKENS.search(unit) or _ROLE_PLAY.search(unit) or _search(_OVERRIDE, unit) or _CJK.search(unit):
        return True
    outcome = _search(_OUTCOME, unit)
    if _VOCATIVE.search(unit) or _AI_ADDRESSED.search(unit):
        return outcome or _search(_PROCESS, unit) or _IMPERATIVE.search(unit.split(",")[-1]) is not None
    if _ROLE_LINE.search(unit):
        return outcome or _search(_ANSWER_REF, unit) or _search(_PROCESS, unit)
    return outcome and (_search(_ANSWER_REF, unit) or _IMPERATIVE.search(unit) is not None)


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
