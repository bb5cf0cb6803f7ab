"""A small real HTTP server on 127.0.0.1 for contract tests: it records what it is sent and answers with JSON it was
given, so an outside service's documented sample can be served to our client, and an emulator's requests caught.
Given ``pages`` it also serves copies of web pages (another origin for the browser tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StubServer:
    url: str
    answers: tuple[Any, ...] = ()
    """The JSON bodies of the answers (200), one per request in turn, the last one again and again; None (or none
    given) answers an empty 200."""
    received: list[Received] = field(default_factory=list)
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Paths answered with (content type, body) instead of the JSON answer, e.g. a copy of a web page."""

    def next_answer(self) -> Any:
        if not self.answers:
            return None
        return self.answers[min(len(self.received) - 1, len(self.answers) - 1)]


@contextmanager
def stub_server(*answers: Any) -> Iterator[StubServer]:
    stub = StubServer(url="", answers=answers)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers = {name.lower(): value for name, value in self.headers.items()}
            stub.received.append(Received(self.command, self.path, headers, self.rfile.read(length)))
            path = self.path.split("?")[0]
            if path in stub.pages:
                content_type, payload = stub.pages[path]
            else:
                answer = stub.next_answer()
                content_type = "application/json; charset=utf-8"
                payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
