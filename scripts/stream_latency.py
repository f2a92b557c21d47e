#!/usr/bin/env python3
"""Feeds raw PCM to a `genrekit stream` command at real-time pace and measures, from outside, each window's latency:
the time its JSON line is read back minus the time the block holding the window's last sample was written.

    python3 scripts/stream_latency.py FILE [--rate 16000] [--bytes-per-frame 4] [--block-ms 20] [--summary s.json] \
        [--lines out.jsonl] -- COMMAND ARGS...

e.g.  python3 scripts/stream_latency.py /tmp/x.f32 --summary s.json --lines s.jsonl -- \
          /usr/bin/time -v nice -n -5 .build/release/genrekit stream --model MSD_musicnn --pcm f32le --rate 16000

Pacing is scripts/pace_pcm.py's: block k is written when the wall clock reaches the end time of its audio. Every
--sample-s seconds the script records the load average and the resident memory (VmRSS) of the command's process
tree, to show whether memory stays flat. The command's standard error passes through. The summary has p50/p99/max
of the outside latency and of the command's own latency_ms, the RSS samples and the load samples.
"""
import argparse, json, os, subprocess, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--rate", type=int, default=16000)
p.add_argument("--bytes-per-frame", type=int, default=4)
p.add_argument("--block-ms", type=float, default=20)
p.add_argument("--sample-s", type=float, default=30)
p.add_argument("--summary")
p.add_argument("--lines")
argv = sys.argv[1:]
cut = argv.index("--") if "--" in argv else len(argv)
a = p.parse_args(argv[:cut])
cmd = argv[cut + 1:]
if not cmd:
    sys.exit("give the stream command after --")

frames_per_block = max(1, int(a.rate * a.block_ms / 1000))
block = frames_per_block * a.bytes_per_frame
proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
written = []            # monotonic time after each block's write
lines = []              # (receive time, parsed line)
done = threading.Event()


def writer():
    t0 = time.monotonic()
    sent = 0
    with open(a.file, "rb") as f:
        while True:
            data = f.read(block)
            if not data:
                break
            sent += len(data)
            delay = t0 + sent / a.bytes_per_frame / a.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            proc.stdin.write(data)
            proc.stdin.flush()
            written.append(time.monotonic())
    proc.stdin.close()


def reader():
    out = open(a.lines, "w") if a.lines else None
    for raw in proc.stdout:
        t = time.monotonic()
        lines.append((t, json.loads(raw)))
        if out:
            out.write(raw.decode())
    if out:
        out.close()


def tree_rss_kb(pid):
    total, stack = 0, [pid]
    while stack:
        q = stack.pop()
        try:
            for line in open(f"/proc/{q}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in os.listdir(f"/proc/{q}/task"):
                stack += [int(c) for c in open(f"/proc/{q}/task/{task}/children").read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


samples = []
start = time.monotonic()
threads = [threading.Thread(target=writer, daemon=True), threading.Thread(target=reader, daemon=True)]
for t in threads:
    t.start()
while proc.poll() is None:
    samples.append({"t_s": round(time.monotonic() - start, 1), "rss_kb": tree_rss_kb(proc.pid), "loadavg": open("/proc/loadavg").read().split()[:3]})
    for _ in range(int(a.sample_s * 10)):
        if proc.poll() is not None:
            break
        time.sleep(0.1)
for t in threads:
    t.join()

outside, inside = [], []
for t, line in lines:
    last = int(round(line["end_s"] * a.rate)) - 1                   # index of the window's last sample
    k = min(last // frames_per_block, len(written) - 1)               # the block that carried it
    outside.append((t - written[k]) * 1000)
    inside.append(line["latency_ms"])


def pct(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


summary = {"command": cmd, "exit": proc.returncode, "windows": len(lines), "audio_s": len(written) * frames_per_block / a.rate,
           "outside_latency_ms": {"p50": pct(outside, 0.5), "p99": pct(outside, 0.99), "max": max(outside, default=float("nan"))},
           "command_latency_ms": {"p50": pct(inside, 0.5), "p99": pct(inside, 0.99), "max": max(inside, default=float("nan"))},
           "samples": samples}
text = json.dumps(summary, indent=1)
if a.summary:
    open(a.summary, "w").write(text + "\n")
print(json.dumps({k: v for k, v in summary.items() if k != "samples"}), file=sys.stderr)
sys.exit(proc.returncode)
