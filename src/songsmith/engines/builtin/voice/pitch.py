"""The sung F0 curve: each note's pitch, an 80 ms glide into it (shorter on short notes), and a
delayed vibrato on held notes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from songsmith.engines.score import Note

GLIDE_S = 0.08
GLIDE_SHARE = 0.15  # short notes glide faster: at most this share of the note
VIBRATO_HZ = 5.5
VIBRATO_SEMITONES = 0.25
VIBRATO_DELAY_S = 0.3  # held notes start to waver after this
VIBRATO_RAMP_S = 0.25
VIBRATO_MIN_NOTE_S = 0.6  # shorter notes stay straight


def midi_to_hz(pitch: float) -> float:
    return float(440.0 * 2.0 ** ((pitch - 69.0) / 12.0))


def melody_f0(notes: Sequence[Note], times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """F0 in Hz at `times` (seconds, sorted): the note sounding then (before the first note its
    pitch, between notes the previous one held), in semitones so glides and vibrato are even."""
    ordered = sorted(notes, key=lambda n: n.start)
    if not ordered:
        return np.zeros_like(times)
    starts = np.asarray([n.start for n in ordered])
    pitches = np.asarray([float(n.pitch) for n in ordered])
    held = np.asarray([n.end - n.start >= VIBRATO_MIN_NOTE_S for n in ordered])
    glide = np.asarray([max(min(GLIDE_S, GLIDE_SHARE * (n.end - n.start)), 1e-3) for n in ordered])
    index = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(ordered) - 1)
    semitones = pitches[index].copy()
    since = times - starts[index]
    previous = pitches[np.maximum(index - 1, 0)]
    glide_s = glide[index]
    gliding = (index > 0) & (since >= 0) & (since < glide_s)
    # A smoothstep from the previous pitch lands on the note without a corner.
    u = np.clip(since / glide_s, 0.0, 1.0)
    shape = u * u * (3.0 - 2.0 * u)
    semitones[gliding] = (
        previous[gliding] + (semitones[gliding] - previous[gliding]) * shape[gliding]
    )
    depth = np.clip((since - VIBRATO_DELAY_S) / VIBRATO_RAMP_S, 0.0, 1.0) * VIBRATO_SEMITONES
    depth *= held[index]
    semitones += depth * np.sin(2.0 * np.pi * VIBRATO_HZ * np.maximum(since - VIBRATO_DELAY_S, 0.0))
    return np.asarray(440.0 * 2.0 ** ((semitones - 69.0) / 12.0), np.float64)
