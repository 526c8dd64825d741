import pytest

from interviewer.errors import KnowledgeError
from interviewer.knowledge.bank import load_bank, load_banks
from interviewer.knowledge.linter import bank_summary, lint

GOOD_ITEM = """
  - id: {id}
    topic: Testing
    difficulty: 2
    question: What does a unit test check, and why keep it fast?
    reference_answer: A unit test checks one small piece of behaviour in isolation, quickly.
    key_points: [Checks one behaviour, Runs in isolation, Runs fast]
    follow_ups:
      - probe: "What makes a test isolated from the network?"
        key_point: 2
      - probe: "Why does a slow test suite hurt a team?"
        key_point: 3
"""


def write(tmp_path, text, name="bank.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_bank_loads(tmp_path):
    bank = load_bank(write(tmp_path, "id: t\ntitle: T\nquestions:" + GOOD_ITEM.format(id="t-1")))
    assert bank.questions[0].bank == "t"
    assert bank.questions[0].probe_for(1).key_point == 1  # the file's `key_point: 2`, counted from 0
    assert bank.questions[0].follow_ups[0].model_dump()["key_point"] == 2  # written back as the file has it


def test_bad_yaml_names_the_file(tmp_path):
    path = write(tmp_path, "id: t\nquestions: [unclosed\n")
    with pytest.raises(KnowledgeError, match="not valid YAML") as err:
        load_bank(path)
    assert err.value.file == str(path)


def test_missing_field_names_item_and_field(tmp_path):
    text = "id: t\ntitle: T\nquestions:" + GOOD_ITEM.format(id="t-1").replace("    difficulty: 2\n", "")
    with pytest.raises(KnowledgeError) as err:
        load_bank(write(tmp_path, text))
    assert (err.value.question_id, err.value.field) == ("t-1", "difficulty")
    assert "bank.yaml" in str(err.value) and "t-1" in str(err.value) and "difficulty" in str(err.value)


def test_probe_must_name_an_existing_key_point(tmp_path):
    text = "id: t\ntitle: T\nquestions:" + GOOD_ITEM.format(id="t-1").replace("key_point: 3", "key_point: 9")
    with pytest.raises(KnowledgeError, match="key point 9"):
        load_bank(write(tmp_path, text))


def test_duplicate_id_in_one_file(tmp_path):
    text = "id: t\ntitle: T\nquestions:" + GOOD_ITEM.format(id="t-1") + GOOD_ITEM.format(id="t-1")
    with pytest.raises(KnowledgeError, match="duplicate question id"):
        load_bank(write(tmp_path, text))


def test_duplicate_id_across_files_loads_nothing(tmp_path):
    write(tmp_path, "id: a\ntitle: A\nquestions:" + GOOD_ITEM.format(id="same"), "a.yaml")
    write(tmp_path, "id: b\ntitle: B\nquestions:" + GOOD_ITEM.format(id="same"), "b.yaml")
    with pytest.raises(KnowledgeError, match="duplicate question id") as err:
        load_banks([tmp_path])
    assert err.value.question_id == "same"


def test_bundled_banks_validate_and_lint_clean(banks):
    assert banks, "knowledge/ holds no banks"
    assert lint(banks) == []


def test_seed_bank_has_the_ten_seed_questions(banks):
    seed = next(b for b in banks if b.id == "ml_system_design")
    assert len(seed.questions) == 10
    assert all(len(q.exemplars) >= 6 for q in seed.questions)


def test_bank_summary_counts(banks):
    summary = bank_summary(banks)
    assert summary["total"] == sum(len(b.questions) for b in banks)
    assert sum(t["total"] for t in summary["topics"].values()) == summary["total"]


def test_lint_requires_misconceptions_and_hints_that_do_not_state_the_point(tmp_path):
    item = (
        GOOD_ITEM.format(id="t-1")
        + """    misconceptions:
      - claim: A unit test should call the real payment service so it proves the integration works.
        key_point: 2
    hints:
      - key_point: 1
        steps:
          - What is the smallest thing you could check on its own?
          - Would you test a whole feature at once, or one piece of it?
          - A unit test checks one small piece of behaviour in isolation.
      - key_point: 2
        steps: ["What should a test not depend on?", "Think about the network.", "What makes a test repeatable?"]
"""
    )
    bank = load_bank(write(tmp_path, "id: t\ntitle: T\nquestions:" + item))
    problems = lint([bank])
    assert any("1 misconceptions (want 2-4)" in p for p in problems)
    assert any("no hint ladder for key point(s) [3]" in p for p in problems)
    assert any("hint 3 for key point 1 copies" in p for p in problems)
    assert not any("for key point 2" in p for p in problems)
