#!/usr/bin/env bash
# Every GPU check of Warbler in one go, for a machine with an NVIDIA GPU (no Swift needed: a
# release binary built with --static-swift-stdlib, its non-glibc .so files in $LIBS):
#   1. `warbler devices` (what was found, from where), 2. `warbler devices --check` twice (device
#   parity of the GPU front-end and every backend primitive against the CPU; the second run
#   loads its kernels from the disk cache), then once more with the CUDA libraries taken only
#   from Python's nvidia/*/lib packages, 3. `warbler spectrogram --device cuda` against the
#   CPU on the same recording, 4. bench/gpu_frontend.py (Warbler CUDA vs torchaudio and
#   torchlibrosa on the GPU, and Warbler's CPU).
#
#   WARBLER=path/to/warbler bash bench/gpu_check.sh OUTDIR
# Logs go to OUTDIR; the exit status is that of the parity check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
W=${WARBLER:-$here/../.build/release/warbler}
OUT=${1:-gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
echo "== warbler devices"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv 2>&1; "$W" devices 2>&1; } | tee "$OUT/devices.txt"
echo "== warbler devices --check (kernels compiled by NVRTC unless cached)"
start=$(date +%s%N)
"$W" devices --check 2>&1 | tee "$OUT/check.txt"
status=${PIPESTATUS[0]}
echo "check exit $status, $(( ($(date +%s%N) - start) / 1000000 )) ms"
start=$(date +%s%N)
"$W" devices --check --failures-only > "$OUT/check-more.txt" 2>&1
echo "second check (kernel cache) exit $?, $(( ($(date +%s%N) - start) / 1000000 )) ms; $(tail -1 "$OUT/check-more.txt")"
pydir=$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null)
if [ -n "$pydir" ]; then
  only=$(ls -d "$pydir"/*/lib | tr '\n' ':')
  echo "== CUDA libraries from Python's packages only: WARBLER_CUDA_PATH=$only"
  WARBLER_CUDA_PATH="$only" "$W" devices --check --failures-only 2>&1 | tee -a "$OUT/check-more.txt"
  echo "exit ${PIPESTATUS[0]}"
fi
echo "== warbler spectrogram --device cuda vs cpu"
"$W" synth example --out "$OUT/example.wav" --seconds 120 >/dev/null
for d in cpu cuda; do
  start=$(date +%s%N)
  "$W" spectrogram "$OUT/example.wav" --out "$OUT/example-$d.npy" --quiet --device $d 2>&1 | tail -2
  echo "  $d: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
python3 - "$OUT" <<'PY'
import sys, numpy as np
o = sys.argv[1]
a, b = np.load(f"{o}/example-cpu.npy"), np.load(f"{o}/example-cuda.npy")
print("spectrogram cpu vs cuda: shapes", a.shape, b.shape, "max abs dB diff", float(np.abs(a.astype(np.float64) - b).max()) if a.shape == b.shape else "shape differs")
PY
rm -f "$OUT"/example*.wav "$OUT"/example*.npy
echo "== bench/gpu_frontend.py"
WARBLER="$W" python3 "$here/gpu_frontend.py" --json "$OUT/bench.json" 2>"$OUT/bench-stderr.txt" | tee "$OUT/bench.txt"
echo "bench exit ${PIPESTATUS[0]}"
tail -30 "$OUT/bench-stderr.txt"
exit $status
