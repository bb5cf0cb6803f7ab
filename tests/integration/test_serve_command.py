"""`meetings serve` as `make run` starts it: migrations applied, backend and sandbox on their own ports."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.database import TestDatabase

STARTUP_SECONDS = 60


def _read_urls(process: subprocess.Popen[str]) -> tuple[str, str, str]:
    output = ""
    deadline = time.monotonic() + STARTUP_SECONDS
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        output += line
        if "Press Ctrl+C" in output:
            backend = re.search(r"Backend:\s+(\S+)", output)
            sandbox = re.search(r"Sandbox:\s+(\S+)", output)
            assert backend and sandbox, output
            return backend.group(1), sandbox.group(1), output
    raise AssertionError(f"meetings serve did not start:\n{output}")


def test_meetings_serve_runs_the_backend_and_the_sandbox(tmp_path: Path, database: TestDatabase) -> None:
    env = {
        **os.environ,
        **database.env(),
        "MEETINGS_DATA_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
        "MEETINGS_SANDBOX_SMTP_PORT": "0",
    }
    env.pop("MEETINGS_SECRET_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", "0", "--sandbox-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        backend_url, sandbox_url, output = _read_urls(process)
        assert backend_url != sandbox_url
        assert "anna / anna" in output and "admin / admin" in output

        health = httpx.get(f"{backend_url}/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"

        diary = httpx.get(f"{sandbox_url}/", follow_redirects=True)
        assert diary.status_code == 200
        assert "Sign in to SuperOffice" in diary.text

        assert (tmp_path / "var" / "secret_key").exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0


def test_meetings_serve_explains_a_port_that_is_taken(tmp_path: Path, database: TestDatabase) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, **database.env(), "MEETINGS_DATA_DIR": str(tmp_path / "var")}
        result = subprocess.run(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--sandbox-port", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
