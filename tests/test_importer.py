import json

from conftest import SEED

from interviewer.cli import main
from interviewer.knowledge.bank import load_bank
from interviewer.knowledge.importer import heuristic_key_points, import_file, parse_article


def test_seed_document_imports_exactly_its_ten_questions():
    bank = import_file(SEED, bank_id="seed", topic="ML system design")
    assert len(bank.questions) == 10
    assert bank.questions[0].question.startswith("Describe the process of feature engineering")
    assert bank.questions[9].question.startswith("What are the different strategies for deploying")
    # the footer ("Previous", "Back to Interview") never leaks into the last answer
    assert "Back to Interview" not in bank.questions[9].reference_answer
    assert all(3 <= len(q.key_points) <= 7 for q in bank.questions)


def test_cli_import_writes_a_valid_bank(tmp_path):
    out = tmp_path / "seed.yaml"
    main(["import", str(SEED), "-o", str(out), "--bank-id", "seed"])
    assert len(load_bank(out).questions) == 10


def test_csv_and_json_rows(tmp_path):
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text('question,answer\n"What is X?","X is a thing. It matters because of Y. Use it for Z."\n')
    json_path = tmp_path / "qa.json"
    json_path.write_text(json.dumps([{"question": "What is Y?", "answer": "Y includes alpha, beta, and gamma."}]))
    assert import_file(csv_path).questions[0].question == "What is X?"
    assert import_file(json_path).questions[0].key_points[:3] == ["Alpha", "Beta", "Gamma"]


def test_numbering_must_be_sequential():
    text = (
        "Intro.\n\n1. First question here?\n\nFirst answer is long enough to count as prose.\n\n"
        "3. Not a question\n\nmore"
    )
    assert [q for q, _ in parse_article(text)] == ["First question here?"]


def test_list_sentence_becomes_points():
    points = heuristic_key_points("Techniques include normalization, encoding, and selection. Good features help.")
    assert points[:3] == ["Normalization", "Encoding", "Selection"]


def test_llm_assisted_key_points_use_one_model_and_fall_back():
    from interviewer.errors import ModelError
    from interviewer.knowledge.importer import build_bank
    from interviewer.llm import FakeChatModel

    llm = FakeChatModel()
    llm.enqueue(
        '{"key_points": ["Point one here", "Point two here", "Point three here"]}', ModelError("down", kind="server")
    )
    bank = build_bank(
        [("What is A?", "A is alpha. It is used for beta."), ("What is B?", "B includes xray, yankee, and zulu.")],
        "t",
        "Topic",
        llm=llm,
    )
    assert bank.questions[0].key_points == ["Point one here", "Point two here", "Point three here"]
    assert bank.questions[1].key_points[:3] == ["Xray", "Yankee", "Zulu"]  # heuristic fallback
    assert "Question: What is A?" in llm.history[0][-1].content
