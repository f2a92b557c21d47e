#!/usr/bin/env python3
"""Checks at the command line that `genrekit stream` gives the windows of `genrekit predict --windows` (a trained
model) or `genrekit tag --format json` (a published network) on the same audio: same number of windows, same start
times, same top label, every probability within --tolerance.

    python3 scripts/compare_stream_predict.py [--genrekit .build/release/genrekit] --model MODEL [--pcm] FILE...

By default stream reads each FILE as a WAV stream (--input FILE, header from the stream). With --pcm, FILE must be a
16 kHz mono float32 WAV; its samples are sent raw through standard input (--pcm f32le --rate 16000), the way a live
source would send them. Prints one line per file and exits 1 if any file differs.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

p = argparse.ArgumentParser()
p.add_argument("--genrekit", default=".build/release/genrekit")
p.add_argument("--model", required=True)
p.add_argument("--pcm", action="store_true")
p.add_argument("--tolerance", type=float, default=1e-4)
p.add_argument("--cache", help="feature cache for predict (default: a new empty one, so features are computed afresh)")
p.add_argument("files", nargs="+")
a = p.parse_args()
trained = a.model.endswith(".gkmodel")
tmp = tempfile.mkdtemp(prefix="gk-compare-")


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.decode().strip()}")
    return r.stdout.decode()


def raw_float32(path):
    """The sample bytes of a float32 WAV (its 'data' chunk)."""
    data = open(path, "rb").read()
    i = 12
    while i + 8 <= len(data):
        tag, size = data[i:i + 4], int.from_bytes(data[i + 4:i + 8], "little")
        if tag == b"data":
            return data[i + 8:i + 8 + size]
        i += 8 + size + (size & 1)
    sys.exit(f"{path}: no data chunk")


failed = False
for f in a.files:
    if trained:
        rec = json.loads(run([a.genrekit, "predict", a.model, f, "--windows", "--format", "jsonl",
                              "--cache", a.cache or os.path.join(tmp, "features.sqlite")]).strip().splitlines()[0])
        labels = json.loads(open(a.model, encoding="utf-8").read().split("\n", 1)[1])["labels"]   # the model's order
        ref = [(w["start_s"], w["probabilities"]) for w in rec["windows"]]
    else:
        rec = json.loads(run([a.genrekit, "tag", f, "--model", a.model, "--format", "json"]))[0]
        labels = rec["tags"]
        ref = list(zip(rec["window_starts_s"], rec["taggram"]))
    base = [a.genrekit, "stream", "--model", a.model, "--top", str(len(labels)), "--format", "jsonl"]
    if a.pcm:
        out = run(base + ["--pcm", "f32le", "--rate", "16000", "--channels", "1"], stdin=raw_float32(f))
    else:
        out = run(base + ["--input", f])
    got = []
    for line in out.splitlines():
        r = json.loads(line)
        scores = {t["label"]: t["p"] for t in r["top"]}
        got.append((r["start_s"], [scores[l] for l in labels]))
    n = min(len(ref), len(got))
    dt = max((abs(ref[i][0] - got[i][0]) for i in range(n)), default=0)
    dp = max((abs(x - y) for i in range(n) for x, y in zip(ref[i][1], got[i][1])), default=0)
    top = sum(max(range(len(labels)), key=lambda j: ref[i][1][j]) == max(range(len(labels)), key=lambda j: got[i][1][j]) for i in range(n))
    ok = len(ref) == len(got) and dt < 1e-6 and dp <= a.tolerance and top == n
    failed |= not ok
    print(f"{'OK  ' if ok else 'DIFF'} {f}: windows {len(got)} stream / {len(ref)} {'predict' if trained else 'tag'}; "
          f"max |start difference| {dt:.2g} s; same top label {top}/{n}; max |probability difference| {dp:.3g}")
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
