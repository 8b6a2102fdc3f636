"""A real browser as the phone: headless Chromium (Debian's) with its fake camera and microphone opens the join link
over HTTPS — the console's own certificate, pinned by its public key as a phone's user accepts it once — and its
picture arrives in the seat; its page says what the console decided."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.guests.door import GuestDoor
from app.guests.source import GuestSource
from app.remote.tls import CERT_NAME
from tests import browser

pytestmark = pytest.mark.skipif(not browser.chromium(), reason="Chromium is not installed (the test command "
                                                                 "installs it)")
FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--autoplay-policy=no-user-gesture-required")


def spki_pin(folder) -> str:
    certificate = x509.load_pem_x509_certificate((folder / CERT_NAME).read_bytes())
    der = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture
def door(tmp_path):
    opened = GuestDoor(host="127.0.0.1", port=0, folder=tmp_path)
    opened.start()
    yield opened
    opened.stop()


def chromium_args(folder) -> tuple[str, ...]:
    """Chromium's fake camera and microphone, and the console's certificate accepted as a phone's user does once."""
    return (*FAKE_MEDIA, f"--ignore-certificate-errors-spki-list={spki_pin(folder)}")


def status(chrome) -> str:
    return chrome.evaluate("document.getElementById('status').textContent") or ""


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_chromium_joins_by_its_link_and_becomes_the_seat_s_picture(door, tmp_path):
    invitation = door.invite("手机1")
    source = GuestSource(door.feed("手机1"), 1280, 720)
    with browser.Browser(args=chromium_args(tmp_path)) as chrome:
        chrome.navigate(door.link(invitation, "127.0.0.1"))
        assert chrome.evaluate("location.hash") == ""  # the token left the address bar
        assert chrome.evaluate("facing") == "environment"  # a phone camera looks at the product
        wait_for(lambda: door.feed("手机1").latest().count >= 10)
        wait_for(lambda: "等待主播接受" in status(chrome))
        assert source.state() == "pending"
        door.accept("手机1")
        wait_for(lambda: "on air" in status(chrome))
        assert source.state() == "live"
        picture = source.frame_at(0.0)
        assert picture.ndim == 3 and picture.shape[2] == 3 and picture.std() > 5  # the fake camera's moving test card
        assert chrome.evaluate("sessionStorage.getItem('anchor-guest-key')")  # to come back after a drop
        first = door.feed("手机1").latest().frame
        assert (first.width, first.height) in ((640, 360), (640, 480), (1280, 720))
        door.revoke("手机1")
        wait_for(lambda: "邀请无效" in status(chrome))  # hung up, its key refused: it stops
    assert not door.feed("手机1").latest().connected


def test_a_guest_s_browser_gets_the_program_back(door, tmp_path):
    invitation = door.invite("嘉宾", "guest")
    with browser.Browser(args=chromium_args(tmp_path)) as chrome:
        chrome.navigate(door.link(invitation, "127.0.0.1"))
        wait_for(lambda: chrome.evaluate("document.getElementById('program').videoWidth") == 640)
        assert chrome.evaluate("document.getElementById('program').srcObject.getTracks().length") == 2
        assert chrome.evaluate("document.getElementById('kind').textContent") == "连麦嘉宾"
        assert chrome.evaluate("facing") == "user"  # a guest's link opens the front camera
        wait_for(lambda: door.feed("嘉宾").latest().count >= 5)  # and its own picture still comes in


def test_a_dropped_phone_comes_back_by_itself_and_stays_on_air(door, tmp_path):
    invitation = door.invite("手机1")
    door.accept("手机1")
    source = GuestSource(door.feed("手机1"), 640, 360)
    with browser.Browser(args=chromium_args(tmp_path)) as chrome:
        chrome.navigate(door.link(invitation, "127.0.0.1"))
        wait_for(lambda: source.state() == "live")
        joined = door.joined
        door._call_soon(lambda: door._hang_up("手机1"))  # the connection drops (Wi-Fi lost a moment)
        wait_for(lambda: source.state() == "lost")
        wait_for(lambda: door.joined == joined + 1 and source.state() == "live")  # back with its key
        assert "on air" in status(chrome) and door.book.seats()[0].state == "joined"
