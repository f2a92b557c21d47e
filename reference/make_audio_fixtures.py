"""Audio-decoding fixtures for Tests/GenreKitAudioTests/Fixtures/.

Good files (synthesised tones, written with soundfile / libsndfile 1.2.2):
  stereo44k.wav   2 ch 44100 Hz WAV PCM_16     4411 frames
  mono22k.flac    1 ch 22050 Hz FLAC PCM_16    3308 frames
  stereo32k.ogg   2 ch 32000 Hz OGG/VORBIS     4801 frames
  mono44k.mp3     1 ch 44100 Hz MP3 (LAME VBR) 8821 frames
  stereo48k.mp3   2 ch 48000 Hz MP3            9601 frames
  multi8ch8k.wav  8 ch  8000 Hz WAV PCM_16      801 frames (plain WAVE_FORMAT_PCM, tag 1)
  mono16k.wav     1 ch 16000 Hz WAV PCM_16     1601 frames (no resampling path)
For each: <file>.load16k.npy = librosa.load(path, sr=16000) (float32, mono)
  = soundfile float32 read -> mean over channels (float32, channel order sum / C)
    -> soxr 'HQ' resample -> librosa.util.fix_length to ceil(n * 16000 / sr)
       (zero-padded at the end).
Frame counts were chosen so that n*16000/sr has a fractional part < 0.5 for
several files: there soxr's one-shot resample returns round(n*16000/sr)
samples (round half up) and librosa appends ONE zero to reach the ceil.
audio.json records soundfile's channels/samplerate/frames/format/subtype, the
load16k length and the soxr one-shot length.

Content (float64, cast to float32 before writing), t = i / sr, channel c:
  0.4*sin(2*pi*(330 + 110*c)*t) + 0.1*sin(2*pi*3000*t)
  + 0.05*sin(2*pi*9000*t) when sr >= 22050 (above the 8 kHz target Nyquist:
    exercises the resampler's anti-aliasing)
  8-channel file: 0.1*sin(2*pi*200*(c+1)*t) + 0.05*sin(2*pi*3500*t).

Bad inputs (what libsndfile 1.2.2 / librosa 0.11 do, checked by this script
and recorded in audio.json under "bad"):
  empty.wav       0 bytes. soundfile: LibsndfileError ("Format not
                  recognised."); librosa.load falls back to audioread -> EOFError.
  notaudio.mp3    a text file. soundfile: LibsndfileError ("File does not
                  exist or is not a regular file (possibly a pipe?)" -- a
                  misleading libsndfile message for an mpg123 open failure;
                  mpg123 prints "Illegal Audio-MPEG-Header" on stderr);
                  librosa -> audioread -> NoBackendError (no ffmpeg/gstreamer
                  in the reference venv).
  truncated.mp3   first 40% (989 bytes) of mono44k.mp3. libsndfile cannot open
                  it (same misleading LibsndfileError); librosa ->
                  NoBackendError. With 60% of the bytes libsndfile DOES open
                  it, reports the full frame count from the Xing/LAME header
                  (8821) but sf.read returns only 1199 frames (librosa.load then
                  gives ceil(1199*16000/44100) = 436 samples): a decoder must not
                  trust the header frame count. audio.json "truncated_60"
                  records that case; its bytes are not stored.
  zeroframes.wav  valid 44-byte WAV header, 0 frames. soundfile: frames=0,
                  read -> empty array; librosa.load -> float32 array of
                  shape (0,) (also with resampling). No error.

MP3 notes: libsndfile decodes MP3 through mpg123 with gapless trimming (LAME
tag), so the frame count equals the number of frames written.

Run: TF_USE_LEGACY_KERAS=1 /opt/genrekit-ref/bin/python reference/make_audio_fixtures.py
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import soundfile as sf
import soxr
import librosa

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "GenreKitAudioTests", "Fixtures")
TARGET_SR = 16000

GOOD = [
    # name, channels, samplerate, frames, format, subtype
    ("stereo44k.wav", 2, 44100, 4411, "WAV", "PCM_16"),
    ("mono22k.flac", 1, 22050, 3308, "FLAC", "PCM_16"),
    ("stereo32k.ogg", 2, 32000, 4801, "OGG", "VORBIS"),
    ("mono44k.mp3", 1, 44100, 8821, "MP3", "MPEG_LAYER_III"),
    ("stereo48k.mp3", 2, 48000, 9601, "MP3", "MPEG_LAYER_III"),
    ("multi8ch8k.wav", 8, 8000, 801, "WAV", "PCM_16"),
    ("mono16k.wav", 1, 16000, 1601, "WAV", "PCM_16"),
]


def content(channels, sr, frames):
    t = np.arange(frames, dtype=np.float64) / sr
    cols = []
    for c in range(channels):
        if channels == 8:
            x = 0.1 * np.sin(2 * np.pi * 200.0 * (c + 1) * t) + 0.05 * np.sin(2 * np.pi * 3500.0 * t)
        else:
            x = 0.4 * np.sin(2 * np.pi * (330.0 + 110.0 * c) * t) + 0.1 * np.sin(2 * np.pi * 3000.0 * t)
            if sr >= 22050:
                x = x + 0.05 * np.sin(2 * np.pi * 9000.0 * t)
        cols.append(x)
    return np.stack(cols, axis=1).astype(np.float32)


def describe_error(fn, path):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            r = fn()
            return {"ok": True, "result": r}
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": type(e).__name__, "message": str(e).replace(path, os.path.basename(path)).strip()[:200]}


def probe(path):
    def sf_info():
        i = sf.info(path)
        return {"channels": i.channels, "samplerate": i.samplerate, "frames": i.frames}

    def sf_read():
        return {"frames_read": int(sf.read(path, dtype="float32", always_2d=True)[0].shape[0])}

    def lr_load():
        y, _ = librosa.load(path, sr=TARGET_SR)
        return {"shape": list(y.shape), "dtype": str(y.dtype)}

    return {"soundfile_info": describe_error(sf_info, path), "soundfile_read": describe_error(sf_read, path),
            "librosa_load": describe_error(lr_load, path)}


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"libsndfile": sf.__libsndfile_version__, "librosa": librosa.__version__,
            "target_sr": TARGET_SR, "files": {}, "bad": {}}
    for name, ch, sr, frames, fmt, sub in GOOD:
        path = os.path.join(OUT, name)
        data = content(ch, sr, frames)
        if ch == 1:
            data = data[:, 0]
        sf.write(path, data, sr, format=fmt, subtype=sub)
        info = sf.info(path)
        y, _ = librosa.load(path, sr=TARGET_SR)
        np.save(os.path.join(OUT, name + ".load16k.npy"), np.ascontiguousarray(y, dtype="<f4"))
        raw, _ = sf.read(path, dtype="float32", always_2d=True)
        mono = raw.T.mean(axis=0) if ch > 1 else raw[:, 0]
        oneshot = mono.shape[0] if sr == TARGET_SR else soxr.resample(mono, sr, TARGET_SR, quality="soxr_hq").shape[0]
        meta["files"][name] = {
            "channels": info.channels, "samplerate": info.samplerate, "frames": info.frames,
            "format": info.format, "subtype": info.subtype, "frames_written": frames,
            "frames_read": int(raw.shape[0]), "bytes": os.path.getsize(path),
            "load16k_length": int(y.shape[0]),
            "ceil_length": int(math.ceil(raw.shape[0] * TARGET_SR / sr)),
            "soxr_oneshot_length": int(oneshot),
            "load16k_sum": float(np.sum(y.astype(np.float64))),
        }
        print(name, meta["files"][name])

    # bad inputs
    open(os.path.join(OUT, "empty.wav"), "wb").close()
    with open(os.path.join(OUT, "notaudio.mp3"), "w") as f:
        f.write("This is a text file pretending to be an MP3.\n")
    good = open(os.path.join(OUT, "mono44k.mp3"), "rb").read()
    with open(os.path.join(OUT, "truncated.mp3"), "wb") as f:
        f.write(good[: int(len(good) * 0.4)])
    sf.write(os.path.join(OUT, "zeroframes.wav"), np.zeros((0, 1), np.float32), 16000, subtype="PCM_16")
    for name in ["empty.wav", "notaudio.mp3", "truncated.mp3", "zeroframes.wav"]:
        meta["bad"][name] = dict(probe(os.path.join(OUT, name)), bytes=os.path.getsize(os.path.join(OUT, name)))
    tmp = os.path.join("/tmp", "genrekit_trunc60.mp3")
    with open(tmp, "wb") as f:
        f.write(good[: int(len(good) * 0.6)])
    meta["bad"]["truncated_60"] = dict(probe(tmp), bytes=int(len(good) * 0.6), note="not stored; 60% of mono44k.mp3")
    os.remove(tmp)
    for k, v in meta["bad"].items():
        print(k, json.dumps(v))
    with open(os.path.join(OUT, "audio.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def write_logmel_fixtures():
    """Decoded-file front-end parity: musicnn's log-mel (numpy-1 semantics) of two decoded fixtures,
    `<file>.logmel.npy` (frames x 96, float32)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from musicnn_ref import logmel_from_file
    for name in ["stereo48k.mp3", "mono22k.flac", "stereo44k.wav"]:
        path = os.path.join(OUT, name)
        np.save(path + ".logmel.npy", np.ascontiguousarray(logmel_from_file(path), dtype=np.float32))


if __name__ == "__main__":
    main()
    write_logmel_fixtures()
