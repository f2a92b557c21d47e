#!/usr/bin/env python3
"""Writes a raw PCM file to standard output at real-time pace (for `genrekit stream` latency measurements).

    python3 scripts/pace_pcm.py FILE [--rate 16000] [--bytes-per-frame 4] [--block-ms 20] [--speed 1]

Each block of --block-ms milliseconds of audio is written when the wall clock reaches its end time (times speed),
so samples arrive no earlier than they would from a live source.
"""
import argparse, os, sys, time

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--rate", type=int, default=16000)
p.add_argument("--bytes-per-frame", type=int, default=4)
p.add_argument("--block-ms", type=float, default=20)
p.add_argument("--speed", type=float, default=1.0)
a = p.parse_args()
block = max(1, int(a.rate * a.block_ms / 1000)) * a.bytes_per_frame
out = sys.stdout.buffer
t0 = time.monotonic()
sent = 0
with open(a.file, "rb") as f:
    while True:
        data = f.read(block)
        if not data:
            break
        sent += len(data)
        due = t0 + sent / a.bytes_per_frame / a.rate / a.speed
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.write(data)
        out.flush()
