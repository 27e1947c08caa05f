"""The built-in lyricist: verses, a repeating chorus and a bridge about the prompt, rhymed by
section scheme and fitted to per-line syllable targets. No model weights; deterministic per seed.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field

from songsmith.lyrics.lexicon import (
    GENERAL_ADJECTIVES,
    GENERAL_NOUNS,
    GENERAL_VERBS,
    MASS_NOUNS,
    PREDICATIVE_ONLY,
    THEMES,
)
from songsmith.lyrics.lines import (
    HOOK_TEMPLATES,
    PADDING,
    PHRASE_BY_END,
    PLAIN_BY_END,
    FilledLine,
    Forced,
    WordPools,
    best_line,
    pad,
)
from songsmith.lyrics.prompt import PromptReading, read_prompt
from songsmith.lyrics.tags import suggest_tags
from songsmith.lyrics.vocabulary import ADJECTIVE, NOUN, VERB, Vocabulary, vocabulary

# Fallback fields for prompts that touch no theme: universal song subjects.
_DEFAULT_THEMES = ("night", "dream", "road", "love", "morning")
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "less", "ish", "ic", "able", "ible")
MAX_TITLE_CHARS = 80
_SMALL_TITLE_WORDS = frozenset("a an the and of in on to by for with beneath".split())


@dataclass(frozen=True)
class LyricLine:
    text: str
    target: int  # syllables the melody slot for this line wants
    syllables: int  # syllables as counted while writing it
    end_word: str


@dataclass(frozen=True)
class LyricSection:
    label: str  # marker text without brackets: "Verse 1", "Chorus", "Bridge"
    lines: tuple[LyricLine, ...]
    rhyme_pairs: tuple[tuple[int, int], ...]  # line indexes whose endings rhyme


@dataclass(frozen=True)
class ComposedLyrics:
    title: str
    tags: str
    sections: tuple[LyricSection, ...]  # in sung order; the chorus appears several times
    content_words: tuple[str, ...]

    @property
    def text(self) -> str:
        blocks = [
            f"[{s.label}]\n" + "\n".join(line.text for line in s.lines) for s in self.sections
        ]
        return "\n\n".join(blocks)


@dataclass
class _SongState:
    vocab: Vocabulary
    pools: WordPools
    topic_ends: list[str]  # rhyme candidates from the prompt's themes, best first
    rng: random.Random
    general_ends: list[str]  # the general pool: rhymes any song may use
    used_ends: set[str] = field(default_factory=set)
    used_templates: dict[str, int] = field(default_factory=dict)
    used_lines: set[str] = field(default_factory=set)
    sung_words: set[str] = field(default_factory=set)  # every word written so far

    def __post_init__(self) -> None:
        self.topic_set = set(self.topic_ends)
        self.general_set = set(self.general_ends)


def song_rng(prompt: str, seed: int) -> random.Random:
    """A generator fixed by prompt and seed (zlib.crc32: stable across processes, unlike hash())."""
    return random.Random(zlib.crc32(prompt.strip().lower().encode()) * 1_000_003 + seed)


def _forced_for(word: str, original: str, vocab: Vocabulary) -> Forced:
    """How a prompt word enters a line: a noun as a phrase, an adjective or verb in its slot."""
    tags = vocab.pos.get(word, set())
    if NOUN in tags:
        return Forced("X", word if word in MASS_NOUNS else f"the {word}")
    if ADJECTIVE in tags:
        return Forced("a", word)
    if VERB in tags:
        return Forced("v", word)
    # Outside the lexicon: names (capitalised in the prompt), -ing forms and plurals stand bare
    # ("Tokyo", "dancing", "planets"); adjective-looking words take an adjective slot; any other
    # word is taken as a singular noun ("the astronaut").
    plural = word.endswith("s") and not word.endswith("ss")
    if original != word or word.endswith("ing") or plural:
        return Forced("X", original)
    if word.endswith(_ADJECTIVE_ENDINGS):
        return Forced("a", word)
    return Forced("X", f"the {word}")


def _original_spelling(prompt: str, word: str) -> str:
    """Keep a proper noun's capital ("Tokyo") as the prompt wrote it."""
    match = re.search(rf"\b{re.escape(word)}\b", prompt, flags=re.IGNORECASE)
    return match.group(0) if match and match.group(0)[:1].isupper() else word


def _pools(
    reading: PromptReading, vocab: Vocabulary, rng: random.Random
) -> tuple[WordPools, list[str]]:
    themes = list(reading.themes)
    if not themes:
        by_name = {t.name: t for t in THEMES}
        themes = [by_name[rng.choice(_DEFAULT_THEMES)]]
    topic: dict[str, list[str]] = {NOUN: [], VERB: [], ADJECTIVE: []}
    for theme in themes:
        topic[NOUN] += [w for w in theme.nouns if vocab.has(w)]
        topic[VERB] += [w for w in theme.verbs if vocab.has(w)]
        topic[ADJECTIVE] += [w for w in theme.adjectives if vocab.has(w)]
    for word in reading.content_words:
        for pos in vocab.pos.get(word, ()):
            topic[pos].append(word)
    topic[ADJECTIVE] = [w for w in topic[ADJECTIVE] if w not in PREDICATIVE_ONLY]
    general = {
        NOUN: [w for w in GENERAL_NOUNS if vocab.has(w)],
        VERB: [w for w in GENERAL_VERBS if vocab.has(w)],
        ADJECTIVE: [w for w in GENERAL_ADJECTIVES if vocab.has(w) and w not in PREDICATIVE_ONLY],
    }
    ends = [w for w in reading.content_words if vocab.has(w)]
    for pos in (NOUN, VERB, ADJECTIVE):
        ends += [w for w in topic[pos] if w not in ends]
    return WordPools(topic, general), ends


def _rhyme_pair(state: _SongState) -> tuple[str, str]:
    """Two rhyming end words, at least one from the prompt's field when the field allows."""
    rng, vocab = state.rng, state.vocab

    def partners(word: str) -> list[str]:
        return sorted(
            p
            for p in vocab.rhyme_partners(word)
            if p not in state.used_ends and (p in state.topic_set or p in state.general_set)
        )

    topic = [w for w in state.topic_ends if w not in state.used_ends and partners(w)]
    general = [w for w in state.general_ends if w not in state.used_ends and partners(w)]
    first = rng.choice(topic[:12]) if topic and rng.random() < 0.9 else rng.choice(general)
    options = partners(first)
    on_topic = [p for p in options if p in state.topic_ends]
    second = rng.choice(on_topic if on_topic and rng.random() < 0.8 else options)
    pair = [first, second]
    rng.shuffle(pair)
    # The whole rhyme family is spent: a song should not rhyme night/light twice.
    for w in pair:
        state.used_ends.add(w)
        state.used_ends |= vocab.rhyme_partners(w)
    return pair[0], pair[1]


def _end_pos(word: str, state: _SongState) -> str:
    return state.rng.choice(sorted(state.vocab.pos[word]))


def _write_line(
    state: _SongState, end_word: str, target: int, forced: Forced | None, hook: bool = False
) -> FilledLine:
    pos = _end_pos(end_word, state)
    if forced is not None and forced.slot == "X":
        templates = PHRASE_BY_END[pos]
        if hook:
            templates = tuple(t for t in templates if t in HOOK_TEMPLATES) or templates
    else:
        templates = PLAIN_BY_END[pos]
    worn = frozenset(state.sung_words)
    line = best_line(
        templates,
        end_word,
        target,
        state.pools,
        state.rng,
        state.used_templates,
        state.used_lines,
        forced,
        worn=worn,
    )
    if line is None:  # the forced word fits no template of this end: write the line without it
        line = best_line(
            PLAIN_BY_END[pos],
            end_word,
            target,
            state.pools,
            state.rng,
            state.used_templates,
            state.used_lines,
        )
    if line is None:  # every plain template ran out of fresh lines: allow a reused template
        line = best_line(PLAIN_BY_END[pos], end_word, target, state.pools, state.rng, {}, set())
    assert line is not None, f"no template fits {end_word!r}"
    line = pad(line, target, state.rng)
    state.sung_words |= {w.lower() for w in line.text.replace(",", "").split()}
    state.used_templates[line.template] = state.used_templates.get(line.template, 0) + 1
    state.used_lines.add(line.text.lower())
    return line


def _section(
    state: _SongState,
    label: str,
    scheme: str,
    targets: list[int],
    forced: list[Forced | None],
    hook_first: bool = False,
) -> LyricSection:
    """Lines under `scheme` ("AABB", "ABAB" or "AA"): equal letters rhyme."""
    ends: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    for i, letter in enumerate(scheme):
        groups.setdefault(letter, []).append(i)
    pairs: list[tuple[int, int]] = []
    for members in groups.values():
        first, second = _rhyme_pair(state)
        ends[members[0]], ends[members[1]] = first, second
        pairs.append((members[0], members[1]))
    lines = []
    for i in range(len(scheme)):
        line = _write_line(state, ends[i], targets[i], forced[i], hook=hook_first and i == 0)
        lines.append(LyricLine(line.text, targets[i], line.syllables, ends[i]))
    return LyricSection(label, tuple(lines), tuple(sorted(pairs)))


def _without_lead_in(line: str) -> str:
    for lead, _ in sorted(PADDING, key=lambda p: -len(p[0])):
        if line.lower().startswith(lead):
            return line[len(lead) :]
    return line


def _title(chorus: LyricSection) -> str:
    """The chorus's first line without its lead-in; the shortest chorus line if that is long."""
    lines = [_without_lead_in(line.text).replace(",", "").split() for line in chorus.lines]
    words = lines[0] if len(lines[0]) <= 8 else min(lines, key=len)
    titled = [
        w if (i and w.lower() in _SMALL_TITLE_WORDS) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    ]
    return " ".join(titled)[:MAX_TITLE_CHARS].strip()


def suggested_tags(prompt: str, seed: int) -> str:
    """The tags `compose_lyrics` gives, without writing the song (its own generator, so cheap)."""
    return suggest_tags(read_prompt(prompt), random.Random(zlib.crc32(prompt.encode()) ^ seed))


def compose_lyrics(prompt: str, seed: int, max_chars: int = 3000) -> ComposedLyrics:
    """Write a song about `prompt`: the same prompt and seed give the same song."""
    rng = song_rng(prompt, seed)
    reading = read_prompt(prompt)
    vocab = vocabulary()
    pools, topic_ends = _pools(reading, vocab, rng)
    tags = suggested_tags(prompt, seed)
    general_ends = sorted(
        {w for w in (*GENERAL_NOUNS, *GENERAL_VERBS, *GENERAL_ADJECTIVES) if vocab.has(w)}
    )
    state = _SongState(vocab, pools, topic_ends, rng, general_ends)
    phrases = [_forced_for(w, _original_spelling(prompt, w), vocab) for w in reading.content_words]

    def cycle(start: int, count: int, every: int = 1) -> list[Forced | None]:
        """Prompt words for the lines of a section: every `every`-th line, each word once."""
        slots = [i for i in range(count) if i % every == 0][: len(phrases)]
        return [
            phrases[(start + slots.index(i)) % len(phrases)] if i in slots else None
            for i in range(count)
        ]

    verse_target = rng.randint(7, 9)
    chorus_target = rng.randint(6, 8)
    bridge_target = rng.randint(5, 8)
    short = rng.choice((0, 1))  # second and fourth lines a syllable shorter, half the songs
    verse_targets = [verse_target, verse_target - short] * 2
    scheme = rng.choice(("AABB", "ABAB"))

    chorus_forced = cycle(0, 4, every=2)
    chorus = _section(state, "Chorus", "AABB", [chorus_target] * 4, chorus_forced, hook_first=True)
    verse1 = _section(state, "Verse 1", scheme, verse_targets, cycle(1, 4))
    pre = None
    if rng.random() < 0.5:
        pre = _section(state, "Pre-Chorus", "AA", [chorus_target - 1] * 2, cycle(2, 2, every=2))
    verse2 = _section(state, "Verse 2", scheme, verse_targets, cycle(3, 4, every=2))
    bridge = _section(
        state, "Bridge", rng.choice(("AABB", "ABAB")), [bridge_target] * 4, cycle(5, 4, every=2)
    )
    title = _title(chorus)

    # Longest form first; shorter forms while the text is over the limit (chorus always twice).
    forms: list[list[LyricSection]] = [
        [
            verse1,
            *([pre] if pre else []),
            chorus,
            verse2,
            *([pre] if pre else []),
            chorus,
            bridge,
            chorus,
        ],
        [verse1, chorus, verse2, chorus, bridge, chorus],
        [verse1, chorus, bridge, chorus],
        [chorus, bridge, chorus],
    ]
    for sections in forms:
        song = ComposedLyrics(title, tags, tuple(sections), reading.content_words)
        if len(song.text) <= max_chars:
            return song
    return ComposedLyrics(title, tags, (chorus,), reading.content_words)
