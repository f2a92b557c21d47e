#!/usr/bin/env python3
"""CPU time of a `genrekit` run by phase, from `perf record -g` call chains (all threads, kernel included).

    perf record -F 4000 -g -o /tmp/tag.perf .build/release/genrekit tag song.mp3
    perf script -i /tmp/tag.perf | python3 scripts/perf-phases.py 0.25     # ms per sample = 1000 / frequency
    perf script -i /tmp/tag.perf | SHOW=decode,mel python3 scripts/perf-phases.py 0.25   # + the hottest leaves

A sample counts for the first phase, in the order below, that any frame of its chain matches (mangled Swift names
contain the module names); the rest is grouped by the shared object of its leaf frame.
"""
import collections, os, re, sys

PHASES = [
    ("network", ["MusicnnModelV7predict", "VGGModelV7predict", "ConvMaxOverWidth", "sgemm_", "dnnl"]),
    ("mel", ["MelStream", "MelSpectrogram", "STFT", "RealFFT", "MusicnnCompression", "PatchStream", "kiss_fft",
             "GenreKitDSP", "logf", "log10f"]),
    ("decode", ["AudioStream", "AudioDecoder", "SoundFile", "FFmpegFile", "libmpg123", "libsndfile", "libsoxr",
                "Resampler", "libavcodec", "libavformat", "GenreKitAudio"]),
    ("model load", ["PretrainedModelO4load", "loadTagger", "Checkpoint", "WeightReader", "ConstantFilterAnalysis"]),
    ("output", ["TagBatchOutput"]),
    ("dynamic linker", ["ld-linux", "_dl_"]),
    ("arg parsing", ["ArgumentParser"]),
]

def main():
    ms = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    counts, leaves, total, block = collections.Counter(), collections.defaultdict(collections.Counter), 0, []

    def flush():
        nonlocal total
        if not block:
            return
        total += 1
        frames = block[1:] or block[:1]
        text = "\n".join(block)
        leaf = re.sub(r"^\s*[0-9a-f]+\s+", "", frames[0])[:110]
        for phase, keys in PHASES:
            if any(k in text for k in keys):
                counts[phase] += 1
                leaves[phase][leaf] += 1
                return
        m = re.search(r"\(([^)]+)\)\s*$", frames[0])
        name = "other: " + (m.group(1).split("/")[-1] if m else "?")
        counts[name] += 1
        leaves[name][leaf] += 1

    for line in sys.stdin:
        if line.strip():
            block.append(line.rstrip("\n"))
        else:
            flush()
            block = []
    flush()
    for k, v in counts.most_common(25):
        print(f"{k:40s} {v * ms:8.1f} ms  {100 * v / max(1, total):5.1f} %")
    print(f"{'total':40s} {total * ms:8.1f} ms")
    for phase in filter(None, os.environ.get("SHOW", "").split(",")):
        print("--", phase)
        for k, v in leaves[phase].most_common(12):
            print(f"   {v * ms:7.1f} ms  {k}")

main()
