"""musicnn / vgg reference outputs for Tests/GenreKitModelsTests/Fixtures/.

Inputs (W = number of 187x96 windows):
  patches : 2 spectrogram patches (2, 187, 96) from the LCG of signals.py,
            seed PATCH_SEED=2024, filled in C order (patch, frame, mel):
              state = (1664525*state + 1013904223) mod 2^32   (advance first)
              v = float32(state >> 8) * 2^-24 * float32(8.8)   (float32, uniform [0, 8.8))
            Only outputs are stored; Swift regenerates the input
            (Tests/GenreKitModelsTests/ReferencePatches.swift).
  clip    : clip.flac, 6.2 s mono 16 kHz PCM_16 synthetic "music" (see make_clip:
            chords with silent gaps, LCG-noise drum hits, loud bass 4.0-5.0 s).
            Log-mel: librosa.load(clip.flac, sr=16000) -> melspectrogram ->
            numpy-1 compression (clip.logmel.npy, (388, 96)); windows of 187
            frames, hop 187 (musicnn batch_data) -> W = 2 (frames 0..373).

For each input and model (MTT_musicnn, MSD_musicnn, MTT_vgg, MSD_vgg), files
<input>.<model>.<feature>.npy, float32:
  taggram                           (W, 50)  sigmoid outputs
  musicnn: penultimate (W,200), max_pool (W,753), mean_pool (W,753) in full;
           timbral (W,408), temporal (W,153), cnn1/cnn2/cnn3 (W,64) = mean over
           the 187 time steps (float64 mean, cast to float32).
  vgg:     pool5 (W,256) = pool5 (W,2,1,128) flattened in C order
           (time, freq, channel); pool1..pool4 (W,128) = mean over both
           spatial axes.
models.json: labels per model and shapes.

Graph built with musicnn.models.define_model under tf.name_scope('model'),
restored with tf.compat.v1.train.Saver from <musicnn>/<model>/, all windows in
one batch, is_training=False (see musicnn_ref.py for why not extractor()).

Run: TF_USE_LEGACY_KERAS=1 /opt/genrekit-ref/bin/python reference/make_musicnn_fixtures.py
"""

import json
import os
import sys

# Plain Eigen kernels: reproducible across CPUs (oneDNN on/off differs by ~4e-6 relative).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
import soundfile as sf
import librosa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import signals  # noqa: E402
import musicnn_ref as ref  # noqa: E402

OUT = os.path.join(HERE, "..", "Tests", "GenreKitModelsTests", "Fixtures")
PATCH_SEED = 2024
CLIP_SECONDS = 6.2
SR = 16000


def make_patches() -> np.ndarray:
    v = signals.lcg_uniform_scaled(PATCH_SEED, 2 * ref.N_FRAMES * ref.N_MELS, 8.8)
    return v.reshape(2, ref.N_FRAMES, ref.N_MELS)


def make_clip() -> np.ndarray:
    """Deterministic synthetic music in float64, cast to float32; written as PCM_16.

    * 4 chords (A, G, F, E major-ish triads), each starting every 1.55 s, held
      1.0 s then digital silence; partials h=1..3 with amplitude 0.06/h,
      20 ms attack/release, exp(-t/1.2) decay.
    * 12 drum hits every 0.5 s: 80 ms of LCG noise (seed 777, amp 0.12,
      exp(-t/15 ms)) + 60 Hz thump (amp 0.2, exp(-t/50 ms)).
    * loud passage 4.0-5.0 s: 0.4*sin(82.41 Hz) + 0.2*sin(123.47 Hz).
    """
    n = int(round(CLIP_SECONDS * SR))
    t = np.arange(n, dtype=np.float64) / SR
    y = np.zeros(n)
    chords = [[220.0, 277.18, 329.63], [196.0, 246.94, 293.66],
              [174.61, 220.0, 261.63], [164.81, 207.65, 246.94]]
    seg, hold = 1.55, 1.0
    for i, ch in enumerate(chords):
        m = (t >= i * seg) & (t < i * seg + hold)
        tt = t[m] - i * seg
        env = np.minimum(1.0, tt / 0.02) * np.minimum(1.0, (hold - tt) / 0.02) * np.exp(-tt / 1.2)
        for f in ch:
            for h in range(1, 4):
                y[m] += 0.06 / h * env * np.sin(2 * np.pi * f * h * tt)
    noise = signals.lcg_noise(777, n).astype(np.float64)
    for k in range(int(CLIP_SECONDS / 0.5)):
        s = int(k * 0.5 * SR)
        L = min(int(0.08 * SR), n - s)
        tt = np.arange(L) / SR
        y[s:s + L] += 0.12 * np.exp(-tt / 0.015) * noise[s:s + L]
        y[s:s + L] += 0.2 * np.exp(-tt / 0.05) * np.sin(2 * np.pi * 60.0 * tt)
    m = (t >= 4.0) & (t < 5.0)
    y[m] += 0.4 * np.sin(2 * np.pi * 82.41 * t[m]) + 0.2 * np.sin(2 * np.pi * 123.47 * t[m])
    assert np.abs(y).max() < 1.0
    return y.astype(np.float32)


def reduce_features(model: str, out: dict) -> dict:
    res = {"taggram": out["taggram"]}
    W = out["taggram"].shape[0]
    if "vgg" in model:
        res["pool5"] = out["pool5"].reshape(W, -1)
        for p in ["pool1", "pool2", "pool3", "pool4"]:
            res[p] = out[p].astype(np.float64).mean(axis=(1, 2))
    else:
        for k in ["penultimate", "max_pool", "mean_pool"]:
            res[k] = out[k].reshape(W, -1)
        for k in ["timbral", "temporal", "cnn1", "cnn2", "cnn3"]:
            a = out[k].reshape(W, ref.N_FRAMES, -1)
            res[k] = a.astype(np.float64).mean(axis=1)
    return {k: np.ascontiguousarray(v, dtype="<f4") for k, v in res.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    clip_path = os.path.join(OUT, "clip.flac")
    with sf.SoundFile(clip_path, "w", SR, 1, format="FLAC", subtype="PCM_16",
                      compression_level=1.0) as f:  # FLAC level 8, keeps the file small
        f.write(make_clip())
    y, _ = librosa.load(clip_path, sr=SR)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=ref.HOP, n_fft=ref.N_FFT,
                                         n_mels=ref.N_MELS).T
    clip_logmel = ref.compress_numpy1(mel)
    assert np.array_equal(clip_logmel, ref.logmel_from_file(clip_path))
    np.save(os.path.join(OUT, "clip.logmel.npy"), np.ascontiguousarray(clip_logmel, dtype="<f4"))
    print("clip samples", y.shape[0], "logmel", clip_logmel.shape, "max mel power", float(mel.max()),
          "frames with mel > 6.55:", int((mel.max(1) > 6.55).sum()))
    inputs = {"patches": make_patches(), "clip": ref.batch_windows(clip_logmel)}
    meta = {"patch_seed": PATCH_SEED, "patch_scale": 8.8, "inputs": {}, "models": {}}
    for name, batch in inputs.items():
        meta["inputs"][name] = {"windows": int(batch.shape[0]), "min": float(batch.min()),
                                "max": float(batch.max()), "sum": float(batch.astype(np.float64).sum())}
    for model in ref.MODELS:
        r = ref.Runner(model)
        meta["models"][model] = {"labels": r.labels, "features": {}}
        for name, batch in inputs.items():
            out = r.run(batch)
            red = reduce_features(model, out)
            for k, v in red.items():
                assert np.all(np.isfinite(v)), (model, name, k)
                np.save(os.path.join(OUT, f"{name}.{model}.{k}.npy"), v)
                meta["models"][model]["features"][k] = list(v.shape[1:])
            top = np.argsort(-red["taggram"].mean(0))[:3]
            print(model, name, {k: v.shape for k, v in out.items()}, [r.labels[i] for i in top])
        r.close()
    with open(os.path.join(OUT, "models.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
