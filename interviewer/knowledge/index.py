"""The Chroma index over the banks.

Two collections, because lookups and grading embed different text:
- `<name>`: one record per question, document = the question text with its tags and key points: what the
  question asks about. The bare question text alone found 31/40 paraphrases top-1 (bench/retrieval.py).
- `<name>_answers`: one record per question, document = reference answer + key points. A candidate's answer
  is compared with answer-like text, so "nearest items for a candidate's text" searches here.
Question lookups fuse both (mean cosine): 0.90 -> 0.95+ top-1 on paraphrases, measured in bench/retrieval.py.
Both carry metadata (bank, topic, difficulty, content hash) and the full item as JSON, so a Chroma server
alone is enough to serve `get`. Ids are the question ids: re-ingest is idempotent, edits update, removals delete.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Iterable

from tqdm import tqdm

from interviewer.config import Settings
from interviewer.errors import IndexStoreError

from .bank import Bank, Question
from .embeddings import ChromaEmbedding

log = logging.getLogger(__name__)
BATCH = 64
ALL_TTL_S = 60.0


@dataclass(frozen=True)
class Hit:
    question: Question
    score: float  # cosine similarity, 1 = same meaning


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _lookup_text(q: Question) -> str:
    return f"{q.question}\nTopics: {', '.join(q.tags)}\nCovers: " + "; ".join(q.key_points)


def _answer_text(q: Question) -> str:
    return q.reference_answer.strip() + "\nKey points: " + "; ".join(q.key_points)


def _metadata(q: Question) -> dict[str, Any]:
    return {
        "bank": q.bank,
        "topic": q.topic,
        "difficulty": q.difficulty,
        "hash": q.content_hash(),
        "item": q.model_dump_json(),
    }


class Index:
    def __init__(self, client, name: str = "questions", embedding: ChromaEmbedding | None = None):
        self.client = client
        self.name = name
        self.embedding = embedding or ChromaEmbedding()
        options = dict(embedding_function=self.embedding, metadata={"hnsw:space": "cosine"})
        self.questions = client.get_or_create_collection(name, **options)
        self.answers = client.get_or_create_collection(f"{name}_answers", **options)
        self._all: tuple[float, list[Question]] | None = None  # (when read, questions): every new session lists them

    # ---- writing
    def ingest(self, banks: Iterable[Bank], progress: bool = False, prune: bool = False) -> dict[str, int]:
        """Upsert every question of `banks`; delete items of those banks that are gone.
        With prune, also delete items of banks not given (a full rebuild from knowledge/)."""
        items = [q for bank in banks for q in bank.questions]
        bank_ids = {q.bank for q in items}
        stored = self.questions.get(include=["metadatas"])
        stored_hash = {i: (m or {}).get("hash") for i, m in zip(stored["ids"], stored["metadatas"])}
        stored_bank = {i: (m or {}).get("bank") for i, m in zip(stored["ids"], stored["metadatas"])}
        wanted = {q.id for q in items}
        changed = [q for q in items if stored_hash.get(q.id) != q.content_hash()]
        removed = [i for i in stored_hash if i not in wanted and (prune or stored_bank[i] in bank_ids)]

        bar = tqdm(total=len(changed), desc="indexing", unit="q", disable=not progress or not changed)
        for start in range(0, len(changed), BATCH):
            batch = changed[start : start + BATCH]
            ids, metas = [q.id for q in batch], [_metadata(q) for q in batch]
            self.questions.upsert(ids=ids, documents=[_lookup_text(q) for q in batch], metadatas=metas)
            self.answers.upsert(ids=ids, documents=[_answer_text(q) for q in batch], metadatas=metas)
            bar.update(len(batch))
        bar.close()
        if removed:
            self.questions.delete(ids=removed)
            self.answers.delete(ids=removed)
        self._all = None
        return {
            "items": len(items),
            "upserted": len(changed),
            "unchanged": len(items) - len(changed),
            "deleted": len(removed),
        }

    # ---- reading
    def count(self) -> int:
        return self.questions.count()

    def get(self, question_id: str) -> Question:
        found = self.questions.get(ids=[question_id], include=["metadatas"])
        if not found["ids"]:
            raise KeyError(question_id)
        return Question.model_validate_json(found["metadatas"][0]["item"])

    def all(self) -> list[Question]:
        """Every question. Cached for ALL_TTL_S (parsing them all is the costliest part of starting a session); an
        ingest here clears it, and an ingest by another process (a Chroma server) shows within ALL_TTL_S."""
        cached = self._all
        if cached is not None and time.monotonic() - cached[0] < ALL_TTL_S:
            return [q.model_copy() for q in cached[1]]
        found = self.questions.get(include=["metadatas"])
        questions = [Question.model_validate_json(m["item"]) for m in found["metadatas"]]
        self._all = (time.monotonic(), questions)
        return [q.model_copy() for q in questions]

    def search(self, text: str, k: int = 5, where: dict | None = None) -> list[Hit]:
        """Questions nearest to `text` (a paraphrase or a topic request): the mean of the question-side and
        answer-side cosines over both collections' candidates; a candidate missing from one list gets that
        list's lowest score."""
        depth = max(k * 4, 20)
        vector = self.embedding([text])[0]  # embed once, query both collections
        by_question = {h.question.id: h for h in self._query(self.questions, vector, depth, where)}
        by_answer = {h.question.id: h for h in self._query(self.answers, vector, depth, where)}
        if not by_question:
            return []
        floor_q = min(h.score for h in by_question.values())
        floor_a = min((h.score for h in by_answer.values()), default=0.0)
        fused = []
        for qid in by_question.keys() | by_answer.keys():
            hit = by_question.get(qid) or by_answer[qid]
            score = (by_question[qid].score if qid in by_question else floor_q) + (
                by_answer[qid].score if qid in by_answer else floor_a
            )
            fused.append(Hit(hit.question, round(score / 2, 4)))
        return sorted(fused, key=lambda h: -h.score)[:k]

    def nearest_answers(self, text: str, k: int = 3, where: dict | None = None) -> list[Hit]:
        """Items whose reference answer is nearest to a candidate's text."""
        return self._query(self.answers, self.embedding([text])[0], k, where)

    def _query(self, collection, vector, k: int, where: dict | None) -> list[Hit]:
        size = collection.count()
        if not size:
            return []
        res = collection.query(
            query_embeddings=[vector], n_results=max(1, min(k, size)), where=where, include=["metadatas", "distances"]
        )
        return [
            Hit(Question.model_validate_json(m["item"]), round(1.0 - d, 4))
            for m, d in zip(res["metadatas"][0], res["distances"][0])
        ]


def open_index(settings: Settings, embedding: ChromaEmbedding | None = None) -> Index:
    try:
        return Index(make_client(settings), settings.collection, embedding)
    except Exception as exc:  # chromadb raises many unrelated types for a bad folder or server
        where = (
            f"server {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else str(settings.chroma_dir)
        )
        raise IndexStoreError(f"cannot open the Chroma index at {where}: {exc}") from exc


def _forget_client(path: str) -> None:
    """Chroma caches one system per folder, even a failed one; drop it so the rebuilt folder opens fresh."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)


def ensure_index(settings: Settings, embedding: ChromaEmbedding | None = None) -> Index:
    """Open the index and fill it from knowledge/ when empty. A corrupt local folder is moved aside
    and rebuilt, with a log message instead of a stack trace."""
    from .bank import load_banks

    try:
        index = open_index(settings, embedding)
        index.count()
    except IndexStoreError as exc:
        if settings.chroma_host:
            raise
        import shutil
        import time

        broken = settings.chroma_dir.with_name(f"{settings.chroma_dir.name}.broken-{int(time.time())}")
        log.warning("Chroma index unreadable (%s); moved to %s and rebuilding from knowledge/", exc, broken)
        shutil.move(str(settings.chroma_dir), str(broken))
        _forget_client(str(settings.chroma_dir))
        index = open_index(settings, embedding)
    if index.count() == 0:
        log.info("index empty: building it from knowledge/")
        index.ingest(load_banks([settings.knowledge_dir] if settings.knowledge_dir else None), prune=True)
    return index
