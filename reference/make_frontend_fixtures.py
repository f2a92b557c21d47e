"""Front-end (librosa 0.11) fixtures for Tests/GenreKitDSPTests/Fixtures/.

For each signal in signals.NAMES (see signals.py for the exact formulas):
  <sig>.melpower.npy : librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512,
                       hop_length=256, n_mels=96).T  -> float32 (frames, 96)
                       (defaults: center=True, pad_mode='constant' (zeros),
                       window='hann' (periodic), power=2.0, slaney mel scale
                       (htk=False), norm='slaney', fmin=0, fmax=sr/2)
  <sig>.logmel.npy   : musicnn compression with numpy-1 semantics:
                       log10(float32(10000) * float32(float16(mel)) + 1), float32
  <sig>.mfcc.npy     : librosa.feature.mfcc(y=y, sr=16000, n_mfcc=20, n_fft=512,
                       hop_length=256, n_mels=96).T -> float32 (frames, 20)
                       = DCT-II(ortho) over mel axis of
                         power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)
                       (top_db clamps to max(db) - 80 over the WHOLE signal)
  melbasis.npy       : librosa.filters.mel(sr=16000, n_fft=512, n_mels=96),
                       float32 (96, 257)
  signals.json       : {sig: {length, first8, sum}} (sum = exactly rounded
                       float64 sum of the float32 samples, math.fsum)
                       plus per-signal max mel power.

frames = 1 + len(y) // 256.

Run: TF_USE_LEGACY_KERAS=1 /opt/genrekit-ref/bin/python reference/make_frontend_fixtures.py
"""

import json
import os
import sys

import numpy as np
import librosa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signals  # noqa: E402

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "GenreKitDSPTests", "Fixtures")


def compress_numpy1(mel: np.ndarray) -> np.ndarray:
    """musicnn's `np.log10(10000 * mel.astype(np.float16) + 1)` as numpy 1 computed it
    (the float16 array is promoted to float32 by the python-int scalar)."""
    m16 = mel.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * m16 + np.float32(1)).astype(np.float32)


def melpower(y: np.ndarray) -> np.ndarray:
    return librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP,
                                          n_mels=N_MELS).T.astype(np.float32)


def save(name, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    np.save(os.path.join(OUT, name), arr)


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"sr": SR, "n_fft": N_FFT, "hop_length": HOP, "n_mels": N_MELS,
            "librosa": librosa.__version__, "numpy": np.__version__, "signals": {}}
    for nm in signals.NAMES:
        y = signals.make(nm)
        mel = melpower(y)
        logmel = compress_numpy1(mel)
        mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=N_FFT, hop_length=HOP,
                                    n_mels=N_MELS).T.astype(np.float32)
        assert np.all(np.isfinite(mel)) and np.all(np.isfinite(logmel)) and np.all(np.isfinite(mfcc))
        save(f"{nm}.melpower.npy", mel)
        save(f"{nm}.logmel.npy", logmel)
        save(f"{nm}.mfcc.npy", mfcc)
        d = signals.describe(y)
        d["frames"] = int(mel.shape[0])
        d["max_melpower"] = float(mel.max())
        d["max_logmel"] = float(logmel.max())
        meta["signals"][nm] = d
        # what numpy 2 would do (float16 overflow) - informational only
        with np.errstate(all="ignore"):
            np2 = np.log10(10000 * mel.astype(np.float16) + 1)
        print(f"{nm:8s} frames={mel.shape[0]} max_mel={mel.max():.6g} max_logmel={logmel.max():.6g} "
              f"numpy2_inf={int(np.isinf(np2).sum())}")
    basis = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS)
    save("melbasis.npy", basis)
    with open(os.path.join(OUT, "signals.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
