#!/usr/bin/env python3
"""Deletion-curve table of `genrekit explain`'s saliency methods against a random deletion order (issue 16).

    python3 scripts/deletion_table.py --genrekit .build/release/genrekit --model MODEL [--model MODEL2 ...] \
        --data /tmp/sg_b --per-genre 1 [--steps 10] [--methods gradient,smoothgrad,integrated,occlusion,gradcam] \
        [--excerpt 12] [--jsonl results.jsonl] [--markdown table.md]

For each model, each song (the first --per-genre files of every genre folder of --data, sorted by name) and each
method it runs `genrekit explain SONG --model MODEL --method METHOD --deletion STEPS --out x.npy` (the class is the
song's top class, as the command picks it; every window of the song) and reads the printed areas: the mean
deletion-curve area over the song's windows for the map's order and for a random order (seed 0, the same order for
every method of a song). Lower is better; a map that finds what the score depends on beats random.

With --excerpt S each song is first cut (sox) to the one network window starting at S seconds (2.992 s), so each
song counts one window and the class is that window's top class: about a tenth of the work of whole songs.

Results are appended to --jsonl as they come, and rows already there are not computed again (a stopped run
resumes). The table gives, per model and method, the mean area over songs, the mean random area, the mean
difference (method - random) with its standard error, and on how many songs the method beat random.
"""
import argparse, json, math, os, subprocess, sys, tempfile

p = argparse.ArgumentParser()
p.add_argument("--genrekit", default=".build/release/genrekit")
p.add_argument("--model", action="append", required=True)
p.add_argument("--data", required=True)
p.add_argument("--per-genre", type=int, default=1)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--methods", default="gradient,smoothgrad,integrated,occlusion,gradcam")
p.add_argument("--jsonl", default="deletion.jsonl")
p.add_argument("--markdown")
p.add_argument("--excerpt", type=float, help="explain only the window starting at this many seconds (cut with sox)")
a = p.parse_args()

songs = []
for genre in sorted(os.listdir(a.data)):
    folder = os.path.join(a.data, genre)
    if os.path.isdir(folder):
        songs += [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith((".wav", ".mp3", ".flac"))][: a.per_genre]
methods = a.methods.split(",")

done = {}
if os.path.exists(a.jsonl):
    for line in open(a.jsonl):
        r = json.loads(line)
        done[(r["model"], r["path"], r["method"])] = r

with tempfile.TemporaryDirectory() as tmp, open(a.jsonl, "a") as log:
    for model in a.model:
        for song in songs:
            for method in methods:
                if (model, song, method) in done:
                    continue
                audio = song
                if a.excerpt is not None:
                    audio = os.path.join(tmp, os.path.basename(song))
                    subprocess.run(["sox", song, audio, "trim", str(a.excerpt), "2.992"], check=True)
                cmd = [a.genrekit, "explain", audio, "--model", model, "--method", method, "--deletion", str(a.steps),
                       "--out", os.path.join(tmp, "map.npy")]
                run = subprocess.run(cmd, capture_output=True, text=True)
                if run.returncode != 0:
                    sys.exit(f"{' '.join(cmd)}: exit {run.returncode}: {run.stderr.strip()}")
                r = json.loads(run.stdout.strip().splitlines()[-1])
                r["model"], r["path"] = model, song
                done[(model, song, method)] = r
                log.write(json.dumps(r, sort_keys=True) + "\n")
                log.flush()
                print(f"{os.path.basename(model)} {os.path.basename(song)} {method}: {r['deletion_area']:.3f} (random {r['random_area']:.3f})",
                      file=sys.stderr)

where = f"the window at {a.excerpt} s of each song" if a.excerpt is not None else "mean over each song's windows"
lines = [f"Deletion-curve area (lower = better; {a.steps} steps of 8x8 mel-time blocks, {where}), "
         f"{len(songs)} songs of {a.data}", "",
         "| model | method | area | random | method - random (± s.e.) | median difference | songs better than random |",
         "|---|---|---|---|---|---|---|"]
for model in a.model:
    for method in methods:
        rows = [done[(model, s, method)] for s in songs]
        d = [r["deletion_area"] - r["random_area"] for r in rows]
        n = len(d)
        mean = sum(d) / n
        se = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1) / n) if n > 1 else float("nan")
        lines.append(f"| {os.path.basename(model)} | {method} | {sum(r['deletion_area'] for r in rows) / n:.3f} | "
                     f"{sum(r['random_area'] for r in rows) / n:.3f} | {mean:+.3f} ± {se:.3f} | {sorted(d)[n // 2] if n % 2 else (sorted(d)[n // 2 - 1] + sorted(d)[n // 2]) / 2:+.3f} | "
                     f"{sum(x < 0 for x in d)}/{n} |")
text = "\n".join(lines)
print(text)
if a.markdown:
    open(a.markdown, "w").write(text + "\n")
