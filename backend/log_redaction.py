"""The access log without secrets: OAuth codes, states and tokens travel in query strings, and an access log is read
by more people, and kept longer, than the secrets it would otherwise hold."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

SECRET_PARAMETERS = frozenset(
    {"code", "state", "token", "jwt", "id_token", "access_token", "refresh_token", "client_secret", "code_verifier",
     "challenge", "zak", "session_state", "error_description"}
)  # fmt: skip
REDACTED = "redacted"


def redacted(path: str) -> str:
    """``path`` with the value of every secret query parameter replaced."""
    parts = urlsplit(path)
    if not parts.query:
        return path
    query = [(name, REDACTED if name.lower() in SECRET_PARAMETERS else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]  # fmt: skip
    return parts._replace(query=urlencode(query)).geturl()


class RedactSecrets(logging.Filter):
    """For uvicorn's access log, whose records carry (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redacted(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    """Install the filter on uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
