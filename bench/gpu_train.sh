#!/usr/bin/env bash
# GPU training check (issue 7), for a machine with an NVIDIA GPU and a release binary built
# with --static-swift-stdlib: the same small `warbler train` run (synthetic species, same seed,
# same batches) on the CPU and with --device cuda, then the two runs' epoch losses, validation
# F1 and clips/s side by side. The losses should agree to a few parts in 10^4 per epoch (float32
# on two devices; dropout draws are the same); clips/s is the speed comparison.
#
#   WARBLER=path/to/warbler bash bench/gpu_train.sh OUTDIR [EPOCHS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
W=${WARBLER:-$here/../.build/release/warbler}
OUT=${1:-gpu-train-out}
EPOCHS=${2:-3}
mkdir -p "$OUT"
"$W" synth dataset --out "$OUT/data" --species 6 --clips 10 --seconds 5 --seed 3 >/dev/null
for d in cpu cuda; do
  rm -rf "$OUT/run-$d"
  start=$(date +%s%N)
  "$W" train --manifest "$OUT/data/train.csv" --audio-root "$OUT/data/train_audio" --out "$OUT/run-$d" \
    --epochs "$EPOCHS" --batch-size 8 --examples-per-epoch 64 --learning-rate 0.002 --seed 3 \
    --cache "$OUT/cache" --device $d 2>&1 | grep -v '^training' | tee "$OUT/train-$d.txt"
  echo "$d: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
python3 - "$OUT" <<'PY'
import json, sys
o = sys.argv[1]
runs = {d: [json.loads(l) for l in open(f"{o}/run-{d}/metrics.jsonl")] for d in ("cpu", "cuda")}
worst = 0.0
for a, b in zip(runs["cpu"], runs["cuda"]):
    rel = abs(a["trainLoss"] - b["trainLoss"]) / abs(a["trainLoss"])
    worst = max(worst, rel)
    print(f"epoch {a['epoch']}: loss cpu {a['trainLoss']:.6f} cuda {b['trainLoss']:.6f} (rel {rel:.1e}); "
          f"F1 {a['validationF1']:.3f} / {b['validationF1']:.3f}; clips/s {a['samplesPerSecond']:.1f} / {b['samplesPerSecond']:.1f}")
print(f"worst relative loss difference {worst:.1e}")
PY
