"""Deterministic test signals shared by the Python reference scripts and the
Swift tests (Tests/GenreKitDSPTests/TestSignals.swift replicates them).

All signals are 16000 Hz mono float32, LENGTH = 4000 samples (0.25 s; shortened from 0.75 s to fit the fixture size budget).
n = 0 ..< LENGTH, t = n / SR (float64).

LCG (32-bit, Numerical Recipes constants), exact in any language:
    state = (1664525 * state + 1013904223) mod 2^32      # advance FIRST
    k     = state >> 8                                     # 24-bit integer
    u     = float32(k) * 2^-24                             # exact, in [0, 1)
    noise = u * 2 - 1                                      # exact float32, in [-1, 1)
The first output value uses the state after one advance from the seed.

Tonal signals are computed in float64 and cast to float32 ONCE at the end.
Each sine is `a * sin(2*pi*f*n/sr)` evaluated left to right as
((2*pi)*f)*n/sr in float64 (Swift: `a * sin(2.0 * Double.pi * f * Double(n) / sr)`).
Tiny libm (sin) differences between platforms can flip the last float32 bit of
a few samples; compare with a tolerance of ~1e-7 absolute, not bit-exact.

Signals:
    sine440 : 0.5*sin(440 Hz)
    chord   : 0.3*sin(261.63) + 0.3*sin(329.63) + 0.3*sin(392.0)
    chirp   : 0.5*sin(2*pi*(f0*t + 0.5*k*t*t)), f0=100, f1=7000, T=LENGTH/SR,
              k=(f1-f0)/T; in float64 evaluated as
              0.5 * sin(2*pi * (f0*t + 0.5*k*t*t)) with t = n/sr,
              phase = 2.0*pi*(f0*t + 0.5*k*t*t)   [(0.5*k)*t*t, left to right]
    noise   : float32(0.3) * lcg_noise(seed=12345)   (float32 multiply)
    silence : zeros
    clipped : min(max(3*sin(440 Hz), -1), 1)   (float64, then cast)
    quiet   : 1e-4*sin(440 Hz)
    loud    : 0.5*sin(60 Hz) + 0.3*sin(90 Hz) + 0.19*sin(150 Hz)
              (peak < 1, energy concentrated in the narrow low slaney mel bands,
              so the mel power reaches ~1000+, far above 6.55 where numpy-2
              float16 `10000*x` would overflow)
"""

import math

import numpy as np

SR = 16000
LENGTH = 4000
NAMES = ["sine440", "chord", "chirp", "noise", "silence", "clipped", "quiet", "loud"]

LCG_A = 1664525
LCG_C = 1013904223


def lcg_u24(seed: int, count: int) -> np.ndarray:
    """Return `count` 24-bit integers (state >> 8) from the LCG, advancing first."""
    out = np.empty(count, dtype=np.uint32)
    state = seed & 0xFFFFFFFF
    for i in range(count):
        state = (LCG_A * state + LCG_C) & 0xFFFFFFFF
        out[i] = state >> 8
    return out


def lcg_noise(seed: int, count: int) -> np.ndarray:
    """Uniform float32 noise in [-1, 1), exact."""
    u = lcg_u24(seed, count).astype(np.float32) * np.float32(2.0 ** -24)
    return u * np.float32(2.0) - np.float32(1.0)


def lcg_uniform_scaled(seed: int, count: int, scale: float) -> np.ndarray:
    """float32((k * 2^-24)) * float32(scale), a single float32 rounding."""
    u = lcg_u24(seed, count).astype(np.float32) * np.float32(2.0 ** -24)
    return (u * np.float32(scale)).astype(np.float32)


def _n():
    return np.arange(LENGTH, dtype=np.float64)


def _sine(f, a=1.0):
    n = _n()
    return a * np.sin(2.0 * np.pi * f * n / SR)


def make(name: str) -> np.ndarray:
    if name == "sine440":
        y = _sine(440.0, 0.5)
    elif name == "chord":
        y = _sine(261.63, 0.3) + _sine(329.63, 0.3) + _sine(392.0, 0.3)
    elif name == "chirp":
        f0, f1 = 100.0, 7000.0
        T = LENGTH / SR
        k = (f1 - f0) / T
        t = _n() / SR
        y = 0.5 * np.sin(2.0 * np.pi * (f0 * t + 0.5 * k * t * t))
    elif name == "noise":
        return (np.float32(0.3) * lcg_noise(12345, LENGTH)).astype(np.float32)
    elif name == "silence":
        return np.zeros(LENGTH, dtype=np.float32)
    elif name == "clipped":
        y = np.minimum(np.maximum(_sine(440.0, 3.0), -1.0), 1.0)
    elif name == "quiet":
        y = _sine(440.0, 1e-4)
    elif name == "loud":
        y = _sine(60.0, 0.5) + _sine(90.0, 0.3) + _sine(150.0, 0.19)
    else:
        raise ValueError(name)
    return y.astype(np.float32)


def describe(y: np.ndarray) -> dict:
    return {
        "length": int(y.shape[0]),
        "first8": [float(v) for v in y[:8]],
        "sum": math.fsum(float(v) for v in y),  # exactly rounded float64 sum
    }


if __name__ == "__main__":
    for nm in NAMES:
        y = make(nm)
        d = describe(y)
        print(nm, d["length"], float(np.abs(y).max()), d["sum"], d["first8"][:3])
