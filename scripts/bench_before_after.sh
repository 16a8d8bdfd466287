#!/usr/bin/env bash
# Runs a benchmark script twice in one go: on a past commit (its own script and package) and on the
# working tree, back to back on the same machine, so that their figures compare side by side.
#
#     scripts/bench_before_after.sh 3aa97d7 bench_sampler.py --seconds 10
#
# The past commit is checked out as a git worktree under .bench/before-<rev> (ignored by git) and
# imported through PYTHONPATH, which comes before the editable install of the working tree.
# On a shared machine, CPU_TIME=1 runs both on one thread and times them in CPU seconds of the
# process (time.perf_counter is replaced by time.process_time), which other load barely moves;
# figures then read "per CPU-second" (cases that use DataLoader workers are not comparable).
set -euo pipefail
cd "$(dirname "$0")/.."
rev=$1 script=$2
shift 2
python=${PYTHON:-.venv/bin/python}
before=.bench/before-$rev
if [ ! -d "$before" ]; then
    git worktree add --detach "$before" "$rev" >/dev/null
fi
run() {  # run SCRIPT ARGS... (with CPU_TIME=1: one thread, CPU seconds)
    if [ "${CPU_TIME:-0}" = 1 ]; then
        OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 "$python" -c \
            'import os, runpy, sys, time; time.perf_counter = time.process_time; import torch; '\
'torch.set_num_threads(1); sys.argv = sys.argv[1:]; '\
'sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0]))); '\
'runpy.run_path(sys.argv[0], run_name="__main__")' "$@"
    else
        "$python" "$@"
    fi
}
echo "== before: $rev ($(git log -1 --format=%s "$rev"))"
PYTHONPATH="$before/src" run "$before/scripts/$script" "$@"
echo "== after: working tree at $(git rev-parse --short HEAD)"
run "scripts/$script" "$@"
