"""Composition: a job -> plan -> form -> harmony -> melody -> arrangement -> `Score`.

Pure and fast (no audio): the engine renders and sings what this returns. Every stage draws from
its own seeded generator, so the same job and seed give the same score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.arrange import arrange
from songsmith.engines.builtin.form import Form, build_form
from songsmith.engines.builtin.harmony import Harmony, harmonize
from songsmith.engines.builtin.melody import Melody, compose_melody
from songsmith.engines.builtin.plan import SongPlan, plan_song, stage_rng
from songsmith.engines.score import Note, Score, Section, Track
from songsmith.engines.typing import GenerationJob

LEAD_TRACK = "lead_vocal"
BACKING_TRACK = "backing_vocals"
StageCallback = Callable[[str], None]
T = TypeVar("T")


@dataclass
class Composition:
    plan: SongPlan
    form: Form
    harmony: Harmony
    melody: Melody | None  # None for an instrumental
    score: Score
    language: str
    notes: list[str] = field(default_factory=list)

    @property
    def has_vocal(self) -> bool:
        return self.melody is not None and bool(self.melody.notes)

    def track(self, name: str) -> Track | None:
        return next((t for t in self.score.tracks if t.name == name), None)

    def notes_of(self, name: str) -> list[Note]:
        track = self.track(name)
        return list(track.notes) if track is not None else []


def compose(job: GenerationJob, on_stage: StageCallback | None = None) -> Composition:
    """The whole score of one clip. Never raises on odd tags or lyrics."""
    from songsmith.phonetics import Word, count_syllables, detect_language, syllabify_line

    stage = on_stage or (lambda _name: None)
    tags, gender = _style(job)
    lyrics = "" if _instrumental(job) else (job.lyrics or "")
    language = _language(lyrics, detect_language)

    no_words: list[Word] = []
    syllabify = _tolerant(lambda line: list(syllabify_line(line, language)), no_words)
    count = _tolerant(lambda line: count_syllables(line, language), 0)
    plan = plan_song(tags, job.negative_tags, seed=job.seed, vocal_gender=gender)
    stage("plan")
    form = build_form(
        lyrics,
        plan,
        max_duration_s=job.max_duration_s,
        instrumental=not lyrics.strip(),
        rng=stage_rng(job.seed, "form"),
        count_syllables=count,
    )
    stage("form")
    harmony = harmonize(plan, form, stage_rng(job.seed, "harmony"))
    stage("harmony")
    melody: Melody | None = None
    if any(s.sung for s in form.sections):
        melody = compose_melody(
            plan,
            form,
            harmony,
            stage_rng(job.seed, "melody"),
            syllabify,
        )
        if not melody.notes:
            melody = None
    stage("melody")
    tracks = arrange(plan, form, harmony, melody, stage_rng(job.seed, "arrange"))
    if melody is not None:
        tracks.insert(0, Track(name=LEAD_TRACK, group="vocals", program=52, notes=melody.notes))
    stage("arrange")
    score = _score(plan, form, harmony, melody, tracks)
    return Composition(plan, form, harmony, melody, score, language, [*plan.notes, *form.notes])


def metadata(composition: Composition, preset: str = "default") -> dict[str, Any]:
    """What the clip's metadata says about the song (suno-wire fields plus songsmith's own)."""
    return score_metadata(
        composition.plan,
        composition.score,
        has_vocal=composition.has_vocal,
        language=composition.language,
        notes=composition.notes,
        preset=preset,
    )


def score_metadata(
    plan: SongPlan,
    score: Score,
    *,
    has_vocal: bool,
    language: str,
    notes: Sequence[str] = (),
    preset: str = "default",
) -> dict[str, Any]:
    """Metadata of a composed song or an edit's segment, from its plan and score."""
    num, den = plan.time_signature
    data: dict[str, Any] = {
        "engine": "builtin",
        "preset": preset,
        "seed": plan.seed,
        "bpm": plan.bpm,
        "key": plan.key,
        "time_signature": f"{num}/{den}",
        "genre": plan.genre,
        "mood": plan.mood,
        "sections": [
            {
                "name": s.name,
                "label": s.label,
                "start_s": round(s.start_s, 3),
                "end_s": round(s.end_s, 3),
            }
            for s in score.sections
        ],
        "has_vocal": has_vocal,
        "vocal_gender": plan.vocal_gender if has_vocal else None,
        "language": language,
        "instruments": sorted({t.name for t in score.tracks if t.notes}),
    }
    if notes:
        data["notes"] = list(notes)
    return data


def _style(job: GenerationJob) -> tuple[str, str | None]:
    """Tags and voice, with a persona's style and voice filling what the request leaves open."""
    tags = job.tags or ""
    gender = job.vocal_gender
    persona = job.persona or {}
    style = persona.get("style") or persona.get("tags")
    if isinstance(style, str) and style.strip():
        tags = f"{tags}, {style}" if tags else style
    persona_gender = persona.get("vocal_gender")
    if gender is None and isinstance(persona_gender, str):
        gender = persona_gender
    return tags, gender


def _tolerant(function: Callable[[str], T], empty: T) -> Callable[[str], T]:
    """G2P on a lyric line that survives odd text (the G2P raised on e.g. superscript digits):
    retry NFKC-normalised, then with digits and symbols removed, then give the line up."""

    def call(line: str) -> T:
        normalised = unicodedata.normalize("NFKC", line)
        for attempt in (line, normalised, re.sub(r"[^\w\s']|\d", " ", normalised)):
            try:
                return function(attempt)
            except Exception:  # the G2P is third-party code; one bad line must not fail a song
                continue
        return empty

    return call


def _instrumental(job: GenerationJob) -> bool:
    return job.instrumental or job.mode == Mode.INSTRUMENTAL or not (job.lyrics or "").strip()


def _language(lyrics: str, detect: Callable[[str], str]) -> str:
    if not lyrics.strip():
        return "en"
    try:
        return detect(lyrics) or "en"
    except Exception:  # detection is a hint; English is the singer's native language
        return "en"


def _score(
    plan: SongPlan, form: Form, harmony: Harmony, melody: Melody | None, tracks: list[Track]
) -> Score:
    bpb = plan.beats_per_bar
    sections = [
        Section(
            name=s.kind,
            start_s=plan.time_of(s.start_bar * bpb),
            end_s=plan.time_of((s.start_bar + s.bars) * bpb),
            label=s.label,
        )
        for s in form.sections
    ]
    chords = [
        (plan.time_of(e.start_beat), plan.time_of(e.end_beat), e.chord.symbol)
        for e in harmony.events
    ]
    return Score(
        bpm=plan.bpm,
        key=plan.key,
        time_signature=plan.time_signature,
        sections=sections,
        tracks=tracks,
        words=list(melody.words) if melody is not None else [],
        chords=chords,
        duration_s=form.duration_s(plan),
    )
