#!/usr/bin/env python3
"""Writes SECONDS of synthetic music-like mono float32 PCM at 16 kHz (chords, noise bursts, a pulse) to FILE, seeded.

    python3 scripts/make_test_pcm.py FILE SECONDS [--seed 0]
"""
import argparse
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("seconds", type=float)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
sr = 16000
with open(a.file, "wb") as f:
    for start in range(0, int(a.seconds), 10):
        t = np.arange(int(min(10, a.seconds - start) * sr)) / sr + start
        root = 110 * 2 ** (rng.integers(0, 12) / 12)
        x = sum(0.15 * np.sin(2 * np.pi * root * k * t) for k in (1, 1.25, 1.5, 2))
        x += 0.1 * rng.standard_normal(t.size) * (np.sin(2 * np.pi * 2 * t) > 0.7)
        f.write(x.astype("<f4").tobytes())
