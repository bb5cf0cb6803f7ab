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
