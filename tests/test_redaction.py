"""Stream keys never reach logs or printed text."""

from __future__ import annotations

import logging

from app.redaction import MASK, SecretFilter, redact, redact_url, register_url_secrets


def test_redact_url_masks_key_query_and_credentials():
    assert redact_url("rtmp://push.example.com:1935/live/abc123?auth=xyz") == f"rtmp://push.example.com:1935/live/{MASK}"
    assert redact_url("rtmp://user:pw@host/app/key") == f"rtmp://{MASK}@host/app/{MASK}"


def test_registered_secrets_are_removed_from_log_records(caplog):
    register_url_secrets("rtmp://h/live/stream-key-4242?token=tok-777")
    logger = logging.getLogger("test.redaction")
    logger.addFilter(SecretFilter())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("connect %s failed", "rtmp://h/live/stream-key-4242?token=tok-777")
    assert "stream-key-4242" not in caplog.text and "tok-777" not in caplog.text
    assert MASK in caplog.text
    assert "stream-key-4242" not in redact("error at rtmp://h/live/stream-key-4242")
