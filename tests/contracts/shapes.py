"""Comparing an answer with a documented sample: the same keys, and values of the same JSON types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"


def sample(path: str) -> dict[str, Any]:
    """A documented sample (``superoffice/activity_created``), without the ``_source`` that every file must have."""
    data = json.loads((SAMPLES / f"{path}.json").read_text())
    assert data.get("_source"), f"{path} names no source"
    return {key: value for key, value in data.items() if key != "_source"}


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
