#!/usr/bin/env bash
# One GPU session: install, build once, then check, GPU tests, bench, sanitizers.
# Full logs go to $OUT (or ./gpu-logs); a short summary is printed last.
# Usage: scripts/gpu-validate.sh [quick]
set -u
OUT=${OUT:-$PWD/gpu-logs}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 FCBENCH_CACHE_DIR=${FCBENCH_CACHE_DIR:-/tmp/fcbench-cache}
summary=()
step() {  # step NAME CMD...: runs CMD, logs to $OUT/NAME.log, records status and wall time
  local name=$1; shift
  local t0=$SECONDS
  "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  summary+=("$(printf '%-22s rc=%-3s %4ss' "$name" "$rc" $((SECONDS - t0)))")
  return $rc
}
{ nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())"; nvcc --version; } >"$OUT/env.log" 2>&1
step install python3 -m pip install --no-deps --no-build-isolation -e .
step build fcbench build
step resources fcbench resources --arch sm_89,sm_90
step check fcbench check ${1:+--quick}
step pytest python3 -m pytest -q -rs tests
step bench fcbench bench
step bench-json fcbench bench --json
for tool in memcheck racecheck synccheck; do
  step "sanitize-$tool" env PYTORCH_NO_CUDA_MEMORY_CACHING=1 timeout 150 \
    compute-sanitizer --tool "$tool" --error-exitcode 9 python3 scripts/sanitize_cases.py
done
echo "== summary ($(date -u +%FT%TZ)) =="
printf '%s\n' "${summary[@]}"
echo "== check =="; tail -n 25 "$OUT/check.log"
echo "== pytest =="; tail -n 5 "$OUT/pytest.log"
echo "== bench =="; grep -v '^fcbench bench' "$OUT/bench.log" | tail -n 45
for tool in memcheck racecheck synccheck; do echo "== $tool =="; tail -n 3 "$OUT/sanitize-$tool.log"; done
