"""The ``meetings`` command: ``serve``, ``db upgrade`` / ``downgrade`` / ``revision``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet
from litestar import Litestar
from pydantic import ValidationError

from backend import PROJECT_ROOT
from backend.app import create_app
from backend.db import alembic_config, create_engine, session_factory, upgrade_database
from backend.log_redaction import redact_access_log
from backend.sandbox.app import SandboxConfig, create_sandbox_app
from backend.sandbox.google.apps import GoogleClient
from backend.sandbox.microsoft.apps import MicrosoftApp
from backend.sandbox.superoffice.oidc_store import OAuthClient
from backend.sandbox.zoom.apps import ZoomApp
from backend.security import TokenCipher, derive_key
from backend.server import Site, bind_socket, serve_forever, serve_processes
from backend.service_modes import Service, ServiceMode, service_address, service_mode
from backend.services.token_keys import reencrypt_tokens
from backend.settings import Settings


def build_sites(
    settings: Settings, backend_sock: Any, sandbox_sock: Any | None, smtp_sock: Any | None = None
) -> list[Site]:
    """The backend, and the sandbox beside it when it is on: what ``serve`` and the tests' live server run.

    ``smtp_sock``: where the sandbox's mail sink listens (no sink without it).
    """
    sites = [Site(create_app(settings), backend_sock)]
    if sandbox_sock is not None:
        sites.append(sandbox_site(settings, sandbox_sock, smtp_sock))
    return sites


def sandbox_site(settings: Settings, sandbox_sock: Any, smtp_sock: Any | None) -> Site:
    """The sandbox, registered with our application's settings as the real services would have it."""
    sandbox = SandboxConfig(
        data_dir=settings.data_dir / "sandbox",
        public_url=settings.sandbox_url,
        backend_url=settings.public_url,
        session_secret=derive_key(settings.secret, "sandbox-session"),
        superoffice_clients=_sandbox_superoffice_clients(settings),
        zoom_apps=_sandbox_zoom_apps(settings),
        microsoft_apps=_sandbox_microsoft_apps(settings),
        google_clients=_sandbox_google_clients(settings),
        smtp_socket=smtp_sock,
    )
    return Site(create_sandbox_app(sandbox), sandbox_sock)


def backend_from_environment() -> Litestar:
    """The backend as one of ``serve --workers N``'s processes builds it: settings from the environment, which the
    parent filled in with the ports it bound."""
    redact_access_log()  # uvicorn has configured this process's loggers by now
    return create_app(Settings())


def _emulated(settings: Settings, service: Service) -> bool:
    return service_mode(settings, service) is ServiceMode.EMULATED


def _sandbox_superoffice_clients(settings: Settings) -> tuple[OAuthClient, ...]:
    """Our application as registered on the sandbox's SuperOffice (not a real SuperOffice's credentials)."""
    if not _emulated(settings, Service.SUPEROFFICE):
        return ()
    redirect_uris = (settings.auth_callback_url,)
    return (OAuthClient(settings.superoffice_client_id, settings.superoffice_secret, redirect_uris=redirect_uris),)


def _sandbox_zoom_apps(settings: Settings) -> tuple[ZoomApp, ...]:
    """Our Zoom app as registered on the sandbox's Zoom (only when we use the sandbox's Zoom)."""
    if not _emulated(settings, Service.ZOOM) or settings.zoom_client_secret is None:
        return ()
    assert settings.zoom_webhook_secret is not None
    return (
        ZoomApp(
            client_id=settings.zoom_client_id,
            client_secret=settings.zoom_client_secret.get_secret_value(),
            redirect_uris=(settings.connect_callback_url("zoom"),),
            webhook_url=f"{settings.public_url}/webhooks/zoom",
            webhook_secret=settings.zoom_webhook_secret.get_secret_value(),
        ),
    )


def _sandbox_microsoft_apps(settings: Settings) -> tuple[MicrosoftApp, ...]:
    """Our Teams app as registered on the sandbox's Microsoft (only when we use it)."""
    if not _emulated(settings, Service.TEAMS) or settings.teams_client_secret is None:
        return ()
    secret = settings.teams_client_secret.get_secret_value()
    redirect_uris = (settings.connect_callback_url("teams"),)
    return (MicrosoftApp(client_id=settings.teams_client_id, client_secret=secret, redirect_uris=redirect_uris),)


def _sandbox_google_clients(settings: Settings) -> tuple[GoogleClient, ...]:
    """Our Meet client as registered on the sandbox's Google, with our RISC receiver (only when we use it)."""
    if not _emulated(settings, Service.GOOGLE_MEET) or settings.google_client_secret is None:
        return ()
    return (
        GoogleClient(
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
            redirect_uris=(settings.connect_callback_url("google_meet"),),
            risc_receiver_url=f"{settings.public_url}/webhooks/google_meet",
        ),
    )


def _serve(args: argparse.Namespace) -> int:
    given = {"host": args.host, "port": args.port, "sandbox_port": args.sandbox_port, "workers": args.workers}
    overrides = {name: value for name, value in given.items() if value is not None}
    if args.sandbox is not None:
        overrides["sandbox"] = args.sandbox
    requested = Settings(**overrides)
    backend_sock = bind_socket(requested.host, requested.port)
    sandbox_sock = bind_socket(requested.host, requested.sandbox_port) if requested.sandbox else None
    smtp_sock = bind_socket(requested.host, requested.sandbox_smtp_port) if requested.sandbox else None
    # Port 0 means "any free port": from here on the settings carry the ports actually bound.
    overrides["port"] = backend_sock.getsockname()[1]
    if sandbox_sock is not None and smtp_sock is not None:
        overrides["sandbox_port"] = sandbox_sock.getsockname()[1]
        overrides["sandbox_smtp_port"] = smtp_sock.getsockname()[1]
    settings = Settings(**overrides)
    if settings.workers > 1 and settings.is_sqlite:
        print(SQLITE_SERVES_ONE, file=sys.stderr)
        return 2

    upgrade_database(settings)
    if settings.workers == 1:
        sites = build_sites(settings, backend_sock, sandbox_sock, smtp_sock)
        _print_welcome(settings)
        serve_forever(sites, log_level=settings.log_level)
        return 0
    # Each process builds its own backend from the environment: the same settings, with the ports bound here.
    os.environ.update({f"MEETINGS_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
                       for name, value in overrides.items()})  # fmt: skip
    # The processes' metrics meet in one folder, so /metrics adds them up whichever process answers.
    metrics = settings.data_dir / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    beside = [sandbox_site(settings, sandbox_sock, smtp_sock)] if sandbox_sock is not None else []
    _print_welcome(settings)
    serve_processes("backend.cli:backend_from_environment", backend_sock, settings.workers, beside=beside,
                    log_level=settings.log_level)  # fmt: skip
    return 0


SQLITE_SERVES_ONE = (
    "meetings: --workers above 1 needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): a SQLite file takes one "
    "writer at a time, so more processes would only wait for each other. Run one worker on SQLite."
)


def _print_welcome(settings: Settings) -> None:
    database = sa.make_url(settings.database_url).render_as_string(hide_password=True)
    lines = [
        "",
        "Meetings for SuperOffice is running.",
        f"  Backend:  {settings.public_url}   (health: {settings.public_url}/healthz)"
        + (f", {settings.workers} processes" if settings.workers > 1 else ""),
    ]
    if settings.sandbox:
        lines += [
            f"  Sandbox:  {settings.sandbox_url}   (the emulated SuperOffice CRM and video providers)",
            f"  Mailbox:  {settings.sandbox_url}/mailbox   (invitation e-mails, received by the sandbox's mail server"
            f" on port {settings.sandbox_smtp_port})",
        ]
    else:
        lines.append(
            "  Sandbox:  off (on only when no real service is configured, or when asked for: MEETINGS_SANDBOX=true)"
        )
    lines += [f"  Database: {database}", "", "Services:", *(f"  {line}" for line in _service_lines(settings))]
    if settings.sandbox:
        lines += [
            "",
            f"Start here: open {settings.sandbox_url}/ and sign in to the sandbox CRM:",
            "  admin / admin   administrator of Demo Company AS (Cust12345)",
            "  anna / anna, bjorn / bjorn   users of Demo Company AS",
            "  oscar / oscar   administrator of Other Company AS (Cust67890)",
            f"  (all demo users: {settings.sandbox_url}/demo-users)",
            "In a saved follow-up, the Video meeting tab adds a meeting with no install. For the one-click",
            "icon, load the browser extension from extension/ (chrome://extensions, Developer mode, Load unpacked),",
            f"then add {settings.sandbox_url} under CRM addresses in its options.",
        ]
    lines.append("Press Ctrl+C to stop.\n")
    print("\n".join(lines), flush=True)


def _service_lines(settings: Settings) -> list[str]:
    """One line per outside service: real (and where), emulated by the sandbox, or not configured."""
    lines = []
    for service in Service:
        mode = service_mode(settings, service)
        where = f" ({service_address(settings, service)})" if mode is ServiceMode.REAL else ""
        lines.append(f"{service}: {mode}{where}")
    return lines


def _db(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.db_command == "upgrade":
        upgrade_database(settings, args.revision)
    elif args.db_command == "downgrade":
        command.downgrade(alembic_config(settings), args.revision)
    elif args.db_command == "revision":
        command.revision(alembic_config(settings), message=args.message, autogenerate=True)
    return 0


def _tokens(args: argparse.Namespace) -> int:
    if args.tokens_command == "new-key":
        print(Fernet.generate_key().decode())
        return 0
    settings = Settings()

    async def reencrypt() -> int:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as db:
                return await reencrypt_tokens(db, TokenCipher.for_settings(settings))
        finally:
            await engine.dispose()

    count = asyncio.run(reencrypt())
    print(f"Re-encrypted the tokens of {count} connections under the first key of MEETINGS_TOKEN_KEYS.")
    return 0


EXTENSION_DIR = PROJECT_ROOT / "extension"
NOT_PACKED = {"package.json"}  # for Node's test runner only
LOOPBACK_PATTERN = re.compile(r"^[a-z*]+://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/", re.IGNORECASE)


def store_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without the development build's loopback addresses (the sandbox and a service on this computer):
    host permissions, content-script and web-accessible-resource matches. The extension opens http join links only
    while its manifest still has them, so the store build opens https links only."""

    def public(patterns: list[str]) -> list[str]:
        return [pattern for pattern in patterns if not LOOPBACK_PATTERN.match(pattern)]

    packed = json.loads(json.dumps(manifest))
    packed["host_permissions"] = public(packed.get("host_permissions", []))
    for key in ("content_scripts", "web_accessible_resources"):
        entries = [{**entry, "matches": public(entry.get("matches", []))} for entry in packed.pop(key, [])]
        if any(entry["matches"] for entry in entries):
            packed[key] = [entry for entry in entries if entry["matches"]]
    return packed


def _extension(args: argparse.Namespace) -> int:
    manifest = store_manifest(json.loads((EXTENSION_DIR / "manifest.json").read_text()))
    output = Path(args.output or f"dist/meetings-for-superoffice-extension-{manifest['version']}.zip")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for path in sorted(EXTENSION_DIR.rglob("*")):
            if path.is_file() and path.name not in NOT_PACKED and path.name != "manifest.json":
                archive.write(path, path.relative_to(EXTENSION_DIR).as_posix())
    print(f"Wrote {output} (version {manifest['version']}): upload it to the Chrome Web Store or Edge Add-ons.")
    print("It acts on SuperOffice Online (https://*.superoffice.com/Cust*) and on no address of this computer.")
    print("An on-site installation adds, in the extension's options (each asks the browser's permission once):")
    print("  - under CRM addresses: the SuperOffice web client's address, e.g. https://crm.example.com;")
    print("  - as Meetings service address: this service's public address, e.g. https://meetings.example.com.")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="meetings", description="Meetings for SuperOffice")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database and start the backend (and the sandbox)")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1, or MEETINGS_HOST)")
    serve.add_argument("--port", type=int, help="backend port (default 8000, or MEETINGS_PORT)")
    serve.add_argument("--sandbox-port", type=int, help="sandbox port (default 8001, or MEETINGS_SANDBOX_PORT)")
    serve.add_argument(
        "--workers", type=int, help="backend processes sharing the port (default 1, or MEETINGS_WORKERS; PostgreSQL)"
    )
    sandbox = serve.add_mutually_exclusive_group()
    sandbox.add_argument(
        "--sandbox",
        action="store_true",
        default=None,
        help="serve the sandbox even beside real services (loopback only)",
    )
    sandbox.add_argument(
        "--no-sandbox", dest="sandbox", action="store_false", default=None, help="do not serve the sandbox"
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (default: all)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="revert migrations down to REVISION")
    downgrade.add_argument("revision")
    revision = db_commands.add_parser("revision", help="(developers) write a migration from the model changes")
    revision.add_argument("-m", "--message", required=True)
    db.set_defaults(run=_db)

    tokens = commands.add_parser("tokens", help="the keys that encrypt provider tokens at rest")
    tokens_commands = tokens.add_subparsers(dest="tokens_command", required=True)
    tokens_commands.add_parser("new-key", help="print a new key (put it first in MEETINGS_TOKEN_KEYS)")
    tokens_commands.add_parser("reencrypt", help="re-encrypt every stored token under the first key")
    tokens.set_defaults(run=_tokens)

    extension = commands.add_parser("extension", help="the browser extension")
    extension_commands = extension.add_subparsers(dest="extension_command", required=True)
    pack = extension_commands.add_parser("pack", help="write the extension as a zip for the Chrome Web Store")
    pack.add_argument("--output", help="where to write the zip (default dist/...-VERSION.zip)")
    extension.set_defaults(run=_extension)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        print(f"meetings: the settings are not valid: {problems}", file=sys.stderr)
    except OSError as error:
        print(f"meetings: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
