#!/usr/bin/env bash
# The models on an NVIDIA GPU (a machine without Swift: a release bundle from scripts/bundle.sh):
#   1. device parity of every backend primitive and a small autograd model (devices --check);
#   2. bench/models.py --device cuda: the resnest50d SED's inference clips/s at batch 1 and 16
#      and training samples/s at batch 8 (AdamW on the device), Warbler's CUDA backend vs
#      PyTorch eager on the same weights and input;
#   3. warbler detect over the same soundscapes on the CPU and on the GPU: wall times, and the
#      two runs' 5-s row scores must agree within float32 tolerance.
#
#   WARBLER=path/to/warbler bash bench/gpu_models.sh OUTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
W=${WARBLER:?set WARBLER to the warbler binary}
OUT=${1:-gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
echo "== devices --check"
"$W" devices --check --failures-only 2>&1 | tail -3
echo "== bench/models.py --device cuda (resnest50d SED, inference and training)"
python3 "$here/models.py" --device cuda --arch resnest50d --repeats 10 --json "$OUT/models-cuda.json" 2>&1 | tail -7
echo "== detect: CPU vs GPU on the same soundscapes"
"$W" model init --arch resnest50d --classes 24 --gru-hidden 256 --out "$OUT/m50.safetensors" >/dev/null
"$W" synth soundscape --out /tmp/sc --species 24 --count 2 --seconds 300 --format flac >/dev/null
for d in cpu cuda; do
  start=$(date +%s%N)
  "$W" detect --checkpoint "$OUT/m50.safetensors" /tmp/sc --out "/tmp/det-$d" --format csv --no-report --device $d > "$OUT/detect-$d.txt" 2>&1
  echo "  $d: exit $?, $(( ($(date +%s%N) - start) / 1000000 )) ms for 2 x 300 s of audio"
done
python3 - <<'PY'
import csv
def rows(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], {row[0]: [float(v) for v in row[1:]] for row in r[1:]}
h1, a = rows("/tmp/det-cpu/scores.csv"); h2, b = rows("/tmp/det-cuda/scores.csv")
worst = max(abs(x - y) for k in a for x, y in zip(a[k], b[k]))
print(f"  scores.csv: {len(a)} rows on the CPU, {len(b)} on the GPU, same row ids: {sorted(a) == sorted(b)}, max |score difference| {worst:.2e}")
PY
