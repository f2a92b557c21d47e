#!/usr/bin/env bash
# Fuzzes GenreKit's audio entry point (bytes → decode → log-mel) with libFuzzer + AddressSanitizer.
#
#   bash scripts/fuzz-audio.sh [SECONDS] [extra libFuzzer flags...]      (default 600 s, one process, one core)
#
# Builds GenreKitAudio + GenreKitDSP instrumented in .build-fuzz/, links Fuzz/AudioFuzzer.swift with -sanitize=fuzzer,
# seeds the corpus with small files made by Debian's encoders (scripts/setup.sh installs them) and runs nice'd.
# Findings (crash-*, timeout-*, leak-*) land in .build-fuzz/findings/; the corpus grows in .build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}; shift || true
S=.build-fuzz
SAN=fuzzer,address

nice swift build -c release --scratch-path "$S" --target GenreKitDSP \
  -Xswiftc -sanitize=$SAN -Xcc -fsanitize=fuzzer-no-link,address >&2
B="$S/release"
MODS="$B/Modules"; [ -d "$MODS" ] || MODS="$B"
objs=("$B"/GenreKitAudio.build/*.o "$B"/GenreKitDSP.build/*.o "$B"/CDecoderMessages.build/*.o)
nice swiftc -O -parse-as-library -sanitize=$SAN -I "$MODS" \
  -Xcc -fmodule-map-file=Sources/CSndFile/module.modulemap -Xcc -fmodule-map-file=Sources/CSoxr/module.modulemap \
  -Xcc -fmodule-map-file=Sources/CFFmpeg/module.modulemap -Xcc -fmodule-map-file=Sources/CKissFFT/module.modulemap \
  -Xcc -fmodule-map-file=Sources/CBLAS/module.modulemap -Xcc -ISources/CDecoderMessages/include -Xcc -fmodule-map-file="$B/CDecoderMessages.build/module.modulemap" \
  -Xcc -I/usr/include/x86_64-linux-gnu \
  Fuzz/AudioFuzzer.swift "${objs[@]}" -lsndfile -lsoxr -lavformat -lavcodec -lavutil -lswresample -lkissfft-float -lopenblas \
  -Xlinker --export-dynamic-symbol=fwrite -Xlinker --export-dynamic-symbol=fprintf -Xlinker --export-dynamic-symbol=__fprintf_chk \
  -o "$S/audio-fuzzer" >&2

# Seeds: 0.1-s files of every kind the tests make.
seeds="$S/seeds"; corpus="$S/corpus"; findings="$S/findings"
mkdir -p "$seeds" "$corpus" "$findings"
if [ -z "$(ls -A "$seeds")" ]; then
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  q=(-hide_banner -loglevel error -nostdin -y)
  ffmpeg "${q[@]}" -f lavfi -i "sine=frequency=440:duration=0.1:sample_rate=22050" -ac 2 "$t/s.wav"
  cp "$t/s.wav" "$seeds/pcm16.wav"
  sox "$t/s.wav" -e floating-point -b 32 "$seeds/float.wav"
  sox "$t/s.wav" -b 24 "$seeds/pcm24.wav"
  sox "$t/s.wav" "$seeds/aiff.aiff"
  ffmpeg "${q[@]}" -i "$t/s.wav" -rf64 always "$seeds/rf64.wav"
  flac -s -f "$t/s.wav" -o "$seeds/flac.flac"
  flac -s -f --ogg "$t/s.wav" -o "$seeds/oggflac.oga"
  lame --quiet -b 32 "$t/s.wav" "$seeds/cbr.mp3"
  lame --quiet -t -V 6 "$t/s.wav" "$seeds/vbr-notag.mp3"
  ffmpeg "${q[@]}" -i "$t/s.wav" -c:a aac -b:a 32k "$seeds/aac.m4a"
  ffmpeg "${q[@]}" -i "$t/s.wav" -c:a alac "$seeds/alac.m4a"
  ffmpeg "${q[@]}" -i "$t/s.wav" -c:a aac -b:a 32k -f adts "$seeds/adts.aac"
  ffmpeg "${q[@]}" -i "$t/s.wav" -c:a wmav2 -b:a 32k "$seeds/wma.wma"
  ffmpeg "${q[@]}" -i "$t/s.wav" -c:a libvorbis -f webm "$seeds/webm.webm"
  opusenc --quiet --bitrate 16 "$t/s.wav" "$seeds/opus.opus"
  oggenc -Q -q 0 "$t/s.wav" -o "$seeds/vorbis.ogg"
  wavpack -q -y "$t/s.wav" -o "$seeds/wavpack.wv"
fi

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=Fuzz/lsan.supp:print_suppressions=0} \
nice -n 19 "$S/audio-fuzzer" "$corpus" "$seeds" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 "$@"
