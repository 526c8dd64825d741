"""The documented gradio_client API: a 2-question study interview with a hint and a probe, isolation between
concurrent clients, and the model failing mid-turn (offline grade + retry). Grading is the real offline grader;
answers are the seed bank's own graded exemplars."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from app_harness import FAKE_REPLY, exemplar, running_app
from gradio_client import Client
from gradio_client.exceptions import AppError

from interviewer.errors import ModelError
from interviewer.grading import PASS_MARK
from interviewer.llm import FakeChatModel

SETUP = {"banks": ["ml_system_design"], "count": 2, "mode": "study", "difficulty": "adaptive"}


def said(response: dict, kind: str = "say") -> list[str]:
    return [m["text"] for m in response["messages"] if m["kind"] == kind]


def check_strong_card(card: dict, answer: str) -> None:
    """A strong exemplar passes with at most one key point missed, and each quoted piece of evidence is a sentence
    of the candidate's own answer (whitespace normalised)."""
    assert card["passed"] and card["score"] >= PASS_MARK, card
    statuses = [kp["status"] for kp in card["key_points"]]
    assert "covered" in statuses and statuses.count("missed") <= 1, statuses
    flat = " ".join(answer.split())
    quoted = [kp["evidence"] for kp in card["key_points"] if kp["status"] != "missed"]
    assert quoted and all(q and q in flat for q in quoted), quoted


def run_interview(client: Client, setup: dict, marker: str) -> tuple[str, dict]:
    """Start, hint, answer (a strong exemplar), probe, answer the probe, next, answer (a weak exemplar), next;
    returns (session_id, report)."""
    r = client.predict(setup, api_name="/start")
    sid, first = r["session_id"], r["question"]
    assert r["phase"] == "question" and first["number"] == 1 and first["total"] == 2
    r = client.predict(sid, api_name="/hint")
    assert any(t.startswith("Hint 1") for t in said(r)) and r["phase"] == "question"
    strong = f"{exemplar(first['id'], 'strong')} ({marker})"
    r = client.predict(sid, strong, api_name="/answer")
    assert r["phase"] == "review" and r["scorecard"]["question_id"] == first["id"]
    check_strong_card(r["scorecard"], strong)
    assert r["scorecard"]["hints"] == 1 and said(r, "reveal") and any(FAKE_REPLY in t for t in said(r))
    strong_score = r["scorecard"]["score"]
    r = client.predict(sid, api_name="/probe")
    assert r["phase"] == "probe" and said(r)
    r = client.predict(sid, "answer: I would check it on held-out data and compare both options.", api_name="/say")
    assert r["phase"] == "review" and r["scorecard"]["probes"][0]["score"] is not None
    assert r["scorecard"]["score"] >= strong_score, "a follow-up never lowers the score"
    r = client.predict(sid, api_name="/next")
    second = r["question"]
    assert second["number"] == 2 and second["id"] != first["id"]
    r = client.predict(sid, exemplar(second["id"], "weak"), api_name="/answer")
    card = r["scorecard"]
    assert card["question_id"] == second["id"] and not card["passed"] and card["score"] < strong_score - 3
    assert [kp["status"] for kp in card["key_points"]].count("missed") >= 2
    r = client.predict(sid, api_name="/next")
    assert r["finished"] and r["phase"] == "finished"
    return sid, client.predict(sid, api_name="/report")


def test_two_question_study_interview(tmp_path):
    with running_app(tmp_path) as running:
        client = Client(running.url, verbose=False)
        sid, out = run_interview(client, SETUP, "client one")
        report = out["report"]
        assert report["finished"] and len(report["questions"]) == 2
        q1, q2 = report["questions"]
        assert len(q1["hints"]) == 1 and len(q1["probes"]) == 1 and q1["probes"][0]["answer"]
        assert q1["model_answer"] and q2["model_answer"]
        assert "client one" in q1["answer"]
        assert q1["passed"] and not q2["passed"] and q1["score"] > q2["score"]
        assert report["passed"] == 1 and q2["score"] < report["overall"] < q1["score"]
        assert "# Interview report" in out["markdown"] and q1["question"] in out["markdown"]
        assert running.llm.history, "the fake model was asked for text"
        saved = running.store.list_sessions()
        assert [s.id for s in saved] == [sid.split(".")[0]] and saved[0].finished


def test_bad_setups_say_what_is_wrong(tmp_path):
    with running_app(tmp_path) as running:
        client = Client(running.url, verbose=False)
        with pytest.raises(AppError, match="invalid setup"):
            client.predict({"count": 0}, api_name="/start")
        with pytest.raises(AppError, match="no questions match"):
            client.predict({"banks": ["no_such_bank"]}, api_name="/start")


def test_concurrent_clients_see_only_their_own_sessions(tmp_path):
    with running_app(tmp_path) as running:
        clients = [Client(running.url, verbose=False) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            runs = list(
                pool.map(
                    lambda pair: run_interview(pair[0], SETUP, pair[1]),
                    [(clients[0], "alpha-answer"), (clients[1], "beta-answer")],
                )
            )
        (sid_a, out_a), (sid_b, out_b) = runs
        assert sid_a != sid_b
        answers_a = " ".join(q["answer"] for q in out_a["report"]["questions"])
        answers_b = " ".join(q["answer"] for q in out_b["report"]["questions"])
        assert "alpha-answer" in answers_a and "beta-answer" not in answers_a
        assert "beta-answer" in answers_b and "alpha-answer" not in answers_b
        # a bare state id, or an id signed with the wrong key, reaches nothing
        state_id = sid_a.split(".")[0]
        for forged in (state_id, f"{state_id}.{'0' * 32}", sid_b.split(".")[0] + "." + sid_a.split(".")[1]):
            with pytest.raises(AppError, match="unknown session"):
                clients[1].predict(forged, api_name="/report")


def test_model_failure_mid_turn_keeps_the_offline_grade_and_offers_a_retry(tmp_path):
    llm = FakeChatModel(default=FAKE_REPLY)
    with running_app(tmp_path, llm=llm) as running:
        client = Client(running.url, verbose=False)
        r = client.predict(SETUP | {"mode": "study"}, api_name="/start")
        sid, qid = r["session_id"], r["question"]["id"]
        llm.enqueue(ModelError("connection refused", kind="connection"))  # the feedback stream fails
        answer = exemplar(qid, "strong")
        r = client.predict(sid, answer, api_name="/answer")
        check_strong_card(r["scorecard"], answer)  # the offline grade is shown even though the model failed
        assert r["retry_feedback"] is True and r["scorecard"]["feedback_failed"]
        assert any("didn't respond" in t for t in said(r, "notice"))
        r = client.predict(sid, api_name="/retry_feedback")
        assert r["retry_feedback"] is False and any(FAKE_REPLY in t for t in said(r))
        assert running.store.load(sid.split(".")[0]).current.feedback_failed is False


def test_exam_mode_keeps_the_report_closed_until_the_end(tmp_path):
    with running_app(tmp_path) as running:
        client = Client(running.url, verbose=False)
        r = client.predict(SETUP | {"mode": "exam"}, api_name="/start")
        sid = r["session_id"]
        r = client.predict(sid, exemplar(r["question"]["id"], "excellent"), api_name="/answer")
        assert r["scorecard"] is None and not said(r, "reveal") and r["overall"] is None
        with pytest.raises(AppError, match="exam mode"):
            client.predict(sid, api_name="/report")
        r = client.predict(sid, api_name="/end")
        assert r["finished"]
        assert client.predict(sid, api_name="/report")["report"]["mode"] == "exam"
