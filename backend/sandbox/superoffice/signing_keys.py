"""The emulated SuperOffice's signing certificates and the id tokens it signs, as SuperOffice Online shows them.

SuperOffice signs with a certificate (``SuperOfficeFederatedLogin.crt`` in its downloads) and names it in the token
header by its thumbprint only: ``{"typ": "JWT", "alg": "RS256", "x5t": ...}``, no ``kid``
(SuperOfficeDocs/superoffice-docs ``docs/en/api/authentication/online/validate-security-tokens.md``). Whether its
JWKS entries carry a ``kid`` is UNCONFIRMED: ours carry none, so a client must pick the key by ``x5t`` or try each.
Two certificates are published, as during a rotation: the one that signs and the next one.

The payload is the documentation's sample, quirks included: ``iat`` is a string of digits beside numeric ``nbf``
(``iat`` - 60 s) and ``exp`` (``iat`` + 300 s), and ``aud`` is a string.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

NOT_BEFORE_SECONDS, LIFETIME_SECONDS = 60, 300


@dataclass(frozen=True)
class SigningCertificate:
    key: RSAKey
    certificate_der: bytes

    @property
    def thumbprint(self) -> str:
        """``x5t``: base64url of the certificate's SHA-1 digest (RFC 7515, 4.1.7)."""
        digest = hashlib.sha1(self.certificate_der, usedforsecurity=False).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def public_jwk(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        public.pop("kid", None)
        return {
            **public,
            "use": "sig",
            "x5t": self.thumbprint,
            "x5c": [base64.b64encode(self.certificate_der).decode()],
        }


@lru_cache(maxsize=16)
def _kept(stored: str) -> SigningCertificate | None:
    """The certificate kept in a file's text (None for an older file without one). Cached: checking a private RSA
    key takes longer than starting the emulator's routes, and every start in one process reads the same text."""
    kept = json.loads(stored)
    if "certificate" not in kept:
        return None
    return SigningCertificate(RSAKey.import_key(kept["key"]), base64.b64decode(kept["certificate"]))


def load_or_create(path: Path, name: str) -> SigningCertificate:
    """A certificate kept in ``path`` (made on first use; the private key stays in the sandbox's data)."""
    if path.exists() and (kept := _kept(path.read_text())) is not None:
        return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signing = SigningCertificate(RSAKey.import_key(pem), certificate.public_bytes(serialization.Encoding.DER))
    path.write_text(
        json.dumps(
            {
                "key": signing.key.as_dict(private=True),
                "certificate": base64.b64encode(signing.certificate_der).decode(),
            }
        )
    )
    path.chmod(0o600)
    return signing


def jwks(*certificates: SigningCertificate) -> dict[str, Any]:
    return {"keys": [certificate.public_jwk() for certificate in certificates]}


def id_token(signing: SigningCertificate, claims: dict[str, Any], *, issuer: str, audience: str) -> str:
    """An id token as SuperOffice issues it (header by thumbprint, string ``iat``, string ``aud``)."""
    now = int(time.time())
    payload = {
        **claims,
        "iat": str(now),
        "nbf": now - NOT_BEFORE_SECONDS,
        "exp": now + LIFETIME_SECONDS,
        "iss": issuer,
        "aud": audience,
    }
    return jwt.encode({"typ": "JWT", "alg": "RS256", "x5t": signing.thumbprint}, payload, signing.key)
