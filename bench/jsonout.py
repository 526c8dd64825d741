"""How every bench ends: its result as indented JSON on stdout, and in --out FILE when given."""

from __future__ import annotations

import json
from pathlib import Path


def emit(result: dict, out: Path | None = None) -> None:
    text = json.dumps(result, indent=2)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
    print(text)
