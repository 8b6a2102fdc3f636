"""Loudness as ITU-R BS.1770-4 / EBU R 128 measure it (LUFS), to level a clip's sound for short-video platforms.

The platforms play short videos at about -14 LUFS integrated and turn louder uploads down (a quiet one is just
quiet), so a clip is levelled to TARGET_LUFS with one gain, never more than MAX_GAIN_DB, and lowered where that
gain would take a sample above PEAK_DBFS (no limiter: the clip is then quieter than the target, and says so).

The measure: each channel K-weighted (the standard's two filters at 48 kHz), mean squares over 400 ms blocks every
100 ms, the blocks below -70 LUFS dropped, then those 10 LU below the rest's loudness, the rest averaged. The
filters are applied in the frequency domain on each 100 ms piece (Parseval: the piece's energy is its spectrum's,
weighted by the filters' |H|²), so memory stays flat however long the clip; the pieces' edges cost a few hundredths
of a LU against filtering the whole signal (tests/test_loudness.py checks it against ffmpeg's ebur128).
"""

from __future__ import annotations

import math

import numpy as np

TARGET_LUFS = -14.0
PEAK_DBFS = -1.0
MAX_GAIN_DB = 20.0
RATE = 48_000
STEP = RATE // 10  # 100 ms: a block is four of them
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0

# BS.1770-4's K-weighting at 48 kHz: the head's high shelf, then the RLB high-pass (b, a)
_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


def _response(coefficients, n: int) -> np.ndarray:
    """|H|² of a biquad at the rfft frequencies of n samples."""
    (b0, b1, b2), (a0, a1, a2) = coefficients
    z = np.exp(-1j * np.pi * np.arange(n // 2 + 1) / (n // 2))
    return np.abs((b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)) ** 2


_WEIGHT = _response(_SHELF, STEP) * _response(_HIGHPASS, STEP)
_WEIGHT[1:-1] *= 2.0  # each inner rfft bin stands for a positive and a negative frequency


def to_lufs(power: float) -> float:
    return -0.691 + 10.0 * math.log10(power) if power > 0 else -math.inf


class LoudnessMeter:
    """Feed (channels × n) float samples at 48 kHz in order; read `integrated()` (LUFS) and `peak` (0–1+)."""

    def __init__(self) -> None:
        self._carry: np.ndarray | None = None
        self._pieces: list[float] = []  # each 100 ms piece's K-weighted energy, summed over channels
        self.peak = 0.0

    def feed(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, np.float64)
        if samples.size == 0:
            return
        self.peak = max(self.peak, float(np.max(np.abs(samples))))
        if self._carry is not None:
            samples = np.concatenate([self._carry, samples], axis=1)
        whole = samples.shape[1] // STEP * STEP
        if whole:
            pieces = samples[:, :whole].reshape(samples.shape[0], -1, STEP)
            spectra = np.abs(np.fft.rfft(pieces, axis=2)) ** 2
            energy = (spectra * _WEIGHT).sum(axis=2) / (STEP * STEP)  # mean square per piece and channel
            self._pieces.extend(energy.sum(axis=0).tolist())
        self._carry = samples[:, whole:]

    def blocks(self) -> np.ndarray:
        """The mean square (summed over channels) of every 400 ms block, every 100 ms."""
        pieces = np.asarray(self._pieces)
        if pieces.size < 4:
            return pieces[:0]
        return np.convolve(pieces, np.full(4, 0.25), mode="valid")

    def integrated(self) -> float:
        """The gated loudness in LUFS (-inf for silence or less than 400 ms)."""
        blocks = self.blocks()
        kept = blocks[blocks > 10 ** ((ABSOLUTE_GATE + 0.691) / 10)]
        if kept.size == 0:
            return -math.inf
        gate = to_lufs(float(kept.mean())) + RELATIVE_GATE
        kept = kept[kept > 10 ** ((gate + 0.691) / 10)]
        return to_lufs(float(kept.mean()))


def levelling_gain(loudness: float, peak: float, target: float = TARGET_LUFS) -> float:
    """The gain (a factor) that brings `loudness` to `target`: at most MAX_GAIN_DB, never a sample above
    PEAK_DBFS; 1.0 for silence."""
    if not math.isfinite(loudness) or peak <= 0:
        return 1.0
    db = min(target - loudness, MAX_GAIN_DB, PEAK_DBFS - 20.0 * math.log10(peak))
    return 10.0 ** (db / 20.0)


__all__ = ["LoudnessMeter", "MAX_GAIN_DB", "PEAK_DBFS", "TARGET_LUFS", "levelling_gain", "to_lufs"]
