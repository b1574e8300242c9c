#!/bin/bash
# Tests experiments/slurm/ for real: installs Slurm and munge from Debian's packages,
# starts a single-node cluster on this machine (munged, slurmctld, slurmd), submits the
# job array of experiments/slurm/small.ron in 3 shards plus the merge job, and checks
# that the merged tables are byte-identical to a local, unsharded `blocs sweep`.
#
# Needs root (apt-get, daemons running as root). Every daemon it starts is stopped by
# its process id when the script exits, whether it passed or failed. Any failing step
# fails the script (set -euo pipefail). Takes about a minute once the packages are in.
set -euo pipefail

cd "$(dirname "$0")/../.."
repo=$PWD

if [ "$(id -u)" != 0 ]; then
    echo "ci_slurm_test.sh: needs root to install packages and run the daemons" >&2
    exit 1
fi

echo "== installing slurm-wlm and munge (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq slurm-wlm munge >/dev/null

echo "== building blocs"
cargo build --release --quiet
export BLOCS="$repo/target/release/blocs"

work=$(mktemp -d /tmp/blocs-slurm.XXXXXX)
# munged refuses key and socket directories that others can write to.
chmod 700 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log" "$work/out"
chmod 700 "$work/munge"

pids=()
status_file="$work/ok"
cleanup() {
    local rc=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ -n "${ctld_pid:-}" ]; then
        # Jobs still queued or running (after a failure) go first.
        scancel --user=root >/dev/null 2>&1
        sleep 1
    fi
    # Stop the daemons in the reverse order of their start, each by its own id.
    for ((k = ${#pids[@]} - 1; k >= 0; k--)); do
        local pid=${pids[k]}
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            if kill -0 "$pid" 2>/dev/null; then
                echo "daemon $pid did not stop; killing it" >&2
                kill -9 "$pid"
            fi
        fi
        wait "$pid" 2>/dev/null
    done
    if [ ! -f "$status_file" ]; then
        echo "== Slurm test FAILED (exit $rc); daemon logs:" >&2
        for f in "$work"/log/* "$work"/out/logs/*; do
            [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
        done
        [ "$rc" = 0 ] && rc=1
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
echo "== starting munged, slurmctld and slurmd on $host (ports $port, $((port + 1)))"
mungekey --create --keyfile="$work/munge/munge.key"
# --force: the key and socket live under /tmp rather than /etc and /run.
munged --foreground --force \
    --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" \
    --seed-file="$work/munge/munged.seed" >"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    [ -S "$work/munge/munge.socket" ] && break
    sleep 0.2
done
munge -n --socket="$work/munge/munge.socket" | unmunge --socket="$work/munge/munge.socket" >/dev/null

cat >"$work/slurm.conf" <<EOF
ClusterName=blocsci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=16000 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"

slurmctld -D -c >"$work/log/slurmctld.out" 2>&1 &
ctld_pid=$!
pids+=("$ctld_pid")
for _ in $(seq 100); do
    scontrol ping >/dev/null 2>&1 && break
    sleep 0.2
done
scontrol ping >/dev/null
slurmd -D >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 150); do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
if [ "$state" != idle ]; then
    echo "node $host is not idle (state: ${state:-unknown})" >&2
    exit 1
fi
sinfo

echo "== submitting experiments/slurm/small.ron as a 3-task array and a merge job"
WAIT=1 timeout 300 experiments/slurm/submit.sh experiments/slurm/small.ron "$work/out" 3 \
    --cpus-per-task=1
for k in 1 2 3; do
    grep -q 'status: Complete' "$work/out/shards/$k/manifest.ron"
done

echo "== the same sweep locally, unsharded"
"$BLOCS" sweep experiments/slurm/small.ron --out "$work/local" --no-plots --quiet
for f in worlds.csv series.csv points.csv sensitivity.csv; do
    cmp "$work/local/$f" "$work/out/merged/$f"
    echo "   $f: identical ($(wc -l <"$work/local/$f") lines)"
done
test -s "$work/out/merged/figures/sensitivity.svg"

touch "$status_file"
echo "== Slurm test passed: the merged shards equal the local run byte for byte"
