#!/bin/bash
# Submits a sharded blocs sweep to Slurm: a job array with one shard per task, then a
# merge job that starts when every task has succeeded.
#
#   experiments/slurm/submit.sh EXPERIMENT OUTDIR SHARDS [extra sbatch options...]
#
# Prints the two job ids. With WAIT=1 it waits for the merge job and exits with its
# status (the merge is cancelled, and this fails, if any shard fails). Logs go to
# OUTDIR/logs/. Set BLOCS to the blocs binary if it is not on PATH; the jobs inherit it.
set -euo pipefail

experiment=${1:?usage: submit.sh EXPERIMENT OUTDIR SHARDS [sbatch options]}
outdir=${2:?usage: submit.sh EXPERIMENT OUTDIR SHARDS [sbatch options]}
shards=${3:?usage: submit.sh EXPERIMENT OUTDIR SHARDS [sbatch options]}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir/logs"
experiment=$(cd "$(dirname "$experiment")" && pwd)/$(basename "$experiment")
outdir=$(cd "$outdir" && pwd)

array=$(sbatch --parsable --array="1-$shards" --output="$outdir/logs/shard-%A_%a.out" \
    "$@" "$here/sweep.sbatch" "$experiment" "$outdir")
array=${array%%;*}
echo "array job $array: $shards shards of $experiment"
wait_flag=()
if [ "${WAIT:-0}" = 1 ]; then
    wait_flag=(--wait)
fi
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$outdir/logs/merge-%j.out" "${wait_flag[@]}" "$here/merge.sbatch" "$outdir")
merge=${merge%%;*}
echo "merge job $merge: results in $outdir/merged"
if [ "${WAIT:-0}" = 1 ]; then
    # `sbatch --wait` returns 0 for a job cancelled because a shard failed: ask Slurm.
    state=$(scontrol show job "$merge" -o | grep -o 'JobState=[A-Z_]*' || true)
    if [ "$state" != "JobState=COMPLETED" ]; then
        echo "merge job $merge did not complete (${state:-no state}): see $outdir/logs/" >&2
        exit 1
    fi
fi
