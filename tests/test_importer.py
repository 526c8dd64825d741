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
        '{"key_points": ["Point one here", "Point two here", "Point three here"]}',
        ModelError("down", kind="server"),  # the misconceptions of A: none, the bank is still written
        ModelError("down", kind="server"),  # the key points of B: the heuristic split
        ModelError("down", kind="server"),
    )
    bank = build_bank(
        [("What is A?", "A is alpha. It is used for beta."), ("What is B?", "B includes xray, yankee, and zulu.")],
        "t",
        "Topic",
        llm=llm,
    )
    assert bank.questions[0].key_points == ["Point one here", "Point two here", "Point three here"]
    assert bank.questions[0].misconceptions == []
    assert bank.questions[1].key_points[:3] == ["Xray", "Yankee", "Zulu"]  # heuristic fallback
    assert "Question: What is A?" in llm.history[0][-1].content


SCALING = (
    "Why does feature scaling matter?",
    "Distance-based models such as kNN compare raw magnitudes, so a large-range feature dominates unless features "
    "are scaled. Trees do not need scaling because splits depend only on the order of values. Fit the scaler on "
    "the training split only and reuse it, otherwise test statistics leak into training.",
)
SCALING_POINTS = [
    "Distance-based models need scaling or large-range features dominate",
    "Trees do not need scaling because splits only depend on order",
    "Fit the scaler on the training split only",
]


def test_misconceptions_proposed_at_import_name_their_key_point_and_reach_the_grader():
    from interviewer.grading import GradeTask, grade
    from interviewer.knowledge.importer import build_bank
    from interviewer.llm import FakeChatModel

    llm = FakeChatModel()
    llm.enqueue(
        json.dumps({"key_points": SCALING_POINTS}),
        json.dumps(
            {
                "misconceptions": [
                    {
                        "claim": "Gradient boosted trees need standardised inputs or big features dominate.",
                        "key_point": 2,
                    },
                    {
                        "claim": "Standardise the whole dataset first, then split it into train and test.",
                        "key_point": 3,
                    },
                    {"claim": "Trees do not need scaling because splits only depend on order", "key_point": 2},
                ]
            }
        ),
    )
    bank = build_bank([SCALING], "t", "Topic", llm=llm)
    q = bank.questions[0]
    prompt = llm.history[1][-1].content
    assert "1. Distance-based models" in prompt and "Question: Why does feature scaling matter?" in prompt
    # numbered from 1 in the prompt and the YAML, from 0 in code; the key point restated is dropped
    assert [(m.key_point, m.claim[:22]) for m in q.misconceptions] == [
        (1, "Gradient boosted trees"),
        (2, "Standardise the whole "),
    ]
    wrong = (
        "Tree ensembles such as gradient boosting need standardised inputs, otherwise the biggest features dominate. "
        "I standardise the whole dataset first and only then split it into train and test."
    )
    g = grade(GradeTask.from_question(q), wrong)
    assert [kp.status for kp in g.key_points][1:] == ["contradicted", "contradicted"] and not g.passed
    assert g.key_points[2].evidence.startswith("I standardise the whole dataset")


def test_no_misconceptions_without_a_model_or_from_a_bad_reply():
    from interviewer.knowledge.importer import build_bank, llm_misconceptions
    from interviewer.llm import FakeChatModel

    assert build_bank([SCALING], "t", "Topic").questions[0].misconceptions == []
    llm = FakeChatModel()
    llm.enqueue(json.dumps({"misconceptions": [{"claim": "Only one wrong claim here, not enough.", "key_point": 1}]}))
    assert llm_misconceptions(llm, *SCALING, SCALING_POINTS) == []  # fewer than two usable claims: none
    llm.enqueue("not json")
    assert llm_misconceptions(llm, *SCALING, SCALING_POINTS) == []
