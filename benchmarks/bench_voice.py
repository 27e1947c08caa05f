"""Singer speed: CPU seconds per second of sung audio (x real time) for both voices.

    .venv/bin/python benchmarks/bench_voice.py [--seconds 180]

Sings a 3-minute song's lead vocal (verses and choruses, rests between lines) and its backing
vocal (a third above, choruses only), each with the female and the male voice, timed with
`time.process_time` after the model is loaded. The baseline in the same run is hibari's own
text-to-speech of the same lyrics (what the recipe starts from). Target: lead + backing of a
3-minute song in <= ~3 s CPU.
"""

from __future__ import annotations

import argparse
import time

from songsmith.engines.builtin.voice import sing
from songsmith.engines.score import Note
from songsmith.phonetics import syllabify_line

VERSE = [
    "Walking down the empty street tonight",
    "Neon signs are flickering in the rain",
    "Every window holds a different light",
    "Every heartbeat whispers out your name",
]
CHORUS = [
    "Oh, we were dancing in the fire",
    "Burning brighter, reaching higher",
    "Never thought the flame would die",
    "Underneath the midnight sky",
]
TUNE = (0, 2, 4, 5, 7, 9, 7, 5, 4, 2, 0, 4, 7, 9, 7, 4)


def song_notes(seconds: float, base_pitch: int) -> tuple[list[Note], list[Note]]:
    """(lead, backing) notes of a verse/chorus song lasting about `seconds`."""
    lead: list[Note] = []
    backing: list[Note] = []
    t, k, section = 2.0, 0, 0
    while t < seconds - 8.0:
        chorus = section % 2 == 1
        for line in CHORUS if chorus else VERSE:
            for word in syllabify_line(line):
                for syllable in word.syllables:
                    length = 0.5 if syllable.stressed else 0.3
                    pitch = base_pitch + TUNE[k % len(TUNE)] + (2 if chorus else 0)
                    lead.append(Note(pitch, t, t + length, 0.8, syllable.phonemes))
                    if chorus:
                        backing.append(Note(pitch + 4, t, t + length, 0.6, syllable.phonemes))
                    t += length
                    k += 1
            t += 0.8
        t += 4.0  # instrumental bars between sections
        section += 1
    return lead, backing


def measure(notes: list[Note], gender: str) -> tuple[float, float]:
    start = time.process_time()
    audio = sing(notes, gender=gender, seed=1)
    return time.process_time() - start, len(audio) / 44100


def baseline_tts_s() -> tuple[float, float]:
    """hibari's plain text-to-speech of the lyrics: CPU seconds and seconds of speech."""
    from hibari import Hibari

    tts = Hibari()
    text = ". ".join(VERSE + CHORUS) + "."
    tts("Warm up.")
    start = time.process_time()
    audio = tts(text, seed=1)
    return time.process_time() - start, len(audio) / tts.sample_rate


def syllabify_ms(chars: int = 3000) -> tuple[float, int]:
    """CPU milliseconds to syllabify a `chars`-long lyric with the G2P warm but no line cached."""
    from songsmith.phonetics import count_syllables
    from songsmith.phonetics.english import warm_up
    from songsmith.phonetics.syllables import _syllabify_cached

    warm_up()
    # Distinct lines (none cached) made of the song's words, seven words a line.
    words = " ".join(VERSE + CHORUS).replace(",", "").split()
    lyric: list[str] = []
    size, offset = 0, 0
    while size < chars:
        line = " ".join(words[(offset + k) % len(words)] for k in range(7))
        lyric.append(line)
        size += len(line) + 1
        offset += 7 if offset % 5 else 8  # drift so lines do not repeat
    _syllabify_cached.cache_clear()
    start = time.process_time()  # CPU time: robust to other processes on a shared machine
    total = sum(count_syllables(line) for line in lyric)
    return (time.process_time() - start) * 1000, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    args = parser.parse_args()
    sing([Note(60, 0.0, 0.5, 0.8, "wˈɔ")], gender="f")  # load the model (once per worker)
    ms, syllables = syllabify_ms()
    print(f"phonetics: 3000-char lyric ({syllables} syllables) in {ms:.1f} ms CPU")  # noqa: T201
    cpu, audio_s = baseline_tts_s()
    print(f"baseline hibari TTS: {audio_s:.1f} s speech in {cpu:.2f} s CPU = {audio_s / cpu:.0f}x")  # noqa: T201
    for gender, base in (("female", 62), ("male", 50)):
        lead, backing = song_notes(args.seconds, base)
        lead_cpu, song_s = measure(lead, gender)
        backing_cpu, _ = measure(backing, gender)
        sung_lead = sum(n.end - n.start for n in lead)
        print(  # noqa: T201
            f"{gender:6s}: song {song_s:.0f} s (lead sings {sung_lead:.0f} s, {len(lead)} notes; "
            f"backing {len(backing)} notes): lead {lead_cpu:.2f} s CPU "
            f"({song_s / lead_cpu:.0f}x real time), backing {backing_cpu:.2f} s, "
            f"lead + backing {lead_cpu + backing_cpu:.2f} s CPU"
        )


if __name__ == "__main__":
    main()
