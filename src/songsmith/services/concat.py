"""Concat: one clip's audio from an extend chain, or a song with an infill spliced in.

Every join is an equal-power crossfade that starts exactly at the join, which the extend or
infill already put on the source's beat: the material before the join keeps playing (its ring
and reverb) while the new material fades in, so there is no gap, no click, and the new music's
beats stay where the old music's grid puts them (nothing is shifted or stretched).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from songsmith.engines.typing import Audio

CROSSFADE_S = 0.025  # long enough to hide a waveform step, short enough to keep a downbeat's attack


@dataclass
class ChainPiece:
    """One clip of an extend chain: its audio, and where the next clip continues it."""

    clip_id: str
    audio: Audio  # (samples, 2) float32, at the chain's sample rate
    continue_at: float | None  # seconds into this clip where the next one starts; None: last
    type: str = "gen"  # "gen" or "upload" (concat_history metadata)


def _fade(length: int) -> tuple[np.ndarray, np.ndarray]:
    """(fade-out, fade-in) gains whose squares sum to 1 (constant power through the join)."""
    theta = (np.arange(length, dtype=np.float64) + 0.5) / max(1, length) * (np.pi / 2)
    return np.cos(theta)[:, None], np.sin(theta)[:, None]


def _padded(audio: Audio, length: int) -> Audio:
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros((length - len(audio), audio.shape[1]), audio.dtype)])


def join_at(head: Audio, tail: Audio, at: int, fade: int) -> Audio:
    """`head` up to sample `at`, then `tail` from its start, crossfaded over `fade` samples."""
    at = max(0, at)
    fade = max(1, min(fade, len(tail)))
    out_gain, in_gain = _fade(fade)
    ringing = _padded(head[at:], fade).astype(np.float64)
    mixed = ringing * out_gain + tail[:fade].astype(np.float64) * in_gain
    result = np.concatenate([_padded(head, at), mixed.astype(np.float32), tail[fade:]])
    return np.ascontiguousarray(result, dtype=np.float32)


def concat_chain(pieces: Sequence[ChainPiece], sample_rate: int) -> Audio:
    """The whole song of an extend chain, oldest clip first: each clip up to its `continue_at`,
    the last one whole."""
    if not pieces:
        raise ValueError("An extend chain needs at least one clip.")
    fade = round(CROSSFADE_S * sample_rate)
    song = np.ascontiguousarray(pieces[0].audio, dtype=np.float32)
    start = 0  # where the current clip starts in the song
    for current, following in itertools.pairwise(pieces):
        cut = current.continue_at
        if cut is None:
            cut = len(current.audio) / sample_rate
        at = start + round(cut * sample_rate)
        song = join_at(song, np.asarray(following.audio, np.float32), at, fade)
        start = at
    return song


def splice_infill(
    source: Audio, infill: Audio, start_s: float, end_s: float, sample_rate: int
) -> Audio:
    """`source` with [start_s, end_s] replaced by `infill` (which covers that window): the
    infill fades in from `start_s` and hands back to the source so that the source is whole
    again at `end_s`. Same length as the source."""
    start = max(0, round(start_s * sample_rate))
    end = min(len(source), round(end_s * sample_rate))
    if end <= start:
        raise ValueError(f"The infill window {start_s:.3f}-{end_s:.3f} s is empty.")
    fade = max(1, min(round(CROSSFADE_S * sample_rate), (end - start) // 2))
    placed = np.zeros_like(source, dtype=np.float64)
    piece = _padded(np.asarray(infill, np.float32), end - start)
    placed[start:end] = piece
    gain = np.zeros(len(source), np.float64)
    gain[start:end] = 1.0
    fade_out, fade_in = _fade(fade)
    gain[start : start + fade] = fade_in[:, 0]
    gain[end - fade : end] = fade_out[:, 0]
    keep = np.sqrt(np.clip(1.0 - gain**2, 0.0, 1.0))  # equal power: the source's complement
    mixed = source.astype(np.float64) * keep[:, None] + placed * gain[:, None]
    return np.ascontiguousarray(mixed, dtype=np.float32)


def concat_history(pieces: Sequence[ChainPiece], *, infill: bool = False) -> list[dict[str, Any]]:
    """`metadata.concat_history` of the concatenated clip: the chain, oldest first, each with
    where the next clip takes over (None for the last)."""
    return [
        {
            "id": piece.clip_id,
            "continue_at": None if piece.continue_at is None else round(piece.continue_at, 3),
            "type": piece.type,
            "source": "api",
            "infill": infill,
        }
        for piece in pieces
    ]


def chain_from_history(
    history: Sequence[dict[str, Any]], last_clip_id: str
) -> list[tuple[str, float | None, str]]:
    """(clip id, continue_at, type) of each clip to concatenate, from an extend clip's
    `metadata.history` (oldest first) followed by that clip itself."""
    chain: list[tuple[str, float | None, str]] = []
    for entry in history:
        clip_id, at = entry.get("id"), entry.get("continue_at")
        if isinstance(clip_id, str) and isinstance(at, int | float):
            chain.append((clip_id, float(at), str(entry.get("type") or "gen")))
    chain.append((last_clip_id, None, "gen"))
    return chain
