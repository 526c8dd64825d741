"""One error family. Developer mistakes (bad content, bad config) fail at startup;
model failures are shown to the user and fall back to the offline grader."""

from __future__ import annotations


class InterviewerError(Exception):
    """Base for every error this package raises on purpose."""


class ConfigError(InterviewerError):
    """Settings that cannot work (say which and what to do)."""


class KnowledgeError(InterviewerError):
    """A bank file that does not load or validate."""

    def __init__(self, message: str, file: str = "", question_id: str = "", field: str = ""):
        self.file, self.question_id, self.field = file, question_id, field
        where = ", ".join(
            part
            for part in (file and f"file {file}", question_id and f"item {question_id}", field and f"field {field}")
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class PromptError(InterviewerError):
    def __init__(self, name: str, missing: list[str] | None = None, message: str = ""):
        self.name, self.missing = name, missing or []
        super().__init__(message or f"prompt {name!r} is missing variables: {', '.join(self.missing)}")


class ModelError(InterviewerError):
    """The LLM could not be reached or kept failing. `kind` says which fault."""

    def __init__(self, message: str, kind: str = "error", attempts: int = 1):
        self.kind, self.attempts = kind, attempts
        super().__init__(message)


class GradingError(InterviewerError):
    def __init__(self, message: str, attempts: int = 1, last_reply: str = ""):
        self.attempts, self.last_reply = attempts, last_reply
        super().__init__(message)


class IndexStoreError(InterviewerError):
    """The vector index is missing, corrupt or unreachable."""
