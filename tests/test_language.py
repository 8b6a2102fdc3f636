"""The command line speaks the language asked for: ANCHOR_CONSOLE_LANG (as the window's menu names the choices),
else the locale, else both; its errors are cut from the core's "中文 / English" messages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.language import BOTH, CHINESE, ENGLISH, mode, pick


@pytest.mark.parametrize("environ, expected", [
    ({}, BOTH), ({"LANG": "C.UTF-8"}, BOTH), ({"LANG": "zh_CN.UTF-8"}, CHINESE), ({"LANG": "en_GB.UTF-8"}, ENGLISH),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, ENGLISH), ({"LANG": "de_DE.UTF-8"}, BOTH),
    ({"ANCHOR_CONSOLE_LANG": "zh", "LANG": "en_US.UTF-8"}, CHINESE), ({"ANCHOR_CONSOLE_LANG": "EN"}, ENGLISH),
    ({"ANCHOR_CONSOLE_LANG": "klingon", "LANG": "zh_TW.UTF-8"}, CHINESE),
])
def test_the_language_is_chosen_by_setting_then_locale(environ, expected):
    assert mode(environ) == expected


def test_a_bilingual_message_is_cut_to_one_language():
    message = "端口 8765 已被占用 / port 8765 is already in use"
    assert pick(message, CHINESE) == "端口 8765 已被占用" and pick(message, ENGLISH) == "port 8765 is already in use"
    assert pick(message, BOTH) == message and pick("no split here", ENGLISH) == "no split here"


def test_cli_errors_follow_the_language(tmp_path):
    def error(lang: str) -> str:
        env = {**os.environ, "ANCHOR_CONSOLE_DATA": str(tmp_path), "ANCHOR_CONSOLE_LANG": lang}
        result = subprocess.run([sys.executable, "-m", "app", "--studio", "x" * 41, "review"], capture_output=True,
                                text=True, env=env, timeout=60)
        assert result.returncode == 2
        return result.stderr
    assert "studio's name is 1–40" in error("en") and "工作室名称" not in error("en")
    assert "工作室名称" in error("zh") and "printable" not in error("zh")
