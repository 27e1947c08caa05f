"""A SoundFont (SF2 or SF3) pruned to a few presets, built in memory.

tinysoundfont decodes every sample of a soundfont to float32 when it loads it, used or not; the
engine plays a fraction of the vendored font's presets, so it loads a copy that holds only those
presets, the instruments they use and the samples those use (`subset_soundfont`).

The format (SoundFont 2.04; SF3 is the same file with Ogg-Vorbis-compressed samples): a RIFF
`sfbk` of three LISTs: INFO (copied as is), sdta (`smpl`, the sample data) and pdta, nine arrays
of fixed-size records. A preset (phdr) owns a run of zones (pbag), each zone a run of generators
(pgen) and of modulators (pmod); a preset generator 41 names an instrument (inst), which owns
zones (ibag) of igen and imod; an instrument generator 53 names a sample (shdr). A run starts at
its record's index and ends where the next record's starts, so every array ends with a terminal
record (EOP, EOI, EOS, and a last bag, generator and modulator) that closes the last run.

Anything this does not handle (an sm24 chunk, ROM samples, compressed and plain samples in one
font, a malformed structure or an index out of range, a requested preset the font lacks) makes it
return the input bytes unchanged: the caller then loads the whole font, bigger but never wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise

_PHDR_SIZE, _PHDR_BAG = 38, 24  # record size, offset of its first-bag index (WORD)
_INST_SIZE, _INST_BAG = 22, 20
_BAG = struct.Struct("<HH")  # pbag/ibag: first generator, first modulator
_GEN = struct.Struct("<HH")  # pgen/igen: operator, amount (an index for 41 and 53)
_MOD_SIZE = 10  # modulators are copied verbatim: only the zone that owns them changes
# shdr: name[20], start, end, loop start, loop end, rate (DWORDs), key, correction, link, type
_SHDR = struct.Struct("<20x4I4xBbHH")
_SHDR_SIZE, _SHDR_START, _SHDR_LINK = 46, 20, 42  # size, offsets of dwStart and wSampleLink
_HYDRA = (b"phdr", b"pbag", b"pmod", b"pgen", b"inst", b"ibag", b"imod", b"igen", b"shdr")
_GEN_INSTRUMENT = 41
_GEN_SAMPLE_ID = 53
_LINKED_TYPES = 0x0002 | 0x0004 | 0x0008  # right, left, linked: wSampleLink names a partner
_COMPRESSED = 0x0010  # SF3: the sample is an Ogg Vorbis stream
_KNOWN_TYPES = 0x0001 | _LINKED_TYPES | _COMPRESSED  # not ROM samples (0x8000)
# SF2 asks for at least 46 zero frames after every plain sample, and synths read a frame or two
# past the end when they interpolate: each copied plain sample keeps that much of what follows.
_PLAIN_PADDING = 46


class _Unsupported(Exception):
    """The font holds something this module does not handle: keep the original."""


@dataclass
class _Level:
    """Presets or instruments: their header records and the zones, generators and modulators
    under them. Every list keeps its terminal record."""

    headers: list[bytes]  # raw phdr or inst records
    first_bag: list[int]  # of each header
    bags: list[tuple[int, int]]  # (first generator, first modulator) of each zone
    gens: list[tuple[int, int]]  # (operator, amount)
    mods: list[bytes]  # raw records

    def zones(self, header: int) -> range:
        return range(self.first_bag[header], self.first_bag[header + 1])

    def zone_gens(self, zone: int) -> list[tuple[int, int]]:
        return self.gens[self.bags[zone][0] : self.bags[zone + 1][0]]

    def zone_mods(self, zone: int) -> list[bytes]:
        return self.mods[self.bags[zone][1] : self.bags[zone + 1][1]]

    def referenced(self, header: int, oper: int) -> set[int]:
        """What the header's `oper` generators name (instruments or samples)."""
        return {a for zone in self.zones(header) for op, a in self.zone_gens(zone) if op == oper}


@dataclass(frozen=True)
class _Sample:
    raw: bytes  # the shdr record
    start: int
    end: int
    loop_start: int
    loop_end: int
    link: int
    kind: int  # sfSampleType


@dataclass
class _Font:
    info: bytes  # the whole INFO LIST chunk, header included
    smpl: memoryview
    presets: _Level
    instruments: _Level
    samples: list[_Sample]  # terminal (EOS) included


def subset_soundfont(data: bytes, keep: Iterable[tuple[int, int]]) -> bytes:
    """`data` (an SF2/SF3 file) holding only the presets `keep` names as (bank, preset), the
    instruments they use and the samples those use (and their stereo partners); or `data`
    itself, unchanged, when the font holds anything this module does not handle (an sm24 chunk,
    ROM samples, compressed and plain samples mixed, a malformed structure, a preset of `keep`
    that it lacks).

    Everything kept stays in its original order and byte for byte the same but for indices and
    sample offsets (keeping every preset gives `data` back byte for byte).
    """
    try:
        return _build(_parse(memoryview(data)), set(keep))
    except _Unsupported:
        return data


# ---- reading ----


def _chunks(buf: memoryview, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(id, data offset, size) of each RIFF chunk in buf[start:end]; chunks are word aligned."""
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise _Unsupported("truncated chunk header")
        chunk_id, size = struct.unpack_from("<4sI", buf, pos)
        if pos + 8 + size > end:
            raise _Unsupported("a chunk overruns its parent")
        yield bytes(chunk_id), pos + 8, size
        pos += 8 + size + (size & 1)


def _top_lists(buf: memoryview) -> dict[bytes, tuple[int, int]]:
    """The sfbk's LISTs by type: (offset of the LIST header, end of its data and pad byte)."""
    if len(buf) < 12 or bytes(buf[:4]) != b"RIFF" or bytes(buf[8:12]) != b"sfbk":
        raise _Unsupported("not a SoundFont")
    end = 8 + struct.unpack_from("<I", buf, 4)[0]
    if end > len(buf):
        raise _Unsupported("truncated file")
    lists: dict[bytes, tuple[int, int]] = {}
    for chunk_id, offset, size in _chunks(buf, 12, end):
        kind = bytes(buf[offset : offset + 4])
        if chunk_id != b"LIST" or kind not in (b"INFO", b"sdta", b"pdta") or kind in lists:
            raise _Unsupported(f"unexpected top-level chunk {chunk_id!r} {kind!r}")
        lists[kind] = (offset - 8, min(end, offset + size + (size & 1)))
    if len(lists) != 3:
        raise _Unsupported("a LIST is missing")
    return lists


def _sub_chunks(buf: memoryview, span: tuple[int, int]) -> dict[bytes, memoryview]:
    list_end = span[0] + 8 + struct.unpack_from("<I", buf, span[0] + 4)[0]
    found: dict[bytes, memoryview] = {}
    for chunk_id, offset, size in _chunks(buf, span[0] + 12, list_end):
        if chunk_id in found:
            raise _Unsupported(f"two {chunk_id!r} chunks")
        found[chunk_id] = buf[offset : offset + size]
    return found


def _split(chunk: memoryview, size: int) -> list[bytes]:
    """The chunk's records, at least one (the terminal)."""
    if not chunk or len(chunk) % size:
        raise _Unsupported("a hydra chunk is not a whole number of records")
    return [bytes(chunk[i : i + size]) for i in range(0, len(chunk), size)]


def _check_runs(starts: list[int], targets: int) -> None:
    """First indices (terminal included) must be ordered and end on the target's terminal."""
    if any(a > b for a, b in pairwise(starts)) or starts[-1] != targets - 1:
        raise _Unsupported("hydra indices out of order or range")


def _pairs(chunk: memoryview) -> list[tuple[int, int]]:
    """The (WORD, WORD) records of a bag or generator chunk, at least one (the terminal)."""
    return [_BAG.unpack(raw) for raw in _split(chunk, _BAG.size)]


def _level(pdta: dict[bytes, memoryview], names: tuple[bytes, ...], size: int, at: int) -> _Level:
    head, bag, mod, gen = names
    headers = _split(pdta[head], size)
    first_bag = [struct.unpack_from("<H", h, at)[0] for h in headers]
    bags, gens, mods = _pairs(pdta[bag]), _pairs(pdta[gen]), _split(pdta[mod], _MOD_SIZE)
    _check_runs(first_bag, len(bags))
    _check_runs([b[0] for b in bags], len(gens))
    _check_runs([b[1] for b in bags], len(mods))
    return _Level(headers, first_bag, bags, gens, mods)


def _sample(raw: bytes) -> _Sample:
    start, end, loop_start, loop_end, _key, _correction, link, kind = _SHDR.unpack(raw)
    return _Sample(raw, start, end, loop_start, loop_end, link, kind)


def _parse(buf: memoryview) -> _Font:
    lists = _top_lists(buf)
    sdta = _sub_chunks(buf, lists[b"sdta"])
    if set(sdta) != {b"smpl"}:
        raise _Unsupported("sdta holds more than smpl (sm24?)")
    pdta = _sub_chunks(buf, lists[b"pdta"])
    if set(pdta) != set(_HYDRA):
        raise _Unsupported("pdta does not hold exactly the nine hydra chunks")
    info_start, info_end = lists[b"INFO"]
    return _Font(
        info=bytes(buf[info_start:info_end]),
        smpl=sdta[b"smpl"],
        presets=_level(pdta, _HYDRA[0:4], _PHDR_SIZE, _PHDR_BAG),
        instruments=_level(pdta, _HYDRA[4:8], _INST_SIZE, _INST_BAG),
        samples=[_sample(raw) for raw in _split(pdta[b"shdr"], _SHDR_SIZE)],
    )


# ---- choosing ----


def _kept_presets(font: _Font, keep: set[tuple[int, int]]) -> list[int]:
    kept, found = [], set()
    for index, raw in enumerate(font.presets.headers[:-1]):
        preset, bank = struct.unpack_from("<HH", raw, 20)
        if (bank, preset) in keep:
            kept.append(index)  # duplicates too: the synth picks among them as before
            found.add((bank, preset))
    if found != keep:
        raise _Unsupported(f"presets missing: {sorted(keep - found)}")
    return kept


def _referenced(level: _Level, headers: list[int], oper: int, count: int) -> list[int]:
    """Sorted indices named by the `oper` generators of `headers`, each below `count`."""
    found = set().union(*(level.referenced(h, oper) for h in headers))
    if any(i >= count for i in found):
        raise _Unsupported("a generator names a record that does not exist")
    return sorted(found)


def _with_partners(samples: list[_Sample], kept: list[int]) -> list[int]:
    """`kept` and the stereo partners they name, and theirs (sorted)."""
    found, pending = set(kept), list(kept)
    while pending:
        sample = samples[pending.pop()]
        if sample.kind & ~_KNOWN_TYPES:
            raise _Unsupported(f"sample type {sample.kind:#x}")
        if sample.kind & _LINKED_TYPES and sample.link not in found:
            if sample.link >= len(samples) - 1:
                raise _Unsupported("a sample links to one that does not exist")
            found.add(sample.link)
            pending.append(sample.link)
    return sorted(found)


# ---- writing ----


def _write_level(
    level: _Level, kept: list[int], at: int, oper: int, new_ids: dict[int, int]
) -> list[bytes]:
    """The (headers, bags, modulators, generators) chunks of the kept headers, renumbered, with
    the `oper` generators' amounts mapped through `new_ids`."""
    headers, bags, gens, mods = bytearray(), bytearray(), bytearray(), bytearray()
    n_bags = n_gens = n_mods = 0
    for header in kept:
        record = bytearray(level.headers[header])
        struct.pack_into("<H", record, at, n_bags)
        headers += record
        for zone in level.zones(header):
            bags += _BAG.pack(n_gens, n_mods)
            n_bags += 1
            for op, amount in level.zone_gens(zone):
                gens += _GEN.pack(op, new_ids[amount] if op == oper else amount)
                n_gens += 1
            for mod in level.zone_mods(zone):
                mods += mod
                n_mods += 1
    terminal = bytearray(level.headers[-1])  # EOP / EOI: closes the last header's zones
    struct.pack_into("<H", terminal, at, n_bags)
    headers += terminal
    bags += _BAG.pack(n_gens, n_mods)
    gens += _GEN.pack(*level.gens[-1])
    mods += level.mods[-1]
    return [bytes(headers), bytes(bags), bytes(mods), bytes(gens)]


def _write_samples(font: _Font, kept: list[int], new_ids: dict[int, int]) -> tuple[bytes, bytes]:
    """(smpl, shdr) of the kept samples, their data in their original order, stereo links
    mapped through `new_ids`.

    Compressed (SF3) samples: start and end are byte offsets of the Ogg stream in smpl and the
    loop points count frames from the decoded sample's start, so only start and end move. Plain
    samples: all four are frame indices into smpl (16-bit frames) and all move together.
    """
    compressed = {bool(s.kind & _COMPRESSED) for s in font.samples[:-1]}
    if len(compressed) > 1:
        raise _Unsupported("compressed and plain samples in one font")
    data: list[bytes | memoryview] = []
    headers = bytearray()
    position = 0  # bytes written to smpl
    frames = len(font.smpl) // 2
    for index in kept:
        s = font.samples[index]
        if s.kind & _COMPRESSED:
            if not s.start <= s.end <= len(font.smpl):
                raise _Unsupported("a sample lies outside smpl")
            data.append(font.smpl[s.start : s.end])
            fields = (position, position + s.end - s.start, s.loop_start, s.loop_end)
            position += s.end - s.start
        else:
            copy_end = s.end + _PLAIN_PADDING
            if not s.start <= s.end <= frames or not all(
                s.start <= p <= copy_end for p in (s.loop_start, s.loop_end)
            ):
                raise _Unsupported("a sample or its loop lies outside smpl")
            data.append(font.smpl[2 * s.start : 2 * min(copy_end, frames)])
            data.append(bytes(2 * max(0, copy_end - frames)))
            shift = position // 2 - s.start
            fields = (s.start + shift, s.end + shift, s.loop_start + shift, s.loop_end + shift)
            position += 2 * (copy_end - s.start)
        record = bytearray(s.raw)
        struct.pack_into("<4I", record, _SHDR_START, *fields)
        if s.kind & _LINKED_TYPES:
            struct.pack_into("<H", record, _SHDR_LINK, new_ids[s.link])
        headers += record
    if position & 1:
        # tinysoundfont does not skip RIFF pad bytes: keep every chunk size even instead
        data.append(b"\0")
    headers += font.samples[-1].raw
    return b"".join(data), bytes(headers)


def _chunk(chunk_id: bytes, *parts: bytes) -> bytes:
    size = sum(len(p) for p in parts)
    return b"".join((chunk_id, struct.pack("<I", size), *parts))


def _build(font: _Font, keep: set[tuple[int, int]]) -> bytes:
    presets = _kept_presets(font, keep)
    instruments = _referenced(
        font.presets, presets, _GEN_INSTRUMENT, len(font.instruments.headers) - 1
    )
    samples = _with_partners(
        font.samples,
        _referenced(font.instruments, instruments, _GEN_SAMPLE_ID, len(font.samples) - 1),
    )
    instrument_ids = {old: new for new, old in enumerate(instruments)}
    sample_ids = {old: new for new, old in enumerate(samples)}
    phdr, pbag, pmod, pgen = _write_level(
        font.presets, presets, _PHDR_BAG, _GEN_INSTRUMENT, instrument_ids
    )
    inst, ibag, imod, igen = _write_level(
        font.instruments, instruments, _INST_BAG, _GEN_SAMPLE_ID, sample_ids
    )
    smpl, shdr = _write_samples(font, samples, sample_ids)
    hydra = (phdr, pbag, pmod, pgen, inst, ibag, imod, igen, shdr)
    pdta = _chunk(
        b"LIST", b"pdta", *(_chunk(name, body) for name, body in zip(_HYDRA, hydra, strict=True))
    )
    sdta = _chunk(b"LIST", b"sdta", _chunk(b"smpl", smpl))
    return _chunk(b"RIFF", b"sfbk", font.info, sdta, pdta)
