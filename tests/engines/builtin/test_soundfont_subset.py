"""The pruned soundfont the engine loads: it plays what the whole one plays, is well formed, holds
only what was asked for, falls back to the input on anything odd, and covers every program the
composer can ask for (anything else renders from the whole font)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.compose import compose
from songsmith.engines.builtin.genres import (
    FALLBACK_PARTS,
    FAMILIES,
    NAMED_INSTRUMENTS,
    RISER_PROGRAM,
    reachable_programs,
)
from songsmith.engines.builtin.plan import plan_song
from songsmith.engines.builtin.render import (
    VOCAL_GROUPS,
    LoadedSoundfont,
    load_soundfont,
    open_soundfont,
    render_stems,
    soundfont_path,
)
from songsmith.engines.builtin.soundfont_subset import subset_soundfont
from songsmith.engines.score import Note, Score, Track

from .conftest import make_job

RATE = 44100
DRUM_KIT = (128, 0)
# several programs of every General MIDI family the composer uses, the riser among them
SAMPLED_PROGRAMS = (0, 4, 7, 8, 11, 13, 16, 19, 22, 24, 27, 30, 32, 33, 36, 38, 40, 42, 46, 47)
SAMPLED_PROGRAMS += (48, 49, 52, 56, 60, 61, 65, 68, 71, 73, 75, 79, 80, 81, 88, 89, 91, 92, 99)
SAMPLED_PROGRAMS += (104, 105, 110, 114, 119)
# tinysoundfont keeps a voice's position in its one decoded-sample buffer as a double, so how a
# sample's playback rounds depends on where in that buffer the sample sits, and a pruned font
# moves most samples down (the whole font's rounding is the coarser one). The drift stays below
# -80 dBFS...
ROUNDING = 1e-4
# ... but a one-shot sample that plays to its end interpolates into the first frames of the next
# sample in the buffer (a different one once its neighbour is pruned) over its last few frames.
END_FRAMES_PER_NOTE = 8

PHDR = struct.Struct("<20sHHHIII")
INST = struct.Struct("<20sH")
PAIR = struct.Struct("<HH")
MOD = struct.Struct("<HHhHH")
SHDR = struct.Struct("<20sIIIIIBbHH")
FORMATS = {
    "phdr": PHDR,
    "pbag": PAIR,
    "pmod": MOD,
    "pgen": PAIR,
    "inst": INST,
    "ibag": PAIR,
    "imod": MOD,
    "igen": PAIR,
    "shdr": SHDR,
}


# ---- an independent reader: what a soundfont holds, resolved down to sample bytes ----


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos < end:
        chunk_id, size = struct.unpack_from("<4sI", data, pos)
        assert pos + 8 + size <= end
        yield chunk_id, pos + 8, size
        pos += 8 + size + (size & 1)


def _read(data: bytes) -> dict[str, Any]:
    """{"smpl": bytes, "phdr": [records], ...}, checking the RIFF layout on the way."""
    assert data[:4] == b"RIFF" and data[8:12] == b"sfbk"
    assert struct.unpack_from("<I", data, 4)[0] + 8 == len(data)
    font: dict[str, Any] = {}
    for chunk_id, offset, size in _chunks(data, 12, len(data)):
        assert chunk_id == b"LIST"
        kind = data[offset : offset + 4].decode()
        for sub_id, sub_offset, sub_size in _chunks(data, offset + 4, offset + size):
            assert sub_size % 2 == 0  # tinysoundfont does not skip RIFF pad bytes
            body = data[sub_offset : sub_offset + sub_size]
            name = sub_id.decode()
            font[name] = (
                [tuple(r) for r in FORMATS[name].iter_unpack(body)] if kind == "pdta" else body
            )
    return font


def _runs_ok(starts: list[int], count: int) -> bool:
    return starts == sorted(starts) and starts[-1] == count - 1


def _sample(font: dict[str, Any], index: int) -> tuple[Any, ...]:
    name, start, end, loop_start, loop_end, rate, key, correction, link, kind = font["shdr"][index]
    if kind & 0x10:  # Ogg stream: byte offsets; loops count frames of the decoded sample
        data = font["smpl"][start:end]
    else:  # frames
        data = font["smpl"][2 * start : 2 * end]
        loop_start, loop_end = loop_start - start, loop_end - start
    partner = font["shdr"][link][0] if kind & 0x0E else None
    return (name, data, loop_start, loop_end, rate, key, correction, partner, kind)


def _zones(font: dict[str, Any], level: str, index: int) -> list[tuple[Any, ...]]:
    """Every zone of preset or instrument `index`: its generators (an instrument's or sample's
    index replaced by what it resolves to) and modulators."""
    heads, bags, gens, mods = {
        "p": ("phdr", "pbag", "pgen", "pmod"),
        "i": ("inst", "ibag", "igen", "imod"),
    }[level]
    bag_at = 3 if level == "p" else 1
    first, last = font[heads][index][bag_at], font[heads][index + 1][bag_at]
    zones = []
    for zone in range(first, last):
        (g0, m0), (g1, m1) = font[bags][zone], font[bags][zone + 1]
        resolved: list[Any] = []
        for oper, amount in font[gens][g0:g1]:
            if level == "p" and oper == 41:
                resolved.append(("instrument", font["inst"][amount][0], _zones(font, "i", amount)))
            elif level == "i" and oper == 53:
                resolved.append(("sample", _sample(font, amount)))
            else:
                resolved.append((oper, amount))
        zones.append((tuple(resolved), tuple(font[mods][m0:m1])))
    return zones


def _presets(font: dict[str, Any]) -> dict[tuple[int, int], Any]:
    """(bank, preset) -> (name, zones resolved down to sample data)."""
    return {
        (bank, preset): (name, _zones(font, "p", i))
        for i, (name, preset, bank, *_rest) in enumerate(font["phdr"][:-1])
    }


# ---- a tiny plain (SF2) font ----


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body


def _tiny_sf2(*, sm24: bool = False, extra: bytes = b"") -> bytes:
    """Three presets over three instruments over four 16-bit samples (one a stereo pair), each
    sample followed by 46 zero frames; instrument zones with a global zone and a modulator."""
    rng = np.random.default_rng(7)
    waves = [
        (np.sin(np.arange(1500) * 2 * np.pi * f / 22050) * 12000 + rng.normal(0, 300, 1500))
        for f in (220.0, 330.0, 440.0, 550.0)
    ]
    smpl, shdr = b"", b""
    for i, wave in enumerate(waves):
        start = len(smpl) // 2
        smpl += wave.astype("<i2").tobytes() + bytes(2 * 46)
        link, kind = {2: (3, 4), 3: (2, 2)}.get(i, (0, 1))  # 2 left, 3 right
        name = f"wave{i}".encode()
        shdr += SHDR.pack(
            name, start, start + 1500, start + 300, start + 1400, 22050, 60, 0, link, kind
        )
    shdr += SHDR.pack(b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0)
    instruments = [[0], [1], [2, 3]]
    inst, ibag, igen, imod = b"", b"", b"", b""
    n_bags = n_gens = n_mods = 0
    for i, samples in enumerate(instruments):
        inst += INST.pack(f"inst{i}".encode(), n_bags)
        ibag += PAIR.pack(n_gens, n_mods)  # a global zone: attenuation
        igen += PAIR.pack(48, 30 + 10 * i)
        n_bags, n_gens = n_bags + 1, n_gens + 1
        for j, sample in enumerate(samples):
            ibag += PAIR.pack(n_gens, n_mods)
            gens = [(43, 0 | (127 << 8)), (17, (-500 + 1000 * j) & 0xFFFF), (54, 1), (53, sample)]
            igen += b"".join(PAIR.pack(*g) for g in gens)
            imod += MOD.pack(0x0502, 48, 960, 0, 0)
            n_bags, n_gens, n_mods = n_bags + 1, n_gens + len(gens), n_mods + 1
    inst += INST.pack(b"EOI", n_bags)
    ibag += PAIR.pack(n_gens, n_mods)
    igen += PAIR.pack(0, 0)
    imod += bytes(10)
    phdr, pbag, pgen = b"", b"", b""
    for i, (bank, preset, instrument) in enumerate([(0, 0, 0), (0, 5, 1), (8, 5, 2)]):
        phdr += PHDR.pack(f"preset{i}".encode(), preset, bank, i, 0, 0, 0)
        pbag += PAIR.pack(i, 0)
        pgen += PAIR.pack(41, instrument)
    phdr += PHDR.pack(b"EOP", 0, 0, 3, 0, 0, 0)
    pbag += PAIR.pack(3, 0)
    pgen += PAIR.pack(0, 0)
    info = _chunk(b"ifil", struct.pack("<HH", 2, 1)) + _chunk(b"INAM", b"tiny\0\0")
    hydra = [phdr, pbag, bytes(10), pgen, inst, ibag, imod, igen, shdr]
    names = [b"phdr", b"pbag", b"pmod", b"pgen", b"inst", b"ibag", b"imod", b"igen", b"shdr"]
    sdta = _chunk(b"smpl", smpl) + (_chunk(b"sm24", bytes(len(smpl) // 2)) if sm24 else b"")
    body = (
        b"sfbk"
        + _chunk(b"LIST", b"INFO" + info)
        + _chunk(b"LIST", b"sdta" + sdta)
        + _chunk(
            b"LIST", b"pdta" + b"".join(_chunk(n, h) for n, h in zip(names, hydra, strict=True))
        )
        + extra
    )
    return _chunk(b"RIFF", body)


def _play(data: bytes, bank: int, preset: int) -> np.ndarray:
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=RATE)
    sfid = synth.sfload(data)
    synth.program_select(0, sfid, bank, preset)
    out = []
    for key, frames in ((48, 3000), (60, 9000), (67, 2000), (72, 20000)):
        synth.noteon(0, key, 100)
        out.append(np.frombuffer(synth.generate_simple(frames), dtype=np.float32).copy())
        synth.noteoff(0, key)
    out.append(np.frombuffer(synth.generate_simple(RATE), dtype=np.float32).copy())
    return np.concatenate(out)


# ---- fixtures ----


@pytest.fixture(scope="module")
def whole_bytes() -> bytes:
    return soundfont_path().read_bytes()


@pytest.fixture(scope="module")
def keep() -> set[tuple[int, int]]:
    return {(0, p) for p in reachable_programs()} | {DRUM_KIT}


@pytest.fixture(scope="module")
def pruned_bytes(whole_bytes: bytes, keep: set[tuple[int, int]]) -> bytes:
    return subset_soundfont(whole_bytes, keep)


@pytest.fixture(scope="module")
def whole() -> LoadedSoundfont:
    """The synth with the whole font, as the engine loaded it before pruning."""
    return open_soundfont(RATE, None)


def _phrase(drums: bool) -> list[Note]:
    """Short and long notes, overlapping, soft and loud; a held chord for the loops; drums: the
    whole kit."""
    if drums:
        return [
            Note(key, 0.05 * i, 0.05 * i + 0.04, 0.5 + 0.01 * i)
            for i, key in enumerate(range(35, 82))
        ]
    notes = [
        Note(key, 0.1 * i, 0.1 * i + (0.08 if i % 2 else 0.5), 0.4 if i % 2 else 0.9)
        for i, key in enumerate((36, 43, 48, 55, 60, 64, 67, 72, 79, 84))
    ]
    return notes + [Note(key, 1.1, 2.0, 0.7) for key in (60, 64, 67)]


# ---- (a) the pruned font plays what the whole one plays ----


def test_kept_presets_hold_the_same_zones_generators_modulators_and_sample_data(
    whole_bytes: bytes, pruned_bytes: bytes, keep: set[tuple[int, int]]
) -> None:
    whole, pruned = _presets(_read(whole_bytes)), _presets(_read(pruned_bytes))
    assert set(pruned) == keep
    for bank_preset in keep:
        assert pruned[bank_preset] == whole[bank_preset], bank_preset


def test_kept_programs_render_as_from_the_whole_font(whole: LoadedSoundfont) -> None:
    assert set(SAMPLED_PROGRAMS) <= reachable_programs()
    tracks = [Track(f"p{p}", f"p{p}", p, notes=_phrase(drums=False)) for p in SAMPLED_PROGRAMS]
    tracks.append(Track("drums", "drums", 0, is_drum=True, notes=_phrase(drums=True)))
    score = Score(bpm=120.0, key="C major", time_signature=(4, 4), tracks=tracks, duration_s=3.0)
    pruned = load_soundfont(RATE)
    assert pruned.programs == reachable_programs()
    got = render_stems(score, RATE, soundfont=pruned)
    expected = render_stems(score, RATE, soundfont=whole)
    assert set(got) == set(expected) == {t.group for t in tracks}
    for track in tracks:
        a, b = got[track.group], expected[track.group]
        assert np.abs(b).max() > 0.01, track.group  # it plays
        off = np.abs(a - b).max(axis=1) > ROUNDING
        assert np.count_nonzero(off) <= END_FRAMES_PER_NOTE * len(track.notes), track.group


def test_a_plain_sf2_subset_renders_as_the_whole_font() -> None:
    tiny = _tiny_sf2()
    pruned = subset_soundfont(tiny, {(8, 5), (0, 5)})
    font = _read(pruned)
    assert [s[0].rstrip(b"\0") for s in font["shdr"]] == [b"wave1", b"wave2", b"wave3", b"EOS"]
    assert font["shdr"][1][8] == 2 and font["shdr"][2][8] == 1  # the stereo pair, relinked
    whole_presets = _presets(_read(tiny))
    assert _presets(font) == {k: whole_presets[k] for k in ((8, 5), (0, 5))}
    for bank, preset in ((8, 5), (0, 5)):
        got, expected = _play(pruned, bank, preset), _play(tiny, bank, preset)
        assert np.abs(expected).max() > 0.01
        assert np.abs(got - expected).max() < 1e-6  # rounding only: no sample ends here


# ---- (b) well formed; (c) only what was asked ----


def test_the_pruned_font_is_well_formed(
    whole_bytes: bytes, pruned_bytes: bytes, keep: set[tuple[int, int]]
) -> None:
    font, whole = _read(pruned_bytes), _read(whole_bytes)
    info = {"ifil", "INAM", "isng", "IPRD", "IENG", "ISFT", "ICRD", "ICMT", "ICOP"}
    assert set(font) == info | {"smpl"} | set(FORMATS)
    for name in ("ifil", "INAM", "ICOP", "ICMT"):
        assert font[name] == whole[name]  # INFO as it was
    phdr, inst, shdr = font["phdr"], font["inst"], font["shdr"]
    assert len(phdr) == len(keep) + 1
    # terminal records as the font had them (FluidR3's are unnamed), but for their indices
    assert phdr[-1][:3] + phdr[-1][4:] == whole["phdr"][-1][:3] + whole["phdr"][-1][4:]
    assert inst[-1][0] == whole["inst"][-1][0] and shdr[-1] == whole["shdr"][-1]
    for heads, bags, gens, mods, at in (
        ("phdr", "pbag", "pgen", "pmod", 3),
        ("inst", "ibag", "igen", "imod", 1),
    ):
        assert _runs_ok([h[at] for h in font[heads]], len(font[bags]))
        assert _runs_ok([b[0] for b in font[bags]], len(font[gens]))
        assert _runs_ok([b[1] for b in font[bags]], len(font[mods]))
        assert font[gens][-1] == whole[gens][-1] and font[mods][-1] == whole[mods][-1]
    # every instrument and sample kept is used (samples: or the partner of one), and no index
    # points past its array
    used_inst = {amount for oper, amount in font["pgen"][:-1] if oper == 41}
    assert used_inst == set(range(len(inst) - 1))
    used = {amount for oper, amount in font["igen"][:-1] if oper == 53}
    partners = {shdr[i][8] for i in used if shdr[i][9] & 0x0E}
    assert used | partners == set(range(len(shdr) - 1))
    # sample data: each kept stream once, in order, nothing else
    ends = [0] + [s[2] for s in shdr[:-1]]
    assert [s[1] for s in shdr[:-1]] == ends[:-1]
    assert len(font["smpl"]) in (ends[-1], ends[-1] + 1)
    assert len(shdr) < len(whole["shdr"]) and len(font["smpl"]) < 0.75 * len(whole["smpl"])


def test_presets_not_asked_for_are_absent(pruned_bytes: bytes) -> None:
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=RATE)
    sfid = synth.sfload(subset_soundfont(pruned_bytes, {(0, 0), DRUM_KIT}))
    assert synth.sfpreset_name(sfid, 0, 0) is not None
    assert synth.sfpreset_name(sfid, *DRUM_KIT) is not None
    for bank, preset in ((0, 1), (0, 33), (8, 4), (128, 8)):
        assert synth.sfpreset_name(sfid, bank, preset) is None
    assert set(_presets(_read(pruned_bytes))) == {(0, p) for p in reachable_programs()} | {DRUM_KIT}


def test_keeping_every_preset_gives_the_file_back_byte_for_byte(whole_bytes: bytes) -> None:
    everything = set(_presets(_read(whole_bytes)))
    assert subset_soundfont(whole_bytes, everything) == whole_bytes
    tiny = _tiny_sf2()
    assert subset_soundfont(tiny, {(0, 0), (0, 5), (8, 5)}) == tiny


# ---- (d) anything odd: the input, unchanged ----


def _patched(data: bytes, chunk: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, data.index(chunk) + 8 + offset, value)
    return bytes(out)


def _odd_fonts() -> Iterator[tuple[str, bytes]]:
    tiny = _tiny_sf2()
    yield "empty", b""
    yield "not RIFF", b"RIFX" + tiny[4:]
    yield "not a soundfont", tiny[:8] + b"WAVE" + tiny[12:]
    yield "truncated", tiny[:-60]
    yield "sm24", _tiny_sf2(sm24=True)
    yield "an unknown chunk", _tiny_sf2(extra=_chunk(b"LIST", b"junk"))
    yield "instrument out of range", _patched(tiny, b"pgen", 4 + 2, "<H", 99)
    yield "sample out of range", _patched(tiny, b"igen", 9 * 4 + 2, "<H", 99)
    yield "bags out of order", _patched(tiny, b"phdr", 24, "<H", 2)
    yield "terminal bag wrong", _patched(tiny, b"pbag", 3 * 4, "<H", 1)
    yield "ROM sample", _patched(tiny, b"shdr", 46 + 44, "<H", 0x8001)
    yield "compressed and plain mixed", _patched(tiny, b"shdr", 44, "<H", 0x0011)
    yield "stereo link out of range", _patched(tiny, b"shdr", 2 * 46 + 42, "<H", 99)
    yield "loop outside its sample", _patched(tiny, b"shdr", 46 + 28, "<I", 0)


@pytest.mark.parametrize("data", [pytest.param(data, id=why) for why, data in _odd_fonts()])
def test_anything_unsupported_gives_the_input_back(data: bytes) -> None:
    assert subset_soundfont(data, {(0, 5), (8, 5)}) is data


def test_a_preset_the_font_lacks_gives_the_input_back(whole_bytes: bytes) -> None:
    tiny = _tiny_sf2()
    assert subset_soundfont(tiny, {(0, 5), (0, 6)}) is tiny
    assert subset_soundfont(whole_bytes, {(0, 0), (5, 77)}) is whole_bytes


# ---- (e) the composer asks for nothing else ----


def _rendered_programs(score: Score) -> set[int]:
    return {
        t.program for t in score.tracks if t.notes and not t.is_drum and t.group not in VOCAL_GROUPS
    }


def test_every_family_and_named_instrument_uses_only_reachable_programs() -> None:
    used: set[int] = set()
    for family in FAMILIES:
        for seed in range(2):
            job = make_job(
                tags=family.keywords[0],
                mode=Mode.INSTRUMENTAL,
                lyrics="",
                seed=seed,
                max_duration_s=30.0,
            )
            used |= _rendered_programs(compose(job).score)
    for phrase in NAMED_INSTRUMENTS:  # each named instrument joins the band
        job = make_job(
            tags=f"metal, {phrase}", mode=Mode.INSTRUMENTAL, lyrics="", max_duration_s=30.0
        )
        used |= _rendered_programs(compose(job).score)
    # negative tags that remove every accompanist of a family, so that each fallback plays
    removed = (
        ("rock", "guitar, organ"),
        ("rock", "guitar, organ, piano"),
        ("rock", "guitar, organ, piano, pad"),
        ("hip hop", "piano, pad, strings"),
        ("hip hop", "piano, pad, strings, guitar"),
    )
    for fallback, (tags, negative) in zip(FALLBACK_PARTS, removed, strict=True):
        parts = plan_song(tags, negative, seed=1).parts
        assert fallback in parts
        used |= {part.program for part in parts}
    assert used <= reachable_programs()
    assert {program for _, program in NAMED_INSTRUMENTS.values()} <= used
    assert RISER_PROGRAM in used


# ---- (f) anything else renders from the whole font ----


def test_a_program_outside_the_pruned_font_renders_from_a_font_of_its_own(
    whole: LoadedSoundfont,
) -> None:
    small = open_soundfont(RATE, frozenset({0}))  # a pruned font of just the piano
    assert small.programs == frozenset({0}) and not small.extra_sfids
    notes = _phrase(drums=False)
    score = Score(
        bpm=120.0,
        key="C major",
        time_signature=(4, 4),
        tracks=[
            Track("piano", "keyboard", 0, notes=notes),
            Track("bass", "bass", 33, notes=notes),
            Track("sax", "woodwinds", 65, notes=notes),
            Track("piano2", "woodwinds", 0, notes=notes),
        ],
        duration_s=3.0,
    )
    got = render_stems(score, RATE, soundfont=small)
    assert set(small.extra_sfids) == {33, 65}  # loaded on first need, one small font each
    expected = render_stems(score, RATE, soundfont=whole)
    for group in ("keyboard", "bass", "woodwinds"):
        assert np.abs(got[group]).max() > 0.01
        assert np.count_nonzero(np.abs(got[group] - expected[group]) > ROUNDING) == 0
    again = render_stems(score, RATE, soundfont=small)
    assert all(again[g].tobytes() == got[g].tobytes() for g in got)


def test_programs_no_small_font_can_be_cut_for_share_one_whole_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import songsmith.engines.builtin.render as render

    small = open_soundfont(RATE, frozenset({0}))
    # As for a font subset_soundfont cannot cut (it hands the input back).
    monkeypatch.setattr(render, "subset_soundfont", lambda data, _keep: data)
    with small.lock:
        bass, sax = small.sfid_for(33), small.sfid_for(65)
    assert bass == sax != small.sfid  # the whole font, loaded once for both
    assert small.sfid_for(0) == small.sfid
