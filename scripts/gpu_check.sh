#!/usr/bin/env bash
# GPU readiness: the CUDA tests, training and prediction throughput on one GPU, in one table.
#
#   bash scripts/gpu_check.sh              # one CUDA GPU (H100-class, 16 cores): < 8 minutes
#   bash scripts/gpu_check.sh --dry-run    # the same steps on the CPU at toy sizes (~1 minute)
#   bash scripts/gpu_check.sh --download-wheels [DIR]   # on a machine with network, see below
#
# It cds to the repository root (relative paths below are from there). Only --download-wheels
# reaches the network.
#
# Python: $PYTHON if set, else the first of .venv/bin/python and python3 whose torch imports
# (and, unless --dry-run, sees a CUDA device). No venv is made and nothing is installed into that
# Python: when it cannot import selene, the checkout's src/ goes on PYTHONPATH (what
# `pip install -e . --no-deps` would give; do that instead if you prefer). Runtime dependencies
# that a bare CUDA image lacks (hydra-core, omegaconf, antlr4-python3-runtime, pyfaidx, pysam,
# logomaker) are installed, only if missing, from a folder of wheels ($WHEELS, default .whl/)
# into $GPU_CHECK_DIR/site (also put on PYTHONPATH). Fill that folder on a machine with
# network with `bash scripts/gpu_check.sh --download-wheels [DIR]` (wheels for CPython
# $WHEEL_PYTHON, default 3.12, on x86-64 Linux) and carry it along. selene_sdk is not needed:
# the bench scripts compare against it only where it imports.
#
# Steps, each under `timeout` (110 + 190 + 120 s) so that the whole run stays under 8 minutes:
#   1. pytest -m gpu (the CUDA half of the `device` fixture and any test marked gpu)
#   2. scripts/bench_train.py: DeepSEA, 1000 bp, 919 features; batch 64 and 512, each at
#      32-true and bf16-mixed; samples/s and the share of step time spent waiting for data
#   3. scripts/bench_predict.py --devices cuda: FASTA seq/s, ISM s per 1000 bp sequence,
#      VEP variants/s (DeepSEA(1000, 919), HDF5 output)
# Logs and JSON go to $GPU_CHECK_DIR (default .bench/gpu_check); the table is printed last.
# Exit status: 0 when every step ran and the tests passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
case "${1:-}" in
    --dry-run) DRY_RUN=1 ;;
    --download-wheels)
        dir=${2:-.whl}
        py=${WHEEL_PYTHON:-3.12}
        mkdir -p "$dir"
        set -e
        # pure-Python packages: downloaded, or built here (antlr4's 4.9.3 is a source release)
        "${PYTHON:-python3}" -m pip wheel --no-deps -w "$dir" hydra-core omegaconf \
            "antlr4-python3-runtime==4.9.3" pyfaidx logomaker
        "${PYTHON:-python3}" -m pip download --no-deps --only-binary=:all: -d "$dir" \
            --python-version "$py" --implementation cp --platform manylinux_2_28_x86_64 \
            --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 pysam
        echo "wheels in $dir: carry it to the GPU machine and run WHEELS=$dir bash $0"
        exit 0
        ;;
    "") ;;
    *) echo "usage: bash $0 [--dry-run | --download-wheels [DIR]]" >&2; exit 2 ;;
esac

OUT=${GPU_CHECK_DIR:-.bench/gpu_check}
WHEELS=${WHEELS:-.whl}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/*.status

# --- Python -----------------------------------------------------------------------------------
need_cuda=$((1 - DRY_RUN))
probe='import sys, torch; sys.exit(0 if int(sys.argv[1]) == 0 or torch.cuda.is_available() else 3)'
PY=${PYTHON:-}
if [ -z "$PY" ]; then
    for candidate in .venv/bin/python python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c "$probe" "$need_cuda" >/dev/null 2>&1; then
            PY=$candidate
            break
        fi
    done
fi
if [ -z "$PY" ] || ! "$PY" -c "$probe" "$need_cuda" >/dev/null 2>&1; then
    echo "gpu_check: no Python with torch$([ "$need_cuda" = 1 ] && echo ' and a CUDA device')" \
        "(tried ${PYTHON:-.venv/bin/python and python3}); set PYTHON=/path/to/python" >&2
    exit 1
fi

export PYTHONPATH=${PYTHONPATH:-}
if ! "$PY" -c "import selene" >/dev/null 2>&1; then
    export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"  # the checkout, as an editable install
fi
modules=(hydra omegaconf antlr4 pyfaidx pysam logomaker pytorch_lightning torchmetrics numba h5py
    scipy pandas matplotlib tqdm pytest hypothesis sklearn)
missing() {
    "$PY" - "${modules[@]}" <<'EOF'
import importlib.util
import sys

print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))
EOF
}
absent=$(missing)
if [ -n "$absent" ] && compgen -G "$WHEELS/*.whl" >/dev/null; then
    echo "gpu_check: installing $absent from $WHEELS into $OUT/site (no network)"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --disable-pip-version-check \
        --upgrade --target "$OUT/site" "$WHEELS"/*.whl
    export PYTHONPATH="$OUT/site:$PYTHONPATH"
    absent=$(missing)
fi
if [ -n "$absent" ]; then
    echo "gpu_check: $PY lacks: $absent. Put their wheels in $WHEELS (on a machine with network:" \
        "bash $0 --download-wheels $WHEELS) and run again." >&2
    exit 1
fi
if ! "$PY" -c "import selene.predict, selene.samplers" 2>"$OUT/import.log"; then
    echo "gpu_check: selene does not import with $PY:" >&2
    cat "$OUT/import.log" >&2
    exit 1
fi

# --- Steps --------------------------------------------------------------------------------------
if [ "$DRY_RUN" = 1 ]; then
    device=cpu
    budgets=(120 120 120)
    train_args=(--batch-sizes 4 8 --steps 2 --warmup 1)
    predict_args=(--n-sequences 8 --n-variants 40 --n-ism 1 --repeats 1)
else
    device=cuda
    budgets=(110 190 120)  # seconds: tests, training, prediction (sum + setup < 8 minutes)
    train_args=(--batch-sizes 64 512 --steps 20 --warmup 3 --num-workers 4)
    predict_args=()
fi

step() {  # step NAME BUDGET COMMAND...: run with a time limit, keep its log and exit status
    local name=$1 budget=$2
    shift 2
    echo "gpu_check: $name (at most ${budget} s) ..."
    local start=$SECONDS
    PYTHONUNBUFFERED=1 timeout --kill-after=10 "$budget" "$@" >"$OUT/$name.log" 2>&1
    local status=$?
    echo "$status $((SECONDS - start))" >"$OUT/$name.status"
    [ "$status" = 0 ] || echo "gpu_check: $name exited $status (log: $OUT/$name.log)" >&2
}

step tests "${budgets[0]}" "$PY" -m pytest tests -m gpu -q -p no:cacheprovider \
    --ignore=tests/test_notebooks.py
step train "${budgets[1]}" "$PY" scripts/bench_train.py --device "$device" --skip-sdk \
    --precisions 32-true bf16-mixed --data-dir "$OUT/data/bench_train" \
    --json "$OUT/train.json" "${train_args[@]}"
step predict "${budgets[2]}" "$PY" scripts/bench_predict.py --devices "$device" --skip-selene \
    --json "$OUT/predict.json" "${predict_args[@]}"

# --- Table --------------------------------------------------------------------------------------
"$PY" - "$OUT" "$device" <<'EOF'
import json
import re
import sys
from pathlib import Path

import torch

out, device = Path(sys.argv[1]), sys.argv[2]


def status(name):
    path = out / f"{name}.status"
    if not path.exists():
        return "not run", None
    code, seconds = path.read_text().split()
    if code in ("124", "137"):
        return f"timed out after {seconds} s", False
    return f"{seconds} s", code == "0"


if device == "cuda":
    props = torch.cuda.get_device_properties(0)
    where = f"{props.name}, {props.total_memory / 2**30:.0f} GiB, CUDA {torch.version.cuda}"
else:
    where = "CPU (--dry-run: toy sizes, timings mean nothing)"
print(f"\nselene GPU check: {where}, torch {torch.__version__}")
rows = [("step", "setting", "result", "time")]

took, ok = status("tests")
log = (out / "tests.log").read_text() if (out / "tests.log").exists() else ""
summary = [line for line in log.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", line)]
result = summary[-1].strip("= ") if summary else "no summary (see tests.log)"
rows.append(("pytest -m gpu", "", result, took))

took, ok = status("train")
runs = json.loads((out / "train.json").read_text()) if (out / "train.json").exists() else []
for i, run in enumerate(runs):
    r = run["selene"]
    rows.append((
        "train DeepSEA 1000 bp, 919 f.",
        f"batch {run['batch_size']}, {run['precision']}, {run['num_workers']} workers",
        f"{r['samples_per_s']:9.1f} samples/s, data wait {r['data_wait_fraction']:5.1%}",
        "" if i else took,
    ))
if not runs:
    rows.append(("train DeepSEA 1000 bp, 919 f.", "", "no result (see train.log)", took))

took, ok = status("predict")
found = json.loads((out / "predict.json").read_text()) if (out / "predict.json").exists() else []
for row in found:
    r = row["ours"]
    rows += [
        ("predict ISM", row["device"], f"{r['ism_s_per_seq']:9.3f} s per 1000 bp sequence", took),
        ("predict VEP", row["device"], f"{r['vep_variants_per_s']:9.1f} variants/s", ""),
        ("predict FASTA", row["device"], f"{r['fasta_seq_per_s']:9.1f} seq/s", ""),
    ]
if not found:
    rows.append(("predict", "", "no result (see predict.log)", took))

widths = [max(len(row[i]) for row in rows) for i in range(4)]
for i, row in enumerate(rows):
    print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths))
print(f"logs: {out}/{{tests,train,predict}}.log")
EOF

failed=0
for name in tests train predict; do
    read -r code _ 2>/dev/null <"$OUT/$name.status" || code=1
    [ "$code" = 0 ] || failed=1
done
exit "$failed"
