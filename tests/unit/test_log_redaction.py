"""The access log keeps paths and harmless parameters but never an OAuth code, state or token."""

from __future__ import annotations

import logging

from backend.log_redaction import RedactSecrets, redacted
from backend.server import Site, _server, bind_socket


def _access_record(path: str) -> logging.LogRecord:
    # What uvicorn's access logger emits (uvicorn/protocols/http/*: client, method, path with query, version, status).
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:5000", "GET", path, "1.1", 303), None)  # fmt: skip


def test_codes_states_and_tokens_are_replaced_and_the_rest_kept() -> None:
    record = _access_record("/auth/callback?code=S3cr3tCode&state=abc&appointment=42&jwt=eyJ.x.y")

    RedactSecrets().filter(record)

    line = record.getMessage()
    assert "S3cr3tCode" not in line and "abc" not in line and "eyJ" not in line
    assert "/auth/callback?code=redacted&state=redacted&appointment=42&jwt=redacted" in line


def test_a_path_without_a_query_is_left_alone() -> None:
    assert redacted("/api/meetings/upcoming") == "/api/meetings/upcoming"


def test_the_servers_we_start_log_through_the_filter() -> None:
    logger = logging.getLogger("uvicorn.access")
    for existing in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
        logger.removeFilter(existing)
    sock = bind_socket("127.0.0.1", 0)
    try:
        _server(Site(app=lambda *_: None, sock=sock), "info", access_log=True)  # type: ignore[arg-type]
    finally:
        sock.close()

    assert [f for f in logger.filters if isinstance(f, RedactSecrets)]
