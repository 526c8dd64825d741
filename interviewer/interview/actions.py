"""What the candidate may do now: the limits of the interview and the buttons enabled in each phase."""

from __future__ import annotations

from .state import State

MAX_HINTS = 3
MAX_PROBES = 2


def allowed_actions(state: State) -> list[str]:
    """Action kinds that do something now (for enabling buttons); free text is always accepted."""
    rec = state.current
    if state.phase == "idle":
        return ["start"]
    if state.phase == "finished" or rec is None:
        return []
    if state.phase == "question":
        hint = ["hint"] if len(rec.hints) < MAX_HINTS else []
        return ["answer", "clarify", *hint, "skip", "repeat", "ask_about", "end"]
    if state.phase == "probe":
        return ["answer", "clarify", "skip", "next", "repeat", "end"]
    probe = ["probe"] if rec.status == "answered" and len(rec.probes) < MAX_PROBES else []
    retry = ["retry_feedback"] if rec.feedback_failed else []
    return [*probe, "next", *retry, "clarify", "repeat", "ask_about", "end"]
