#!/usr/bin/env bash
# One GPU session: install, the README main job (`fcbench run`), GPU tests, bench JSON,
# compute-sanitizer (memcheck, racecheck, synccheck), a tile sweep of mma_fused and an ncu
# profile. Logs go to $OUT/logs.tgz (or ./gpu-logs); a short summary is printed last.
# Usage: scripts/gpu-validate.sh
set -u
OUT=${OUT:-$PWD/gpu-logs}
LOGS=$(mktemp -d)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 FCBENCH_CACHE_DIR=${FCBENCH_CACHE_DIR:-/tmp/fcbench-cache}
summary=()
step() {  # step NAME CMD...: runs CMD, logs to $LOGS/NAME.log, records exit status and wall time
  local name=$1; shift
  local t0=$SECONDS
  "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  summary+=("$(printf '%-20s rc=%-3s %4ss' "$name" "$rc" $((SECONDS - t0)))")
  return $rc
}
{ date -u +%FT%TZ; nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())"
  nvcc --version; echo "CXX=${CXX:-}"; } >"$LOGS/env.log" 2>&1
step install python3 -m pip install --no-deps --no-build-isolation -e .
step run fcbench run
step pytest python3 -m pytest -q -rs tests
step bench-json sh -c 'fcbench bench --json > "$0"' "$LOGS/bench.json"
step resources-json sh -c 'fcbench resources --json > "$0"' "$LOGS/resources.json"
step sanitize fcbench sanitize
step tune timeout 300 python3 scripts/tune_tiles.py mma_fused "" "-DFCBENCH_MMA_BLOCK_N_D64=128"
step ncu ncu --clock-control none -k regex:wmma_fused_cpasync --section SpeedOfLight --section Occupancy \
  python3 scripts/profile_call.py wmma_fused_cpasync 4,16,2048,64 1
tar czf "$OUT/logs.tgz" -C "$LOGS" .
echo "== summary ($(date -u +%FT%TZ)) =="; printf '%s\n' "${summary[@]}"
echo "== pytest =="; tail -n 3 "$LOGS/pytest.log"
echo "== sanitize =="; tail -n 17 "$LOGS/sanitize.log"
echo "== fcbench run (check + bench) =="; grep -vE '^\[|^  |^fcbench build' "$LOGS/run.log" | tail -n 52
