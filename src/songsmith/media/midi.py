"""MIDI export of a score: a type-1 file, one track per score track, drums on channel 10.

Also the `instruments` list that `GET /suno/act/midi/{clip_id}` returns (suno-wire.md section 2).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from songsmith.engines.score import Score, Track

TICKS_PER_BEAT = 480
_DRUM_CHANNEL = 9  # channel 10 in 1-based MIDI numbering
_MAJOR_KEYS = {"C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"}
_MINOR_KEYS = {"A", "E", "B", "F#", "C#", "G#", "D#", "A#", "D", "G", "C", "F", "Bb", "Eb", "Ab"}
_ENHARMONIC = {
    "A#": "Bb",
    "D#": "Eb",
    "G#": "Ab",
    "C#": "Db",
    "F#": "Gb",
    "Db": "C#",
    "Gb": "F#",
    "Ab": "G#",
    "Eb": "D#",
    "Bb": "A#",
    "B#": "C",
    "E#": "F",
    "Fb": "E",
    "Cb": "B",
}


def _key_signature(key: str) -> str | None:
    """mido's key name ("D", "Bbm") for a score key such as "D minor"; None when unknown."""
    parts = key.replace("♯", "#").replace("♭", "b").split()
    if not parts:
        return None
    tonic = parts[0][:1].upper() + parts[0][1:]
    minor = len(parts) > 1 and parts[1].lower().startswith("min")
    allowed = _MINOR_KEYS if minor else _MAJOR_KEYS
    if tonic not in allowed:
        tonic = _ENHARMONIC.get(tonic, tonic)
    if tonic not in allowed:
        return None
    return f"{tonic}m" if minor else tonic


def _channels(tracks: list[Track]) -> list[int]:
    melodic = [c for c in range(16) if c != _DRUM_CHANNEL]
    channels = []
    index = 0
    for track in tracks:
        if track.is_drum:
            channels.append(_DRUM_CHANNEL)
        else:
            channels.append(melodic[index % len(melodic)])
            index += 1
    return channels


def score_to_midi(score: Score) -> bytes:
    """A standard MIDI file (type 1) of every track of the score, vocals included."""
    import mido

    seconds_to_ticks = score.bpm / 60.0 * TICKS_PER_BEAT
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name="songsmith", time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(score.bpm), time=0))
    numerator, denominator = score.time_signature
    conductor.append(
        mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator, time=0)
    )
    key = _key_signature(score.key)
    if key is not None:
        conductor.append(mido.MetaMessage("key_signature", key=key, time=0))
    for section in score.sections:
        tick = round(section.start_s * seconds_to_ticks)
        conductor.append(mido.MetaMessage("marker", text=section.label or section.name, time=tick))
    midi.tracks.append(_to_delta(conductor))

    for track, channel in zip(score.tracks, _channels(score.tracks), strict=True):
        events: list[tuple[int, int, mido.Message]] = []
        for note in track.notes:
            start = round(note.start * seconds_to_ticks)
            end = max(start + 1, round(note.end * seconds_to_ticks))
            velocity = int(min(127, max(1, round(note.velocity * 127))))
            pitch = int(min(127, max(0, note.pitch)))
            # Sort key 0 puts note-offs before note-ons at the same tick (repeated notes).
            events.append(
                (start, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))
            )
            events.append(
                (end, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0))
            )
        events.sort(key=lambda event: (event[0], event[1], event[2].note))
        out = mido.MidiTrack()
        out.append(mido.MetaMessage("track_name", name=track.name, time=0))
        if not track.is_drum:
            out.append(
                mido.Message(
                    "program_change", channel=channel, program=int(track.program) % 128, time=0
                )
            )
        for tick, _, message in events:
            out.append(message.copy(time=tick))
        midi.tracks.append(_to_delta(out))

    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _to_delta(track: Any) -> Any:
    """mido wants delta times; messages above carry absolute ticks (already in order)."""
    import mido

    ordered = sorted(enumerate(track), key=lambda item: (item[1].time, item[0]))
    out = mido.MidiTrack()
    previous = 0
    for _, message in ordered:
        out.append(message.copy(time=message.time - previous))
        previous = message.time
    out.append(mido.MetaMessage("end_of_track", time=0))
    return out


def score_instruments(score: Score) -> list[dict[str, Any]]:
    """The `instruments` of the act/midi response: times in seconds, velocity 0-1."""
    return [
        {
            "name": track.name,
            "notes": [
                {
                    "pitch": int(note.pitch),
                    "start": round(float(note.start), 4),
                    "end": round(float(note.end), 4),
                    "velocity": round(float(note.velocity), 4),
                }
                for note in track.notes
            ],
        }
        for track in score.tracks
    ]
