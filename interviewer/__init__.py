"""A mock interviewer: question banks, an offline-capable grader and a live interview session."""

__version__ = "0.1.0"
