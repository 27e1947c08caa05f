"""Plan: style tags -> `SongPlan` (genre family, tempo, key, meter, voice, instruments, energy).

Explicit requests in the tags win ("95 bpm", "in D minor", "3/4", "waltz", "male vocals", named
instruments); `negative_tags` removes instruments and genres. Everything else is chosen from a
numpy Generator seeded with the clip's seed, so a plan is a pure function of (tags, seed). Unknown
words are ignored and nothing here raises on odd input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from songsmith.engines.builtin.genres import (
    DEFAULT_FAMILY,
    FALLBACK_PARTS,
    FAMILIES,
    FAMILY_BY_NAME,
    NAMED_INSTRUMENTS,
    GenreFamily,
    Part,
    group_of_program,
)

# conventional spelling of each tonic, per mode
MAJOR_KEY_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
_LETTER_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

_MINOR_MOODS = (
    "sad",
    "melanchol",
    "dark",
    "somber",
    "sombre",
    "lonely",
    "heartbreak",
    "tragic",
    "moody",
    "haunting",
    "gloomy",
    "grief",
    "sorrow",
    "tears",
    "broken",
    "angry",
    "ominous",
    "mysterious",
    "minor key",
    "nostalgic",
    "bittersweet",
)
_MAJOR_MOODS = (
    "happy",
    "upbeat",
    "bright",
    "joyful",
    "uplifting",
    "cheerful",
    "sunny",
    "summer",
    "fun",
    "party",
    "hopeful",
    "triumphant",
    "playful",
    "celebrat",
    "romantic",
    "major key",
    "feel good",
    "feel-good",
)
_HIGH_ENERGY = (
    "energetic",
    "upbeat",
    "aggressive",
    "intense",
    "hard",
    "fast",
    "powerful",
    "driving",
    "party",
    "anthem",
    "explosive",
    "loud",
)
_LOW_ENERGY = (
    "calm",
    "chill",
    "soft",
    "mellow",
    "gentle",
    "slow",
    "relaxing",
    "quiet",
    "peaceful",
    "sleepy",
    "intimate",
    "lullaby",
    "tender",
)

# generic instrument words in negative tags remove a whole program range
_GENERIC_RANGES: dict[str, tuple[range, ...]] = {
    "guitar": (range(24, 32),),
    "guitars": (range(24, 32),),
    "piano": (range(0, 8),),
    "keys": (range(0, 24),),
    "keyboard": (range(0, 24),),
    "organ": (range(16, 21),),
    "synth": (range(80, 96), range(38, 40)),
    "synths": (range(80, 96), range(38, 40)),
    "synthesizer": (range(80, 96), range(38, 40)),
    "strings": (range(40, 52),),
    "brass": (range(56, 64),),
    "horns": (range(56, 64),),
    "bass": (range(32, 40),),
    "woodwinds": (range(64, 80),),
    "sax": (range(64, 68),),
    "saxophone": (range(64, 68),),
    "pad": (range(88, 96),),
    "pads": (range(88, 96),),
}
_CHORDAL_GROUPS = ("keyboard", "guitar")
_SUSTAINED_PROGRAMS = frozenset([*range(16, 21), *range(48, 56), *range(88, 96)])


@dataclass
class SongPlan:
    family: GenreFamily
    seed: int
    bpm: float
    tonic: int  # pitch class 0-11
    mode: str  # "major" or "minor"
    time_signature: tuple[int, int]
    vocal_gender: str  # "f" or "m"
    parts: list[Part]
    drums: bool
    percussion: tuple[int, ...]
    energy: float  # 0-1
    swing: float
    mood: str = ""
    named_programs: tuple[int, ...] = ()  # programs the tags asked for (must sound)
    removed_programs: tuple[int, ...] = ()  # programs negative tags removed
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        names = MAJOR_KEY_NAMES if self.mode == "major" else MINOR_KEY_NAMES
        return f"{names[self.tonic]} {self.mode}"

    @property
    def genre(self) -> str:
        return self.family.name

    @property
    def beats_per_bar(self) -> float:
        """Bar length in quarter-note beats (6/8 -> 3.0)."""
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def seconds_per_beat(self) -> float:
        return 60.0 / self.bpm

    def time_of(self, beat: float) -> float:
        """Seconds at a position in quarter beats, with the family's swing on offbeat eighths."""
        frac = beat % 1.0
        if self.swing and abs(frac - 0.5) < 1e-6:
            beat += self.swing * 0.5
        return beat * 60.0 / self.bpm


def plan_song(
    tags: str,
    negative_tags: str = "",
    *,
    seed: int,
    vocal_gender: str | None = None,
) -> SongPlan:
    """The plan for one clip. Deterministic in (tags, negative_tags, seed, vocal_gender)."""
    text = _normalise(tags)
    negative = _normalise(negative_tags)
    rng = np.random.default_rng(_seed_entropy(seed, "plan"))

    family = _choose_family(text, negative)
    notes: list[str] = []

    mood, mode = _mood_and_mode(text, family, rng)
    tonic, explicit_mode = _explicit_key(text)
    if explicit_mode is not None:
        mode = explicit_mode
    if tonic is None:
        tonic = int(rng.integers(0, 12))

    energy = _energy(text, family)
    bpm = _explicit_bpm(text)
    if bpm is None:
        lo, hi = family.tempo
        # energy words push the tempo inside the family's range, never out of it
        centre = lo + (hi - lo) * float(np.clip(0.5 + (energy - family.energy), 0.1, 0.9))
        spread = (hi - lo) * 0.25
        bpm = float(np.clip(round(centre + rng.uniform(-spread, spread)), lo, hi))

    meter = _explicit_meter(text) or family.meter
    gender = _vocal_gender(text, negative, vocal_gender, rng)

    named, parts = _parts(text, negative, family)
    removed = tuple(sorted({p.program for p in family.parts} - {p.program for p in parts}))
    drums = bool(family.groove) and not _mentions(negative, ("drums", "drum", "drum kit", "beat"))
    if (
        not family.groove
        and _mentions(text, ("drums", "drum kit", "beat"))
        and not _mentions(negative, ("drums", "drum"))
    ):
        drums = True  # an ambient track that asks for drums gets a soft kit
    percussion = family.percussion
    if _mentions(text, ("percussion", "congas", "conga", "bongos", "shaker")):
        percussion = percussion or (62, 63, 70)
    if _mentions(negative, ("percussion", "congas", "conga", "bongos", "shaker")):
        percussion = ()

    return SongPlan(
        family=family,
        seed=seed,
        bpm=bpm,
        tonic=tonic,
        mode=mode,
        time_signature=meter,
        vocal_gender=gender,
        parts=parts,
        drums=drums,
        percussion=percussion,
        energy=energy,
        swing=family.swing,
        mood=mood,
        named_programs=named,
        removed_programs=removed,
        notes=notes,
    )


def _seed_entropy(seed: int, stage: str) -> list[int]:
    """Independent streams per stage, so a change in one stage does not reshuffle another."""
    return [abs(int(seed)) % (2**63), sum(ord(c) * 131**i for i, c in enumerate(stage)) % (2**31)]


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng(_seed_entropy(seed, stage))


def _normalise(tags: str) -> str:
    text = (tags or "").lower().replace("_", " ")
    return " " + re.sub(r"\s+", " ", text) + " "


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w])", text) for w in words)


def _choose_family(text: str, negative: str) -> GenreFamily:
    """The earliest genre named in the tags.

    A longer phrase beats the words inside it ("pop punk"); words that are only hints ("piano",
    "acoustic", "chill") count only when nothing else names a genre.
    """
    banned = {f.name for f in FAMILIES if _mentions(negative, (f.name, *f.keywords))}
    matches: list[tuple[int, int, int, GenreFamily]] = []  # (start, end, order, family)
    for order, family in enumerate(FAMILIES):
        if family.name in banned:
            continue
        for word in (family.name, *family.keywords):
            for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w])", text):
                matches.append((m.start(), m.end(), order, family))
    matches = [
        m
        for m in matches
        if not any(o[0] <= m[0] and m[1] <= o[1] and (o[1] - o[0]) > (m[1] - m[0]) for o in matches)
    ]
    for weak_pass in (False, True):
        pool = [m for m in matches if (text[m[0] : m[1]] in _WEAK_GENRE_WORDS) == weak_pass]
        if pool:
            return min(pool, key=lambda m: (m[0], m[2]))[3]
    if DEFAULT_FAMILY not in banned:
        return FAMILY_BY_NAME[DEFAULT_FAMILY]
    return next(f for f in FAMILIES if f.name not in banned)


_WEAK_GENRE_WORDS = frozenset(
    (
        "piano",
        "acoustic",
        "slow",
        "chill",
        "dance",
        "groove",
        "score",
        "80s",
        "70s",
        "808",
        "swing",
        "relaxing",
        "dreamy",
        "catchy",
        "epic",
        "boogie",
        "roots",
        "study",
        "classical",
        "love song",
        "old school",
        "western",
        "atmospheric",
        "club",
        "shuffle",
        "lounge",
    )
)


def _mood_and_mode(text: str, family: GenreFamily, rng: np.random.Generator) -> tuple[str, str]:
    minor_hits = [w for w in _MINOR_MOODS if w in text]
    major_hits = [w for w in _MAJOR_MOODS if w in text]
    roll = float(rng.random())  # drawn always, so the stream does not depend on the branch
    if len(minor_hits) > len(major_hits):
        return minor_hits[0], "minor"
    if len(major_hits) > len(minor_hits):
        return major_hits[0], "major"
    return "", "minor" if roll < family.minor_bias else "major"


_KEY_RE = re.compile(
    r"(?:\bkey of |\bin |^ | )([a-g])\s?(#|♯|b|♭|sharp|flat)?\s?(major|minor|maj|min|m)(?![a-z])"
)
_KEY_OF_RE = re.compile(r"\bkey of ([a-g])\s?(#|♯|b|♭|sharp|flat)?(?![a-z])")


def _explicit_key(text: str) -> tuple[int | None, str | None]:
    match = _KEY_RE.search(text)
    if match:
        letter, accidental, mode_word = match.groups()
        pc = _pitch_class(letter, accidental)
        return pc, "major" if mode_word in ("major", "maj") else "minor"
    match = _KEY_OF_RE.search(text)
    if match:
        return _pitch_class(*match.groups()), None
    return None, None


def _pitch_class(letter: str, accidental: str | None) -> int:
    pc = _LETTER_PC[letter]
    if accidental in ("#", "♯", "sharp"):
        pc += 1
    elif accidental in ("b", "♭", "flat"):
        pc -= 1
    return pc % 12


def _explicit_bpm(text: str) -> float | None:
    match = re.search(r"(\d{2,3}(?:\.\d+)?)\s?(?:bpm|beats per minute)", text) or re.search(
        r"tempo:?\s?(\d{2,3})", text
    )
    if not match:
        return None
    return float(np.clip(float(match.group(1)), 40.0, 240.0))


def _explicit_meter(text: str) -> tuple[int, int] | None:
    match = re.search(r"(?<!\d)(\d{1,2})\s?/\s?(4|8)(?!\d)", text)
    if match:
        num, den = int(match.group(1)), int(match.group(2))
        if 2 <= num <= 7 or (den == 8 and num in (9, 12)):
            return num, den
    if _mentions(text, ("waltz", "triple meter", "three four")):
        return 3, 4
    if _mentions(text, ("six eight", "compound time")):
        return 6, 8
    return None


def _energy(text: str, family: GenreFamily) -> float:
    energy = family.energy
    energy += 0.12 * sum(1 for w in _HIGH_ENERGY if _mentions(text, (w,)))
    energy -= 0.12 * sum(1 for w in _LOW_ENERGY if _mentions(text, (w,)))
    return float(np.clip(energy, 0.1, 1.0))


def _vocal_gender(text: str, negative: str, requested: str | None, rng: np.random.Generator) -> str:
    roll = float(rng.random())
    if requested:
        first = requested.strip().lower()[:1]
        if first in ("f", "m"):
            return first
    female = _mentions(text, ("female", "woman", "girl", "soprano", "alto", "diva", "women"))
    male = _mentions(text, ("male", "man", "boy", "baritone", "tenor", "men", "guy"))
    if _mentions(negative, ("female vocals", "female", "female voice")):
        female, male = False, True
    if _mentions(negative, ("male vocals", "male", "male voice")):
        female, male = True, False
    if female != male:
        return "f" if female else "m"
    return "f" if roll < 0.5 else "m"


def _named_instruments(text: str) -> list[tuple[str, int]]:
    """Instruments named in the tags, longest phrase first so "bass guitar" is not "guitar"."""
    found: list[tuple[int, str, int]] = []
    taken = text
    for phrase in sorted(NAMED_INSTRUMENTS, key=len, reverse=True):
        pattern = rf"(?<![\w-]){re.escape(phrase)}s?(?![\w])"
        for match in re.finditer(pattern, taken):
            name, program = NAMED_INSTRUMENTS[phrase]
            found.append((match.start(), name, program))
        taken = re.sub(pattern, lambda m: " " * len(m.group(0)), taken)
    found.sort()
    seen: set[int] = set()
    result = []
    for _, name, program in found:
        if program not in seen:
            seen.add(program)
            result.append((name, program))
    return result


def _banned_programs(negative: str) -> set[int]:
    banned: set[int] = set()
    for word, ranges in _GENERIC_RANGES.items():
        if _mentions(negative, (word,)):
            for r in ranges:
                banned.update(r)
    for _, program in _named_instruments(negative):
        banned.add(program)
    return banned


def _parts(text: str, negative: str, family: GenreFamily) -> tuple[tuple[int, ...], list[Part]]:
    banned = _banned_programs(negative)
    parts = list(family.parts)
    named = [(n, p) for n, p in _named_instruments(text) if p not in banned]
    replaced: set[str] = set()
    for name, program in named:
        if any(part.program == program for part in parts):
            continue  # the family already plays it
        group = group_of_program(program)
        if group == "bass":
            role = "bass"  # one bass line: the named one takes it
        elif program in _SUSTAINED_PROGRAMS:
            role = "pad" if "pad" not in replaced else "feature"
        elif group in _CHORDAL_GROUPS or program in range(104, 109) or program == 46:
            role = "chords2"  # a second accompanist, beside the family's own
        else:
            role = "lead" if "lead" not in replaced else "feature"
        new = Part(role, name, program)
        existing = [i for i, part in enumerate(parts) if part.role == role]
        if role in ("bass", "pad", "lead") and existing:
            parts[existing[0]] = new
        else:
            parts.append(new)
        replaced.add(role)
    parts = [p for p in parts if p.program not in banned]
    if not any(p.role in ("chords", "keys2", "pad") for p in parts):
        for fallback in FALLBACK_PARTS:
            if fallback.program not in banned:
                parts.append(fallback)
                break
    return tuple(p for _, p in named), parts
