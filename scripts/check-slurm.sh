#!/usr/bin/env bash
# The scale-out check on a real Slurm (issue 14): installs Slurm and munge from Debian, starts
# munged, slurmctld and slurmd on this machine with a generated config (one node: this machine's
# CPUs and memory; no cgroups), and runs examples/slurm as a user would: a 4-shard detect array
# over 40 synthetic 10-s recordings plus its merge job. One task is cancelled mid-way (scancel of
# that array task), so the first merge must report its recordings missing (exit 4); the task is
# resubmitted (it resumes from its journal), merged again, and the merged cornell.csv must equal
# a single-process `warbler detect` over the same recordings, row for row. Stops the daemons it
# started, whatever happens; exits non-zero on any mismatch or time-out. Run as root.
#
#   bash scripts/check-slurm.sh            (WARBLER=path/to/warbler to test another binary)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
WARBLER=$(realpath "${WARBLER:-$repo/.build/release/warbler}")
work=${WORK:-/tmp/warbler-slurm-check}
shards=4
started_at=$SECONDS

say() { echo "check-slurm: $*"; }
fail() { echo "check-slurm: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "run as root (it installs packages and starts daemons)"
[[ -x "$WARBLER" ]] || fail "no warbler binary at $WARBLER (swift build -c release first)"

# --- Slurm and munge from Debian (once).
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# --- A clean state, and daemons of our own (stopped on exit).
conf_dir=$work/etc
export SLURM_CONF=$conf_dir/slurm.conf
pids=()
cleanup() {
  set +e
  if [[ -f $SLURM_CONF ]] && scontrol ping >/dev/null 2>&1; then scancel --user=root >/dev/null 2>&1; fi
  for pidfile in "$work/run/slurmd.pid" "$work/run/slurmctld.pid" "$work/run/munged.pid"; do
    [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  for pidfile in "$work/run/slurmd.pid" "$work/run/slurmctld.pid" "$work/run/munged.pid"; do
    [[ -f $pidfile ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
  true
}
# A run left over from an earlier check (killed before its cleanup): stop its daemons first.
[[ -d $work/run ]] && cleanup
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$conf_dir" "$work/run" "$work/spool/ctld" "$work/spool/d" "$work/log" "$work/munge"
chown munge:munge "$work/munge" && chmod 755 "$work/munge"

# munged on a socket of its own (a system munged, if any, is left alone).
[[ -s /etc/munge/munge.key ]] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
socket=$work/munge/munge.socket
runuser -u munge -- munged --socket="$socket" --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed"
for _ in $(seq 50); do [[ -f $work/munge/munged.pid ]] && break; sleep 0.1; done
cp "$work/munge/munged.pid" "$work/run/munged.pid" || fail "munged did not start ($work/munge/munged.log)"

node=$(hostname -s)
hw=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //')
cat > "$SLURM_CONF" <<CONF
ClusterName=warblercheck
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd wants a cgroup.conf only for cgroup plugins; none is used here.
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start ($work/log/slurmctld.log)"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start ($work/log/slurmd.log)"
for i in $(seq 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
  [[ $state == idle ]] && break
  [[ $i == 60 ]] && fail "the node did not come up in 60 s (state '$state'; see $work/log)"
  sleep 1
done
say "slurm up ($(sinfo -h -N -o '%N %c CPUs %m MB %t'))"

# --- The data: a tiny model, 40 recordings of 10 s.
"$WARBLER" model init --arch warbler-small --classes 3 --gru-hidden 8 --out "$work/m.safetensors" >/dev/null
"$WARBLER" synth soundscape --out "$work/in" --species 3 --count 40 --seconds 10 --format wav >/dev/null
t0=$SECONDS
"$WARBLER" detect --checkpoint "$work/m.safetensors" "$work/in" --out "$work/single" --format cornell --no-report >/dev/null
say "single-process detect: $((SECONDS - t0)) s"

wait_job() {  # job id, seconds: waits until it has left the queue
  local deadline=$((SECONDS + $2))
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    ((SECONDS < deadline)) || fail "job $1 still queued or running after $2 s"
    sleep 0.5
  done
}
job_field() {  # job id, field: from scontrol (no accounting database here)
  scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# --- The array and its merge, as examples/slurm/submit.sh submits them; cancel task 1 mid-way.
export CHECKPOINT=$work/m.safetensors INPUTS=$work/in OUT=$work/out SHARDS=$shards WARBLER FORMAT=cornell
read -r array merge1 < <(bash "$repo/examples/slurm/submit.sh")
say "submitted array $array (tasks 0-$((shards - 1))) and merge $merge1"
journal=$OUT/shard-1/.journal
deadline=$((SECONDS + 120))
until [[ -d $journal ]] && ls "$journal" | grep -q '\.json$'; do
  ((SECONDS < deadline)) || fail "task 1 wrote no journal entry in 120 s"
  if [[ -f $OUT/warbler-detect-${array}_1.out ]] && ! squeue -h -j "${array}_1" 2>/dev/null | grep -q .; then
    fail "task 1 ended without journalling a recording: $(tail -3 "$OUT/warbler-detect-${array}_1.out")"
  fi
  sleep 0.05
done
scancel "${array}_1"
say "cancelled task ${array}_1 after $(ls "$journal" | grep -c '\.json$') journalled recordings"
wait_job "$array" 300
[[ ! -f $OUT/shard-1/run.json ]] || fail "task 1 finished before it was cancelled (use longer recordings)"
[[ $(job_field "${array}_1" JobState) == CANCELLED ]] || fail "task 1 is $(job_field "${array}_1" JobState), not CANCELLED"
wait_job "$merge1" 120
[[ $(job_field "$merge1" ExitCode) == 4:0 ]] || fail "the first merge (shard 1 missing) exited $(job_field "$merge1" ExitCode), not 4"
grep -q 'run shard 1 of 4 again' "$OUT/warbler-merge-$merge1.out" || fail "the first merge did not name shard 1: $(cat "$OUT/warbler-merge-$merge1.out")"
[[ -s $OUT/merged/missing.txt ]] || fail "the first merge wrote no missing.txt"
say "first merge: exit 4, $(wc -l < "$OUT/merged/missing.txt") recordings of shard 1 named missing"

# --- Resubmit the cancelled task (it resumes from its journal) and merge again.
read -r again merge2 < <(ARRAY=1 bash "$repo/examples/slurm/submit.sh")
wait_job "$again" 300
wait_job "$merge2" 120
[[ $(job_field "${again}_1" JobState) == COMPLETED ]] || fail "the resubmitted task is $(job_field "${again}_1" JobState): $(cat "$OUT"/warbler-detect-"$again"_1.out)"
grep -q '\[done earlier\]' "$OUT/warbler-detect-${again}_1.out" || fail "the resubmitted task did not resume from its journal"
[[ $(job_field "$merge2" ExitCode) == 0:0 ]] || fail "the second merge exited $(job_field "$merge2" ExitCode): $(cat "$OUT/warbler-merge-$merge2.out")"
[[ ! -e $OUT/merged/missing.txt ]] || fail "missing.txt is still there after a complete merge"

# --- Row for row equal to the single run.
cmp "$work/single/cornell.csv" "$OUT/merged/cornell.csv" || { diff "$work/single/cornell.csv" "$OUT/merged/cornell.csv" | head; fail "merged cornell.csv differs from the single run's"; }
rows=$(($(wc -l < "$OUT/merged/cornell.csv") - 1))
say "OK: merged cornell.csv equals the single run's ($rows rows, 40 recordings, $shards shards, one cancelled and resubmitted) in $((SECONDS - started_at)) s"
