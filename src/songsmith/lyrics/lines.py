"""One lyric line: a template filled with words so it ends on a chosen rhyme word and fits a
syllable target.

A template is plain text with slots. `{N}`, `{V}` or `{A}` is the line's last word (the rhyme),
noun / verb / adjective; `{n}`, `{v}`, `{a}` are inner words chosen to fit the syllable target;
`{X}` is a prompt phrase ("Tokyo", "the dog") that must appear.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from songsmith.lyrics.syllables import word_syllables

END_NOUN: tuple[str, ...] = (
    "I can feel the {a} {N}",
    "we were dancing in the {N}",
    "underneath the {a} {N}",
    "hold on to the {N}",
    "running through the {a} {N}",
    "there's a {n} inside the {N}",
    "I still see you in the {N}",
    "waiting for the {N}",
    "carry me back to the {N}",
    "lost inside the {a} {N}",
    "we keep chasing down the {N}",
    "every {n} becomes the {N}",
    "you and me against the {N}",
    "singing to the {a} {N}",
    "I gave my {n} to the {N}",
    "follow me into the {N}",
    "we were {a} in the {N}",
    "nothing left but the {N}",
    "I wrote your name across the {N}",
    "the {n} is calling from the {N}",
    "tell me all about the {N}",
    "out beyond the {a} {N}",
    "meet me by the {N}",
    "I found a {n} in the {N}",
    "shining like the {N}",
    "I will wait beside the {N}",
    "close your eyes and feel the {N}",
    "dancing with the {a} {N}",
    "never let go of the {N}",
    "maybe it was the {N}",
    "we {v} into the {N}",
    "let us {v} beneath the {N}",
)
END_VERB: tuple[str, ...] = (
    "and tonight we {V}",
    "I just want to {V}",
    "we were born to {V}",
    "don't be afraid to {V}",
    "teach me how to {V}",
    "let the {n} {V}",
    "watch the {a} {n} {V}",
    "you and I will {V}",
    "this is where we {V}",
    "in the {n} we {V}",
    "under the {a} {n} we {V}",
    "come with me and {V}",
    "all we need is room to {V}",
    "we {v} and then we {V}",
    "hear the {n} and {V}",
    "take my hand and {V}",
)
END_ADJECTIVE: tuple[str, ...] = (
    "and the {n} is {A}",
    "I feel so {A}",
    "the {n} was never this {A}",
    "everything is {A}",
    "we were young and {A}",
    "our {n} stays {A}",
    "the {a} {n} turns {A}",
    "every {n} looks {A}",
    "keep the {n} {A}",
    "you make the {n} feel {A}",
    "we {v} until we're {A}",
    "tonight the {n} is {A}",
)
# Templates that carry a prompt phrase; the short ones also make a chorus hook and the title.
PHRASE_NOUN: tuple[str, ...] = (
    "{X} in the {N}",
    "{X} beneath the {a} {N}",
    "{X} and the {a} {N}",
    "dreaming of {X} in the {N}",
    "take me back to {X} and the {N}",
    "all I think about is {X} and the {N}",
    "I sing of {X} and the {N}",
    "we talk about {X} until the {N}",
)
PHRASE_VERB: tuple[str, ...] = (
    "{X} makes me want to {V}",
    "thinking of {X}, I {V}",
    "with {X} we {V}",
    "for {X} we {V}",
    "because of {X} we {V}",
    "with {X} and the {a} {n} we {V}",
    "{X} in the {n}, we {V}",
)
PHRASE_ADJECTIVE: tuple[str, ...] = (
    "{X} keeps me {A}",
    "with {X} I feel {A}",
    "{X} makes me {A}",
    "thinking of {X}, I feel {A}",
    "{X} makes the {a} {n} {A}",
    "with {X} the {n} is {A}",
)
HOOK_TEMPLATES: frozenset[str] = frozenset(
    ("{X} in the {N}", "{X} beneath the {a} {N}", "{X} and the {a} {N}", "{X} keeps me {A}")
)

# Sung lead-ins that lengthen a line too short for its melody, with their syllable counts.
PADDING: tuple[tuple[str, int], ...] = (
    ("oh, ", 1),
    ("and ", 1),
    ("so ", 1),
    ("now ", 1),
    ("oh, and ", 2),
    ("and now ", 2),
    ("so now ", 2),
    ("oh, and now ", 3),
)

PLAIN_BY_END = {"n": END_NOUN, "v": END_VERB, "a": END_ADJECTIVE}
PHRASE_BY_END = {"n": PHRASE_NOUN, "v": PHRASE_VERB, "a": PHRASE_ADJECTIVE}

_SLOT = re.compile(r"\{([nvaNVAX])\}")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_ARTICLE = re.compile(r"\ba (?=[aeiouAEIOU])")


@dataclass(frozen=True)
class Forced:
    """A prompt word a line must carry: a phrase ({X}) or an inner word of its part of speech."""

    slot: str  # "X", "a" or "v"
    text: str  # the phrase or word as sung


@dataclass(frozen=True)
class FilledLine:
    text: str
    syllables: int
    template: str
    stale: int = 0  # inner words this song had already sung


class WordPools:
    """Inner-slot candidates per part of speech, grouped by syllable count; topic words first."""

    def __init__(self, topic: dict[str, list[str]], general: dict[str, list[str]]) -> None:
        self.topic = {pos: self._by_syllables(ws) for pos, ws in topic.items()}
        self.general = {pos: self._by_syllables(ws) for pos, ws in general.items()}

    @staticmethod
    def _by_syllables(words: Sequence[str]) -> dict[int, list[str]]:
        grouped: dict[int, list[str]] = {}
        for w in sorted(set(words)):
            grouped.setdefault(word_syllables(w), []).append(w)
        return grouped

    def counts(self, pos: str) -> set[int]:
        return set(self.topic.get(pos, {})) | set(self.general.get(pos, {}))

    def fresh_counts(self, pos: str, avoid: set[str] | frozenset[str]) -> set[int]:
        """Syllable counts for which some word of `pos` is not in `avoid`."""
        return {
            n
            for source in (self.topic, self.general)
            for n, words in source.get(pos, {}).items()
            if any(w not in avoid for w in words)
        }

    def pick(
        self,
        pos: str,
        syllables: int,
        rng: random.Random,
        avoid: set[str],
        worn: frozenset[str] = frozenset(),
    ) -> str | None:
        """A word not in `avoid`; words already sung (`worn`) only when nothing fresh fits."""
        # Topic words most of the time keep the line on the prompt's subject.
        sources = [self.topic, self.general]
        if rng.random() >= 0.85:
            sources.reverse()
        for allowed_worn in (False, True):
            for source in sources:
                options = [
                    w
                    for w in source.get(pos, {}).get(syllables, [])
                    if w not in avoid and (allowed_worn or w not in worn)
                ]
                if options:
                    return rng.choice(options)
        return None


def _fixed_syllables(template: str) -> int:
    return sum(word_syllables(w) for w in _WORD.findall(_SLOT.sub(" ", template)))


def finish(text: str) -> str:
    """Articles agree, first letter capital."""
    text = _ARTICLE.sub("an ", text)
    return text[:1].upper() + text[1:]


def fill(
    template: str,
    end_word: str,
    target: int,
    pools: WordPools,
    rng: random.Random,
    forced: Forced | None = None,
    avoid: frozenset[str] = frozenset(),
    worn: frozenset[str] = frozenset(),
) -> FilledLine | None:
    """Fill `template` so it ends on `end_word` with a syllable count nearest `target`."""
    slots = _SLOT.findall(template)
    fixed_words = {w.lower() for w in _WORD.findall(_SLOT.sub(" ", template))}
    if end_word in fixed_words:
        return None  # "we were young and young"
    if forced is not None and any(w.lower().startswith(end_word) for w in forced.text.split()):
        return None  # "stars beneath the infinite star"
    values: dict[int, str] = {}  # slot index -> text
    total = _fixed_syllables(template) + word_syllables(end_word)
    forced_used = forced is None
    for index, slot in enumerate(slots):
        if slot in "NVA":
            values[index] = end_word
            continue
        takes_forced = forced is not None and not forced_used and slot == forced.slot
        if slot == "X" and not takes_forced:
            return None
        if takes_forced and forced is not None:
            values[index] = forced.text
            total += sum(word_syllables(w) for w in _WORD.findall(forced.text))
            forced_used = True
    if not forced_used:
        return None
    open_slots = [i for i, s in enumerate(slots) if i not in values]
    need = target - total
    used = set(avoid) | fixed_words | {end_word}
    stale = 0
    if open_slots:
        choices = [sorted(pools.counts(slots[i])) for i in open_slots]
        if any(not c for c in choices):
            return None
        fresh = [pools.fresh_counts(slots[i], used | worn) for i in open_slots]

        def cost(combo: tuple[int, ...]) -> tuple[int, int]:
            stale = sum(n not in ok for n, ok in zip(combo, fresh, strict=True))
            return abs(need - sum(combo)), stale

        combos = list(itertools.product(*choices))
        best = min(cost(c) for c in combos)
        counts = rng.choice([c for c in combos if cost(c) == best])
        for i, count in zip(open_slots, counts, strict=True):
            word = pools.pick(slots[i], count, rng, used, worn)
            if word is None:
                return None
            values[i] = word
            used.add(word)
            total += count
            stale += word in worn
    parts = iter(values[i] for i in range(len(slots)))
    text = _SLOT.sub(lambda _m: next(parts), template)
    return FilledLine(finish(text), total, template, stale)


def pad(line: FilledLine, target: int, rng: random.Random) -> FilledLine:
    """Lengthen a short line with a sung lead-in ("oh, ", "and now ") to meet its target."""
    missing = target - line.syllables
    if missing < 2:
        return line
    options = [p for p, n in PADDING if n == min(missing, 3)]
    lead = rng.choice(options)
    # The old first letter was capitalised only for the line's start, except "I" and names.
    keeps_capital = line.template.startswith(("I ", "{X}"))
    body = line.text if keeps_capital else line.text[:1].lower() + line.text[1:]
    text = lead + body
    return FilledLine(finish(text), line.syllables + min(missing, 3), line.template, line.stale)


def _rank(line: FilledLine, target: int, used_templates: dict[str, int]) -> tuple[int, int, int]:
    # A repeated sentence frame is heard more than a repeated adjective.
    return abs(line.syllables - target), used_templates.get(line.template, 0), line.stale


def best_line(
    templates: Sequence[str],
    end_word: str,
    target: int,
    pools: WordPools,
    rng: random.Random,
    used_templates: dict[str, int],
    used_lines: set[str],
    forced: Forced | None = None,
    avoid: frozenset[str] = frozenset(),
    worn: frozenset[str] = frozenset(),
) -> FilledLine | None:
    """The closest fit over `templates`, preferring templates this song has not used yet."""
    order = list(templates)
    rng.shuffle(order)
    order.sort(key=lambda t: used_templates.get(t, 0))
    best: FilledLine | None = None
    for template in order:
        line = fill(template, end_word, target, pools, rng, forced, avoid, worn)
        if line is None or line.text.lower() in used_lines:
            continue
        fresh = used_templates.get(template, 0) == 0
        if abs(line.syllables - target) == 0 and fresh and line.stale == 0:
            return line
        if best is None or _rank(line, target, used_templates) < _rank(
            best, target, used_templates
        ):
            best = line
    return best
