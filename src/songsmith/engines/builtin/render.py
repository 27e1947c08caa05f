"""Render the instrumental tracks of a score with tinysoundfont, one stereo stem per group.

Each stem group is rendered on its own from a reset synthesizer, so a stem holds exactly its own
instruments (and nothing bleeds between stems); the soundfont is parsed once per process.

tinysoundfont decodes every sample of the font it loads to float32 and keeps it (the whole
vendored font: 265 MiB of resident memory), so the process loads a copy pruned in memory to what
the composer can ask for (`genres.reachable_programs()` and the drum kit; `soundfont_subset.py`):
176 MiB. A track with any other program (a score from elsewhere) loads a font of just that
program beside it the first time one is rendered. The pruned font renders kept presets as the
whole one does to float rounding: tsf's output depends slightly on where a sample sits among the
decoded samples (see tests/engines/builtin/test_soundfont_subset.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.engines.builtin.genres import reachable_programs
from songsmith.engines.builtin.soundfont_subset import subset_soundfont

if TYPE_CHECKING:
    from songsmith.engines.score import Score, Track
    from songsmith.engines.typing import Audio

SOUNDFONT_NAME = "FluidR3Mono_GM.sf3"
VOCAL_GROUPS = frozenset({"vocals", "backing_vocals"})
_DRUM_BANK = 128  # General MIDI percussion lives in bank 128 of a GM soundfont
_DRUM_CHANNEL = 9  # MIDI channel 10
_MAX_VOICES = 256
_WHOLE_FONT = -1  # LoadedSoundfont.extra_sfids key of the whole font, when it had to be loaded
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
    lock: threading.Lock  # held while rendering: the synth is one shared state
    programs: frozenset[int] | None = None  # bank-0 programs `sfid` holds; None: all of them
    # bank-0 programs outside `programs` -> a font of just that program, loaded on first need
    # (the whole font is loaded at most once, for a program no small font could be cut for)
    extra_sfids: dict[int, int] = field(default_factory=dict)

    def sfid_for(self, program: int) -> int:
        """The loaded font that plays bank-0 `program`: the pruned one when it holds it, else
        one of just that program (loaded now if need be; call with `lock` held)."""
        if self.programs is None or program in self.programs:
            return self.sfid
        if program not in self.extra_sfids:
            data = soundfont_path().read_bytes()
            alone = subset_soundfont(data, {(0, program)})
            if alone is data:
                if _WHOLE_FONT not in self.extra_sfids:
                    self.extra_sfids[_WHOLE_FONT] = self.synth.sfload(data, max_voices=_MAX_VOICES)
                self.extra_sfids[program] = self.extra_sfids[_WHOLE_FONT]
            else:
                self.extra_sfids[program] = self.synth.sfload(alone, max_voices=_MAX_VOICES)
        return self.extra_sfids[program]


def open_soundfont(sample_rate: int, programs: frozenset[int] | None) -> LoadedSoundfont:
    """A synth with the vendored font loaded: only bank-0 `programs` and the drum kit, or all of
    it (None). The font is decoded now (about 1.3 s for all of it)."""
    import tinysoundfont

    synth = tinysoundfont.Synth(gain=_SYNTH_GAIN_DB, samplerate=sample_rate)
    data = soundfont_path().read_bytes()
    if programs is not None:
        keep = {(0, p) for p in programs} | {(_DRUM_BANK, 0)}
        pruned = subset_soundfont(data, keep)
        if pruned is data:  # the subset could not be built: the whole font plays everything
            programs = None
        data = pruned
    sfid = synth.sfload(data, max_voices=_MAX_VOICES)
    return LoadedSoundfont(synth, sfid, sample_rate, threading.Lock(), programs)


@lru_cache(maxsize=2)
def load_soundfont(sample_rate: int = 44100) -> LoadedSoundfont:
    """The process's synth, loaded once (about 0.8 s) with the programs the composer can ask
    for, and kept warm."""
    return open_soundfont(sample_rate, reachable_programs())


def _midi_velocity(velocity: float) -> int:
    return int(min(127, max(1, round(velocity * 127))))


def _channel_plan(tracks: list[Track]) -> list[tuple[int, Track]]:
    """Give each track a channel of its own: drums on MIDI channel 10, the others on 1-9, 11-16
    and, past those, on further channels (tinysoundfont has no 16-channel limit; sharing one
    would play one track with another's instrument)."""
    plan: list[tuple[int, Track]] = []
    channel = 0
    for track in tracks:
        if track.is_drum:
            plan.append((_DRUM_CHANNEL, track))
            continue
        if channel == _DRUM_CHANNEL:
            channel += 1
        plan.append((channel, track))
        channel += 1
    return plan


def _silence(loaded: LoadedSoundfont) -> None:
    """Reset every channel and let every voice die, so each stem starts from the same state
    whatever was rendered before (tsf's reset ends voices with a ~10 ms quick release)."""
    for soundfont in loaded.synth.soundfonts.values():
        soundfont.reset()
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
            program = int(track.program) % 128
            synth.program_select(channel, loaded.sfid_for(program), 0, program)
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
    score: Score,
    sample_rate: int = 44100,
    *,
    compact: bool = False,
    soundfont: LoadedSoundfont | None = None,
) -> dict[str, Audio]:
    """Every non-vocal track of `score`, one (samples, 2) float32 stem per group.

    All stems have exactly round(score.duration_s * sample_rate) samples; notes still sounding at
    the end are faded over the last 30 ms. Same score, same bytes. `compact=True` returns a stem
    whose two channels are equal (most: the soundfont's samples are mono) as one (samples,)
    channel, half the memory; the mix pans it. `soundfont`: render with this one rather than the
    process's (`load_soundfont`); its `sample_rate` wins.
    """
    if soundfont is not None:
        sample_rate = soundfont.sample_rate
    total = max(0, round(score.duration_s * sample_rate))
    groups: dict[str, list[Track]] = {}
    for track in score.tracks:
        if track.group in VOCAL_GROUPS or not track.notes:
            continue
        groups.setdefault(track.group, []).append(track)
    if not groups:
        return {}
    loaded = soundfont or load_soundfont(sample_rate)
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
