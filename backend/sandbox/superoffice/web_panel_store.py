"""The web panels of the emulated SuperOffice's tenants (the ``WebPanel`` list), in SQLite.

Each item is kept as SuperOffice's ``WebPanelEntity`` (without its computed ``TableRight``/``FieldProperties``).
``DELETE`` only marks an item ``Deleted`` (SuperOfficeDocs/superoffice-docs
``docs/en/api/reference/restful/rest/List/v1WebPanelEntityList_DeleteWebPanelEntity.md``: "Marks the existing
WebPanelEntity as deleted"), so deleted items stay in the list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.sandbox.sqlite import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_panel (
    web_panel_id INTEGER PRIMARY KEY AUTOINCREMENT,
    context_id TEXT NOT NULL,
    entity TEXT NOT NULL
);
"""


class WebPanelStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    def add(self, context_id: str, entity: dict[str, Any]) -> dict[str, Any]:
        with connect(self.path) as db:
            cursor = db.execute("INSERT INTO web_panel (context_id, entity) VALUES (?, '{}')", (context_id,))
            web_panel_id = int(cursor.lastrowid or 0)
            saved = {**entity, "WebPanelId": web_panel_id}
            db.execute("UPDATE web_panel SET entity = ? WHERE web_panel_id = ?", (json.dumps(saved), web_panel_id))
        return saved

    def get(self, context_id: str, web_panel_id: int) -> dict[str, Any] | None:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT entity FROM web_panel WHERE context_id = ? AND web_panel_id = ?", (context_id, web_panel_id)
            ).fetchone()
        return json.loads(row["entity"]) if row else None

    def of_tenant(self, context_id: str) -> list[dict[str, Any]]:
        with connect(self.path) as db:
            rows = db.execute("SELECT entity FROM web_panel WHERE context_id = ? ORDER BY web_panel_id", (context_id,))
            return [json.loads(row["entity"]) for row in rows.fetchall()]

    def save(self, context_id: str, entity: dict[str, Any]) -> dict[str, Any]:
        with connect(self.path) as db:
            db.execute(
                "UPDATE web_panel SET entity = ? WHERE context_id = ? AND web_panel_id = ?",
                (json.dumps(entity), context_id, entity["WebPanelId"]),
            )
        return entity
