"""The built-in engine's singer: lyrics on the melody, female and male, English and other languages.

    sing(notes, *, gender, sample_rate=44100, language="en", seed=0) -> Audio
    sing_mono(...) -> float32 mono array;  sing_phrases(...) -> Iterator[PhraseAudio] (streaming)
    SpeechCache()   # one per song, passed to both voices: repeated lines skip the model
    warm_up() -> None   # at worker start: model, G2P, one note

English runs hibari-tts's bundled voice (its G2P is the one `songsmith.phonetics` syllabifies with),
time-warped onto the notes and voiced at the melody's F0; the male voice is that voice through a
vocal-tract-length transform. Other languages: espeak-ng's IPA (from `songsmith.phonetics`) sung
by the same voice (espeak-ng's own waveforms are not deterministic, see `phonetics/espeak.py`).
"""

from __future__ import annotations

from songsmith.engines.builtin.voice.hibari_singer import SpeechCache
from songsmith.engines.builtin.voice.sing import (
    PhraseAudio,
    is_male,
    sing,
    sing_mono,
    sing_phrases,
    warm_up,
)

__all__ = [
    "PhraseAudio",
    "SpeechCache",
    "is_male",
    "sing",
    "sing_mono",
    "sing_phrases",
    "warm_up",
]
