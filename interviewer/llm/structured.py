"""Structured output for client.py: the json_schema response format, and validation with repair for servers that
can't constrain decoding."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
# Protocol glue for servers without constrained decoding, not interview prompts (those live in prompts/).
SCHEMA_HINT = "Reply with one JSON object and nothing else. It must match this JSON schema:\n{schema}"
REPAIR_HINT = "That reply is not valid for the schema ({error}). Reply again with only the corrected JSON object."


def repair_json(text: str) -> Any:
    """Best effort: keep the outermost {...} (drops code fences and chatter), drop trailing commas."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text[start : end + 1]))


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate a reply against `schema`, repairing common wrapping mistakes first."""
    try:
        return schema.model_validate_json(text)
    except ValidationError as first:
        try:
            data = repair_json(text)
        except ValueError:
            raise first from None
        return schema.model_validate(data)


def short_error(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()[:3])


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """OpenAI `json_schema` response format; strict only when the schema already meets strict-mode
    rules (every property required, no defaults), which llama.cpp, vLLM and Ollama don't need."""
    spec = schema.model_json_schema()
    objects = [o for o in (spec, *spec.get("$defs", {}).values()) if "properties" in o]
    strict = all(
        set(o.get("required", [])) == set(o["properties"]) and not any("default" in p for p in o["properties"].values())
        for o in objects
    )
    if strict:
        for o in objects:
            o["additionalProperties"] = False
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": spec, "strict": strict}}
