from __future__ import annotations

import io

import mido
import pretty_midi

from songsmith.engines.score import Note, Score, Section, Track
from songsmith.media.midi import score_instruments, score_to_midi


def _score() -> Score:
    return Score(
        bpm=96.0,
        key="D minor",
        time_signature=(3, 4),
        sections=[Section("verse", 0.0, 2.5, "[Verse]")],
        tracks=[
            Track(
                "piano",
                "keyboard",
                0,
                notes=[Note(62, 0.0, 0.625, 0.8), Note(62, 0.625, 1.25, 0.5)],
            ),
            Track(
                "drums",
                "drums",
                0,
                is_drum=True,
                notes=[Note(36, 0.0, 0.1, 1.0), Note(42, 0.3125, 0.4, 0.6)],
            ),
            Track("bass", "bass", 33, notes=[Note(38, 0.0, 2.5, 0.9)]),
            Track("lead_vocal", "vocals", 54, notes=[Note(69, 0.5, 1.0, 0.7, "love")]),
        ],
        duration_s=2.5,
    )


def test_midi_round_trips_through_an_independent_reader() -> None:
    data = score_to_midi(_score())
    midi = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert abs(midi.estimate_tempo() - 96.0) < 1 or abs(midi.get_tempo_changes()[1][0] - 96) < 1e-6
    by_name = {inst.name: inst for inst in midi.instruments}
    assert set(by_name) == {"piano", "drums", "bass", "lead_vocal"}
    assert by_name["drums"].is_drum and not by_name["piano"].is_drum
    assert by_name["bass"].program == 33
    piano = by_name["piano"].notes
    assert [(n.pitch, round(n.start, 3), round(n.end, 3)) for n in piano] == [
        (62, 0.0, 0.625),
        (62, 0.625, 1.25),
    ]  # repeated note: released, then struck again
    assert piano[0].velocity == round(0.8 * 127)
    assert midi.time_signature_changes[0].numerator == 3
    assert midi.key_signature_changes[0].key_number == pretty_midi.key_name_to_key_number("D minor")


def test_drums_are_on_channel_10_and_file_is_type_1() -> None:
    midi = mido.MidiFile(file=io.BytesIO(score_to_midi(_score())))
    assert midi.type == 1
    channels = {}
    for track in midi.tracks:
        for message in track:
            if message.type == "note_on":
                channels.setdefault(track.name, set()).add(message.channel)
    assert channels["drums"] == {9}
    assert 9 not in channels["piano"] | channels["bass"] | channels["lead_vocal"]


def test_instruments_list_for_the_wire() -> None:
    instruments = score_instruments(_score())
    assert instruments[0] == {
        "name": "piano",
        "notes": [
            {"pitch": 62, "start": 0.0, "end": 0.625, "velocity": 0.8},
            {"pitch": 62, "start": 0.625, "end": 1.25, "velocity": 0.5},
        ],
    }
