"""The score: what an engine composed (notes per track, tempo, key, sections, word timings).

Stored with each generated clip as JSON; MIDI export, word timings and every edit mode read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Note:
    pitch: int  # MIDI number
    start: float  # seconds from the start of the clip
    end: float
    velocity: float  # 0-1
    syllable: str | None = None  # sung syllable (vocal tracks only)


@dataclass
class Track:
    name: str  # e.g. "lead_vocal", "piano", "bass"
    group: str  # stem group: vocals, backing_vocals, drums, bass, guitar, keyboard, strings,
    # brass, woodwinds, synth, percussion, fx
    program: int  # General MIDI program (0-127); ignored for drums
    is_drum: bool = False
    notes: list[Note] = field(default_factory=list)


@dataclass
class Section:
    name: str  # "intro", "verse", "pre-chorus", "chorus", "bridge", "outro", "instrumental" ...
    start_s: float
    end_s: float
    label: str = ""  # the marker as written in the lyrics, e.g. "[Verse 2]"


@dataclass
class WordTiming:
    word: str  # as sung; the first word of a line carries "[Section]\n" when a section starts
    start_s: float
    end_s: float


@dataclass
class Score:
    bpm: float
    key: str  # e.g. "D minor", "F# major"
    time_signature: tuple[int, int]  # (beats per bar, beat unit)
    sections: list[Section] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)
    words: list[WordTiming] = field(default_factory=list)
    chords: list[tuple[float, float, str]] = field(default_factory=list)  # (start_s, end_s, "Am7")
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """asdict's result, written out: asdict deep-copies field by field, and a 3-minute
        score has some 3,000 notes (0.1 s of a worker's CPU budget per song)."""
        return {
            "bpm": self.bpm,
            "key": self.key,
            "time_signature": list(self.time_signature),
            "sections": [asdict(section) for section in self.sections],
            "tracks": [
                {
                    "name": track.name,
                    "group": track.group,
                    "program": track.program,
                    "is_drum": track.is_drum,
                    "notes": [
                        {
                            "pitch": n.pitch,
                            "start": n.start,
                            "end": n.end,
                            "velocity": n.velocity,
                            "syllable": n.syllable,
                        }
                        for n in track.notes
                    ],
                }
                for track in self.tracks
            ],
            "words": [{"word": w.word, "start_s": w.start_s, "end_s": w.end_s} for w in self.words],
            "chords": [list(chord) for chord in self.chords],
            "duration_s": self.duration_s,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        return cls(
            bpm=float(data["bpm"]),
            key=str(data["key"]),
            time_signature=(int(data["time_signature"][0]), int(data["time_signature"][1])),
            sections=[Section(**s) for s in data.get("sections", [])],
            tracks=[
                Track(
                    name=t["name"],
                    group=t["group"],
                    program=int(t["program"]),
                    is_drum=bool(t.get("is_drum", False)),
                    notes=[Note(**n) for n in t.get("notes", [])],
                )
                for t in data.get("tracks", [])
            ],
            words=[WordTiming(**w) for w in data.get("words", [])],
            chords=[(float(a), float(b), str(c)) for a, b, c in data.get("chords", [])],
            duration_s=float(data.get("duration_s", 0.0)),
        )
