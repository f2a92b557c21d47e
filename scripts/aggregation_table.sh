#!/usr/bin/env bash
# Song accuracy of one trained model under each song-level aggregation (issue 16): trains on TRAIN with
# --aggregate attention (so the model has both an attention head and, with --valid-fraction, per-class thresholds),
# then evaluates on every song of TEST with --aggregate vote, mean, threshold and attention.
#
#   bash scripts/aggregation_table.sh TRAIN TEST OUT_DIR [extra train options...]
#   e.g. GENREKIT=.build/release/genrekit bash scripts/aggregation_table.sh /tmp/sg_a /tmp/sg_b /tmp/agg \
#            --features MSD_musicnn:max_pool --classifier logreg --test-fraction 0 --valid-fraction 0.25
#
# GENREKIT (default .build/release/genrekit) and CACHE (feature cache, default the user's) may be set.
set -euo pipefail
train=$1 test=$2 out=$3
shift 3
bin=${GENREKIT:-.build/release/genrekit}
cache=()
[ -n "${CACHE:-}" ] && cache=(--cache "$CACHE")
mkdir -p "$out"
"$bin" train "$train" --aggregate attention "${cache[@]}" --out "$out/model.gkmodel" "$@" 2> "$out/train.log" > "$out/train.out"
grep -E "attention pooling head|chosen:" "$out/train.log" "$out/train.out" | sed 's/^[^:]*://' >&2 || true
echo "| aggregation | song accuracy | songs | macro F1 |"
echo "|---|---|---|---|"
for agg in vote mean threshold attention; do
    if "$bin" evaluate "$out/model.gkmodel" "$test" --split all --aggregate "$agg" --format json "${cache[@]}" \
        > "$out/eval-$agg.json" 2> "$out/eval-$agg.err"; then
        python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["song"]
print("| %s | %.3f | %d | %.3f |" % (sys.argv[2], d["accuracy"], d["sampleCount"], d["macro"]["f1"]))' "$out/eval-$agg.json" "$agg"
    else
        echo "| $agg | ($(tail -1 "$out/eval-$agg.err")) | | |"
    fi
done
