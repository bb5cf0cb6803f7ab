"""What SuperOffice's identifiers look like, so what cannot be one is turned away before it reaches a query.

Its record ids (associates, appointments) are 32-bit integers: a larger number is no id SuperOffice can have, and it
overflows our PostgreSQL columns. A customer's context id (``Cust12345``) is letters and digits.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
CONTEXT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse_id(text: str | None) -> int | None:
    """The record id ``text`` spells (ASCII digits, 0 to ``MAX_ID``), or None when it spells none."""
    # str.isdigit() also accepts digits int() refuses ("²") and ones from other scripts ("٣").
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def is_context_id(text: str) -> bool:
    return CONTEXT_ID.fullmatch(text) is not None
