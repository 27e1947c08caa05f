"""The fixed, seeded request set the evaluation renders (quality.md).

Every genre family with both voices, lyrics with and without section markers, instrumentals,
named and negative instruments, very short and very long lyrics, and lyrics in other languages.
The set is data: changing it changes every figure of the evaluation, so it changes rarely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_S = 70.0  # room for verse, chorus, verse, chorus after the intro at most tempos

LYRICS_MARKED = """[Verse 1]
I walked along the river in the morning light
The city still asleep beneath a silver sky

[Chorus]
Hold on, hold on, we're running out of time
We'll dance until the morning sets the sky on fire

[Verse 2]
Every little word you said is written on my mind
Every little promise like a letter left behind

[Chorus]
Hold on, hold on, we're running out of time
We'll dance until the morning sets the sky on fire
"""

LYRICS_BRIDGE = """[Intro]

[Verse]
Neon on the water and the engines hum
Counting every heartbeat till the morning comes

[Pre-Chorus]
Turn it up and let it go

[Chorus]
We are the fire in the cold night air
We are the echo of a silent prayer

[Bridge]
Nobody told us it would feel this way

[Chorus]
We are the fire in the cold night air
We are the echo of a silent prayer

[Outro]
"""

LYRICS_UNMARKED = """Paper boats on a rainy street
Sailing off where the rivers meet

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free

Windows fogged with a secret name
Every puddle a picture frame

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free
"""

LYRICS_SPANISH = """[Verso]
Camino por la calle bajo la luna llena
Cantando una canción que nunca se termina

[Coro]
Baila conmigo hasta que salga el sol
Baila conmigo, mi corazón
"""

LYRICS_FRENCH = """[Couplet]
Je marche dans la rue sous la pluie du soir
Les lumières de la ville dansent dans le noir

[Refrain]
Chante avec moi jusqu'au matin
Chante avec moi, tiens ma main
"""

LYRICS_SHORT = "[Verse]\nLa la"

_LONG_LINES = (
    "I walked along the river in the morning light",
    "The city still asleep beneath a silver sky",
    "Every little word you said is written on my mind",
    "Every little promise like a letter left behind",
    "Hold on, hold on, we're running out of time",
    "We'll dance until the morning sets the sky on fire",
)
LYRICS_LONG = "\n\n".join(
    f"[Verse {k + 1}]\n{_LONG_LINES[k % 6]}\n{_LONG_LINES[(k + 1) % 6]}" for k in range(40)
)

# family name (genres.FAMILIES) -> tags that should select it, as a user would write them
FAMILY_TAGS: tuple[tuple[str, str], ...] = (
    ("pop", "upbeat pop"),
    ("rock", "rock"),
    ("punk", "punk rock"),
    ("metal", "heavy metal"),
    ("electronic", "deep house"),
    ("hiphop", "boom bap hip hop"),
    ("trap", "trap"),
    ("rnb", "neo soul r&b"),
    ("jazz", "swing jazz"),
    ("blues", "delta blues"),
    ("country", "country"),
    ("reggae", "roots reggae"),
    ("latin", "salsa latin"),
    ("ballad", "piano ballad"),
    ("cinematic", "epic orchestral"),
    ("lofi", "lo-fi chill"),
    ("synthwave", "synthwave"),
    ("ambient", "ambient"),
    ("funk", "funk"),
    ("disco", "disco"),
)


@dataclass(frozen=True)
class EvalRequest:
    label: str  # unique, short: the table's row name
    tags: str
    lyrics: str
    seed: int
    vocal_gender: str | None = None  # "f", "m" or None
    negative_tags: str = ""
    instrumental: bool = False
    max_duration_s: float = DEFAULT_MAX_S
    family: str | None = None  # the genre family the tags should select
    # instrument word -> acceptable GM programs, for "style follows tags"
    named: dict[str, tuple[int, ...]] = field(default_factory=dict)
    banned: dict[str, tuple[int, ...]] = field(default_factory=dict)
    drums_banned: bool = False

    @property
    def sung(self) -> bool:
        return not self.instrumental and bool(self.lyrics.strip())


def evaluation_requests() -> list[EvalRequest]:
    """The fixed set (49 requests); the order is the table's and `limit` takes a prefix."""
    out: list[EvalRequest] = []
    # Both voices for every family; the lyric sheet rotates so each kind meets several styles.
    for i, (family, tags) in enumerate(FAMILY_TAGS):
        lyrics_f = LYRICS_BRIDGE if i % 3 == 2 else LYRICS_MARKED
        lyrics_m = LYRICS_UNMARKED if i % 4 == 0 else LYRICS_MARKED
        kind_m = "nomark" if i % 4 == 0 else "marked"
        kind_f = "bridge" if i % 3 == 2 else "marked"
        out.append(
            EvalRequest(f"{family}/f/{kind_f}", tags, lyrics_f, 1000 + i, "f", family=family)
        )
        out.append(
            EvalRequest(f"{family}/m/{kind_m}", tags, lyrics_m, 2000 + i, "m", family=family)
        )
    out += [
        EvalRequest(
            "instrumental/cinematic",
            "cinematic, orchestral",
            "",
            3001,
            instrumental=True,
            family="cinematic",
        ),
        EvalRequest("instrumental/empty", "synthwave, 110 bpm", "", 3002, family="synthwave"),
        EvalRequest(
            "tags/sax-cello-nodrums",
            "pop, saxophone, cello",
            LYRICS_MARKED,
            3003,
            "f",
            negative_tags="drums",
            family="pop",
            named={"saxophone": (64, 65, 66, 67), "cello": (42,)},
            drums_banned=True,
        ),
        EvalRequest(
            "tags/violin-nopiano",
            "country, violin, female vocals",
            LYRICS_MARKED,
            3004,
            negative_tags="piano, electric guitar",
            family="country",
            named={"violin": (40, 110)},
            banned={"piano": tuple(range(8)), "electric guitar": (26, 27, 28, 29, 30, 31)},
        ),
        EvalRequest("short/la-la", "folk", LYRICS_SHORT, 3005, "m", family="country"),
        EvalRequest(
            "long/40-verses", "rock", LYRICS_LONG, 3006, "f", max_duration_s=120.0, family="rock"
        ),
        EvalRequest("spanish/latin", "latin pop", LYRICS_SPANISH, 3007, "f", family="latin"),
        EvalRequest("french/ballad", "piano ballad", LYRICS_FRENCH, 3008, "m", family="ballad"),
        EvalRequest("nomark/pop/f", "pop", LYRICS_UNMARKED, 3009, "f", family="pop"),
    ]
    return out


def variety_pairs() -> list[EvalRequest]:
    """Requests whose two clips (seed and seed + 1, as one submit) are compared for variety."""
    return [r for r in evaluation_requests() if r.sung][::4]
