#!/usr/bin/env bash
# Fuzzes GenreKit's model-file reader (GenreModel.read) with libFuzzer + AddressSanitizer.
#
#   bash scripts/fuzz-model-file.sh [SECONDS] [extra libFuzzer flags...]      (default 600 s, one process, one core)
#
# Builds the GenreKit library instrumented in .build-fuzz-model/, links Fuzz/ModelFileFuzzer.swift with
# -sanitize=fuzzer, seeds the corpus with the bodies of small model files trained here (one per classifier family)
# and runs nice'd. The fuzzer writes a correct header and checksum around each input, so mutations reach the JSON
# body. GENREKIT_FUZZ_PREDICT=1 also runs a prediction with every model that loads.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}; shift || true
S=.build-fuzz-model
SAN=fuzzer,address

nice swift build -c release --scratch-path "$S" --target GenreKit \
  -Xswiftc -sanitize=$SAN -Xcc -fsanitize=fuzzer-no-link,address >&2
B="$S/release"
MODS="$B/Modules"; [ -d "$MODS" ] || MODS="$B"
objs=()
for d in "$B"/*.build; do
  case "$(basename "$d")" in genrekit.build|genrekit_bench.build|*Tests.build|GenreKitBenchmarks.build) continue ;; esac
  for o in "$d"/*.o; do [ -e "$o" ] && objs+=("$o"); done
done
maps=()
for m in Sources/C*/module.modulemap; do maps+=(-Xcc "-fmodule-map-file=$m"); done
for m in "$B"/*.build/module.modulemap "$S"/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap; do
  [ -e "$m" ] && maps+=(-Xcc "-fmodule-map-file=$m")
done
nice swiftc -O -parse-as-library -sanitize=$SAN -I "$MODS" "${maps[@]}" -Xcc -ISources/CDecoderMessages/include \
  -Xcc -I/usr/include/x86_64-linux-gnu \
  Fuzz/ModelFileFuzzer.swift "${objs[@]}" -lsndfile -lsoxr -lavformat -lavcodec -lavutil -lswresample -lkissfft-float \
  -lopenblas -lsvm -lsqlite3 \
  -Xlinker --export-dynamic-symbol=fwrite -Xlinker --export-dynamic-symbol=fprintf -Xlinker --export-dynamic-symbol=__fprintf_chk \
  -o "$S/model-fuzzer" >&2

# Seeds: the bodies (after the header line) of tiny models of every classifier family, trained on a feature table.
seeds="$S/seeds"; corpus="$S/corpus"; findings="$S/findings"
mkdir -p "$seeds" "$corpus" "$findings"
if [ -z "$(ls -A "$seeds")" ]; then
  swift build -c release --product genrekit >&2
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  python3 - "$t/table.csv" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("id,label," + ",".join(f"f{i}" for i in range(4)) + "\n")
    for i in range(24):
        c = i % 3
        f.write(f"s{i},{'abc'[c]}," + ",".join(f"{c + random.gauss(0, 0.3):.4f}" for _ in range(4)) + "\n")
PY
  for c in logreg svm knn mlp; do
    .build/release/genrekit train "$t/table.csv" --feature-table --classifier "$c" --folds 2 --out "$t/$c.gkmodel" >/dev/null 2>&1
    tail -n +2 "$t/$c.gkmodel" > "$seeds/$c.json"
  done
fi

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
nice -n 19 "$S/model-fuzzer" "$corpus" "$seeds" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
  -max_len=262144 -artifact_prefix="$findings/" -print_final_stats=1 "$@"
