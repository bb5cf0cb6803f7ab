"""Comparing an answer with a documented sample: the same keys, and values of the same JSON types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    """A documented sample (its ``_source`` says where it was taken from)."""
    document = json.loads((SAMPLES / name).read_text())
    assert document.get("_source"), f"{name} must name its source"
    return document


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def differences(documented: dict[str, Any], answer: dict[str, Any], keys: list[str] | None = None) -> list[str]:
    """What differs in the given keys (all the sample's, by default); a ``null`` in the sample fits any type."""
    found = []
    for key in keys if keys is not None else list(documented):
        if key not in answer:
            found.append(f"{key}: missing")
        elif documented[key] is not None and json_type(documented[key]) != json_type(answer[key]):
            found.append(f"{key}: {json_type(answer[key])}, documented {json_type(documented[key])}")
    return found
