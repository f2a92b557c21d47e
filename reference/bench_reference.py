"""Reference timing of the musicnn pipeline (librosa + TensorFlow), for the
Swift benchmark (genrekit-bench calls this via subprocess).

Usage:
  TF_USE_LEGACY_KERAS=1 /opt/genrekit-ref/bin/python reference/bench_reference.py FILE
      [--model MSD_musicnn] [--repeat 3] [--threads 0]

Times, in one process:
  frontend : librosa.load(FILE, sr=16000) + melspectrogram(n_fft=512, hop=256,
             n_mels=96) + musicnn log compression with numpy-1 semantics
             (float32: log10(10000 * float16(mel) + 1)) + windowing
             (187 frames, hop 187).
  inference: one sess.run of ALL windows in one batch (taggram only,
             is_training=False), after one untimed warm-up run at the same
             batch shape.
Both are run once untimed first (warm-up: lazy imports, numba/TF
initialisation), then `--repeat` timed runs; the JSON reports the median and
the minimum, plus every run. Graph build + checkpoint restore is reported
separately as model_load_s. --threads 0 keeps TensorFlow's default thread
pools; N > 0 sets intra-op threads to N.

Prints exactly one JSON line on stdout; TF/absl logs go to stderr.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--model", default="MSD_musicnn",
                    choices=["MTT_musicnn", "MSD_musicnn", "MTT_vgg", "MSD_vgg"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()

    import numpy as np
    import musicnn_ref as ref

    def frontend():
        lm = ref.logmel_from_file(args.file)
        n = lm.shape[0] - ref.N_FRAMES + 1
        batch = ref.batch_windows(lm) if n > 0 else np.zeros((0, ref.N_FRAMES, ref.N_MELS), np.float32)
        return lm, batch

    frontend()  # warm-up
    fe_times = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        lm, batch = frontend()
        fe_times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    runner = ref.Runner(args.model, threads=args.threads)
    model_load = time.perf_counter() - t0

    inf_times = []
    if batch.shape[0] > 0:
        runner.run(batch, features=False)  # warm-up at the same batch shape
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            runner.run(batch, features=False)
            inf_times.append(time.perf_counter() - t0)
    runner.close()

    out = {
        "file": args.file,
        "model": args.model,
        "repeat": max(1, args.repeat),
        "threads": args.threads,
        "frames": int(lm.shape[0]),
        "windows": int(batch.shape[0]),
        "frontend_s": statistics.median(fe_times),
        "frontend_min_s": min(fe_times),
        "inference_s": statistics.median(inf_times) if inf_times else None,
        "inference_min_s": min(inf_times) if inf_times else None,
        "model_load_s": model_load,
        "frontend_runs_s": fe_times,
        "inference_runs_s": inf_times,
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
