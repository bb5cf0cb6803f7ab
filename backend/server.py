"""Serving ASGI apps with uvicorn: the backend and the sandbox side by side, each on its own port."""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from litestar.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from backend.log_redaction import redact_access_log
from backend.web.request_ids import log_records_carry_request_ids


@dataclass(frozen=True)
class Site:
    """One app on one bound socket."""

    app: ASGIApp
    sock: socket.socket

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind now (port 0 picks a free one), so the port is known and held before any server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # No Nagle: a response's headers and body go out as two writes, and the body would otherwise wait for the
    # client's delayed ACK (about 40 ms on every kept-alive request). Accepted connections inherit it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    # Listening now: a browser or test that connects before the server has started waits instead of being refused.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with each access line ending in its request's id (see ``web/request_ids``; ``-`` for the
    sandbox, which gives none)."""
    log_records_carry_request_ids()
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["access"]["fmt"] = (
        '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s request_id=%(request_id)s'
    )
    return config


def _server(site: Site, log_level: str, access_log: bool) -> uvicorn.Server:
    config = uvicorn.Config(
        site.app, log_level=log_level, access_log=access_log, lifespan="on", log_config=log_config()
    )
    redact_access_log()  # after uvicorn has configured its loggers
    return uvicorn.Server(config)


async def serve_sites(servers: Sequence[uvicorn.Server], sites: Sequence[Site]) -> None:
    """Run the servers until one of them stops (a signal, a failed start-up); then stop them all."""
    tasks = [
        asyncio.create_task(server.serve(sockets=[site.sock])) for server, site in zip(servers, sites, strict=True)
    ]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


def serve_forever(sites: Sequence[Site], *, log_level: str = "info") -> None:
    """Serve in the foreground until interrupted (``meetings serve``)."""
    servers = [_server(site, log_level, access_log=True) for site in sites]
    asyncio.run(serve_sites(servers, sites))


@contextmanager
def serving_in_background(sites: Sequence[Site], *, log_level: str = "warning") -> Iterator[None]:
    """Serve on a background thread while the block runs (tests, benchmarks); stop when it ends."""
    servers = [_server(site, log_level, access_log=False) for site in sites]
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(serve_sites(servers, sites))
        except BaseException as error:  # reported to the caller below
            failure.append(error)

    thread = threading.Thread(target=run, name="live-servers", daemon=True)
    thread.start()
    try:
        while not all(server.started for server in servers):
            if not thread.is_alive():
                raise RuntimeError(f"the servers did not start: {failure or 'see the log above'}")
            thread.join(0.02)
        yield
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(timeout=15)


HEALTHCHECK_SECONDS = 30
"""How long a backend process may take to answer the supervisor before it is replaced: a starting process imports
the whole backend, which takes seconds on a busy machine (uvicorn's 5 s replaced healthy ones)."""


def serve_processes(
    app_factory: str, sock: socket.socket, workers: int, *, beside: Sequence[Site], log_level: str = "info"
) -> None:
    """``workers`` processes serve the app ``app_factory`` makes (an import path: each process builds its own) on one
    bound socket, the kernel handing each connection to one of them; uvicorn's supervisor replaces a process that
    dies. The sites ``beside`` (the sandbox) are served by this process meanwhile. Until interrupted."""
    config = uvicorn.Config(
        app_factory, factory=True, workers=workers, log_level=log_level, access_log=True, lifespan="on",
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS, log_config=log_config(),
    )  # fmt: skip
    supervisor = Multiprocess(config, sockets=[sock])
    if not beside:
        supervisor.run()
        return
    with serving_in_background(beside, log_level=log_level):
        supervisor.run()
