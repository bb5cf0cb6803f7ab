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
import pytest

from tests.support.database import TestDatabase

STARTUP_SECONDS = 60


def _read_banner(process: subprocess.Popen[str]) -> str:
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
            return output
    raise AssertionError(f"meetings serve did not start:\n{output}")


def _read_urls(process: subprocess.Popen[str]) -> tuple[str, str, str]:
    output = _read_banner(process)
    backend = re.search(r"Backend:\s+(\S+)", output)
    sandbox = re.search(r"Sandbox:\s+(\S+)", output)
    assert backend and sandbox, output
    return backend.group(1), sandbox.group(1), output


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


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
        for service in ("SuperOffice", "Zoom", "Microsoft Teams", "Google Meet", "Mail"):
            assert f"\n  {service}: emulated by the sandbox\n" in output, output

        health = httpx.get(f"{backend_url}/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"

        diary = httpx.get(f"{sandbox_url}/", follow_redirects=True)
        assert diary.status_code == 200
        assert "Sign in to SuperOffice" in diary.text

        assert (tmp_path / "var" / "secret_key").exists()
    finally:
        _stop(process)
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


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104  (what the security review found; here only ever refused)
REAL_SERVICES = {
    "MEETINGS_SUPEROFFICE_URL": "https://online.superoffice.com",
    "MEETINGS_SUPEROFFICE_CLIENT_ID": "app-id",
    "MEETINGS_SUPEROFFICE_CLIENT_SECRET": "app-secret",
    "MEETINGS_ZOOM_CLIENT_ID": "zoom-app",
    "MEETINGS_ZOOM_CLIENT_SECRET": "zoom-secret",
}


def test_meetings_serve_beside_real_services_runs_no_sandbox_and_says_what_is_real(
    tmp_path: Path, database: TestDatabase
) -> None:
    # Someone else holds the sandbox's ports: a sandbox that still started would fail to listen there.
    with socket.socket() as sandbox_port, socket.socket() as mail_port:
        for held in (sandbox_port, mail_port):
            held.bind(("127.0.0.1", 0))
            held.listen()
        env = {**os.environ, **database.env(), **REAL_SERVICES, "MEETINGS_DATA_DIR": str(tmp_path / "var"),
               "PYTHONUNBUFFERED": "1", "MEETINGS_SANDBOX_SMTP_PORT": str(mail_port.getsockname()[1])}  # fmt: skip
        env.pop("MEETINGS_SANDBOX", None)
        command = ["serve", "--port", "0", "--sandbox-port", str(sandbox_port.getsockname()[1])]
        process = subprocess.Popen([sys.executable, "-m", "backend.cli", *command], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        try:
            output = _read_banner(process)
            backend = re.search(r"Backend:\s+(\S+)", output)
            assert backend, output
            assert httpx.get(f"{backend.group(1)}/healthz").status_code == 200
        finally:
            _stop(process)

    assert "\n  SuperOffice: real (https://online.superoffice.com)\n" in output
    assert "\n  Zoom: real (https://zoom.us)\n" in output
    assert "\n  Microsoft Teams: not configured\n" in output
    assert "\n  Google Meet: not configured\n" in output
    assert "\n  Mail: not configured" in output
    assert "Mailbox:" not in output and "admin / admin" not in output


@pytest.mark.parametrize(("asked", "flag"), [({"MEETINGS_SANDBOX": "true"}, []), ({}, ["--sandbox"])])
def test_meetings_serve_refuses_an_explicit_sandbox_beside_real_services_on_a_public_interface(
    tmp_path: Path, database: TestDatabase, asked: dict[str, str], flag: list[str]
) -> None:
    env = {**os.environ, **database.env(), **REAL_SERVICES, **asked, "MEETINGS_DATA_DIR": str(tmp_path / "var"),
           "MEETINGS_SANDBOX_SMTP_PORT": "0"}  # fmt: skip
    if not asked:
        env.pop("MEETINGS_SANDBOX", None)
    command = ["serve", *flag, "--host", EVERY_INTERFACE, "--port", "0", "--sandbox-port", "0"]
    result = subprocess.run([sys.executable, "-m", "backend.cli", *command], env=env, capture_output=True, text=True,
                            timeout=60, check=False)  # fmt: skip

    assert result.returncode == 2
    assert "listens on this computer only" in result.stderr
    assert "MEETINGS_HOST" in result.stderr and EVERY_INTERFACE in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
