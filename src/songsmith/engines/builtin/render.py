"""Render the instrumental tracks of a score with tinysoundfont, one stereo stem per group.

Each stem group is rendered on its own from a reset synthesizer, so a stem holds exactly its own
instruments (and nothing bleeds between stems); the soundfont is parsed once per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from songsmith.engines.score import Score, Track
    from songsmith.engines.typing import Audio

SOUNDFONT_NAME = "FluidR3Mono_GM.sf3"
VOCAL_GROUPS = frozenset({"vocals", "backing_vocals"})
_DRUM_BANK = 128  # General MIDI percussion lives in bank 128 of a GM soundfont
_DRUM_CHANNEL = 9  # MIDI channel 10
_MAX_VOICES = 256
_FLUSH_FRAMES = 2048
_MAX_FLUSHES = 64
_END_FADE_S = 0.03  # the clip ends exactly at duration_s: fade sounding notes instead of a click
# FluidR3 Mono renders quiet-ish; a fixed gain keeps stems in a comfortable float range before
# the mix sets the real balance (fixed, so renders stay deterministic).
_SYNTH_GAIN_DB = 0.0


def soundfont_path() -> Path:
    return Path(str(resources.files("songsmith.engines.builtin") / "assets" / SOUNDFONT_NAME))


@dataclass
class LoadedSoundfont:
    synth: Any  # tinysoundfont.Synth with the soundfont loaded
    sfid: int
    sample_rate: int
    lock: threading.Lock


@lru_cache(maxsize=2)
def load_soundfont(sample_rate: int = 44100) -> LoadedSoundfont:
    """Parse the vendored soundfont once per process (about 1 s) and keep the synth warm."""
    import tinysoundfont

    synth = tinysoundfont.Synth(gain=_SYNTH_GAIN_DB, samplerate=sample_rate)
    sfid = synth.sfload(str(soundfont_path()), max_voices=_MAX_VOICES)
    return LoadedSoundfont(synth, sfid, sample_rate, threading.Lock())


def _midi_velocity(velocity: float) -> int:
    return int(min(127, max(1, round(velocity * 127))))


def _channel_plan(tracks: list[Track]) -> list[tuple[int, Track]]:
    """Give each track a MIDI channel: drums on channel 10, others on the rest (tracks with the
    same program share a channel when there are more tracks than channels)."""
    melodic = [c for c in range(16) if c != _DRUM_CHANNEL]
    by_program: dict[int, int] = {}
    plan: list[tuple[int, Track]] = []
    next_free = 0
    for track in tracks:
        if track.is_drum:
            plan.append((_DRUM_CHANNEL, track))
            continue
        if next_free < len(melodic):
            channel = melodic[next_free]
            next_free += 1
            by_program.setdefault(track.program, channel)
        else:
            channel = by_program.get(track.program, melodic[-1])
        plan.append((channel, track))
    return plan


def _silence(loaded: LoadedSoundfont) -> None:
    """Reset every channel and let every voice die, so each stem starts from the same state
    whatever was rendered before (tsf's reset ends voices with a ~10 ms quick release)."""
    loaded.synth.soundfonts[loaded.sfid].reset()
    scratch = np.zeros((_FLUSH_FRAMES, 2), dtype=np.float32)
    for _ in range(_MAX_FLUSHES):
        loaded.synth.generate_simple(_FLUSH_FRAMES, buffer=scratch.data.cast("B"))
        if not scratch.any():
            return


def _render_group(loaded: LoadedSoundfont, tracks: list[Track], total: int) -> Audio:
    synth = loaded.synth
    rate = loaded.sample_rate
    _silence(loaded)
    events: list[tuple[int, int, int, int, int]] = []  # (sample, off=0/on=1, channel, key, vel)
    for channel, track in _channel_plan(tracks):
        if track.is_drum:
            synth.program_select(channel, loaded.sfid, _DRUM_BANK, 0, True)
        else:
            synth.program_select(channel, loaded.sfid, 0, int(track.program) % 128)
        for note in track.notes:
            start = round(note.start * rate)
            end = round(note.end * rate)
            if start >= total or end <= start or not 0 <= note.pitch <= 127:
                continue
            events.append((start, 1, channel, int(note.pitch), _midi_velocity(note.velocity)))
            events.append((end, 0, channel, int(note.pitch), 0))
    # At equal times note-offs come first, so a repeated key is released then struck again.
    events.sort()
    audio = np.zeros((total, 2), dtype=np.float32)
    raw = audio.data.cast("B")
    frame_bytes = 2 * 4
    position = 0
    for sample, is_on, channel, key, velocity in events:
        sample = min(sample, total)
        if sample > position:
            synth.generate_simple(
                sample - position, buffer=raw[position * frame_bytes : sample * frame_bytes]
            )
            position = sample
        if is_on:
            synth.noteon(channel, key, velocity)
        else:
            synth.noteoff(channel, key)
    if total > position:
        synth.generate_simple(total - position, buffer=raw[position * frame_bytes :])
    return audio


def render_stems(
    score: Score, sample_rate: int = 44100, *, compact: bool = False
) -> dict[str, Audio]:
    """Every non-vocal track of `score`, one (samples, 2) float32 stem per group.

    All stems have exactly round(score.duration_s * sample_rate) samples; notes still sounding at
    the end are faded over the last 30 ms. Same score, same bytes. `compact=True` returns a stem
    whose two channels are equal (most: the soundfont's samples are mono) as one (samples,)
    channel, half the memory; the mix pans it.
    """
    total = max(0, round(score.duration_s * sample_rate))
    groups: dict[str, list[Track]] = {}
    for track in score.tracks:
        if track.group in VOCAL_GROUPS or not track.notes:
            continue
        groups.setdefault(track.group, []).append(track)
    if not groups:
        return {}
    loaded = load_soundfont(sample_rate)
    fade_len = min(total, int(_END_FADE_S * sample_rate))
    fade = np.linspace(1.0, 0.0, fade_len, dtype=np.float32)[:, None]
    stems: dict[str, Audio] = {}
    with loaded.lock:
        for group in sorted(groups):
            audio = _render_group(loaded, groups[group], total)
            if fade_len:
                audio[total - fade_len :] *= fade
            if compact and np.array_equal(audio[:, 0], audio[:, 1]):
                audio = np.ascontiguousarray(audio[:, 0])
            stems[group] = audio
    return stems
