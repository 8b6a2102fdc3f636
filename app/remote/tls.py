"""wss:// for the LAN: a certificate the console makes itself (once, kept in the data folder), and the pinning
the assistant does instead of a certificate authority: it compares the server's SHA-256 fingerprint with the one
in the pairing code (or the one it saw at the first pairing)."""

from __future__ import annotations

import datetime
import hashlib
import os
import ssl
from pathlib import Path

from app.config import data_dir

CERT_NAME, KEY_NAME = "assistant-server.crt", "assistant-server.key"


def ensure_certificate(folder: Path | None = None) -> tuple[Path, Path]:
    """The console's own certificate and key (EC P-256, ten years), made on first use; the key file is 0600."""
    folder = Path(folder) if folder else data_dir()
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if cert.exists() and key.exists():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Anchor Console assistant server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=3650)).sign(private, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def fingerprint_of_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def server_context(folder: Path | None = None) -> tuple[ssl.SSLContext, str]:
    """A TLS server context with the console's certificate, and that certificate's fingerprint."""
    cert, key = ensure_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context, fingerprint_of_der(ssl.PEM_cert_to_DER_cert(cert.read_text()))


def client_context() -> ssl.SSLContext:
    """No certificate authority vouches for a console on the LAN: the chain is not checked here, the pinned
    fingerprint is (`RemoteAssistant` compares it before it sends the token)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
