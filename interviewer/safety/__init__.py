"""Safety at both edges of a turn, one rule per module.

cleaning   candidate text coming in: control characters, newlines, length
injection  text aimed at the grader (INJECTION) or at getting the answer (EXTRACTION)
leak       model text going out: nothing of the reference or key points reaches the candidate early
"""
