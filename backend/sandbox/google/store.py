"""What the Google emulator remembers (placeholder: filled in by the emulator's work)."""

from __future__ import annotations

from pathlib import Path


class GoogleStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
