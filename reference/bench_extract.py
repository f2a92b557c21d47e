"""Reference timing of feature extraction over a folder (librosa + TensorFlow musicnn, warm), for
`genrekit-bench extract`.

Usage: TF_USE_LEGACY_KERAS=1 python reference/bench_extract.py FOLDER [--model MSD_musicnn] [--limit 100]
Loads the model once, then for each audio file: librosa.load + log-mel (numpy-1 semantics) + all 3-s windows
through the network in one batch, fetching max_pool. The first file is a warm-up and is not timed. Prints one
JSON line with files/s and the process's CPU time (all threads).
"""
import argparse, glob, json, os, sys, time
HERE = os.path.dirname(os.path.abspath(__file__)); sys.path.insert(0, HERE)
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import musicnn_ref as ref

ap = argparse.ArgumentParser()
ap.add_argument("folder"); ap.add_argument("--model", default="MSD_musicnn"); ap.add_argument("--limit", type=int, default=100)
a = ap.parse_args()
files = sorted(f for e in ("wav", "mp3", "flac", "ogg") for f in glob.glob(os.path.join(a.folder, "**", "*." + e), recursive=True))[: a.limit]
runner = ref.Runner(a.model)
def one(f):
    lm = ref.logmel_from_file(f)
    batch = ref.batch_windows(lm)
    runner.run(batch, features=True)
one(files[0])
t0, c0 = time.perf_counter(), time.process_time()
for f in files: one(f)
s, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"files": len(files), "seconds": s, "cpu_s": cpu, "files_per_s": len(files) / s}))
