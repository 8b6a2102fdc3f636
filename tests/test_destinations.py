"""Stream keys go to the OS keyring, never to files; with no keyring (as here) a clear fallback message."""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend

from app.destinations import FALLBACK_MESSAGE, KeyStore, split_url

URL = "rtmp://live-push.example.com/live-bvc/?streamname=live_123_456&key=secret-key-xyz"


def test_split_url_keeps_the_key_out_of_the_server():
    assert split_url("rtmp://h:1935/live/KEY123") == ("rtmp://h:1935/live", "KEY123")


def test_no_keyring_keeps_key_in_memory_and_says_so(tmp_path, no_keyring):
    store = KeyStore(tmp_path / "destinations.json")
    destination = store.save("哔哩哔哩", "rtmp://h/live/KEY-abc-123")
    assert store.fallback_message == FALLBACK_MESSAGE
    assert store.full_url("哔哩哔哩") == "rtmp://h/live/KEY-abc-123"
    assert "KEY-abc-123" not in (tmp_path / "destinations.json").read_text()
    assert destination.shown == "rtmp://h/live/****"
    assert KeyStore(tmp_path / "destinations.json").full_url("哔哩哔哩") is None  # next run: paste it again


class _DictKeyring(KeyringBackend):
    """A keyring backend holding passwords in a dict: the keyring library's own backend interface.
    Priority 0 so keyring's automatic backend choice never picks it; the test sets it explicitly."""

    priority = 0

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


def test_with_a_keyring_the_key_lives_there(tmp_path):
    previous = keyring.get_keyring()
    backend = _DictKeyring()
    keyring.set_keyring(backend)
    try:
        store = KeyStore(tmp_path / "d.json")
        store.save("B站", URL)
        assert store.fallback_message is None
        assert ("AnchorConsole", "B站") in backend.passwords
        assert "secret-key-xyz" not in (tmp_path / "d.json").read_text()
        assert KeyStore(tmp_path / "d.json").full_url("B站") == URL
    finally:
        keyring.set_keyring(previous)
