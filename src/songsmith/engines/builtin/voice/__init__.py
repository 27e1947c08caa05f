"""The built-in engine's singer: lyrics on the melody, female and male, English and other languages.

    sing(notes, *, gender, sample_rate=44100, language="en", seed=0) -> Audio

English runs hibari-tts's bundled voice (its G2P is the one `songsmith.phonetics` syllabifies with),
time-warped onto the notes and voiced at the melody's F0; the male voice is that voice through a
vocal-tract-length transform. Other languages: espeak-ng speech re-pitched by WORLD (pyworld).
"""

from __future__ import annotations

from songsmith.engines.builtin.voice.sing import is_male, sing, sing_mono

__all__ = ["is_male", "sing", "sing_mono"]
