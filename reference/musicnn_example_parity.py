"""GenreKit's taggram vs musicnn's own on musicnn's two example MP3s (issue 11: within 1e-4).

musicnn's `extractor(file, model)` is run as published, except for the one line that NumPy 2 changed:
`batch_data` computes `np.log10(10000 * mel.astype(np.float16) + 1)`, which under NumPy 1 (what musicnn was
written and trained for) promotes the product to float32, and under NumPy 2 keeps it in float16 (inf for power
> 6.55). `batch_data` is replaced by a copy that rounds the power to float16 and multiplies in float32 (as
reference/musicnn_ref.py's compress_numpy1). GenreKit's taggram comes from `genrekit tag FILE --model M --format json`.

Usage (the MP3s are in the musicnn repository's audio/ folder; never commit them):
    TF_USE_LEGACY_KERAS=1 /work/refvenv/bin/python reference/musicnn_example_parity.py \
        [--genrekit .build/release/genrekit] /tmp/musicnn/*.mp3
Prints, per file and model, the taggram shapes and the max abs difference.
"""

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import librosa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from musicnn_ref import compress_numpy1  # noqa: E402

from musicnn import extractor as mx  # noqa: E402
from musicnn import configuration as config  # noqa: E402


def batch_data_numpy1(audio_file, n_frames, overlap):
    """musicnn.extractor.batch_data with NumPy 1's promotion in the log compression (the only change)."""
    audio, sr = librosa.load(audio_file, sr=config.SR)
    audio_rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=config.FFT_HOP,
                                               n_fft=config.FFT_SIZE, n_mels=config.N_MELS).T
    audio_rep = compress_numpy1(audio_rep)
    last_frame = audio_rep.shape[0] - n_frames + 1
    patches = [audio_rep[t:t + n_frames, :][None] for t in range(0, last_frame, overlap)]
    return np.concatenate(patches, axis=0), audio_rep


mx.batch_data = batch_data_numpy1


def genrekit_taggram(binary, path, model):
    out = subprocess.run([binary, "tag", path, "--model", model, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    records = json.loads(out)
    return np.array(records[0]["taggram"], dtype=np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--genrekit", default=".build/release/genrekit")
    ap.add_argument("--models", default="MTT_musicnn,MSD_musicnn")
    args = ap.parse_args()
    worst = 0.0
    for path in args.files:
        for model in args.models.split(","):
            ref, _tags = mx.extractor(path, model=model, input_length=3, input_overlap=False, extract_features=False)
            ours = genrekit_taggram(args.genrekit, path, model)
            if ref.shape != ours.shape:
                print(f"{os.path.basename(path)} {model}: shapes differ, musicnn {ref.shape}, GenreKit {ours.shape}")
                worst = float("inf")
                continue
            d = float(np.max(np.abs(ref.astype(np.float64) - ours)))
            worst = max(worst, d)
            print(f"{os.path.basename(path)} {model}: taggram {ref.shape[0]}x{ref.shape[1]}, max abs diff {d:.3e}")
    print(f"worst {worst:.3e} (goal <= 1e-4)")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
