"""Invitations: one seat, one link, used once, void after ten minutes, a rejoin key until the seat is revoked or
invited anew; nothing on air until accepted; the secrets never in a refusal and always masked in logs."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from app.guests.invites import INVITE_TTL_S, InviteBook, Refused, seat_name
from app.redaction import redact
from tests.conftest import ManualClock


def test_a_token_is_used_once_and_gives_a_key_that_brings_the_phone_back():
    book = InviteBook(ManualClock(1000.0))
    invitation = book.invite(" 手机1 ")
    assert invitation.seat == "手机1" and invitation.kind == "camera" and invitation.ttl_s == INVITE_TTL_S
    assert len(invitation.token) == 24  # 18 random bytes: 144 bits
    ticket = book.claim(invitation.token)
    assert (ticket.seat, ticket.kind) == ("手机1", "camera") and ticket.key != invitation.token
    with pytest.raises(Refused):
        book.claim(invitation.token)
    assert book.rejoin(ticket.key) == ticket
    assert book.rejoin(ticket.key) == ticket  # as often as the phone drops
    [seat] = book.seats()
    assert (seat.seat, seat.kind, seat.state, seat.accepted, seat.expires_in) == ("手机1", "camera", "joined", False,
                                                                                   0.0)
    assert len(ticket.key) == 24


def test_an_invitation_expires_unused():
    clock = ManualClock(1000.0)
    book = InviteBook(clock, ttl_s=60)
    invitation = book.invite("手机1")
    clock.now += 59.9
    assert book.seats()[0].state == "invited" and book.seats()[0].expires_in == pytest.approx(0.1)
    clock.now += 0.1
    assert book.seats()[0].state == "expired"
    with pytest.raises(Refused) as refused:
        book.claim(invitation.token)
    assert invitation.token not in str(refused.value) and " / " in str(refused.value)


def test_a_new_invitation_or_a_revocation_voids_the_link_and_the_key():
    book = InviteBook(ManualClock(1000.0))
    first = book.invite("嘉宾", "guest")
    key = book.claim(first.token).key
    second = book.invite("嘉宾", "guest")
    with pytest.raises(Refused):
        book.rejoin(key)
    key = book.claim(second.token).key
    assert "嘉宾" in book and book.revoke("嘉宾") and not book.revoke("嘉宾") and "嘉宾" not in book
    with pytest.raises(Refused):
        book.rejoin(key)
    assert book.seats() == ()


def test_acceptance_is_per_seat_and_survives_a_rejoin():
    book = InviteBook(ManualClock(1000.0))
    book.invite("手机1")
    book.invite("手机2")
    assert not book.accepted("手机1") and book.accept("手机1") and book.accepted("手机1")
    assert not book.accepted("手机2") and not book.accept("nobody") and not book.accepted("nobody")
    assert book.accept("手机1", on_air=False) and not book.accepted("手机1")


def test_seats_kinds_and_names_are_checked():
    book = InviteBook(ManualClock(1000.0), max_seats=2)
    book.invite("手机1")
    book.invite("手机2")
    book.invite("手机2")  # a fresh link for a seat there already
    with pytest.raises(Refused, match="at most 2"):
        book.invite("手机3")
    with pytest.raises(Refused, match="camera/guest / a seat's kind is one of camera, guest"):
        InviteBook().invite("手机1", "spy")
    for bad in ("", "   ", None, 7, "\u202e\u200b"):
        with pytest.raises(Refused, match="1–24"):
            seat_name(bad)
    assert seat_name("手机\n1" + "长" * 40) == "手机 1" + "长" * 20  # one line, 24 characters


def test_the_secrets_are_masked_wherever_text_is_logged():
    book = InviteBook(ManualClock(1000.0))
    invitation = book.invite("手机1")
    key = book.claim(invitation.token).key
    logged = redact(f"joined with {invitation.token} then {key}")
    assert invitation.token not in logged and key not in logged


@given(st.one_of(st.none(), st.integers(), st.text(max_size=64), st.binary(max_size=32)))
def test_anything_else_is_refused_with_one_sentence(guess):
    book = InviteBook(ManualClock(1000.0))
    book.invite("手机1")
    reasons = set()
    for attempt in (book.claim, book.rejoin):
        with pytest.raises(Refused) as refused:
            attempt(guess)
        reasons.add(str(refused.value))
    assert len(reasons) == 1  # a guesser learns nothing from the wording


def test_a_lone_surrogate_or_any_text_as_a_secret_is_refused_never_raised():
    book = InviteBook(ManualClock(1000.0))
    book.invite("手机1")
    for guess in ("\ud800", "\udfff" * 24, "密钥" * 12):
        with pytest.raises(Refused, match="邀请无效"):
            book.claim(guess)
        with pytest.raises(Refused, match="邀请无效"):
            book.rejoin(guess)
