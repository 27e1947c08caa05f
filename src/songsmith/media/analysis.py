"""Analysis of audio songsmith did not compose (uploads, engines without a score).

What the edit modes need to fit new music to a recording: tempo and beats (librosa's beat
tracker), downbeats (the beat phase where chords change most), key (Krumhansl-Kessler profiles on
the chroma), one chord per beat (triad templates), sections (novelty on a bar-level
self-similarity matrix, labelled by which segments repeat) and, on the slow path, the notes
(basic-pitch's ONNX model from its wheel). Everything returned is JSON-ready, times in seconds;
the builtin engine's `modes/context.py` reads these keys.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from songsmith.media.codecs import as_stereo

log = logging.getLogger(__name__)

ANALYSIS_RATE = 22050
HOP = 512
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
BEATS_PER_BAR = 4  # the tracker finds beats, not metre; 4/4 is what nearly all songs use
_SILENT_RMS = 1e-4  # beats quieter than this (about -80 dBFS) carry no chord
_DIATONIC_BONUS = 0.05  # a little prior toward the key's own chords steadies the labels
_SAME_SECTION_COSINE = 0.6  # z-scored mean features this alike: the same section again

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KeyEstimate:
    tonic: int  # pitch class 0-11
    mode: str  # "major" or "minor"
    correlation: float  # Pearson r of the best profile rotation

    @property
    def name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"


def to_mono(audio: npt.ArrayLike, sample_rate: int, rate: int = ANALYSIS_RATE) -> Floats:
    """Mono float at the analysis rate (polyphase resampling, deterministic)."""
    from math import gcd

    from scipy.signal import resample_poly

    mono = as_stereo(np.asarray(audio, dtype=np.float32)).mean(axis=1).astype(np.float64)
    if sample_rate != rate and mono.size:
        g = gcd(sample_rate, rate)
        mono = resample_poly(mono, rate // g, sample_rate // g)
    return np.ascontiguousarray(mono)


def tempo_and_beats(mono: Floats, rate: int = ANALYSIS_RATE) -> tuple[float, Floats]:
    """(bpm, beat times in s). No beats found (silence, noise): (0.0, [])."""
    import librosa

    if mono.size < rate:
        return 0.0, np.zeros(0)
    onset = librosa.onset.onset_strength(y=mono, sr=rate, hop_length=HOP)
    # trim=False: a quiet first verse is still in time; trimming drops its beats when a later,
    # busier part sets the onset threshold.
    tempo, frames = librosa.beat.beat_track(
        onset_envelope=onset, sr=rate, hop_length=HOP, trim=False
    )
    bpm = float(np.atleast_1d(tempo)[0])
    times = librosa.frames_to_time(frames, sr=rate, hop_length=HOP)
    if len(times) >= 8:
        # The tracker's global tempo can sit between two grids; the beats themselves are the truth.
        # over 4-beat spans, so the frame grid's rounding (23 ms) hardly shows
        span = times[BEATS_PER_BAR:] - times[:-BEATS_PER_BAR]
        bpm = 60.0 * BEATS_PER_BAR / float(np.median(span))
    return round(bpm, 2), np.asarray(times, dtype=np.float64)


def chromagram(mono: Floats, rate: int = ANALYSIS_RATE) -> Floats:
    """12 x frames chroma (constant-Q: bass notes resolve, unlike a short STFT)."""
    import librosa

    # Tuning is estimated from the music; silence has none to estimate (librosa would warn).
    tuning = None if mono.size and float(np.max(np.abs(mono))) > _SILENT_RMS else 0.0
    chroma = librosa.feature.chroma_cqt(y=mono, sr=rate, hop_length=HOP, tuning=tuning)
    return np.asarray(chroma, np.float64)


def estimate_key(chroma: Floats) -> KeyEstimate:
    """Krumhansl-Schmuckler: correlate the summed chroma with all 24 rotated profiles."""
    profile = chroma.sum(axis=1) if chroma.ndim == 2 else np.asarray(chroma, np.float64)
    best = KeyEstimate(0, "major", -1.0)
    if not np.any(profile > 0):
        return best
    for mode, reference in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        ref = np.asarray(reference)
        for tonic in range(12):
            r = float(np.corrcoef(profile, np.roll(ref, tonic))[0, 1])
            if r > best.correlation:
                best = KeyEstimate(tonic, mode, r)
    return best


def _triad_templates() -> tuple[list[str], Floats]:
    names, rows = [], []
    for quality, third in (("", 4), ("m", 3)):
        for root in range(12):
            row = np.zeros(12)
            row[[root, (root + third) % 12, (root + 7) % 12]] = 1.0
            names.append(PITCH_NAMES[root] + quality)
            rows.append(row / np.linalg.norm(row))
    return names, np.array(rows)


def _diatonic(key: KeyEstimate) -> set[str]:
    """The six triads of the key (major: I ii iii IV V vi; minor: i III iv v VI VII)."""
    steps = (
        ((0, ""), (2, "m"), (4, "m"), (5, ""), (7, ""), (9, "m"))
        if key.mode == "major"
        else ((0, "m"), (3, ""), (5, "m"), (7, "m"), (8, ""), (10, ""))
    )
    return {PITCH_NAMES[(key.tonic + s) % 12] + q for s, q in steps}


def chords_per_beat(
    beat_chroma: Floats, beat_energy: Floats, key: KeyEstimate | None = None
) -> list[str]:
    """One triad symbol per beat ("N" where the beat is silent), by cosine with templates."""
    names, templates = _triad_templates()
    favoured = _diatonic(key) if key is not None else set()
    bonus = np.array([_DIATONIC_BONUS if n in favoured else 0.0 for n in names])
    labels = []
    for column, energy in zip(beat_chroma.T, beat_energy, strict=True):
        norm = float(np.linalg.norm(column))
        if norm <= 0 or energy < _SILENT_RMS:
            labels.append("N")
            continue
        scores = templates @ (column / norm) + bonus
        labels.append(names[int(np.argmax(scores))])
    return labels


def merge_chords(labels: list[str], beats: Floats, end_s: float) -> list[list[Any]]:
    """[start, end, symbol] rows: runs of one symbol merged, silent beats left out."""
    rows: list[list[Any]] = []
    for i, label in enumerate(labels):
        start = float(beats[i])
        end = float(beats[i + 1]) if i + 1 < len(beats) else end_s
        if label == "N" or end <= start:
            continue
        if rows and rows[-1][2] == label and abs(rows[-1][1] - round(start, 3)) < 1e-6:
            rows[-1][1] = round(end, 3)
        else:
            rows.append([round(start, 3), round(end, 3), label])
    return rows


def downbeat_indices(labels: list[str], strength: Floats) -> list[int]:
    """Which beats are the "one" of a bar: chords change there most often, and they are accented.

    Dynamic programming over the beats, so one tracker slip (a beat dropped or doubled) shifts
    the bar lines from there on instead of misplacing all of them: bars are 4 beats, and 3 or 5
    at a cost.
    """
    n = len(labels)
    if n == 0:
        return []
    top = float(strength.max()) if strength.size else 0.0
    accent = strength / top if top > 0 else np.zeros(n)
    gain = [
        (1.0 if i > 0 and labels[i] != labels[i - 1] and labels[i] != "N" else 0.0)
        + 0.5 * float(accent[i])
        for i in range(n)
    ]
    steps = ((BEATS_PER_BAR, 0.0), (BEATS_PER_BAR - 1, 1.5), (BEATS_PER_BAR + 1, 1.5))
    best = [-math.inf] * n
    previous = [-1] * n
    for i in range(n):
        if i < BEATS_PER_BAR:
            best[i] = gain[i]
        for step, cost in steps:
            j = i - step
            if j >= 0 and best[j] - cost + gain[i] > best[i]:
                best[i], previous[i] = best[j] - cost + gain[i], j
    last = max(range(max(0, n - BEATS_PER_BAR), n), key=lambda i: best[i])
    chain = [last]
    while previous[chain[-1]] >= 0:
        chain.append(previous[chain[-1]])
    return chain[::-1]


def _novelty(features: Floats, kernel_bars: int) -> Floats:
    """Foote novelty: a Gaussian checkerboard kernel slid along the self-similarity diagonal."""
    unit = features / np.maximum(np.linalg.norm(features, axis=0, keepdims=True), 1e-9)
    ssm = unit.T @ unit
    n, half = ssm.shape[0], kernel_bars
    axis = np.arange(-half, half) + 0.5
    gauss = np.exp(-((axis / half) ** 2) * 2.0)
    kernel = np.outer(gauss, gauss) * np.outer(np.sign(axis), np.sign(axis))
    padded = np.pad(ssm, half, mode="edge")
    return np.array(
        [float((padded[i : i + 2 * half, i : i + 2 * half] * kernel).sum()) for i in range(n)]
    )


def find_sections(
    bar_features: Floats, bar_starts: Floats, bar_energy: Floats, end_s: float
) -> list[dict[str, Any]]:
    """Segments from novelty peaks (>= 4 bars apart), labelled A, B ... by similarity of their
    mean features; the loudest repeated label is the chorus, other repeated material verse."""
    n = bar_features.shape[1]
    if n < 8:
        return [{"name": "verse", "label": "A", "start_s": 0.0, "end_s": round(end_s, 3)}]
    # Per-dimension z-scores (so timbre counts as much as harmony), smoothed over a 4-bar
    # phrase (so a verse's changing chords still read as one section).
    from scipy.ndimage import uniform_filter1d

    spread = bar_features.std(axis=1, keepdims=True) + 1e-9
    standard = (bar_features - bar_features.mean(axis=1, keepdims=True)) / spread
    phrase = uniform_filter1d(standard, 4, axis=1, mode="nearest")
    novelty = _novelty(phrase, kernel_bars=4)
    threshold = float(np.mean(novelty) + 0.5 * np.std(novelty))
    cuts = [0]
    for i in np.argsort(-novelty):
        if novelty[i] < threshold:
            break
        if all(abs(int(i) - c) >= 4 for c in cuts) and 4 <= i <= n - 4:
            cuts.append(int(i))
    cuts = [*sorted(cuts), n]
    spans = list(itertools.pairwise(cuts))
    means = [standard[:, a:b].mean(axis=1) for a, b in spans]
    labels: list[int] = []
    for i, mean in enumerate(means):
        match = -1
        for j in range(i):
            denom = float(np.linalg.norm(mean) * np.linalg.norm(means[j])) or 1.0
            if float(mean @ means[j]) / denom > _SAME_SECTION_COSINE:
                match = labels[j]
                break
        labels.append(match if match >= 0 else max(labels, default=-1) + 1)
    energy = [float(bar_energy[a:b].mean()) for a, b in spans]
    repeated = [lab for lab in set(labels) if labels.count(lab) > 1]
    peak = {
        lab: max(e for e, x in zip(energy, labels, strict=True) if x == lab) for lab in repeated
    }
    chorus = max(repeated, key=peak.__getitem__, default=-1)
    loud = float(np.median(energy)) if energy else 0.0
    sections = []
    for index, ((a, b), label, level) in enumerate(zip(spans, labels, energy, strict=True)):
        if label == chorus:
            name = "chorus"
        elif index == 0 and level < 0.6 * loud:
            name = "intro"
        elif index == len(spans) - 1 and level < 0.6 * loud:
            name = "outro"
        elif label in repeated:
            name = "verse"
        else:
            name = "bridge" if 0 < index < len(spans) - 1 else "verse"
        start = float(bar_starts[a]) if a > 0 else 0.0
        end = float(bar_starts[b]) if b < n else end_s
        sections.append(
            {"name": name, "label": chr(ord("A") + label % 26), "start_s": round(start, 3),
             "end_s": round(end, 3)}
        )  # fmt: skip
    return sections


MIN_ANALYSIS_SAMPLES = 2**16  # the constant-Q chroma decimates by up to 64: keep n_fft inside


def analyze(audio: npt.ArrayLike, sample_rate: int, *, notes: bool = False) -> dict[str, Any]:
    """Everything the edit modes read about a recording, JSON-ready.

    Keys: duration_s, bpm, time_signature, beats, downbeats, key, key_confidence, chords
    ([start, end, symbol]), sections ([{name, label, start_s, end_s}]); with `notes=True` also
    notes and melody (basic-pitch: seconds of CPU per minute of audio).
    """
    import librosa

    mono = to_mono(audio, sample_rate)
    end_s = mono.size / ANALYSIS_RATE
    if 0 < mono.size < MIN_ANALYSIS_SAMPLES:  # a blip: pad so every STFT frame fits
        mono = np.pad(mono, (0, MIN_ANALYSIS_SAMPLES - mono.size))
    bpm, beats = tempo_and_beats(mono)
    chroma = chromagram(mono) if mono.size else np.zeros((12, 0))
    key = estimate_key(chroma)
    result: dict[str, Any] = {
        "duration_s": round(end_s, 3),
        "bpm": bpm,
        "time_signature": f"{BEATS_PER_BAR}/4",
        "beats": [round(float(b), 3) for b in beats],
        "downbeats": [],
        "key": key.name,
        "key_confidence": round(key.correlation, 3),
        "chords": [],
        "sections": [{"name": "verse", "label": "A", "start_s": 0.0, "end_s": round(end_s, 3)}],
        "method": {"tempo": "librosa.beat_track", "key": "krumhansl-kessler", "chords": "triads"},
    }
    if len(beats) >= 2:
        frames = librosa.time_to_frames(beats, sr=ANALYSIS_RATE, hop_length=HOP)
        frames = np.unique(np.clip(frames, 0, chroma.shape[1] - 1))
        bounds = [0, *(int(f) for f in frames)]
        beat_chroma = librosa.util.sync(chroma, bounds, aggregate=np.median)[:, 1:]
        rms = librosa.feature.rms(y=mono, hop_length=HOP)[0]
        beat_rms = librosa.util.sync(rms[None, :], bounds, aggregate=np.mean)[0, 1:]
        beat_times = librosa.frames_to_time(frames, sr=ANALYSIS_RATE, hop_length=HOP)
        onset = librosa.onset.onset_strength(y=mono, sr=ANALYSIS_RATE, hop_length=HOP)
        strength = onset[np.clip(frames, 0, onset.size - 1)]
        labels = chords_per_beat(beat_chroma, beat_rms, key)
        result["chords"] = merge_chords(labels, beat_times, end_s)
        downbeats = beat_times[downbeat_indices(labels, strength)]
        result["downbeats"] = [round(float(t), 3) for t in downbeats]
        if len(downbeats) >= 2:
            result["sections"] = _sections_from(mono, chroma, downbeats, end_s)
    if notes:
        transcribed = transcribe(mono, ANALYSIS_RATE)
        result["notes"] = transcribed
        result["melody"] = skyline(transcribed)
    return result


def _sections_from(mono: Floats, chroma: Floats, downbeats: Floats, end_s: float) -> list[Any]:
    import librosa

    mfcc = librosa.feature.mfcc(y=mono, sr=ANALYSIS_RATE, hop_length=HOP, n_mfcc=13)[1:]
    length = min(mfcc.shape[1], chroma.shape[1])
    frames = librosa.time_to_frames(downbeats, sr=ANALYSIS_RATE, hop_length=HOP)
    frames = np.unique(np.clip(frames, 1, length - 1))
    bounds = [0, *(int(f) for f in frames)]
    timbre = mfcc[:, :length] / (np.abs(mfcc[:, :length]).max() or 1.0)
    features = np.vstack([chroma[:, :length], timbre])
    bar_features = librosa.util.sync(features, bounds, aggregate=np.mean)[:, 1:]
    rms = librosa.feature.rms(y=mono, hop_length=HOP)[0][:length]
    bar_energy = librosa.util.sync(rms[None, :], bounds, aggregate=np.mean)[0, 1:]
    bar_starts = librosa.frames_to_time(frames, sr=ANALYSIS_RATE, hop_length=HOP)
    return find_sections(bar_features, bar_starts, bar_energy, end_s)


# --- notes (slow path) -------------------------------------------------------------------------


@functools.cache
def _basic_pitch() -> tuple[Any, Any]:
    """basic_pitch's (constants, note_creation) modules, imported quietly: its package logs a
    warning per missing optional backend (to the root logger, which it would configure) and
    resampy warns about pkg_resources; neither concerns the ONNX path used here."""
    import warnings

    root = logging.getLogger()
    quiet = logging.NullHandler()  # keeps logging.warning() from calling basicConfig()
    root.addHandler(quiet)
    previous = root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*pkg_resources.*", category=UserWarning)
            from basic_pitch import constants, note_creation
    finally:
        logging.disable(previous)
        root.removeHandler(quiet)
    return constants, note_creation


@functools.cache
def _basic_pitch_model() -> Any:
    """basic-pitch's ONNX model from its wheel, loaded once per process (single-threaded)."""
    import onnxruntime as ort

    _basic_pitch()
    from basic_pitch import ICASSP_2022_MODEL_PATH

    path = str(ICASSP_2022_MODEL_PATH)
    if not path.endswith(".onnx"):
        path = str(ICASSP_2022_MODEL_PATH.parent / "nmp.onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def transcribe(mono: Floats, rate: int = ANALYSIS_RATE) -> list[dict[str, Any]]:
    """Polyphonic notes [{pitch, start, end, velocity 0-1}] by basic-pitch (ONNX, CPU)."""
    bp, note_creation = _basic_pitch()
    if rate != bp.AUDIO_SAMPLE_RATE:
        raise ValueError(f"basic-pitch needs {bp.AUDIO_SAMPLE_RATE} Hz audio")
    session = _basic_pitch_model()
    overlap_frames = 30
    overlap = overlap_frames * bp.FFT_HOP
    hop = bp.AUDIO_N_SAMPLES - overlap
    padded = np.concatenate([np.zeros(overlap // 2), mono]).astype(np.float32)
    outputs: dict[str, list[Any]] = {"note": [], "onset": [], "contour": []}
    names = ["StatefulPartitionedCall:1", "StatefulPartitionedCall:2", "StatefulPartitionedCall:0"]
    for start in range(0, max(1, padded.size), hop):
        window = padded[start : start + bp.AUDIO_N_SAMPLES]
        window = np.pad(window, (0, bp.AUDIO_N_SAMPLES - window.size))[None, :, None]
        note, onset, contour = session.run(names, {"serving_default_input_2:0": window})
        outputs["note"].append(note)
        outputs["onset"].append(onset)
        outputs["contour"].append(contour)
    n_frames = int(np.floor(mono.size * bp.ANNOTATIONS_FPS / bp.AUDIO_SAMPLE_RATE))
    half = overlap_frames // 2
    unwrapped = {}
    for name, parts in outputs.items():
        stacked = np.concatenate(parts)[:, half:-half, :]
        unwrapped[name] = stacked.reshape(-1, stacked.shape[-1])[:n_frames]
    min_len = round(0.1277 * bp.AUDIO_SAMPLE_RATE / bp.FFT_HOP)
    _, events = note_creation.model_output_to_notes(
        unwrapped,
        onset_thresh=0.5,
        frame_thresh=0.3,
        min_note_len=min_len,
        include_pitch_bends=False,
        melodia_trick=True,
    )
    notes = [
        {
            "pitch": int(pitch),
            "start": round(float(start), 3),
            "end": round(float(end), 3),
            "velocity": round(float(min(1.0, max(0.0, amplitude))), 3),
        }
        for start, end, pitch, amplitude, _ in events
        if end > start
    ]
    notes.sort(key=lambda n: (n["start"], n["pitch"]))
    return notes


def skyline(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A monophonic melody: at each onset the highest note sounding; overlaps are cut."""
    melody: list[dict[str, Any]] = []
    for note in sorted(notes, key=lambda n: (n["start"], -n["pitch"])):
        if melody and note["start"] < melody[-1]["end"]:
            if note["pitch"] <= melody[-1]["pitch"] or note["start"] <= melody[-1]["start"]:
                continue
            melody[-1] = {**melody[-1], "end": note["start"]}
        melody.append(dict(note))
    return melody
