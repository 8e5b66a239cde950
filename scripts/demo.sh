#!/usr/bin/env bash
# The main job for now: install what is missing, build Warbler, make an example recording and
# write its log-mel spectrogram as .npy and PNG into ./out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
warbler=.build/release/warbler
mkdir -p out
"$warbler" synth example --out out/example.wav --seconds 10 --sample-rate 44100
"$warbler" info out/example.wav
"$warbler" spectrogram out/example.wav --out out/example.npy --png out/example.png
echo
echo "Done. The example is synthetic (generated whistles, trills and buzzes over wind noise)."
echo "  picture:     out/example.png"
echo "  log-mel:     out/example.npy  (numpy.load -> float32 [128, frames], dB)"
echo "Your own recordings: $warbler spectrogram YOUR.flac --out YOUR.npy --png YOUR.png"
