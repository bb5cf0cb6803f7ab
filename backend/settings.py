"""The one typed settings object, read from the environment (prefix ``MEETINGS_``, plus ``DATABASE_URL``).

Every field is documented in the README's settings table; keep the two in step.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.service_modes import (
    GOOGLE_ACCOUNTS_URL,
    SMTP_PORT,
    TEAMS_LOGIN_URL,
    ZOOM_URL,
    Service,
    ServiceMode,
    real_services,
    sandbox_stays_on,
    service_mode,
    why_the_sandbox_is_off,
)

SANDBOX_CLIENT_ID = "meetings-for-superoffice"
SANDBOX_ZOOM_CLIENT_ID = "meetings-for-superoffice-zoom"
SANDBOX_TEAMS_CLIENT_ID = "5f1d6a2e-3b8c-4e7a-9c1d-5e0f4a7b2c91"
SANDBOX_GOOGLE_CLIENT_ID = "meetings-for-superoffice.apps.googleusercontent.com"
SANDBOX_MAIL_FROM = "Meetings for SuperOffice <meetings@sandbox.example>"
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class Settings(BaseSettings):
    """Configuration of one running instance of the meetings service."""

    model_config = SettingsConfigDict(env_prefix="MEETINGS_", extra="ignore", frozen=True)

    data_dir: Path = Path("var")
    """Where local state lives: the SQLite database, the generated secret key, the sandbox's store."""

    database_url: str = Field(default="", validation_alias=AliasChoices("DATABASE_URL", "MEETINGS_DATABASE_URL"))
    """SQLAlchemy async URL. Empty means SQLite at ``{data_dir}/meetings.sqlite3``."""

    database_schema: str | None = None
    """PostgreSQL only: the schema to use (sets ``search_path``). Empty means the server's default."""

    redis_url: str = ""
    """Redis (``redis://host:6379/0``) for browser sessions; empty: they are kept in the database."""

    secret_key: SecretStr | None = None
    """Signs sessions, CSRF tokens and extension tokens. Empty: generated once into ``{data_dir}/secret_key``."""

    token_keys: SecretStr | None = None
    """Fernet keys that encrypt provider tokens at rest, comma-separated; the first encrypts, all decrypt (for
    rotation). Empty: one key derived from the secret key. Make one with ``meetings tokens new-key``."""

    host: str = "127.0.0.1"
    """Interface the backend (and the sandbox) listen on."""

    port: int = Field(default=8000, ge=0, le=65535)
    """Backend port."""

    sandbox_port: int = Field(default=8001, ge=0, le=65535)
    """Sandbox port (the emulated SuperOffice and video providers), another origin as in real life."""

    workers: int = Field(default=1, ge=1, le=64)
    """Backend processes sharing the backend's port (``meetings serve --workers``). Above 1 needs PostgreSQL: a SQLite
    file takes one writer at a time."""

    sandbox: bool = True
    """Serve the sandbox beside the backend (the embedded default). It turns itself off when any real service is
    configured, unless set explicitly; explicitly on beside real services, it listens on loopback only."""

    public_url: str = ""
    """The backend's URL as browsers see it. Empty means ``http://{host}:{port}``."""

    sandbox_url: str = ""
    """The sandbox's URL as browsers see it. Empty means ``http://{host}:{sandbox_port}``."""

    log_level: str = "info"
    """Log level of the servers: debug, info, warning, error."""

    metrics_from: str = ""
    """Who may read ``/metrics`` besides this computer: addresses or networks, comma-separated (e.g. the Prometheus
    server's ``10.0.0.5`` or ``10.0.0.0/24``)."""

    superoffice_url: str = ""
    """SuperOffice environment (``https://online.superoffice.com``, ``https://sod.superoffice.com``): the OpenID
    Connect issuer, discovered at ``{url}/login/.well-known/openid-configuration``. Empty means the sandbox."""

    crm_origins: str = ""
    """Addresses of the company's SuperOffice web client that may show the video meeting web panel in a frame
    (``MEETINGS_CRM_ORIGINS``, comma-separated, e.g. ``https://crm.example.com`` for an on-site installation). Each
    tenant's own SuperOffice host (from its WebAPI address) is allowed anyway; with the sandbox, so is the sandbox."""
    superoffice_client_id: str = ""
    """The application's client id at SuperOffice. Empty with the sandbox: the sandbox's registration."""

    superoffice_client_secret: SecretStr | None = None
    """The application's client secret at SuperOffice. Empty with the sandbox: the sandbox's registration."""

    zoom_client_id: str = ""
    """Zoom OAuth app credentials; without them (and without the sandbox) Zoom cannot be chosen."""
    zoom_client_secret: SecretStr | None = None
    zoom_webhook_secret: SecretStr | None = None
    """The Zoom app's "secret token" that signs its event notifications (``/webhooks/zoom``)."""
    zoom_url: str = ""
    """Zoom's OAuth host. Empty: ``https://zoom.us``, or the sandbox's Zoom when no Zoom app is configured."""
    zoom_api_url: str = ""
    """Zoom's API base. Empty: ``https://api.zoom.us/v2``, or the sandbox's Zoom when no Zoom app is configured."""
    teams_client_id: str = ""
    """Microsoft Entra app credentials for Teams; without them (and without the sandbox) Teams cannot be chosen."""
    teams_client_secret: SecretStr | None = None
    teams_login_url: str = ""
    """Microsoft's identity platform. Empty: ``https://login.microsoftonline.com``, or the sandbox's Microsoft."""
    teams_graph_url: str = ""
    """Microsoft Graph. Empty: ``https://graph.microsoft.com``, or the sandbox's Microsoft."""
    google_client_id: str = ""
    """Google OAuth client for Meet; without it (and without the sandbox) Google Meet cannot be chosen."""
    google_client_secret: SecretStr | None = None
    google_accounts_url: str = ""
    """Google's sign-in host (consent page; RISC configuration). Empty: ``https://accounts.google.com``, or the
    sandbox's Google."""
    google_oauth2_url: str = ""
    """Google's token host (``/token``, ``/revoke``). Empty: ``https://oauth2.googleapis.com``, or the sandbox's."""
    google_meet_url: str = ""
    """Google Meet REST API. Empty: ``https://meet.googleapis.com``, or the sandbox's Google."""

    provider_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """How long one call to a video provider may take before it counts as failed."""

    sandbox_smtp_port: int = Field(default=8025, ge=0, le=65535)
    """Port of the sandbox's mail sink (an SMTP server; what it receives is shown at ``{sandbox_url}/mailbox``)."""

    smtp_host: str = ""
    """Mail server for invitation e-mails. Empty: the sandbox's mail sink when the sandbox is on, else no e-mails."""
    smtp_port: int = Field(default=0, ge=0, le=65535)
    """Mail server port. 0: 587 for a real mail server, the sandbox's mail sink port otherwise."""
    smtp_starttls: bool | None = None
    """Upgrade the connection with STARTTLS before signing in. Empty: on, except for the sandbox's mail sink."""
    smtp_user: str = ""
    """User name at the mail server (empty: send without signing in)."""
    smtp_password: SecretStr | None = None
    smtp_from: str = ""
    """The From address of invitation e-mails, e.g. ``Meetings <meetings@example.com>`` (needed with a host)."""

    job_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    """How often the background worker looks for due jobs (invitation e-mails)."""
    job_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    """Wait before a failed job's first retry; it doubles with each further attempt."""
    job_max_attempts: int = Field(default=6, ge=1, le=50)
    """Attempts before a job is given up (and the failure shown in Activity)."""

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Settings:
        # Frozen model: derived defaults are set once here, so the rest of the code reads plain fields.
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite+aiosqlite:///{(self.data_dir / 'meetings.sqlite3').as_posix()}"
            )
        if self.secret_key is None:
            object.__setattr__(self, "secret_key", SecretStr(load_or_create_secret_key(self.data_dir)))
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}")
        if not self.sandbox_url:
            object.__setattr__(self, "sandbox_url", f"http://{self.host}:{self.sandbox_port}")
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        object.__setattr__(self, "sandbox_url", self.sandbox_url.rstrip("/"))
        if len(self.secret.encode()) < 32:
            raise ValueError("MEETINGS_SECRET_KEY must be at least 32 characters long")
        try:
            self.metrics_networks  # noqa: B018 (parsed now, so a wrong one stops the start with a reason)
        except ValueError as error:
            raise ValueError(
                f"MEETINGS_METRICS_FROM: {error} (give addresses or networks such as 10.0.0.0/24)"
            ) from None
        for key in self.token_key_list:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    "MEETINGS_TOKEN_KEYS holds a value that is not a Fernet key (make one: meetings tokens new-key)"
                ) from None
        # "Asked for": given in the environment or by the command, as opposed to the default.
        real, asked = real_services(self), "sandbox" in self.model_fields_set
        object.__setattr__(self, "sandbox", sandbox_stays_on(self, real, asked=asked))
        if not self.superoffice_url:
            if not self.sandbox:
                why = why_the_sandbox_is_off(real, asked=asked)
                raise ValueError(f"MEETINGS_SUPEROFFICE_URL is needed when the sandbox is off{why}")
            object.__setattr__(self, "superoffice_url", self.sandbox_url)
            object.__setattr__(self, "superoffice_client_id", self.superoffice_client_id or SANDBOX_CLIENT_ID)
            if self.superoffice_client_secret is None:
                object.__setattr__(
                    self, "superoffice_client_secret", SecretStr(self._derived("sandbox superoffice client"))
                )
        object.__setattr__(self, "superoffice_url", self.superoffice_url.rstrip("/"))
        # Beside a real service the sandbox stands in for no video provider: an administrator could choose an
        # emulated one, and its meetings would lead real people nowhere.
        emulate_providers = self.sandbox and not real
        self._fill_zoom_defaults(emulate_providers)
        self._fill_teams_defaults(emulate_providers)
        self._fill_google_defaults(emulate_providers)
        self._fill_smtp_defaults()
        if not self.superoffice_client_id or self.superoffice_client_secret is None:
            raise ValueError("MEETINGS_SUPEROFFICE_CLIENT_ID and MEETINGS_SUPEROFFICE_CLIENT_SECRET are needed")
        return self

    @property
    def secret(self) -> str:
        """The secret key as text (never log it)."""
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()

    def _fill_zoom_defaults(self, emulate: bool) -> None:
        # No Zoom app configured but the sandbox is on: use the sandbox's Zoom and its registration of us.
        if not self.zoom_client_id and emulate:
            object.__setattr__(self, "zoom_client_id", SANDBOX_ZOOM_CLIENT_ID)
            object.__setattr__(self, "zoom_client_secret", SecretStr(self._derived("sandbox zoom client")))
            object.__setattr__(self, "zoom_webhook_secret", SecretStr(self._derived("sandbox zoom webhook")))
            object.__setattr__(self, "zoom_url", self.zoom_url or f"{self.sandbox_url}/zoom")
            object.__setattr__(self, "zoom_api_url", self.zoom_api_url or f"{self.sandbox_url}/zoom/v2")
        object.__setattr__(self, "zoom_url", (self.zoom_url or ZOOM_URL).rstrip("/"))
        object.__setattr__(self, "zoom_api_url", (self.zoom_api_url or "https://api.zoom.us/v2").rstrip("/"))

    def _fill_teams_defaults(self, emulate: bool) -> None:
        if not self.teams_client_id and emulate:
            object.__setattr__(self, "teams_client_id", SANDBOX_TEAMS_CLIENT_ID)
            object.__setattr__(self, "teams_client_secret", SecretStr(self._derived("sandbox teams client")))
            object.__setattr__(self, "teams_login_url", self.teams_login_url or f"{self.sandbox_url}/microsoft/login")
            object.__setattr__(self, "teams_graph_url", self.teams_graph_url or f"{self.sandbox_url}/microsoft/graph")
        login = self.teams_login_url or TEAMS_LOGIN_URL
        object.__setattr__(self, "teams_login_url", login.rstrip("/"))
        object.__setattr__(self, "teams_graph_url", (self.teams_graph_url or "https://graph.microsoft.com").rstrip("/"))

    def _fill_google_defaults(self, emulate: bool) -> None:
        defaults = {
            "google_accounts_url": GOOGLE_ACCOUNTS_URL,
            "google_oauth2_url": "https://oauth2.googleapis.com",
            "google_meet_url": "https://meet.googleapis.com",
        }
        if not self.google_client_id and emulate:
            object.__setattr__(self, "google_client_id", SANDBOX_GOOGLE_CLIENT_ID)
            object.__setattr__(self, "google_client_secret", SecretStr(self._derived("sandbox google client")))
            defaults = {
                "google_accounts_url": f"{self.sandbox_url}/google/accounts",
                "google_oauth2_url": f"{self.sandbox_url}/google/oauth2",
                "google_meet_url": f"{self.sandbox_url}/google/meet",
            }
        for name, default in defaults.items():
            object.__setattr__(self, name, (getattr(self, name) or default).rstrip("/"))

    def _fill_smtp_defaults(self) -> None:
        if not self.smtp_host and self.sandbox:
            object.__setattr__(self, "smtp_host", self.host)
            object.__setattr__(self, "smtp_port", self.smtp_port or self.sandbox_smtp_port)
            object.__setattr__(self, "smtp_starttls", bool(self.smtp_starttls))
            object.__setattr__(self, "smtp_from", self.smtp_from or SANDBOX_MAIL_FROM)
        object.__setattr__(self, "smtp_port", self.smtp_port or SMTP_PORT)
        object.__setattr__(self, "smtp_starttls", True if self.smtp_starttls is None else self.smtp_starttls)
        if self.smtp_host and not self.smtp_from:
            raise ValueError("MEETINGS_SMTP_FROM is needed with MEETINGS_SMTP_HOST (the invitations' From address)")

    @property
    def sends_mail(self) -> bool:
        """Whether invitation e-mails can be sent (a mail server is configured, or the sandbox's mail sink)."""
        return bool(self.smtp_host)

    @property
    def uses_sandbox_mailbox(self) -> bool:
        """Whether invitation e-mails go to the sandbox's mail sink (shown at ``{sandbox_url}/mailbox``)."""
        return service_mode(self, Service.MAIL) is ServiceMode.EMULATED

    def _derived(self, purpose: str) -> str:
        return hmac.new(self.secret.encode(), purpose.encode(), "sha256").hexdigest()

    @property
    def token_key_list(self) -> list[bytes]:
        """The configured token keys, first the one that encrypts (empty: derive one from the secret key)."""
        if self.token_keys is None:
            return []
        return [key.strip().encode() for key in self.token_keys.get_secret_value().split(",") if key.strip()]

    @property
    def superoffice_secret(self) -> str:
        assert self.superoffice_client_secret is not None
        return self.superoffice_client_secret.get_secret_value()

    def connect_callback_url(self, provider: str) -> str:
        """Where a video provider sends people back after they authorized us (register it with the provider)."""
        return f"{self.public_url}/connect/{provider}/callback"

    @property
    def auth_callback_url(self) -> str:
        """Where SuperOffice sends users back after sign-in (register it with SuperOffice)."""
        return f"{self.public_url}/auth/callback"

    @property
    def crm_origin_list(self) -> list[str]:
        """The configured CRM web client origins; with the sandbox CRM, its address under both loopback names (a
        browser treats ``localhost`` and ``127.0.0.1`` as different sites, as a real CRM and service are)."""
        origins = [origin.strip().rstrip("/") for origin in self.crm_origins.split(",") if origin.strip()]
        if self.superoffice_url == self.sandbox_url:
            sandbox = urlsplit(self.sandbox_url)
            origins.append(f"{sandbox.scheme}://{sandbox.netloc}")
            if sandbox.hostname in LOOPBACK_NAMES:
                port = f":{sandbox.port}" if sandbox.port else ""
                origins += [f"{sandbox.scheme}://{name}{port}" for name in LOOPBACK_NAMES]
        return list(dict.fromkeys(origins))

    @property
    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        """``metrics_from`` as networks (an address is a network of one)."""
        return [ip_network(part.strip(), strict=False) for part in self.metrics_from.split(",") if part.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_or_create_secret_key(data_dir: Path) -> str:
    """Read the instance's secret key from ``data_dir``, creating it (mode 0600) on first use."""
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Write a private temporary file, then link it into place: the key file appears whole or not at all,
    # and when two processes start at once exactly one key wins and both use it.
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text().strip()
    finally:
        os.unlink(tmp)
    return key
