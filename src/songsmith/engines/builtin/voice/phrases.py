"""Notes to sung phrases: syllables (a note with a syllable, plus its melisma) between rests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from songsmith.engines.score import Note

PHRASE_GAP_S = 0.12  # a silence at least this long between notes ends a phrase
MAX_PHRASE_PHONEMES = 300  # the model reads at most ~400 phonemes at once


@dataclass(frozen=True)
class SungSyllable:
    phonemes: str
    notes: tuple[Note, ...]  # the syllable's own note first, then its melisma notes

    @property
    def start(self) -> float:
        return self.notes[0].start

    @property
    def end(self) -> float:
        return self.notes[-1].end


@dataclass(frozen=True)
class Phrase:
    syllables: tuple[SungSyllable, ...]

    @property
    def start(self) -> float:
        return self.syllables[0].start

    @property
    def end(self) -> float:
        return self.syllables[-1].end

    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(n for s in self.syllables for n in s.notes)


def group_phrases(notes: Sequence[Note], vocalise: str) -> list[Phrase]:
    """Phrases in time order. A note without a syllable continues the previous syllable
    (melisma); one that opens a phrase sings `vocalise` (an open vowel) instead."""
    ordered = sorted((n for n in notes if n.end > n.start), key=lambda n: (n.start, n.end))
    phrases: list[list[SungSyllable]] = []
    current: list[SungSyllable] = []
    last_end = -1.0
    for note in ordered:
        if current and note.start - last_end >= PHRASE_GAP_S:
            phrases.append(current)
            current = []
        if note.syllable:
            current.append(SungSyllable(note.syllable, (note,)))
        elif current:
            previous = current[-1]
            current[-1] = SungSyllable(previous.phonemes, (*previous.notes, note))
        else:
            current.append(SungSyllable(vocalise, (note,)))
        last_end = max(last_end, note.end)
    if current:
        phrases.append(current)
    return [chunk for group in phrases for chunk in _split_long(group)]


def _split_long(syllables: list[SungSyllable]) -> list[Phrase]:
    """Phrases short enough for one model run, cut at syllable boundaries."""
    out: list[Phrase] = []
    chunk: list[SungSyllable] = []
    size = 0
    for syllable in syllables:
        if chunk and size + len(syllable.phonemes) > MAX_PHRASE_PHONEMES:
            out.append(Phrase(tuple(chunk)))
            chunk, size = [], 0
        chunk.append(syllable)
        size += len(syllable.phonemes)
    if chunk:
        out.append(Phrase(tuple(chunk)))
    return out
