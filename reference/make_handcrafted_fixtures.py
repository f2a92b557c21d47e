"""Handcrafted-feature (librosa 0.11) fixtures for Tests/GenreKitDSPTests/Fixtures/handcrafted.*.

All at sr=16000, n_fft=512, hop_length=256, center=True (librosa defaults otherwise), so every
feature has 1 + len(y) // 256 frames, aligned with the STFT frames. Per frame (columns, in order):

  mfcc_0..19        librosa.feature.mfcc(y, sr, n_mfcc=20, n_fft=512, hop_length=256)  (n_mels=128 default)
  mfcc_d1_0..19     librosa.feature.delta(mfcc, width=9, order=1)   (savgol_filter, mode='interp')
  mfcc_d2_0..19     librosa.feature.delta(mfcc, width=9, order=2)
  centroid          librosa.feature.spectral_centroid
  bandwidth         librosa.feature.spectral_bandwidth (p=2)
  rolloff           librosa.feature.spectral_rolloff (roll_percent=0.85)
  flux              librosa.onset.onset_strength(y, sr, n_fft=512, hop_length=256)  (defaults: 128-band
                    mel power -> power_to_db, lag 1, max_size 1, mean over bands, center padding)
  flatness          librosa.feature.spectral_flatness
  zcr               librosa.feature.zero_crossing_rate(y, frame_length=512, hop_length=256)
                    (frame/hop changed from librosa's 2048/512 to align with the STFT frames)
  rms               librosa.feature.rms(y, frame_length=512, hop_length=256)
  contrast_0..6     librosa.feature.spectral_contrast (n_bands=6, fmin=200)
  chroma_C..chroma_B librosa.feature.chroma_stft(n_chroma=12, tuning=0.0)  (tuning fixed, not estimated)
  tonnetz_0..5      librosa.feature.tonnetz(chroma=<the chroma_stft above>)  (NOT librosa's default,
                    which uses chroma_cqt)

Files:
  handcrafted.<sig>.frames.npy    float32 (frames, 92): the columns above
  handcrafted.<sig>.summary.npy   float64 (92 * 6,): per column [mean, std, skew, p10, p50, p90] of the
                                  float32 frames (cast to float64): np.mean, np.std (ddof 0),
                                  scipy.stats.skew (biased; NaN for constant columns -> 0),
                                  np.percentile (method='linear')
  handcrafted.<sig>.delta64.npy   float32 (frames, 40): librosa.feature.delta(mfcc.astype(float64), width 9,
                                  order 1 | order 2). scipy's savgol_filter fits the edge frames with a
                                  polynomial fit in the input's dtype, so on float32 MFCCs the first/last 4
                                  delta frames carry float32 least-squares error (up to ~4e-8 of |MFCC|);
                                  these float64 deltas of the same float32 MFCC values isolate the definition.
  handcrafted.<sig>.hpss.npy      float32 (2, frames, 257), HPSS_SIGNALS only: librosa.decompose.hpss(|STFT|)
                                  (kernel 31, power 2, margin 1): harmonic, percussive magnitudes (not part
                                  of the feature columns)
  handcrafted.tempo.npy           float32 (len(TEMPO_SIGNALS), 500): mean autocorrelation tempogram
                                  (librosa.feature.tempogram(onset_envelope=flux, sr, hop_length=256,
                                  win_length=500) averaged over frames), and in handcrafted.json "tempo":
                                  librosa.feature.tempo(onset_envelope=flux, sr=16000, hop_length=256)
                                  (flux = the onset strength above, n_fft 512; defaults otherwise)
  handcrafted.clicks.flux.npy     float32 (501,): the onset strength of "clicks" (0.5 every 6400 samples,
                                  i.e. 150 BPM, 128000 samples of zeros otherwise)
  handcrafted.json                column names, summary names, signal list, versions

Run: /opt/genrekit-ref/bin/python reference/make_handcrafted_fixtures.py
"""

import json
import os
import sys

import numpy as np
import librosa
import scipy
import scipy.stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signals  # noqa: E402

SR = 16000
N_FFT = 512
HOP = 256
SIGNALS = ["chord", "noise", "chirp", "quiet", "silence"]
HPSS_SIGNALS = ["noise"]
TEMPO_SIGNALS = ["clicks", "chord", "noise"]
STATS = ["mean", "std", "skew", "p10", "p50", "p90"]
CHROMA = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "GenreKitDSPTests", "Fixtures")


def column_names():
    names = [f"mfcc_{i}" for i in range(20)]
    names += [f"mfcc_d1_{i}" for i in range(20)]
    names += [f"mfcc_d2_{i}" for i in range(20)]
    names += ["centroid", "bandwidth", "rolloff", "flux", "flatness", "zcr", "rms"]
    names += [f"contrast_{i}" for i in range(7)]
    names += [f"chroma_{c}" for c in CHROMA]
    names += [f"tonnetz_{i}" for i in range(6)]
    return names


def frames(y):
    kw = dict(sr=SR, n_fft=N_FFT, hop_length=HOP)
    mfcc = librosa.feature.mfcc(y=y, n_mfcc=20, **kw)
    d1 = librosa.feature.delta(mfcc, width=9, order=1)
    d2 = librosa.feature.delta(mfcc, width=9, order=2)
    centroid = librosa.feature.spectral_centroid(y=y, **kw)
    bandwidth = librosa.feature.spectral_bandwidth(y=y, p=2, **kw)
    rolloff = librosa.feature.spectral_rolloff(y=y, roll_percent=0.85, **kw)
    flux = librosa.onset.onset_strength(y=y, **kw)[np.newaxis, :]
    flatness = librosa.feature.spectral_flatness(y=y, n_fft=N_FFT, hop_length=HOP)
    zcr = librosa.feature.zero_crossing_rate(y=y, frame_length=N_FFT, hop_length=HOP)
    rms = librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=HOP)
    contrast = librosa.feature.spectral_contrast(y=y, n_bands=6, fmin=200.0, **kw)
    chroma = librosa.feature.chroma_stft(y=y, n_chroma=12, tuning=0.0, **kw)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=SR)
    m64 = mfcc.astype(np.float64)
    delta64 = np.concatenate([librosa.feature.delta(m64, width=9, order=1),
                              librosa.feature.delta(m64, width=9, order=2)], axis=0).T.astype(np.float32)
    parts = [mfcc, d1, d2, centroid, bandwidth, rolloff, flux, flatness, zcr, rms, contrast, chroma, tonnetz]
    n = mfcc.shape[1]
    for p in parts:
        assert p.shape[1] == n, (p.shape, n)
    out = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=0).T
    assert np.all(np.isfinite(out))
    return out.astype(np.float32), delta64


def summary(f32):
    x = f32.astype(np.float64)
    with np.errstate(all="ignore"):
        skew = scipy.stats.skew(x, axis=0)
    skew = np.nan_to_num(skew, nan=0.0)
    stats = [x.mean(axis=0), x.std(axis=0), skew,
             np.percentile(x, 10, axis=0), np.percentile(x, 50, axis=0), np.percentile(x, 90, axis=0)]
    return np.stack(stats, axis=1).reshape(-1)   # column-major groups: col0 stats, col1 stats, ...


def make_signal(nm):
    if nm == "clicks":
        y = np.zeros(128000, dtype=np.float32)
        y[::6400] = 0.5
        return y
    return signals.make(nm)


def main():
    names = column_names()
    meta = {"sr": SR, "n_fft": N_FFT, "hop_length": HOP, "columns": names, "stats": STATS,
            "signals": SIGNALS, "librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    for nm in SIGNALS:
        y = signals.make(nm)
        fr, delta64 = frames(y)
        assert fr.shape[1] == len(names)
        np.save(os.path.join(OUT, f"handcrafted.{nm}.frames.npy"), np.ascontiguousarray(fr, dtype="<f4"))
        np.save(os.path.join(OUT, f"handcrafted.{nm}.delta64.npy"), np.ascontiguousarray(delta64, dtype="<f4"))
        np.save(os.path.join(OUT, f"handcrafted.{nm}.summary.npy"), np.ascontiguousarray(summary(fr), dtype="<f8"))
        if nm in HPSS_SIGNALS:
            mag = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
            h, p = librosa.decompose.hpss(mag)
            np.save(os.path.join(OUT, f"handcrafted.{nm}.hpss.npy"),
                    np.ascontiguousarray(np.stack([h.T, p.T]), dtype="<f4"))
        print(nm, fr.shape)
    meta["tempo"] = {}
    tgs = []
    for nm in TEMPO_SIGNALS:
        y = make_signal(nm)
        env = librosa.onset.onset_strength(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP)
        if nm == "clicks":
            np.save(os.path.join(OUT, "handcrafted.clicks.flux.npy"), np.ascontiguousarray(env, dtype="<f4"))
        tg = librosa.feature.tempogram(onset_envelope=env, sr=SR, hop_length=HOP, win_length=500)
        tgs.append(tg.mean(axis=1))
        meta["tempo"][nm] = float(librosa.feature.tempo(onset_envelope=env, sr=SR, hop_length=HOP)[0])
        print(nm, "tempo", meta["tempo"][nm])
    np.save(os.path.join(OUT, "handcrafted.tempo.npy"), np.ascontiguousarray(np.stack(tgs), dtype="<f4"))
    with open(os.path.join(OUT, "handcrafted.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
