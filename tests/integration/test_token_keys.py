"""Rotating the key that encrypts provider tokens: new key first, re-encrypt, drop the old key."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from backend.models import ConnectionState, CrmGrant, CrmWebhook, ProviderKind, Tenant, UserConnection
from backend.security import InvalidToken, TokenCipher
from backend.settings import Settings
from tests.support.database import TestDatabase
from tests.support.rows import add_rows, rows


def _settings(settings: Settings, keys: list[bytes]) -> Settings:
    return Settings(**{**settings.model_dump(), "token_keys": ",".join(k.decode() for k in keys)})


def test_tokens_survive_a_key_rotation(settings: Settings, database: TestDatabase) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    with_old = _settings(settings, [old])
    [tenant] = add_rows(with_old, Tenant(context_id="Cust1"))
    cipher_old = TokenCipher.for_settings(with_old)
    add_rows(with_old, UserConnection(tenant_id=tenant.id, associate_id=2, provider=ProviderKind.ZOOM,
                                      access_token_encrypted=cipher_old.encrypt("access-1"),
                                      refresh_token_encrypted=cipher_old.encrypt("refresh-1")))  # fmt: skip

    rotated_env = {"MEETINGS_TOKEN_KEYS": f"{new.decode()},{old.decode()}", "MEETINGS_DATA_DIR": str(settings.data_dir),
                   "MEETINGS_SECRET_KEY": settings.secret, **database.env()}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "backend.cli", "tokens", "reencrypt"], env=rotated_env,
                          capture_output=True, text=True, check=True)  # fmt: skip

    assert "Re-encrypted the tokens of 1 connections" in done.stdout
    [connection] = rows(with_old, UserConnection)
    only_new = TokenCipher.for_settings(_settings(settings, [new]))
    assert only_new.decrypt(connection.access_token_encrypted) == "access-1"
    assert only_new.decrypt(connection.refresh_token_encrypted) == "refresh-1"
    with pytest.raises(InvalidToken):
        cipher_old.decrypt(connection.access_token_encrypted)


def test_a_rotation_re_encrypts_webhook_secrets_and_goes_past_tokens_no_key_decrypts(
    settings: Settings, database: TestDatabase
) -> None:
    old, new, lost = Fernet.generate_key(), Fernet.generate_key(), TokenCipher([Fernet.generate_key()])
    with_old = _settings(settings, [old])
    cipher_old = TokenCipher.for_settings(with_old)
    [tenant] = add_rows(with_old, Tenant(context_id="Cust1"))
    add_rows(
        with_old,
        UserConnection(tenant_id=tenant.id, associate_id=2, provider=ProviderKind.ZOOM,
                       access_token_encrypted=cipher_old.encrypt("access-2")),
        UserConnection(tenant_id=tenant.id, associate_id=3, provider=ProviderKind.ZOOM,
                       access_token_encrypted=lost.encrypt("access-3")),
        CrmGrant(tenant_id=tenant.id, associate_id=3, access_token_encrypted=lost.encrypt("crm-3")),
        CrmWebhook(tenant_id=tenant.id, secret_encrypted=cipher_old.encrypt("webhook-secret") or "",
                   registered_by_associate_id=1),
    )  # fmt: skip

    rotated_env = {"MEETINGS_TOKEN_KEYS": f"{new.decode()},{old.decode()}", "MEETINGS_DATA_DIR": str(settings.data_dir),
                   "MEETINGS_SECRET_KEY": settings.secret, **database.env()}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "backend.cli", "tokens", "reencrypt"], env=rotated_env,
                          capture_output=True, text=True)  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Re-encrypted the tokens of 1 connections" in done.stdout
    only_new = TokenCipher.for_settings(_settings(settings, [new]))
    connections = {c.associate_id: c for c in rows(with_old, UserConnection)}
    assert only_new.decrypt(connections[2].access_token_encrypted) == "access-2"
    assert connections[3].state == ConnectionState.BROKEN
    assert connections[3].broken_reason.startswith("Its tokens could not be decrypted: the token key changed")
    assert rows(with_old, CrmGrant) == []  # the user's next sign-in keeps a new one
    [webhook] = rows(with_old, CrmWebhook)
    assert only_new.decrypt(webhook.secret_encrypted) == "webhook-secret"  # still verifies after the old key goes


def test_a_key_that_is_not_a_fernet_key_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="not a Fernet key"):
        _settings(settings, [b"not-a-key"])


def test_new_key_prints_a_usable_key() -> None:
    printed = subprocess.run([sys.executable, "-m", "backend.cli", "tokens", "new-key"], capture_output=True,
                             text=True, check=True).stdout.strip()  # fmt: skip

    assert Fernet(printed.encode())
