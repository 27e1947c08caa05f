"""Song-long signals filtered a piece at a time, each piece with the filter's reach of real
neighbours on both sides: the same values as one pass over the whole signal, with temporaries
of one piece (whole-song ones were the master's memory peak)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

PIECE = 441_000  # samples at a time: 10 s at 44.1 kHz

Filter = Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]


def piece_with_reach(
    apply: Filter, signal: np.ndarray[Any, Any], begin: int, end: int, reach: int
) -> np.ndarray[Any, Any]:
    """apply(signal)[begin:end], computed over signal[begin - reach : end + reach] only: the
    same values for a filter that reads at most `reach` samples either side (the signal's own
    ends are still its ends)."""
    low, high = max(0, begin - reach), min(len(signal), end + reach)
    return apply(signal[low:high])[begin - low : end - low]


def in_pieces(
    apply: Filter, signal: np.ndarray[Any, Any], reach: int, out: np.ndarray[Any, Any]
) -> None:
    """out = apply(signal), PIECE samples at a time (see `piece_with_reach`)."""
    for begin in range(0, len(signal), PIECE):
        end = min(begin + PIECE, len(signal))
        out[begin:end] = piece_with_reach(apply, signal, begin, end, reach)
