#!/usr/bin/env bash
# Runs a benchmark script twice in one go: on a past commit (its own script and package) and on the
# working tree, back to back on the same machine, so that their figures compare side by side.
#
#     scripts/bench_before_after.sh 3aa97d7 bench_sampler.py --seconds 10
#
# The past commit is checked out as a git worktree under .bench/before-<rev> (ignored by git) and
# imported through PYTHONPATH, which comes before the editable install of the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=$1 script=$2
shift 2
python=${PYTHON:-.venv/bin/python}
before=.bench/before-$rev
if [ ! -d "$before" ]; then
    git worktree add --detach "$before" "$rev" >/dev/null
fi
echo "== before: $rev ($(git log -1 --format=%s "$rev"))"
PYTHONPATH="$before/src" "$python" "$before/scripts/$script" "$@"
echo "== after: working tree at $(git rev-parse --short HEAD)"
"$python" "scripts/$script" "$@"
