"""Content and retrieval: bank files in, a Chroma index out.

bank        the bank schema (Bank, Question, FollowUp, Exemplar) and loading knowledge/*.yaml
importer    a Q&A article, CSV or JSON turned into a bank file
linter      content rules a schema can't say, and the bank summary
embeddings  MiniLM (int8 ONNX from PyPI, sha256-checked) for Chroma and the grader
index       the Chroma index: idempotent ingest, fused question search
"""

from .bank import (
    Bank,
    Exemplar,
    FollowUp,
    HintLadder,
    Misconception,
    Question,
    bank_files,
    knowledge_dir,
    load_bank,
    load_banks,
)

__all__ = [
    "Bank",
    "Exemplar",
    "FollowUp",
    "HintLadder",
    "Misconception",
    "Question",
    "bank_files",
    "knowledge_dir",
    "load_bank",
    "load_banks",
]
