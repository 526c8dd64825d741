"""The grader's parts, one stage a module (the public API is interviewer.grader):

text      words, stems, sentences, negation, language share (pure string work)
types     GradeTask, Grade, KeyPointResult, flags
evidence  sentence embeddings and features of an answer against a task (cached per task)
guards    what is removed before scoring (injection, lists, repeats, echoed question) and the flag caps
model     the calibrated logistic models (interviewer/data/grader_params.json) and probability -> 0-10
offline   screen + evidence + model = Assessment
feedback  deterministic strengths, gaps and feedback text
llm_judge LLM verdicts per key point, their calibrated combination, streamed feedback
metrics   agreement with human labels; bank_eval: the banks' exemplars as a calibration set
"""
