import chromadb
import pytest
import yaml
from conftest import ROOT

from interviewer.config import Settings
from interviewer.knowledge.bank import load_bank
from interviewer.knowledge.embeddings import ChromaEmbedding
from interviewer.knowledge.index import Index, ensure_index, open_index

PARAPHRASES = yaml.safe_load((ROOT / "bench" / "paraphrases.yaml").read_text())


@pytest.fixture
def seed_bank():
    return load_bank(ROOT / "knowledge" / "ml_system_design.yaml")


def test_reingest_is_idempotent_and_syncs_edits_and_removals(tmp_path, seed_bank):
    index = open_index(Settings(data_dir=tmp_path))
    first = index.ingest([seed_bank])
    assert first == {"items": 10, "upserted": 10, "unchanged": 0, "deleted": 0}
    assert index.ingest([seed_bank]) == {"items": 10, "upserted": 0, "unchanged": 10, "deleted": 0}

    edited = seed_bank.model_copy(deep=True)
    edited.questions[0].reference_answer += " Edited."
    removed_id = edited.questions.pop().id
    assert index.ingest([edited]) == {"items": 9, "upserted": 1, "unchanged": 8, "deleted": 1}
    assert index.get(edited.questions[0].id).reference_answer.endswith("Edited.")
    with pytest.raises(KeyError):
        index.get(removed_id)
    assert index.count() == 9 == index.answers.count()


def test_index_persists_across_clients(tmp_path, seed_bank):
    settings = Settings(data_dir=tmp_path)
    open_index(settings).ingest([seed_bank])
    reopened = open_index(settings)
    assert reopened.count() == 10
    assert reopened.get("mlsd-07-concept-drift").topic == "ML system design"


@pytest.mark.parametrize("question_id", sorted(PARAPHRASES))
def test_each_seed_question_is_found_from_a_paraphrase(seeded_index, question_id):
    phrasing = PARAPHRASES[question_id][0]
    assert seeded_index.search(phrasing, k=1, where={"bank": "ml_system_design"})[0].question.id == question_id
    assert question_id in [h.question.id for h in seeded_index.search(phrasing, k=3)]  # among every bank


def test_metadata_filters_and_nearest_answers(seeded_index):
    hits = seeded_index.search("drift", k=3, where={"bank": "ml_system_design"})
    assert hits and all(h.question.bank == "ml_system_design" for h in hits)
    answer = (
        "When the concept drifts I monitor accuracy on fresh labels, retrain on recent data, weight new "
        "examples more heavily and consider incremental learning or an ensemble of models."
    )
    hits = seeded_index.nearest_answers(answer, k=3, where={"bank": "ml_system_design"})
    assert hits[0].question.id == "mlsd-07-concept-drift"


def test_search_serves_topic_requests(seeded_index):
    """What "ask me about <topic>" uses (interview.handlers): the topic alone finds its question first."""
    hits = seeded_index.search("k-fold validation", k=2)
    assert hits[0].question.id == "mlsd-02-cross-validation"


def test_chroma_default_embedder_is_never_used(tmp_path, seed_bank, monkeypatch):
    """Chroma's default embedder downloads a model; make it explode and index anyway."""
    import chromadb.utils.embedding_functions as ef

    def boom(*a, **k):
        raise AssertionError("Chroma's default embedding function was reached")

    monkeypatch.setattr(ef.DefaultEmbeddingFunction, "__call__", boom)
    monkeypatch.setattr(ef.ONNXMiniLM_L6_V2, "__call__", boom)
    index = Index(chromadb.EphemeralClient(), "isolated")
    index.ingest([seed_bank])
    assert index.search("k-fold", k=1)[0].question.id == "mlsd-02-cross-validation"
    assert isinstance(index.questions._embedding_function, ChromaEmbedding)


def test_corrupt_index_folder_is_rebuilt(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path)
    settings.chroma_dir.mkdir(parents=True)
    (settings.chroma_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    index = ensure_index(settings)
    assert index.count() >= 10
    assert "rebuilding" in caplog.text


@pytest.mark.chroma_server
def test_server_mode_against_real_chroma_run(chroma_server, seed_bank):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    index = open_index(settings)
    assert index.ingest([seed_bank])["upserted"] == 10
    assert index.ingest([seed_bank])["upserted"] == 0
    assert (
        index.search(PARAPHRASES["mlsd-04-evaluation-metrics"][1], k=1)[0].question.id == "mlsd-04-evaluation-metrics"
    )
    assert index.get("mlsd-10-deployment-strategies").difficulty in (1, 2, 3)
