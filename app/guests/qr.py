"""The join link as a QR code (segno, pure Python): rows of dark (True) and light modules with the quiet zone the
standard asks for, for the window to draw and the terminal to print."""

from __future__ import annotations

QUIET = 4  # modules of light border on each side (ISO/IEC 18004)


def qr_rows(text: str) -> tuple[tuple[bool, ...], ...]:
    """The code's modules, error correction M (15 % of the code may be covered or smudged), border included."""
    import segno

    code = segno.make(text, error="m", micro=False, boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix_iter(scale=1, border=QUIET))


def terminal(rows: tuple[tuple[bool, ...], ...]) -> str:
    """The code for a terminal: two rows of modules per line with half blocks, dark drawn as the terminal's
    background (a light-on-dark terminal inverts it: phones read inverted codes too)."""
    blocks = {(False, False): "█", (False, True): "▀", (True, False): "▄", (True, True): " "}
    padded = list(rows) + ([tuple(False for _ in rows[0])] if len(rows) % 2 else [])
    return "\n".join("".join(blocks[top, bottom] for top, bottom in zip(padded[i], padded[i + 1]))
                     for i in range(0, len(padded), 2))
