"""The interview as a pure, serialisable state machine (session.py explains the protocol).

deps      Deps: settings, model, index, clock, grade/feedback/warm-up functions, passed in explicitly
warmup    Warmer: rubric vectors and the model's prompt cache, prepared while the candidate types
state     the nouns: Setup, State, QuestionRecord, ProbeRecord, Turn, Action, Event
scoring   question and overall scores
actions   limits (hints, probes) and the actions enabled in each phase
session   new_session, step, stream_step
handlers  one transition per action; steps: the building blocks they share
answering the grading turns: scorecard and feedback, retried feedback, a graded follow-up answer
probing   which follow-up to ask (contradicted, then missed key points; two deep at most)
speech    what the model may say: checked sentence by sentence, code text as the fallback
replies   what the interviewer says: code text per line (and the prompt where the model may phrase it)
intent    what free text means (rules, no model)
report    the final report and its Markdown/JSON
simulate  scripted candidates that run whole interviews (tests and bench/simulated_candidates.py)
"""
