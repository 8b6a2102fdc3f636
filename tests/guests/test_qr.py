"""The join link as a QR code: the modules decode back to the link (OpenCV's reader standing in for a phone's
camera), with the quiet zone the standard asks for; the terminal's half blocks draw the same modules."""

from __future__ import annotations

import cv2
import numpy as np

from app.guests.qr import QUIET, qr_rows, terminal

LINK = "https://192.168.1.20:8766/#t=Qm9vay1zdHVkaW8tdG9rZW4xMjM0&k=guest"


def picture(rows, scale: int = 6) -> np.ndarray:
    dark = np.array(rows, bool)
    return np.where(np.kron(dark, np.ones((scale, scale), bool)), 0, 255).astype(np.uint8)


def test_the_code_decodes_to_the_link_with_its_quiet_zone():
    rows = qr_rows(LINK)
    assert len(rows) == len(rows[0]) and (len(rows) - 2 * QUIET - 17) % 4 == 0  # a version's size, border around
    assert not any(rows[0]) and not any(rows[-1]) and not any(row[0] or row[-1] for row in rows)
    assert rows[QUIET][QUIET] and rows[QUIET][-QUIET - 1] and rows[-QUIET - 1][QUIET]  # the finder patterns' corners
    decoded, _points, _code = cv2.QRCodeDetector().detectAndDecode(picture(rows))
    assert decoded == LINK


def test_the_terminal_draws_two_rows_a_line_in_half_blocks():
    rows = ((True, False), (True, True), (False, True))
    assert terminal(rows) == " ▀\n█▄"  # dark is the terminal's own background; an odd last row over light
    drawn = terminal(qr_rows(LINK)).split("\n")
    back = []
    for line in drawn:  # read the half blocks back into rows
        top = [c in " ▄" for c in line]
        bottom = [c in " ▀" for c in line]
        back += [top, bottom]
    assert back[: len(qr_rows(LINK))] == [list(row) for row in qr_rows(LINK)]
    assert terminal(((True, False), (False, True))) == "▄▀"  # an even count: no light row added
