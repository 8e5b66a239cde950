#!/bin/bash
# Submits a Warbler detection array (detect-array.sbatch, one task per shard) and the merge job
# that runs after it (merge.sbatch, --dependency=afterany). Prints the two job ids.
#   CHECKPOINT=m.safetensors INPUTS=/archive OUT=/scratch/run SHARDS=64 ./submit.sh
# Resubmit some shards (a cancelled or failed task) and merge again:
#   ARRAY=3,17 CHECKPOINT=... INPUTS=... OUT=... SHARDS=64 ./submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${CHECKPOINT:?set CHECKPOINT}" "${OUT:?set OUT}" "${SHARDS:?set SHARDS}"
export CHECKPOINT OUT SHARDS WARBLER=${WARBLER:-warbler} FORMAT=${FORMAT:-cornell} INPUTS=${INPUTS:-} FILES_FROM=${FILES_FROM:-}
mkdir -p "$OUT"
array=$(sbatch --parsable --chdir="$OUT" --array="${ARRAY:-0-$((SHARDS - 1))}" "$here/detect-array.sbatch")
merge=$(sbatch --parsable --chdir="$OUT" --dependency="afterany:$array" "$here/merge.sbatch")
echo "$array $merge"
