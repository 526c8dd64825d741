"""The interview as a pure, serialisable state machine (session.py explains the protocol).

deps      Deps: settings, model, index, clock, grade/feedback/warm-up functions, passed in explicitly
warmup    Warmer: rubric vectors and the model's prompt cache, prepared while the candidate types
state     the nouns: Setup, State, QuestionRecord, ProbeRecord, Turn, Action, Event
scoring   question and overall scores
actions   limits (hints, probes) and the actions enabled in each phase
session   new_session, step, stream_step
handlers  one transition per action; steps: the building blocks they share
replies   what the interviewer says: prompt + offline fallback per line
intent    what free text means (rules, no model)
report    the final report and its Markdown/JSON
"""
