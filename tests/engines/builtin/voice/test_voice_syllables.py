"""The contract between phonetics and the singer: every syllable phonetics returns is exactly one
vowel nucleus the singer stretches over one note (so sung syllables == notes)."""

from __future__ import annotations

import pytest

from songsmith.engines.builtin.voice.hibari_singer import _syllable_ids
from songsmith.engines.builtin.voice.model import load_singer_model
from songsmith.phonetics import syllabify_line

LYRICS = {
    "en": [
        "Walking down the empty street tonight, neon signs are flickering in the rain",
        "Oh we were dancing in the fire, extraordinary rhythm, yeah",
        "I can't stop the feeling, bottle of water, idea, hour, fire",
    ],
    "es": ["Bailando bajo la luna, mi corazón es tuyo"],
    "fr": ["Je t'aime mon amour, toujours avec toi"],
    "de": ["Ich liebe dich, du bist mein Herz"],
    "ru": ["Я люблю тебя всегда"],
    "pt": ["Eu te amo, você é o meu coração"],
}


def nucleus_runs(flags: list[bool]) -> int:
    return sum(1 for k, flag in enumerate(flags) if flag and (k == 0 or not flags[k - 1]))


@pytest.mark.parametrize(("language", "line"), [(k, v) for k, vs in LYRICS.items() for v in vs])
def test_every_syllable_is_one_sung_nucleus(language: str, line: str) -> None:
    vocab = load_singer_model().vocab
    syllables = [s for w in syllabify_line(line, language) for s in w.syllables]
    assert syllables
    for syllable in syllables:
        _, flags = _syllable_ids(syllable.phonemes, vocab)
        assert nucleus_runs(flags) == 1, syllable
