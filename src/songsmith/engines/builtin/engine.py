"""`BuiltinEngine`: the CPU musician. compose -> render stems -> sing -> mix -> `Song`.

Streaming: when an audio callback is given, the first few seconds (up to a section boundary) are
rendered, sung and mixed on their own and sent at once, so a listener hears the song within a
fraction of a second. That preview is all the engine streams: the worker continues the stream with
the final mp3's frames (services/stream.py). The preview uses the same notes, so it matches the
full mix up to mixing effects that look ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.compose import BACKING_TRACK, LEAD_TRACK, Composition, compose
from songsmith.engines.builtin.compose import metadata as song_metadata
from songsmith.engines.score import Score, Track
from songsmith.engines.typing import (
    Audio,
    AudioCallback,
    EngineCapabilities,
    GenerationJob,
    ProgressCallback,
    Song,
)

if TYPE_CHECKING:
    from songsmith.engines.builtin.modes import EditFunction

SAMPLE_RATE = 44100
CHUNK_S = 5.0  # streamed chunk length
PREVIEW_MIN_S = 4.0  # the preview ends at the first section boundary after this ...
PREVIEW_MAX_S = 12.0  # ... or here, whichever comes first
UNSUNG_DELAY_S = 0.6  # after an unsung section starts, the previous line has died away ...
UNSUNG_LEAD_S = 0.3  # ... and before the next section, the first consonant has not begun
WARM_UP_S = 6.0  # length of the song sung at warm-up
STAGES = ("compose", "render", "sing lead", "sing backing", "mix", "done")
BACKING_SEED_OFFSET = 7919  # a different breath/noise draw for the second singer
MODES = frozenset(
    {
        Mode.INSPIRATION,
        Mode.CUSTOM,
        Mode.INSTRUMENTAL,
        Mode.ARTIST_CONSISTENCY,
        # edit modes (engines/builtin/modes/): they build on `job.source`
        Mode.EXTEND,
        Mode.UPLOAD_EXTEND,
        Mode.INFILL,
        Mode.COVER,
        Mode.UNDERPAINTING,
        Mode.OVERPAINTING,
    }
)


class BuiltinEngine:
    """Loaded once per worker process; the soundfont and the voice load on first use."""

    name = "builtin"
    # Memory a 3-minute song needs above the loaded engine (stems, mix, master; measured by
    # benchmarks/bench_engine.py): a job process reserves it at start (worker/executor.py).
    working_set_mb = 730

    def __init__(self, preset: str = "default") -> None:
        self.preset = preset
        self.capabilities = EngineCapabilities(
            modes=MODES,
            max_duration_s=480.0,
            sample_rate=SAMPLE_RATE,
            streams=True,
            has_score=True,
        )

    def warm_up(self) -> None:
        """Load the soundfont and the singer and perform a few seconds of song (a worker calls
        this at start): every stage's lazy imports and caches are paid here, not by the first
        job (about 1.5 s of CPU on top of the loads)."""
        from songsmith.engines.builtin.render import load_soundfont
        from songsmith.engines.builtin.voice import warm_up as warm_up_voice

        load_soundfont(SAMPLE_RATE)
        warm_up_voice()
        job = GenerationJob(
            mode=Mode.CUSTOM,
            seed=1,
            max_duration_s=WARM_UP_S,
            lyrics="[Verse]\nwarm up the voice\n",
            tags="pop",
        )
        self.generate(job, lambda _done, _total: None, lambda _chunk: None)

    def generate(
        self,
        job: GenerationJob,
        progress: ProgressCallback,
        audio: AudioCallback | None = None,
    ) -> Song:
        total = len(STAGES)
        edit = _edit_function(job)
        if edit is not None:
            song = edit(job, progress)  # rendered whole, then streamed as it stands
            if audio is not None:
                _emit(audio, song.mix)
            progress(total, total)
            return song
        composition = compose(job)
        progress(1, total)
        if audio is not None:
            cut = preview_end_s(composition.score)
            preview = self._perform(composition, until_s=cut, seed=job.seed)[0]
            _emit(audio, preview[: round(cut * SAMPLE_RATE)])
        mix, stems = self._perform(composition, seed=job.seed, progress=progress)
        # The rest of the song is not streamed from here: the worker continues the stream with
        # the final mp3's own frames once it is encoded (services/stream.py), so the song is
        # encoded once, not twice.
        progress(total, total)
        meta = song_metadata(composition, self.preset)
        return Song(
            sample_rate=SAMPLE_RATE,
            mix=mix,
            stems=stems,
            score=composition.score,
            words=list(composition.score.words),
            metadata=meta,
        )

    def _perform(
        self,
        composition: Composition,
        *,
        seed: int,
        until_s: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> tuple[Audio, Mapping[str, Audio]]:
        """Render, sing and mix the score (or its first `until_s` seconds)."""
        from songsmith.engines.builtin.mix import mix_stems
        from songsmith.engines.builtin.render import render_stems
        from songsmith.engines.builtin.voice import SpeechCache, sing_mono

        step = progress or (lambda _done, _total: None)
        total = len(STAGES)
        score = composition.score if until_s is None else _head(composition.score, until_s)
        length = round(score.duration_s * SAMPLE_RATE)
        # Mono stems stay one channel until the mix pans them: half the memory of the raw set.
        stems = render_stems(score, SAMPLE_RATE, compact=True)
        step(2, total)
        gender = composition.plan.vocal_gender
        speech = SpeechCache()  # the backing vocals double chorus lines the lead sang
        for name, group, offset, stage in (
            (LEAD_TRACK, "vocals", 0, 3),
            (BACKING_TRACK, "backing_vocals", BACKING_SEED_OFFSET, 4),
        ):
            notes = [n for t in score.tracks if t.name == name for n in t.notes]
            if notes:
                sung = sing_mono(
                    notes,
                    gender=gender,
                    sample_rate=SAMPLE_RATE,
                    language=composition.language,
                    seed=seed + offset,
                    cache=speech,
                )
                stems[group] = _fit(sung, length)
            step(stage, total)
        del speech  # before the mix, whose memory peak is the song's
        stems = {g: _fit(a, length) for g, a in stems.items()}
        if not stems:
            silent = np.zeros((length, 2), np.float32)
            return silent, {}
        mix, processed = mix_stems(
            stems,
            SAMPLE_RATE,
            genre=composition.plan.genre,
            seed=seed,
            vocal_silence=unsung_spans(composition, score.duration_s),
            consume=True,  # each raw stem is freed once mixed: peak RSS holds one set, not two
            pack=True,  # processed stems at 16 bits until stored: half their memory
        )
        step(5, total)
        return np.ascontiguousarray(mix, dtype=np.float32), processed


def _edit_function(job: GenerationJob) -> EditFunction | None:
    """The edit mode's function; a persona song without a profile is a plain composition."""
    from songsmith.engines.builtin.modes import EDIT_MODES

    if job.mode is Mode.ARTIST_CONSISTENCY and not job.persona:
        return None
    return EDIT_MODES.get(job.mode)


def unsung_spans(composition: Composition, until_s: float) -> list[tuple[float, float]]:
    """Stretches where no one sings, for the mix to mute the vocal stems (and their reverb).

    Each span starts a little after its section (the last sung note and its release) and ends a
    little before the next one (onset consonants are sung ahead of the beat).
    """
    if not composition.has_vocal:
        return []
    spans = []
    for index, section in enumerate(composition.form.sections):
        if section.sung:
            continue
        start = composition.score.sections[index].start_s + UNSUNG_DELAY_S
        end = min(composition.score.sections[index].end_s - UNSUNG_LEAD_S, until_s)
        if index == len(composition.form.sections) - 1:
            end = until_s  # the song's tail
        if end - start >= 0.5:
            spans.append((start, end))
    return spans


def preview_end_s(score: Score) -> float:
    """Where the streamed preview stops: a section boundary between 4 and 12 seconds."""
    for section in score.sections:
        if PREVIEW_MIN_S <= section.end_s <= PREVIEW_MAX_S:
            return section.end_s
    return min(PREVIEW_MAX_S, score.duration_s)


def _head(score: Score, until_s: float) -> Score:
    """The notes that start before `until_s`, whole, in a score a little longer than the cut."""
    tracks = [
        Track(t.name, t.group, t.program, t.is_drum, [n for n in t.notes if n.start < until_s])
        for t in score.tracks
    ]
    return replace(score, tracks=tracks, duration_s=min(score.duration_s, until_s + 1.0))


def _fit(audio: Audio, length: int) -> Audio:
    """Trimmed or zero-padded to `length` samples (mono (n,) or (n, channels))."""
    if len(audio) >= length:
        return np.ascontiguousarray(audio[:length], dtype=np.float32)
    pad = np.zeros((length - len(audio), *audio.shape[1:]), np.float32)
    return np.ascontiguousarray(np.concatenate([audio, pad]), dtype=np.float32)


def _emit(callback: AudioCallback, audio: Audio) -> None:
    """Send `audio` in CHUNK_S pieces."""
    chunk = int(CHUNK_S * SAMPLE_RATE)
    for position in range(0, len(audio), chunk):
        callback(np.ascontiguousarray(audio[position : position + chunk]))
