"""The timing object of `GET /suno/act/timing/{clip_id}` (suno-wire.md 4.5).

Generated clips know their word times exactly (they come from the score), so every word is
aligned with certainty: `success` true, `p_align` 1.0, `hoot_cer` 0.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from songsmith.engines.score import WordTiming

_DECIMALS = 3


def aligned_word(word: WordTiming) -> dict[str, Any]:
    return {
        "word": word.word,  # keeps "[Section]\n" where a section starts, as the wire does
        "success": True,
        "start_s": round(float(word.start_s), _DECIMALS),
        "end_s": round(float(word.end_s), _DECIMALS),
        "p_align": 1.0,
    }


def timing_object(score_words: Sequence[WordTiming], waveform: Sequence[float]) -> dict[str, Any]:
    """{"aligned_words", "waveform_data", "hoot_cer", "is_streamed"} for a generated clip."""
    return {
        "aligned_words": [aligned_word(word) for word in score_words],
        "waveform_data": [float(value) for value in waveform],
        "hoot_cer": 0.0,
        "is_streamed": False,
    }
