import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.settings import Settings


def test_defaults_put_everything_under_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "MEETINGS_DATABASE_URL", "MEETINGS_PORT", "MEETINGS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path / "var")

    assert settings.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'var' / 'meetings.sqlite3').as_posix()}"
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.sandbox_url == "http://127.0.0.1:8001"
    assert settings.sandbox is True


def test_environment_variables_configure_the_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("MEETINGS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEETINGS_PORT", "9100")
    monkeypatch.setenv("MEETINGS_PUBLIC_URL", "https://meetings.example.com/")
    monkeypatch.setenv("MEETINGS_SANDBOX", "false")
    monkeypatch.setenv("MEETINGS_SUPEROFFICE_URL", "https://sod.superoffice.com/")
    monkeypatch.setenv("MEETINGS_SUPEROFFICE_CLIENT_ID", "abc")
    monkeypatch.setenv("MEETINGS_SUPEROFFICE_CLIENT_SECRET", "def")

    settings = Settings()

    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    assert settings.data_dir == tmp_path
    assert settings.port == 9100
    assert settings.public_url == "https://meetings.example.com"
    assert settings.sandbox is False


def test_a_secret_key_is_generated_once_private_and_never_shown(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path)
    key_file = tmp_path / "secret_key"

    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path).secret == first.secret
    assert first.secret not in repr(first)
    assert len(first.secret) >= 32


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)

    assert settings.secret == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_a_short_secret_key_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(data_dir=tmp_path, secret_key="too-short")


def test_a_port_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(data_dir=tmp_path, secret_key="k" * 40, port=70000)


def test_sign_in_defaults_to_the_sandbox_with_its_own_registration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox_port=8101)

    assert settings.superoffice_url == "http://127.0.0.1:8101"
    assert settings.superoffice_client_id == "meetings-for-superoffice"
    assert len(settings.superoffice_secret) >= 32
    assert settings.superoffice_secret != settings.secret
    assert settings.auth_callback_url == "http://127.0.0.1:8000/auth/callback"


def test_without_the_sandbox_superoffice_must_be_configured(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="MEETINGS_SUPEROFFICE_URL is needed when the sandbox is off"):
        Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox=False)
    with pytest.raises(ValidationError, match="MEETINGS_SUPEROFFICE_CLIENT_ID and MEETINGS_SUPEROFFICE_CLIENT_SECRET"):
        Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox=False, superoffice_url="https://sod.superoffice.com")


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104  (what the security review found)
REAL_SUPEROFFICE = {
    "MEETINGS_SUPEROFFICE_URL": "https://online.superoffice.com",
    "MEETINGS_SUPEROFFICE_CLIENT_ID": "app-id",
    "MEETINGS_SUPEROFFICE_CLIENT_SECRET": "app-secret",
}
REAL_ZOOM = {"zoom_client_id": "zoom-app", "zoom_client_secret": "zoom-secret"}


def test_the_sandbox_turns_itself_off_beside_real_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The security review's setup: real services, listening on every interface, MEETINGS_SANDBOX left out.
    monkeypatch.delenv("MEETINGS_SANDBOX", raising=False)
    for name, value in {**REAL_SUPEROFFICE, "MEETINGS_HOST": EVERY_INTERFACE, "MEETINGS_ZOOM_CLIENT_ID": "zoom-app",
                        "MEETINGS_ZOOM_CLIENT_SECRET": "zoom-secret"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)

    assert settings.sandbox is False
    assert settings.superoffice_url == "https://online.superoffice.com"
    assert settings.zoom_url == "https://zoom.us"
    assert not settings.teams_client_id and not settings.google_client_id
    assert not settings.sends_mail and not settings.uses_sandbox_mailbox


@pytest.mark.parametrize(
    ("real", "named"),
    [
        (REAL_ZOOM, "Zoom"),
        ({"teams_client_id": "teams-app", "teams_client_secret": "s"}, "Microsoft Teams"),
        ({"google_client_id": "meet.apps.googleusercontent.com", "google_client_secret": "s"}, "Google Meet"),
        ({"smtp_host": "smtp.example.com", "smtp_from": "Meetings <meetings@example.com>"}, "Mail"),
    ],
)
def test_any_one_real_service_turns_the_sandbox_off(tmp_path: Path, real: dict[str, str], named: str) -> None:
    # Without a real SuperOffice the instance cannot run with the sandbox off: the error says why it is off.
    with pytest.raises(ValidationError, match=rf"MEETINGS_SUPEROFFICE_URL is needed .*{named}") as refused:
        Settings(data_dir=tmp_path, secret_key="k" * 40, **real)
    assert "MEETINGS_SANDBOX=true" in str(refused.value)


def test_an_explicit_sandbox_beside_a_real_service_stands_in_for_superoffice_and_mail(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox=True, **REAL_ZOOM)

    assert settings.sandbox is True
    assert settings.superoffice_url == settings.sandbox_url
    assert settings.zoom_url == "https://zoom.us"
    assert settings.uses_sandbox_mailbox


@pytest.mark.parametrize("host", [EVERY_INTERFACE, "192.168.1.20", "meetings.example.com"])
def test_an_explicit_sandbox_beside_a_real_service_listens_on_this_computer_only(tmp_path: Path, host: str) -> None:
    with pytest.raises(ValidationError, match=r"listens on this computer only.*MEETINGS_HOST"):
        Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox=True, host=host, **REAL_ZOOM)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_an_explicit_sandbox_beside_a_real_service_may_use_any_loopback_address(tmp_path: Path, host: str) -> None:
    assert Settings(data_dir=tmp_path, secret_key="k" * 40, sandbox=True, host=host, **REAL_ZOOM).sandbox


def test_metrics_networks_are_read_from_addresses_and_networks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, metrics_from="10.0.0.5, 10.1.0.0/24")

    assert [str(network) for network in settings.metrics_networks] == ["10.0.0.5/32", "10.1.0.0/24"]


def test_a_metrics_network_that_is_none_stops_the_start_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"MEETINGS_METRICS_FROM: .*prometheus\.example.*10\.0\.0\.0/24"):
        Settings(data_dir=tmp_path, metrics_from="10.0.0.5,prometheus.example")
