"""Relay a step's events to the UI while saving: at each checkpoint (an answer is on disk before its feedback
starts streaming) and when the step ends."""

from __future__ import annotations

from typing import Iterator

from interviewer.interview.session import StepRun
from interviewer.interview.state import Event

from .history import Owner, Store


def persist(store: Store, run: StepRun, owner: Owner = None) -> Iterator[Event]:
    """Relay a StepRun's events, saving at each checkpoint and when it ends."""
    for event in run:
        if event.kind == "checkpoint" and event.state is not None:
            store.save(event.state, owner)
        yield event
    if run.state is not None:
        store.save(run.state, owner)
