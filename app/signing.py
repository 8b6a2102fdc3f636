"""A studio's signing key (issue #31 存证): Ed25519 from the `cryptography` library, so a sealed show and an exported
bundle prove which studio sealed them — a chain alone shows only that nothing changed since it was made, not
that nobody rebuilt it.

The private key lives in the OS keyring like the stream keys (service "AnchorConsole-signing", the studio's name as
the account). Where there is no keyring (a bare Linux box) it is kept in a file of the data folder only its owner
may read (mode 0600, as ssh keeps its keys), and `where` says so. It is never logged (registered with the redaction)
and never in the database; what is shown and published is the public key and its fingerprint.

A signature is `{"alg": "ed25519", "key": PUBLIC (64 hex), "sig": SIGNATURE (128 hex)}` over the statement's bytes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import keyring
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from app.config import data_dir
from app.redaction import register_secret

ALG = "ed25519"
SERVICE = "AnchorConsole-signing"
PSEUDONYMS = "AnchorConsole-pseudonyms"
IN_FILE = ("系统钥匙串不可用：签名私钥保存在只有你能读的文件里 / no OS keyring here: the signing key is kept in a file only "
           "you can read")


class KeyExists(ValueError):
    """The studio has a signing key already (a new one would orphan every signature made with it)."""


def fingerprint(public: str) -> str:
    """What a person compares: the first 16 hex digits of SHA-256(public key), in groups of four."""
    digest = hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def check(statement: bytes, signature) -> bool:
    """Whether `signature` (as made by `StudioKey.signer`) signs `statement`; False for anything malformed."""
    if not isinstance(signature, dict) or signature.get("alg") != ALG:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature["key"]))
        key.verify(bytes.fromhex(signature["sig"]), statement)
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True


def _public(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


class _Place:
    """Where a studio's secret of one kind is kept: the OS keyring (`service`, the studio's name), or else a file of
    the data folder only its owner may read."""

    def __init__(self, studio: str, service: str, suffix: str, folder: Path | None) -> None:
        self.studio, self.service, self.suffix = studio, service, suffix
        self.folder = folder if folder is not None else data_dir() / "keys"
        self.where = ""  # "keyring" | "file" once read or written

    @property
    def file(self) -> Path:
        return self.folder / f"{hashlib.sha256(self.studio.encode()).hexdigest()[:16]}.{self.suffix}"

    def read(self) -> str | None:
        text = None
        try:
            text = keyring.get_password(self.service, self.studio)
            self.where = "keyring" if text else ""
        except (NoKeyringError, KeyringError):
            pass
        if not text and self.file.is_file():
            text, self.where = self.file.read_text(encoding="ascii").strip(), "file"
        if text:
            register_secret(text)
        return text or None

    def write(self, text: str) -> None:
        register_secret(text)
        try:
            keyring.set_password(self.service, self.studio, text)
            self.where = "keyring"
        except (NoKeyringError, KeyringError):
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(text)
            self.where = "file"

    def remove(self) -> None:
        try:
            keyring.delete_password(self.service, self.studio)
        except (NoKeyringError, KeyringError, PasswordDeleteError):
            pass
        self.file.unlink(missing_ok=True)


class StudioKey:
    """The signing key of one studio (by its name)."""

    def __init__(self, studio: str, folder: Path | None = None) -> None:
        self.studio = studio
        self._place = _Place(studio, SERVICE, "ed25519", folder)

    @property
    def where(self) -> str:
        return self._place.where

    def _load(self) -> Ed25519PrivateKey | None:
        text = self._place.read()
        if text is None:
            return None
        try:
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
        except ValueError:
            return None  # not a key: as if there were none (a new one is refused while it is there: KeyExists)

    def exists(self) -> bool:
        return self._place.read() is not None

    def public(self) -> str | None:
        private = self._load()
        return _public(private) if private is not None else None

    def create(self) -> str:
        """A new key for the studio; its public key (hex). KeyExists when it has one."""
        if self.exists():
            raise KeyExists(f"工作室「{self.studio}」已有签名密钥 / studio {self.studio!r} has a signing key already")
        private = Ed25519PrivateKey.generate()
        self._place.write(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
        return _public(private)

    def remove(self) -> None:
        self._place.remove()

    def signer(self) -> Callable[[bytes], dict] | None:
        """Signs statements with the studio's key; None when the studio has none (signing is optional)."""
        private = self._load()
        if private is None:
            return None
        public = _public(private)
        return lambda statement: {"alg": ALG, "key": public, "sig": private.sign(statement).hex()}


def pseudonym_secret(studio: str, folder: Path | None = None) -> bytes:
    """The studio's secret for pseudonyms (app/retention.py), made on first use and kept like the signing key
    (apart from the database, so the database alone cannot tell who a pseudonym was)."""
    place = _Place(studio, PSEUDONYMS, "pseudonyms", folder)
    text = place.read()
    if text is None:
        text = secrets.token_hex(32)
        place.write(text)
    return bytes.fromhex(text)


__all__ = ["ALG", "IN_FILE", "KeyExists", "StudioKey", "check", "fingerprint", "pseudonym_secret"]
