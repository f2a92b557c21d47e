#!/usr/bin/env bash
# GenreKit set-up: installs the Debian packages GenreKit links against and the pre-trained musicnn weights.
# Idempotent: a second run checks everything, changes nothing and says so.
#
#   GENREKIT_MODELS   where the model folders go (default ~/.cache/genrekit/models)
#   GENREKIT_WITH_DATASETS=1   also install FluidSynth + General MIDI soundfont (for ../shared/datasets)
#   GENREKIT_YAMNET   path to TensorFlow's yamnet.tflite (optional; default: ../shared/models/yamnet.tflite when
#                     that folder exists). Installed into $GENREKIT_MODELS/yamnet after its SHA-256 is checked.
set -euo pipefail

MUSICNN_VERSION=0.1.0
MUSICNN_WHEEL=musicnn-${MUSICNN_VERSION}-py3-none-any.whl
MUSICNN_SHA256=f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa
MODELS=(MTT_musicnn MSD_musicnn MTT_vgg MSD_vgg)
MODELS_DIR=${GENREKIT_MODELS:-$HOME/.cache/genrekit/models}
WHEEL_DIR=${GENREKIT_CACHE:-$HOME/.cache/genrekit}/wheels

say() { echo "setup: $*" >&2; }
changed=0

# 1. Debian packages (C libraries through their -dev packages).
packages=(pkg-config libsndfile1-dev libsoxr-dev libopenblas-dev libkissfft-dev libsvm-dev libdnnl-dev libssl-dev libsqlite3-dev
          libavformat-dev libavcodec-dev libavutil-dev libswresample-dev)
# Encoders the audio tests use to make their fixtures (and ffmpeg, librosa's audioread fallback in reference/).
packages+=(ffmpeg lame sox flac opus-tools vorbis-tools wavpack)
# The catalog's PostgreSQL store: tests and genrekit-bench catalog start throwaway servers with its initdb/pg_ctl.
packages+=(postgresql)
[ "${GENREKIT_WITH_DATASETS:-0}" = 1 ] && packages+=(fluidsynth fluid-soundfont-gm python3-numpy)
# pip is needed to download the weights; Debian's python3-pip only when no python3 with pip exists (e.g. pyenv).
if ! { command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; }; then
  packages+=(python3 python3-pip)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed=1
fi
command -v swift >/dev/null || { say "no Swift toolchain on PATH: install Swift 6 (swift.org) first"; exit 1; }

# 2. Model weights: the musicnn wheel (ISC licence) holds the TF1 checkpoints GenreKit reads directly.
stamp="$MODELS_DIR/.musicnn-$MUSICNN_SHA256"
installed=1
for m in "${MODELS[@]}"; do
  [ -f "$MODELS_DIR/$m/.index" ] && [ -f "$MODELS_DIR/$m/.data-00000-of-00001" ] || installed=0
done
[ -f "$stamp" ] || installed=0
if [ $installed = 0 ]; then
  mkdir -p "$WHEEL_DIR" "$MODELS_DIR"
  wheel="$WHEEL_DIR/$MUSICNN_WHEEL"
  if [ ! -f "$wheel" ] || [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$MUSICNN_SHA256" ]; then
    rm -f "$wheel"
    say "downloading musicnn==$MUSICNN_VERSION (weights only, not installed as a Python package)"
    python3 -m pip download --quiet --no-deps --no-cache-dir "musicnn==$MUSICNN_VERSION" -d "$WHEEL_DIR" >&2
  fi
  got=$(sha256sum "$wheel" | cut -d' ' -f1)
  if [ "$got" != "$MUSICNN_SHA256" ]; then
    rm -f "$wheel"
    say "SHA-256 mismatch for $MUSICNN_WHEEL (expected $MUSICNN_SHA256, got $got): refusing to use it"; exit 1
  fi
  say "unpacking checkpoints into $MODELS_DIR"
  python3 - "$wheel" "$MODELS_DIR" "${MODELS[@]}" <<'PY'
import sys, zipfile, os, shutil
wheel, dest, models = sys.argv[1], sys.argv[2], sys.argv[3:]
keep = ('.index', '.data-00000-of-00001', 'config.json')
with zipfile.ZipFile(wheel) as z:
    for m in models:
        tmp = os.path.join(dest, '.' + m + '.tmp'); shutil.rmtree(tmp, ignore_errors=True); os.makedirs(tmp)
        for name in keep:
            with z.open(f'musicnn/{m}/{name}') as src, open(os.path.join(tmp, name), 'wb') as out:
                shutil.copyfileobj(src, out)
        final = os.path.join(dest, m); shutil.rmtree(final, ignore_errors=True); os.rename(tmp, final)
PY
  touch "$stamp"
  changed=1
fi

# 3. YAMNet (optional second network family): TensorFlow's YAMNet TFLite file and its class map, copied from
#    GENREKIT_YAMNET or ../shared/models (next to the repository) when present; musicnn works without it.
YAMNET_SHA256=687f226c147a2caab4706fbbab5e9cecb14b9a368264bf61108078b1fddf68f5
YAMNET_MAP_SHA256=774ed5c4389262a4aa6ba6b8c5703f66dd80d62be07dbc1a86bccf3fe415a1e9
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
yamnet_src=${GENREKIT_YAMNET:-}
if [ -z "$yamnet_src" ] && [ -f "$repo_root/../shared/models/yamnet.tflite" ]; then
  yamnet_src="$repo_root/../shared/models/yamnet.tflite"
fi
yamnet_dir="$MODELS_DIR/yamnet"
if [ -n "$yamnet_src" ]; then
  [ -f "$yamnet_src" ] || { say "GENREKIT_YAMNET=$yamnet_src: no such file"; exit 1; }
  if [ ! -f "$yamnet_dir/yamnet.tflite" ] || [ "$(sha256sum "$yamnet_dir/yamnet.tflite" | cut -d' ' -f1)" != "$YAMNET_SHA256" ]; then
    got=$(sha256sum "$yamnet_src" | cut -d' ' -f1)
    if [ "$got" != "$YAMNET_SHA256" ]; then
      say "SHA-256 mismatch for $yamnet_src (expected $YAMNET_SHA256, got $got): not installing YAMNet"; exit 1
    fi
    mkdir -p "$yamnet_dir"
    cp "$yamnet_src" "$yamnet_dir/.yamnet.tflite.tmp" && mv "$yamnet_dir/.yamnet.tflite.tmp" "$yamnet_dir/yamnet.tflite"
    say "installed YAMNet into $yamnet_dir"
    changed=1
  fi
  map_src="$(dirname "$yamnet_src")/yamnet_class_map.tsv"
  if [ -f "$map_src" ] && [ ! -f "$yamnet_dir/yamnet_class_map.tsv" ]; then
    got=$(sha256sum "$map_src" | cut -d' ' -f1)
    if [ "$got" = "$YAMNET_MAP_SHA256" ]; then
      cp "$map_src" "$yamnet_dir/yamnet_class_map.tsv"; changed=1
    else
      say "SHA-256 mismatch for $map_src (expected $YAMNET_MAP_SHA256, got $got): class names not installed"
    fi
  fi
fi

if [ $changed = 0 ]; then
  say "everything already set up (Debian packages present, models in $MODELS_DIR); nothing to do"
else
  say "done: models in $MODELS_DIR (${MODELS[*]})"
fi
