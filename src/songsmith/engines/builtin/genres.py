"""The genre families the composer knows, as data.

Each family is distinct in tempo range, groove, instrumentation (General MIDI programs) and
harmony (its progressions). Progressions are Roman numerals relative to the tonic (`harmony.py`
parses them); minor-key progressions are written with flats (i, bIII, iv, v, bVI, bVII).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One pitched instrument of an arrangement."""

    role: str  # "chords", "bass", "lead", "pad", "keys2" ...
    name: str  # track name in the score, e.g. "piano"
    program: int  # General MIDI program


@dataclass(frozen=True)
class GenreFamily:
    name: str
    keywords: tuple[str, ...]  # words in `tags` that select this family
    tempo: tuple[int, int]  # bpm range (quarter notes)
    groove: str  # drum pattern name (arrange.GROOVES); "" = no kit
    parts: tuple[Part, ...]
    bass_style: str
    chord_style: str
    progressions_major: dict[str, tuple[str, ...]]  # section kind -> chord per bar (looped)
    progressions_minor: dict[str, tuple[str, ...]]
    minor_bias: float = 0.35  # probability of a minor key when the mood does not say
    swing: float = 0.0  # 0 = straight; 0.33 ~ triplet swing of eighths
    energy: float = 0.6
    intro_bars: int = 4
    outro_bars: int = 4
    interlude_bars: int = 0  # instrumental bars between a chorus and the next verse
    bars_per_chord: int = 1
    percussion: tuple[int, ...] = ()  # GM percussion keys of a hand-percussion layer
    meter: tuple[int, int] = (4, 4)


def _prog(**sections: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return dict(sections)


P = Part

FAMILIES: tuple[GenreFamily, ...] = (
    GenreFamily(
        name="pop",
        keywords=(
            "pop",
            "dance pop",
            "k-pop",
            "kpop",
            "j-pop",
            "indie pop",
            "electropop",
            "catchy",
        ),
        tempo=(96, 122),
        groove="pop",
        parts=(
            P("chords", "piano", 0),
            P("keys2", "clean_guitar", 27),
            P("bass", "bass", 33),
            P("pad", "pad", 89),
            P("lead", "lead_synth", 80),
        ),
        bass_style="pop",
        chord_style="block",
        progressions_major=_prog(
            verse=("I", "V", "vi", "IV"),
            chorus=("IV", "I", "V", "vi"),
            bridge=("vi", "IV", "I", "V"),
            pre=("ii", "IV", "V", "V"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVI", "bIII", "bVII"),
            chorus=("bVI", "bVII", "i", "i"),
            bridge=("iv", "bVI", "bVII", "V"),
            pre=("iv", "bVI", "bVII", "bVII"),
        ),
        minor_bias=0.3,
        energy=0.65,
    ),
    GenreFamily(
        name="rock",
        keywords=("rock", "alt rock", "alternative", "grunge", "indie rock", "hard rock", "garage"),
        tempo=(108, 140),
        groove="rock",
        parts=(
            P("chords", "rhythm_guitar", 29),
            P("keys2", "lead_guitar", 30),
            P("bass", "bass", 34),
            P("pad", "organ", 18),
            P("lead", "lead_guitar_solo", 30),
        ),
        bass_style="root8",
        chord_style="power",
        progressions_major=_prog(
            verse=("I", "bVII", "IV", "I"),
            chorus=("IV", "I", "V", "vi"),
            bridge=("vi", "V", "IV", "IV"),
            pre=("IV", "V", "IV", "V"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVII", "bVI", "bVII"),
            chorus=("bVI", "bIII", "bVII", "i"),
            bridge=("iv", "v", "bVI", "bVII"),
            pre=("bVI", "bVII", "bVI", "bVII"),
        ),
        minor_bias=0.4,
        energy=0.8,
    ),
    GenreFamily(
        name="punk",
        keywords=("punk", "pop punk", "hardcore", "skate"),
        tempo=(160, 200),
        groove="punk",
        parts=(
            P("chords", "rhythm_guitar", 30),
            P("keys2", "second_guitar", 29),
            P("bass", "bass", 34),
            P("lead", "lead_guitar", 29),
        ),
        bass_style="root8",
        chord_style="power",
        progressions_major=_prog(
            verse=("I", "IV", "V", "IV"),
            chorus=("I", "V", "vi", "IV"),
            bridge=("IV", "V", "IV", "V"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVI", "bIII", "bVII"),
            chorus=("i", "bVII", "bVI", "bVII"),
            bridge=("bVI", "bVII", "bVI", "bVII"),
        ),
        minor_bias=0.3,
        energy=0.95,
        intro_bars=2,
        outro_bars=2,
    ),
    GenreFamily(
        name="metal",
        keywords=("metal", "heavy metal", "metalcore", "thrash", "doom", "djent"),
        tempo=(100, 160),
        groove="metal",
        parts=(
            P("chords", "rhythm_guitar", 30),
            P("keys2", "second_guitar", 30),
            P("bass", "bass", 34),
            P("pad", "strings", 48),
            P("lead", "lead_guitar", 30),
        ),
        bass_style="root16",
        chord_style="power",
        progressions_major=_prog(
            verse=("i", "bII", "i", "bVII"),
            chorus=("bVI", "bVII", "i", "i"),
            bridge=("iv", "bVI", "v", "bVII"),
        ),
        progressions_minor=_prog(
            verse=("i", "bII", "i", "bVII"),
            chorus=("bVI", "bVII", "i", "i"),
            bridge=("iv", "bVI", "v", "bVII"),
        ),
        minor_bias=0.95,
        energy=1.0,
    ),
    GenreFamily(
        name="electronic",
        keywords=(
            "edm",
            "electronic",
            "house",
            "techno",
            "trance",
            "dance",
            "club",
            "deep house",
            "electro",
            "dubstep",
            "drum and bass",
            "dnb",
            "future bass",
        ),
        tempo=(120, 130),
        groove="house",
        parts=(
            P("chords", "stab_synth", 81),
            P("keys2", "piano", 0),
            P("bass", "synth_bass", 38),
            P("pad", "pad", 90),
            P("lead", "lead_synth", 81),
        ),
        bass_style="offbeat",
        chord_style="stabs",
        progressions_major=_prog(
            verse=("vi", "IV", "I", "V"),
            chorus=("vi", "IV", "I", "V"),
            bridge=("IV", "V", "vi", "vi"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVI", "bIII", "bVII"),
            chorus=("i", "bVI", "bIII", "bVII"),
            bridge=("bVI", "bVII", "i", "i"),
        ),
        minor_bias=0.55,
        energy=0.85,
        intro_bars=8,
        outro_bars=8,
        interlude_bars=4,
    ),
    GenreFamily(
        name="hiphop",
        keywords=("hip hop", "hip-hop", "hiphop", "rap", "boom bap", "boombap", "old school"),
        tempo=(84, 98),
        groove="boombap",
        parts=(
            P("chords", "electric_piano", 4),
            P("keys2", "strings", 49),
            P("bass", "bass", 33),
            P("lead", "flute", 73),
        ),
        bass_style="sparse",
        chord_style="sustain",
        progressions_major=_prog(
            verse=("ii7", "V7", "Imaj7", "vi7"), chorus=("IVmaj7", "iii7", "ii7", "V7")
        ),
        progressions_minor=_prog(
            verse=("i7", "iv7", "i7", "bVI"), chorus=("bVI", "bVII", "i7", "i7")
        ),
        minor_bias=0.65,
        energy=0.6,
        bars_per_chord=2,
    ),
    GenreFamily(
        name="trap",
        keywords=("trap", "drill", "808", "phonk"),
        tempo=(130, 150),
        groove="trap",
        parts=(
            P("chords", "bells", 10),
            P("keys2", "pad", 91),
            P("bass", "bass_808", 38),
            P("lead", "lead_synth", 80),
        ),
        bass_style="808",
        chord_style="arpeggio",
        progressions_major=_prog(verse=("vi", "IV", "I", "V")),
        progressions_minor=_prog(
            verse=("i", "bVI", "iv", "v"), chorus=("i", "bVI", "bIII", "bVII")
        ),
        minor_bias=0.85,
        energy=0.75,
        bars_per_chord=2,
    ),
    GenreFamily(
        name="rnb",
        keywords=("r&b", "rnb", "r and b", "soul", "neo soul", "neo-soul", "motown", "gospel"),
        tempo=(66, 92),
        groove="rnb",
        parts=(
            P("chords", "electric_piano", 4),
            P("keys2", "clean_guitar", 27),
            P("bass", "bass", 33),
            P("pad", "strings", 49),
            P("lead", "sax", 65),
        ),
        bass_style="pop",
        chord_style="rhodes",
        progressions_major=_prog(
            verse=("Imaj7", "vi7", "ii7", "V7"),
            chorus=("IVmaj7", "iii7", "vi7", "ii7"),
            bridge=("ii7", "V7", "iii7", "vi7"),
        ),
        progressions_minor=_prog(
            verse=("i7", "iv7", "bVIImaj7", "bIIImaj7"), chorus=("bVImaj7", "v7", "i7", "i7")
        ),
        minor_bias=0.45,
        swing=0.15,
        energy=0.55,
    ),
    GenreFamily(
        name="jazz",
        keywords=("jazz", "swing", "bebop", "big band", "smooth jazz", "bossa", "lounge"),
        tempo=(110, 170),
        groove="jazz",
        parts=(
            P("chords", "piano", 0),
            P("keys2", "jazz_guitar", 26),
            P("bass", "upright_bass", 32),
            P("lead", "tenor_sax", 66),
            P("pad", "trumpet", 56),
        ),
        bass_style="walking",
        chord_style="comp",
        progressions_major=_prog(
            verse=("Imaj7", "vi7", "ii7", "V7"),
            chorus=("ii7", "V7", "Imaj7", "VI7"),
            bridge=("iii7", "VI7", "ii7", "V7"),
        ),
        progressions_minor=_prog(
            verse=("i7", "iv7", "iiø", "V7"),
            chorus=("iiø", "V7", "i7", "i7"),
            bridge=("bVImaj7", "iiø", "V7", "i7"),
        ),
        minor_bias=0.35,
        swing=0.33,
        energy=0.55,
    ),
    GenreFamily(
        name="blues",
        keywords=("blues", "delta blues", "blues rock", "shuffle"),
        tempo=(70, 110),
        groove="shuffle",
        parts=(
            P("chords", "electric_guitar", 27),
            P("keys2", "organ", 16),
            P("bass", "bass", 33),
            P("lead", "harmonica", 22),
        ),
        bass_style="boogie",
        chord_style="shuffle",
        # the twelve-bar form
        progressions_major=_prog(
            verse=("I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7")
        ),
        progressions_minor=_prog(
            verse=("i7", "iv7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7", "V7")
        ),
        minor_bias=0.3,
        swing=0.33,
        energy=0.6,
    ),
    GenreFamily(
        name="country",
        keywords=(
            "country",
            "folk",
            "americana",
            "bluegrass",
            "acoustic",
            "singer-songwriter",
            "western",
            "indie folk",
        ),
        tempo=(88, 128),
        groove="country",
        parts=(
            P("chords", "acoustic_guitar", 25),
            P("keys2", "banjo", 105),
            P("bass", "bass", 32),
            P("lead", "fiddle", 110),
            P("pad", "harmonica", 22),
        ),
        bass_style="rootfifth",
        chord_style="strum",
        progressions_major=_prog(
            verse=("I", "IV", "I", "V"), chorus=("IV", "I", "V", "I"), bridge=("vi", "IV", "I", "V")
        ),
        progressions_minor=_prog(
            verse=("i", "bVII", "bVI", "bVII"), chorus=("bIII", "bVII", "i", "i")
        ),
        minor_bias=0.2,
        energy=0.55,
    ),
    GenreFamily(
        name="reggae",
        keywords=("reggae", "dub", "ska", "dancehall", "roots", "rocksteady"),
        tempo=(68, 90),
        groove="onedrop",
        parts=(
            P("chords", "skank_guitar", 27),
            P("keys2", "organ", 17),
            P("bass", "bass", 33),
            P("lead", "melodica", 21),
        ),
        bass_style="reggae",
        chord_style="skank",
        progressions_major=_prog(verse=("I", "IV", "I", "V"), chorus=("IV", "V", "I", "vi")),
        progressions_minor=_prog(verse=("i", "iv", "i", "v"), chorus=("bVI", "bVII", "i", "i")),
        minor_bias=0.4,
        energy=0.5,
        bars_per_chord=2,
    ),
    GenreFamily(
        name="latin",
        keywords=(
            "latin",
            "salsa",
            "bachata",
            "reggaeton",
            "cumbia",
            "samba",
            "tango",
            "flamenco",
            "mariachi",
            "latino",
        ),
        tempo=(92, 118),
        groove="latin",
        parts=(
            P("chords", "nylon_guitar", 24),
            P("keys2", "piano", 0),
            P("bass", "bass", 33),
            P("lead", "trumpet", 56),
            P("pad", "brass", 61),
        ),
        bass_style="tumbao",
        chord_style="montuno",
        progressions_major=_prog(verse=("I", "IV", "V7", "IV"), chorus=("vi", "IV", "V7", "I")),
        progressions_minor=_prog(verse=("i", "iv", "V7", "i"), chorus=("iv", "bVII", "bIII", "V7")),
        minor_bias=0.6,
        energy=0.75,
        percussion=(62, 63, 64, 75, 70),
    ),
    GenreFamily(
        name="ballad",
        keywords=("ballad", "piano", "piano ballad", "love song", "slow", "power ballad", "torch"),
        tempo=(60, 78),
        groove="ballad",
        parts=(
            P("chords", "piano", 0),
            P("keys2", "strings", 48),
            P("bass", "bass", 33),
            P("lead", "cello", 42),
        ),
        bass_style="sustain",
        chord_style="arpeggio",
        progressions_major=_prog(
            verse=("I", "iii", "vi", "IV"),
            chorus=("IV", "V", "iii", "vi"),
            bridge=("ii", "V", "I", "IV"),
            pre=("ii", "iii", "IV", "V"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVI", "bIII", "bVII"),
            chorus=("bVI", "bVII", "bIII", "V"),
            bridge=("iv", "V", "bVI", "bVII"),
        ),
        minor_bias=0.35,
        energy=0.4,
        intro_bars=2,
        outro_bars=4,
    ),
    GenreFamily(
        name="cinematic",
        keywords=(
            "cinematic",
            "orchestral",
            "epic",
            "film score",
            "soundtrack",
            "classical",
            "symphonic",
            "trailer",
            "score",
        ),
        tempo=(70, 100),
        groove="cinematic",
        parts=(
            P("chords", "strings", 48),
            P("keys2", "french_horn", 60),
            P("bass", "contrabass", 43),
            P("lead", "violin", 40),
            P("pad", "choir", 52),
            P("brass", "brass", 61),
        ),
        bass_style="sustain",
        chord_style="pad",
        progressions_major=_prog(
            verse=("I", "vi", "IV", "V"),
            chorus=("IV", "I", "V", "vi"),
            bridge=("bVI", "bVII", "I", "I"),
        ),
        progressions_minor=_prog(
            verse=("i", "bVI", "bIII", "bVII"),
            chorus=("bVI", "bIII", "bVII", "i"),
            bridge=("iv", "bVI", "V", "V"),
        ),
        minor_bias=0.7,
        energy=0.7,
        bars_per_chord=2,
        percussion=(),
    ),
    GenreFamily(
        name="lofi",
        keywords=("lo-fi", "lofi", "lo fi", "chillhop", "chill", "study", "jazzhop"),
        tempo=(70, 88),
        groove="lofi",
        parts=(
            P("chords", "electric_piano", 4),
            P("keys2", "nylon_guitar", 24),
            P("bass", "bass", 32),
            P("lead", "vibraphone", 11),
        ),
        bass_style="sparse",
        chord_style="rhodes",
        progressions_major=_prog(
            verse=("IVmaj7", "iii7", "ii7", "Imaj7"), chorus=("ii7", "V7", "Imaj7", "vi7")
        ),
        progressions_minor=_prog(verse=("i7", "iv7", "bVIImaj7", "bIIImaj7")),
        minor_bias=0.5,
        swing=0.25,
        energy=0.4,
    ),
    GenreFamily(
        name="synthwave",
        keywords=(
            "synthwave",
            "retrowave",
            "80s",
            "outrun",
            "darkwave",
            "synthpop",
            "synth-pop",
            "new wave",
            "vaporwave",
        ),
        tempo=(84, 118),
        groove="synthwave",
        parts=(
            P("chords", "poly_synth", 90),
            P("keys2", "brass_synth", 62),
            P("bass", "saw_bass", 39),
            P("pad", "pad", 88),
            P("lead", "lead_synth", 81),
        ),
        bass_style="octave",
        chord_style="pad",
        progressions_major=_prog(verse=("vi", "IV", "I", "V"), chorus=("IV", "V", "vi", "vi")),
        progressions_minor=_prog(
            verse=("i", "bVI", "bVII", "i"), chorus=("bVI", "bVII", "bIII", "i")
        ),
        minor_bias=0.7,
        energy=0.7,
        intro_bars=8,
    ),
    GenreFamily(
        name="ambient",
        keywords=(
            "ambient",
            "drone",
            "meditation",
            "atmospheric",
            "new age",
            "ethereal",
            "dreamy",
            "relaxing",
        ),
        tempo=(56, 76),
        groove="",
        parts=(
            P("chords", "pad", 89),
            P("keys2", "harp", 46),
            P("bass", "synth_bass", 38),
            P("lead", "glass_pad", 92),
            P("fx", "atmosphere", 99),
        ),
        bass_style="sustain",
        chord_style="pad",
        progressions_major=_prog(
            verse=("Imaj7", "IVmaj7", "vi7", "IVmaj7"), chorus=("IVmaj7", "Imaj7", "V", "vi7")
        ),
        progressions_minor=_prog(verse=("i", "bVImaj7", "bIIImaj7", "bVII")),
        minor_bias=0.5,
        energy=0.25,
        intro_bars=4,
        outro_bars=8,
        bars_per_chord=2,
    ),
    GenreFamily(
        name="funk",
        keywords=("funk", "funky", "groove", "p-funk", "boogie"),
        tempo=(94, 114),
        groove="funk",
        parts=(
            P("chords", "funk_guitar", 28),
            P("keys2", "clavinet", 7),
            P("bass", "slap_bass", 36),
            P("lead", "brass", 61),
        ),
        bass_style="funk",
        chord_style="chop",
        progressions_major=_prog(verse=("I7", "I7", "IV7", "I7"), chorus=("IV7", "V7", "I7", "I7")),
        progressions_minor=_prog(
            verse=("i7", "i7", "iv7", "i7"), chorus=("bVI7", "bVII7", "i7", "i7")
        ),
        minor_bias=0.5,
        swing=0.1,
        energy=0.8,
    ),
    GenreFamily(
        name="disco",
        keywords=("disco", "nu-disco", "nu disco", "70s", "studio 54"),
        tempo=(114, 128),
        groove="disco",
        parts=(
            P("chords", "strings", 48),
            P("keys2", "funk_guitar", 28),
            P("bass", "bass", 34),
            P("pad", "electric_piano", 4),
            P("lead", "brass", 61),
        ),
        bass_style="octave",
        chord_style="stabs",
        progressions_major=_prog(
            verse=("Imaj7", "IVmaj7", "ii7", "V7"), chorus=("IVmaj7", "V", "iii7", "vi7")
        ),
        progressions_minor=_prog(
            verse=("i7", "iv7", "bVII7", "bIIImaj7"), chorus=("bVImaj7", "bVII", "i7", "i7")
        ),
        minor_bias=0.45,
        energy=0.85,
    ),
)

FAMILY_BY_NAME: dict[str, GenreFamily] = {f.name: f for f in FAMILIES}
DEFAULT_FAMILY = "pop"

# Named instruments: tag words -> (track name, GM program). Longest phrases are matched first.
NAMED_INSTRUMENTS: dict[str, tuple[str, int]] = {
    "grand piano": ("piano", 0),
    "piano": ("piano", 0),
    "electric piano": ("electric_piano", 4),
    "rhodes": ("electric_piano", 4),
    "wurlitzer": ("electric_piano", 5),
    "harpsichord": ("harpsichord", 6),
    "clavinet": ("clavinet", 7),
    "celesta": ("celesta", 8),
    "glockenspiel": ("glockenspiel", 9),
    "music box": ("music_box", 10),
    "bells": ("bells", 10),
    "vibraphone": ("vibraphone", 11),
    "marimba": ("marimba", 12),
    "xylophone": ("xylophone", 13),
    "organ": ("organ", 16),
    "hammond": ("organ", 16),
    "church organ": ("church_organ", 19),
    "accordion": ("accordion", 21),
    "harmonica": ("harmonica", 22),
    "acoustic guitar": ("acoustic_guitar", 25),
    "nylon guitar": ("nylon_guitar", 24),
    "classical guitar": ("nylon_guitar", 24),
    "ukulele": ("ukulele", 24),
    "guitar": ("guitar", 27),
    "electric guitar": ("electric_guitar", 27),
    "clean guitar": ("clean_guitar", 27),
    "overdriven guitar": ("overdriven_guitar", 29),
    "distorted guitar": ("distorted_guitar", 30),
    "distortion guitar": ("distorted_guitar", 30),
    "upright bass": ("upright_bass", 32),
    "double bass": ("upright_bass", 32),
    "bass guitar": ("bass", 33),
    "bass": ("bass", 33),
    "slap bass": ("slap_bass", 36),
    "synth bass": ("synth_bass", 38),
    "violin": ("violin", 40),
    "fiddle": ("fiddle", 110),
    "viola": ("viola", 41),
    "cello": ("cello", 42),
    "harp": ("harp", 46),
    "timpani": ("timpani", 47),
    "strings": ("strings", 48),
    "string": ("strings", 48),
    "choir": ("choir", 52),
    "trumpet": ("trumpet", 56),
    "trombone": ("trombone", 57),
    "tuba": ("tuba", 58),
    "french horn": ("french_horn", 60),
    "horns": ("brass", 61),
    "horn": ("french_horn", 60),
    "brass": ("brass", 61),
    "saxophone": ("sax", 65),
    "sax": ("sax", 65),
    "oboe": ("oboe", 68),
    "bassoon": ("bassoon", 70),
    "clarinet": ("clarinet", 71),
    "flute": ("flute", 73),
    "pan flute": ("pan_flute", 75),
    "recorder": ("recorder", 74),
    "whistle": ("whistle", 78),
    "ocarina": ("ocarina", 79),
    "synth": ("lead_synth", 81),
    "synthesizer": ("lead_synth", 81),
    "synth lead": ("lead_synth", 81),
    "synth pad": ("pad", 89),
    "pad": ("pad", 89),
    "sitar": ("sitar", 104),
    "banjo": ("banjo", 105),
    "shamisen": ("shamisen", 106),
    "koto": ("koto", 107),
    "kalimba": ("kalimba", 108),
    "bagpipe": ("bagpipe", 109),
    "steel drums": ("steel_drums", 114),
    "steel drum": ("steel_drums", 114),
    "mandolin": ("mandolin", 105),
}

# The accompanist a plan falls back on when negative tags removed every chordal part: the first
# one they did not ban.
FALLBACK_PARTS: tuple[Part, ...] = (
    P("chords", "piano", 0),
    P("pad", "pad", 89),
    P("chords", "strings", 48),
    P("chords", "nylon_guitar", 24),
    P("chords", "vibraphone", 11),
)
RISER_PROGRAM = 119  # reverse cymbal: the swell into a chorus


def reachable_programs() -> frozenset[int]:
    """Every bank-0 General MIDI program a rendered track of a composed song can have: the
    families' parts, the instruments tags can name, the fallback accompanists and the riser.

    Drums and percussion play the drum kit (bank 128, preset 0) whatever their program; the
    vocal tracks (programs 52 and 53) are sung, not rendered (`render.VOCAL_GROUPS`).
    """
    return frozenset(
        {part.program for family in FAMILIES for part in family.parts}
        | {program for _, program in NAMED_INSTRUMENTS.values()}
        | {part.program for part in FALLBACK_PARTS}
        | {RISER_PROGRAM}
    )


def group_of_program(program: int) -> str:
    """The stem group a General MIDI program renders into."""
    if program in (21, 22, 23):
        return "woodwinds"  # accordion, harmonica, bandoneon: reeds, not keys
    if program in (47,):
        return "percussion"  # timpani
    if program in (109, 111):
        return "woodwinds"  # bagpipe, shanai
    if program == 110:
        return "strings"  # fiddle
    for upper, group in _GROUP_BOUNDS:
        if program < upper:
            return group
    return "fx"


# (exclusive upper bound, group) over the General MIDI program families
_GROUP_BOUNDS: tuple[tuple[int, str], ...] = (
    (24, "keyboard"),  # pianos, chromatic percussion (bells, vibes, marimba), organs
    (32, "guitar"),
    (40, "bass"),
    (56, "strings"),  # strings, ensembles, choir, harp
    (64, "brass"),
    (80, "woodwinds"),
    (96, "synth"),
    (104, "fx"),
    (112, "guitar"),  # plucked folk strings: sitar, banjo, koto, kalimba
    (120, "percussion"),
)
