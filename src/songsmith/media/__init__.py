"""Audio, image and video production: codecs, mastering, covers, MIDI, waveform, analysis.

Modules (each small, pure functions over numpy arrays and bytes):
    codecs.py    encode_mp3(audio, sr) -> bytes (44.1 kHz stereo 192k CBR), encode_wav(audio, sr,
                 gain) -> bytes (16-bit), decode_audio(data: bytes, fmt_allow) -> (audio, sr),
                 Mp3StreamEncoder (feed chunks, get mp3 bytes to append: progressive streaming)
    lame.py      LAME (lameenc) encoders, the Info/LAME header frame, continue_stream (a preview
                 stream goes on with the final file's frames)
    pcm.py       pcm16(audio, gain): float to 16-bit PCM in one pass
    packed.py    PackedAudio / PackedStems: audio held as int16 and a step until it is read
    pieces.py    in_pieces(filter, signal, reach, out): a song-long filter 10 s at a time
    master.py    master(song) -> Mastered(mix, stems, gain_db): -14 LUFS, <= -1 dBTP measured on
                 the decoded mp3, the same static gain on the stems
    cover.py     cover_images(title, tags, seed) -> (small_jpeg, large_jpeg)
    midi.py      score_to_midi(score) -> bytes
    waveform.py  envelope(audio, points) -> list[float] in 0-1
"""
