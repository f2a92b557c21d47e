#!/usr/bin/env bash
# Fuzzes GenreKit's TensorFlow Lite reader (flatbuffer → TFLiteModelFile → TFLitePlan → YAMNetModel) with
# libFuzzer + AddressSanitizer.
#
#   bash scripts/fuzz-tflite.sh [SECONDS] [extra libFuzzer flags...]      (default 600 s, one process, one core)
#
# Builds GenreKitModels instrumented in .build-fuzz-tflite/, links Fuzz/TFLiteFuzzer.swift with -sanitize=fuzzer,
# seeds the corpus with yamnet.tflite (the model cache, GENREKIT_YAMNET or ../shared/models), two tiny models with
# YAMNet's operators (reference/make_tflite_seeds.py, when GENREKIT_REFERENCE_PYTHON — default reference/.venv/bin/python —
# has TensorFlow; they make mutations cheap) and damaged copies of all of them (truncated at several lengths, bit
# flips), and runs nice'd.
# GENREKIT_FUZZ_RUN=1 also runs every plan that compiles. Inputs are capped at 64 KB (-max_len=65536: ~1 600 runs/s on
# the tiny models, yamnet.tflite's seeds enter cut to their first 64 KB); pass -max_len=4194304 to mutate the whole
# 4-MB YAMNet file too (a few runs/s under AddressSanitizer). Findings (crash-*, timeout-*, leak-*) land in
# .build-fuzz-tflite/findings/; each becomes a regression test (TFLiteReaderRobustnessTests).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}; shift || true
S=.build-fuzz-tflite
SAN=fuzzer,address

nice swift build -c release --scratch-path "$S" --target GenreKitModels \
  -Xswiftc -sanitize=$SAN -Xcc -fsanitize=fuzzer-no-link,address >&2
B="$S/release"
MODS="$B/Modules"; [ -d "$MODS" ] || MODS="$B"
objs=()
for m in GenreKitCore GenreKitAudio GenreKitDSP GenreKitNN GenreKitModels CDecoderMessages; do
  for o in "$B/$m.build"/*.o; do [ -e "$o" ] && objs+=("$o"); done
done
maps=()
for m in Sources/C*/module.modulemap "$B"/CDecoderMessages.build/module.modulemap; do
  [ -e "$m" ] && maps+=(-Xcc "-fmodule-map-file=$m")
done
nice swiftc -O -parse-as-library -sanitize=$SAN -I "$MODS" "${maps[@]}" -Xcc -ISources/CDecoderMessages/include \
  -Xcc -I/usr/include/x86_64-linux-gnu \
  Fuzz/TFLiteFuzzer.swift "${objs[@]}" -lsndfile -lsoxr -lavformat -lavcodec -lavutil -lswresample -lkissfft-float -lopenblas \
  -Xlinker --export-dynamic-symbol=fwrite -Xlinker --export-dynamic-symbol=fprintf -Xlinker --export-dynamic-symbol=__fprintf_chk \
  -o "$S/tflite-fuzzer" >&2

# Seeds: YAMNet and damaged copies of it.
seeds="$S/seeds"; corpus="$S/corpus"; findings="$S/findings"
mkdir -p "$seeds" "$corpus" "$findings"
if [ -z "$(ls -A "$seeds")" ]; then
  model=""
  for p in "${GENREKIT_MODELS:-$HOME/.cache/genrekit/models}/yamnet/yamnet.tflite" "${GENREKIT_YAMNET:-}" ../shared/models/yamnet.tflite; do
    [ -n "$p" ] && [ -f "$p" ] && { model=$p; break; }
  done
  [ -n "$model" ] || { echo "yamnet.tflite not found: run scripts/setup.sh or set GENREKIT_YAMNET" >&2; exit 1; }
  cp "$model" "$seeds/yamnet.tflite"
  py=${GENREKIT_REFERENCE_PYTHON:-reference/.venv/bin/python}
  if [ -x "$py" ] && TF_CPP_MIN_LOG_LEVEL=3 "$py" -c "import tensorflow" 2>/dev/null; then
    TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=3 "$py" reference/make_tflite_seeds.py "$seeds" 2>/dev/null | grep bytes >&2
  else
    echo "no TensorFlow at $py (GENREKIT_REFERENCE_PYTHON): seeding with yamnet.tflite only" >&2
  fi
  python3 - "$seeds" <<'PY'
import glob, os, random, sys
out = sys.argv[1]
rng = random.Random(1)
for src in sorted(glob.glob(f"{out}/*.tflite")):
    stem = os.path.basename(src)[:-len(".tflite")]
    b = open(src, "rb").read()
    n = len(b)
    for k, cut in enumerate([16, 64, 256, 4096, n // 8, n // 2, n - 1]):
        if cut < n:
            open(f"{out}/{stem}-cut{k}.tflite", "wb").write(b[:cut])
    # Bit flips; in yamnet.tflite only in its first and last 64 KB, where the flatbuffer tables are (the int8 weights lie
    # in between, where a flip only changes the model).
    spots = [range(n)] if n < 200000 else [range(0, 65536), range(n - 65536, n)]
    for k in range(8):
        c = bytearray(b)
        for _ in range(1 + k % 3):
            p = rng.choice(rng.choice(spots))
            c[p] ^= 1 << rng.randrange(8)
        open(f"{out}/{stem}-flip{k}.tflite", "wb").write(bytes(c))
PY
fi

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
nice -n 19 "$S/tflite-fuzzer" "$corpus" "$seeds" -max_total_time="$SECONDS_TO_RUN" -timeout=20 -rss_limit_mb=4096 \
  -malloc_limit_mb=4096 -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 "$@"
