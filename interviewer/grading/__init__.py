"""Grading: `grade(task, answer) -> Grade`, evidence-based and calibrated; grader.py is the front door.

grader    grade(), feedback_stream(), prepare(): what the interview and the CLI call
types     GradeTask, Grade, KeyPointResult, flags
evidence  sentence embeddings and features of an answer against a task (cached per task)
guards    what is removed before scoring (injection, lists, repeats, filler, echoed question) and the flag caps
verdicts  covered / partly / missed / contradicted per key point (wrong claims by meaning, names without how/why)
rubric    knowledge/RUBRIC.md in code: the band floor and the cap for contradicted points
relevance an answer to another bank question (compared with every question's profile)
model     the calibrated logistic models (interviewer/data/grader_params.json) and probability -> 0-10
offline   screen + evidence + model, held to the rubric = Assessment
feedback  deterministic strengths, gaps and feedback text
llm_judge LLM verdicts per key point and their calibrated combination
llm_feedback the model's feedback sentences after code's lead (prefix warmed while the candidate types)
metrics   agreement with human labels; bank_eval: the banks' exemplars as a calibration set
batch     `interviewer grade` / `interviewer eval` over JSON-lines files
"""

from .grader import feedback_stream, grade, prepare, warm_process
from .types import (
    MARKS,
    PASS_MARK,
    Coverage,
    Flag,
    Grade,
    GradeExemplar,
    GradeMisconception,
    GradeTask,
    KeyPointResult,
    Mode,
)

__all__ = [
    "MARKS",
    "PASS_MARK",
    "Coverage",
    "Flag",
    "Grade",
    "GradeExemplar",
    "GradeMisconception",
    "GradeTask",
    "KeyPointResult",
    "Mode",
    "feedback_stream",
    "grade",
    "prepare",
    "warm_process",
]
