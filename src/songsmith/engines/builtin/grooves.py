"""Rhythm data for the arranger: drum grooves, bass figures and chord rhythms.

Drum patterns are one 4/4 bar of sixteenths per General MIDI drum key: 'X' accent, 'x' normal,
'o' soft, 'g' ghost, '.' rest. Bass and chord figures are (position, length) in eighths of a 4/4
bar; bars of other meters keep the figure's events that fit.
"""

from __future__ import annotations

KICK, SIDE_STICK, SNARE, CLAP, E_SNARE = 36, 37, 38, 39, 40
CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 42, 44, 46
CRASH, RIDE, RIDE_BELL, TAMBOURINE, COWBELL = 49, 51, 53, 54, 56
LOW_TOM, MID_TOM, HIGH_TOM, FLOOR_TOM = 45, 47, 50, 41
ACOUSTIC_KICK, CLAVES, SHAKER = 35, 75, 70

VELOCITY = {"X": 1.0, "x": 0.8, "o": 0.55, "g": 0.3}

# fmt: off
GROOVES: dict[str, dict[int, str]] = {
    "pop": {KICK: "x.......x.x.....", SNARE: "....x.......x...", CLOSED_HAT: "x.o.x.o.x.o.x.o."},
    "rock": {KICK: "x.....x.x.......", SNARE: "....X.......X...", CLOSED_HAT: "x.x.x.x.x.x.x.x."},
    # a driving backbeat: at punk tempi the offbeat "punk beat" reads as the wrong tempo
    "punk": {KICK: "x.x.....x.x.....", SNARE: "....X.......X...", CLOSED_HAT: "x.x.x.x.x.x.x.x."},
    "metal": {KICK: "x.x.x.x.x.x.x.x.", SNARE: "....X.......X...", RIDE: "x...x...x...x..."},
    "house": {KICK: "X...X...X...X...", CLAP: "....x.......x...", CLOSED_HAT: "o.o.o.o.o.o.o.o.",
              OPEN_HAT: "..x...x...x...x."},
    "boombap": {KICK: "x......x.x......", SNARE: "....X.......X...",
                CLOSED_HAT: "x.o.x.o.x.o.x.o."},
    "trap": {KICK: "x.......x.....x.", CLAP: "........X.......", CLOSED_HAT: "xoxoxoxoxoxoxxxx"},
    "rnb": {KICK: "x..x......x.....", SNARE: "....x..g....x...", CLOSED_HAT: "x.o.x.o.x.o.x.o."},
    "jazz": {RIDE: "x...x.x.x...x.x.", PEDAL_HAT: "....x.......x...", KICK: "g...g...g...g...",
             SNARE: "......g.......g."},
    "shuffle": {KICK: "x.......x.......", SNARE: "....x.......x...",
                CLOSED_HAT: "x.x.x.x.x.x.x.x."},
    "country": {KICK: "x.......x.......", SNARE: "....x.......x...", CLOSED_HAT: "x.o.x.o.x.o.x.o.",
                TAMBOURINE: "....o.......o..."},
    "onedrop": {KICK: "........X.......", SIDE_STICK: "........x.......",
                CLOSED_HAT: "x.o.x.o.x.o.x.o."},
    "latin": {KICK: "x..x....x..x....", SIDE_STICK: "....x.......x...", CLAVES: "x..x..x...x.x...",
              SHAKER: "oooooooooooooooo"},
    "ballad": {KICK: "x.......x.......", SIDE_STICK: "....o.......o...",
               CLOSED_HAT: "o.o.o.o.o.o.o.o."},
    "cinematic": {ACOUSTIC_KICK: "X.......x.x.....", FLOOR_TOM: "....x..x....x.x.",
                  LOW_TOM: "..........o....o"},
    "lofi": {KICK: "x......x..x.....", SNARE: "....x.......x...", CLOSED_HAT: "o.o.o.o.o.o.o.o."},
    "synthwave": {KICK: "x...x...x...x...", SNARE: "....X.......X...",
                  CLOSED_HAT: "x.x.x.x.x.x.x.x."},
    "funk": {KICK: "x..x..x...x..x..", SNARE: "....X..g.g..X..g", CLOSED_HAT: "xoxoxoxoxoxoxoxo"},
    "disco": {KICK: "x...x...x...x...", SNARE: "....x.......x...", CLOSED_HAT: "x...x...x...x...",
              OPEN_HAT: "..x...x...x...x."},
}
# fmt: on
# the lighter layer a verse plays when the chorus is the full groove
VERSE_DROPS: dict[str, tuple[int, ...]] = {
    "house": (OPEN_HAT,),
    "disco": (OPEN_HAT,),
    "country": (TAMBOURINE,),
    "rock": (),
    "metal": (),
}
CHORUS_SWAPS: dict[str, dict[int, int]] = {  # instrument the chorus plays instead
    "rock": {CLOSED_HAT: RIDE},
    "ballad": {SIDE_STICK: SNARE},
    "country": {},
}
FILLS: tuple[dict[int, str], ...] = (  # the last two beats of a section's last bar
    {SNARE: "........x.x.xxxx", KICK: "x.......x......."},
    {
        HIGH_TOM: "........xx......",
        MID_TOM: "..........xx....",
        FLOOR_TOM: "............xx..",
        SNARE: "..............xX",
    },
    {SNARE: "........x..x..x.", FLOOR_TOM: "..........x..x..", KICK: "x.......x......x"},
)

# bass figures: (eighth position, length in eighths, interval) ; interval "r" root, "5" fifth,
# "8" octave, "3" chord third, "6" sixth, "b7" flat seventh, "n" next chord's root
BASS_FIGURES: dict[str, tuple[tuple[float, float, str], ...]] = {
    "pop": ((0, 3, "r"), (3, 1, "r"), (4, 2, "r"), (6, 1, "5"), (7, 1, "8")),
    "root8": tuple((float(i), 1.0, "r") for i in range(8)),
    "root16": tuple((i / 2, 0.5, "r") for i in range(16)),
    "rootfifth": ((0, 2, "r"), (2, 1, "r"), (4, 2, "5"), (6, 1, "5")),
    "offbeat": ((1, 1, "r"), (3, 1, "r"), (5, 1, "r"), (7, 1, "8")),
    "sparse": ((0, 5, "r"), (7, 1, "5")),
    "reggae": ((1, 1, "r"), (2, 2, "r"), (4, 1, "3"), (5, 1, "5"), (6, 2, "r")),
    "tumbao": ((3, 3, "r"), (6, 2, "5")),
    "boogie": (
        (0, 1, "r"),
        (1, 1, "3"),
        (2, 1, "5"),
        (3, 1, "6"),
        (4, 1, "b7"),
        (5, 1, "6"),
        (6, 1, "5"),
        (7, 1, "3"),
    ),
    "octave": (
        (0, 1, "r"),
        (1, 1, "8"),
        (2, 1, "r"),
        (3, 1, "8"),
        (4, 1, "r"),
        (5, 1, "8"),
        (6, 1, "r"),
        (7, 1, "8"),
    ),
    "funk": (
        (0, 1.5, "r"),
        (1.5, 0.5, "8"),
        (3, 1, "r"),
        (3.5, 0.5, "b7"),
        (5, 0.5, "5"),
        (5.5, 0.5, "8"),
        (7, 1, "r"),
    ),
    "808": ((0, 4, "r"), (7, 1, "r")),
    "sustain": ((0, 8, "r"),),
}
# chord rhythms: (eighth position, length in eighths)
CHORD_FIGURES: dict[str, tuple[tuple[float, float], ...]] = {
    "block": ((0, 3), (3, 3), (6, 2)),
    "power": tuple((float(i), 0.8) for i in range(8)),
    "strum": ((0, 2), (2, 1), (3, 2), (5, 1), (6, 1), (7, 1)),
    "pad": ((0, 8),),
    "sustain": ((0, 8),),
    "stabs": ((1, 0.6), (3, 0.6), (5, 0.6), (7, 0.6)),
    "skank": ((2, 0.5), (6, 0.5)),
    "comp": ((0, 1.5), (3, 1)),
    "rhodes": ((0, 5), (7, 1)),
    "chop": ((1, 0.3), (3, 0.3), (3.5, 0.3), (5, 0.3), (7, 0.3)),
    "montuno": ((0, 1), (1.5, 1), (3, 1), (4.5, 1), (6, 1)),
    "shuffle": tuple((float(i), 0.9) for i in range(8)),
    "arpeggio": tuple((float(i), 1.0) for i in range(8)),
}
