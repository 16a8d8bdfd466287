#!/usr/bin/env bash
# Builds the benchmark venv (.bench/venv) holding selene_sdk 0.6.0 and tangermeme 1.6.0 beside our
# package, so that the scripts/bench_*.py scripts can compare them in one run. Both are benchmark
# peers only, never dependencies of ours. selene_sdk's metadata caps torch at 2.3.1, which the parts
# we compare do not need, so it is installed without its dependencies; it imports pkg_resources
# (setuptools < 81) and six, and its build needs wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.bench/venv}
python3 -m venv "$venv"
"$venv/bin/pip" install torch==2.13.0
"$venv/bin/pip" install cython wheel numpy "setuptools<81" six pyfaidx pytabix h5py scipy scikit-learn \
    matplotlib pandas pyyaml ruamel.yaml click seaborn statsmodels plotly
"$venv/bin/pip" install --no-deps --no-build-isolation selene-sdk==0.6.0
"$venv/bin/pip" install -e '.[dev]'
"$venv/bin/pip" install tangermeme==1.6.0  # scripts/bench_ism.py's peer
"$venv/bin/python" -c "import selene_sdk, selene; print('selene_sdk', selene_sdk.__version__, 'ready')"
