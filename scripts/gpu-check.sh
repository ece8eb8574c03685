#!/usr/bin/env bash
# One-shot verification of nettrain's GPU backend on an NVIDIA machine (no network needed).
#
# Run from the repository root on the GPU machine:   bash scripts/gpu-check.sh
# It uses the machine's own python3 with cupy, torch, typer, pydantic, rich, pyyaml and
# safetensors (the device image has them); wheels for anything missing can be carried in .whl/
# and are installed from there without the network. Results go to stdout and, when $OUT is
# set, to $OUT/gpu-check.log. Exit status: 0 when every step passed.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=${OUT:-/tmp}/gpu-check.log
: >"$LOG"
status=0
summary=()

step() {  # step NAME COMMAND...: run, log, remember pass/fail
  local name=$1
  shift
  echo "=== $name: $*" | tee -a "$LOG"
  local started=$SECONDS
  if "$@" 2>&1 | tee -a "$LOG"; then
    summary+=("PASS  $name ($((SECONDS - started)) s)")
  else
    summary+=("FAIL  $name ($((SECONDS - started)) s)")
    status=1
  fi
}

if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 2
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD/src:${PYTHONPATH:-}
export PYTHONUNBUFFERED=1

step "gpu visible" nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step "cupy" python3 -c "import cupy, nettrain; print('cupy', cupy.__version__, 'devices', \
cupy.cuda.runtime.getDeviceCount(), 'nettrain sees cuda:', nettrain.cuda.is_available())"
step "gpu tests" python3 -m pytest -q -m gpu -p no:cacheprovider tests
step "train --device cuda" python3 -m nettrain train configs/digits_mlp.yaml --device cuda \
  --runs-dir /tmp/nettrain-runs --quiet
step "checkpoint cuda->cpu" python3 -m nettrain inspect-params "$(ls -d /tmp/nettrain-runs/*/* | tail -1)"
step "benchmarks vs torch cuda" python3 scripts/gpu_bench.py

echo
echo "=== summary ($(nvidia-smi --query-gpu=name --format=csv,noheader | head -1))" | tee -a "$LOG"
printf '%s\n' "${summary[@]}" | tee -a "$LOG"
exit $status
