"""The product as `meetings serve` runs it, in a process of its own (for the benchmarks and the multi-process
tests): real processes, real sockets. The servers pick free ports (`--port 0`); the settings handed back are the
ones the process runs with, so the tests' HTTP helpers (sign-in, connecting Zoom) work against it unchanged.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend.settings import Settings
from tests.support.database import TestDatabase
from tests.support.live import LiveServers

ROOT = Path(__file__).resolve().parent.parent

STARTUP_SECONDS = 60


@dataclass(frozen=True)
class Served:
    live: LiveServers
    process: subprocess.Popen[str]
    banner: str

    def processes(self) -> list[int]:
        """The process ids serving: this one and its backend processes (``--workers``)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        spawned = [int(pid) for pid in children if b"multiprocessing.spawn" in _cmdline(int(pid))]
        return [self.process.pid, *(pid for pid in spawned if b"resource_tracker" not in _cmdline(pid))]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def meetings_serve(data_dir: Path, database: TestDatabase, *extra: str) -> Iterator[Served]:
    """`meetings serve --port 0 --sandbox-port 0 EXTRA...` until the block ends (then Ctrl+C, as a person stops it).
    Its output goes to ``serve.log`` beside the data directory (a pipe nobody reads would stop it once full)."""
    env = {**os.environ, **database.env(), "MEETINGS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
           "MEETINGS_SANDBOX_SMTP_PORT": "0", "MEETINGS_LOG_LEVEL": "warning"}  # fmt: skip
    command = [sys.executable, "-m", "backend.cli", "serve", "--port", "0", "--sandbox-port", "0", *extra]
    log = data_dir.parent / "serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        banner = _banner(process, log)
        ports = {name: int(re.search(rf"{label}:\s+http://[^:]+:(\d+)", banner).group(1))  # type: ignore[union-attr]
                 for name, label in (("port", "Backend"), ("sandbox_port", "Sandbox"))}  # fmt: skip
        settings = Settings(data_dir=data_dir, database_url=database.url, database_schema=database.schema, **ports)
        yield Served(LiveServers(settings), process, banner)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _banner(process: subprocess.Popen[str], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        output = log.read_text()
        if "Press Ctrl+C" in output:
            return output
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"meetings serve did not start:\n{log.read_text()}")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(samples_ms: list[float]) -> str:
    return f"p50 {statistics.median(samples_ms):6.2f} ms   p99 {percentile(samples_ms, 0.99):6.2f} ms"
