#!/usr/bin/env bash
# One kernel variant on a GPU machine, in the order "correct before fast": the full
# `fcbench check`, compute-sanitizer (memcheck, racecheck, synccheck), then `fcbench bench`
# beside the SDPA peers and the previous best kernel, and an ncu profile at each bench shape
# (what bounds it: SpeedOfLight, Occupancy, the compute and memory workload sections).
# Usage: scripts/kernel-validate.sh VARIANT [SECONDS_FOR_NCU]   (logs in $OUT/kernel-VARIANT.tgz)
set -u
VARIANT=${1:?usage: scripts/kernel-validate.sh VARIANT [SECONDS_FOR_NCU]}; NCU_S=${2:-120}
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
LOGS=$(mktemp -d)/kernel-$VARIANT; mkdir -p "$LOGS"
export PYTHONUNBUFFERED=1
FCBENCH=${FCBENCH:-fcbench}
# scripts/profile_call.py (ncu's target) imports fcbench: from this checkout where it is not installed.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
trap 'tar czf "$OUT/kernel-$VARIANT.tgz" -C "$(dirname "$LOGS")" "$(basename "$LOGS")"' EXIT
summary=()
step() {  # step NAME CMD...: CMD's output in NAME.log, its exit code and wall time in the summary
  local name=$1 t0=$SECONDS; shift
  "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  summary+=("$(printf '%-10s rc=%-3s %4ss' "$name" "$rc" $((SECONDS - t0)))")
  return $rc
}
{ date -u +%FT%TZ; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  python3 -c "import torch; print(torch.__version__, torch.version.cuda)"; } > "$LOGS/device.log" 2>&1
step build $FCBENCH build
step check $FCBENCH check --variant "$VARIANT"
step sanitize $FCBENCH sanitize --variant "$VARIANT"
step bench $FCBENCH bench --variant "$VARIANT,wmma_fused_cpasync,sdpa_flash,sdpa_cudnn"
step resources $FCBENCH resources --variant "$VARIANT" --arch sm_89,sm_90
t_end=$((SECONDS + NCU_S))
for shape in 1,8,512,64 4,16,2048,64 4,16,2048,128 4,16,2048,64,causal; do
  (( SECONDS < t_end )) || break
  step "ncu-${shape//,/_}" timeout $((t_end - SECONDS)) ncu --clock-control none -k "regex:${VARIANT}_kernel" \
    --section SpeedOfLight --section Occupancy --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis \
    --section LaunchStats --section WarpStateStats python3 scripts/profile_call.py "$VARIANT" "$shape" 1
done
echo "== kernel-validate $VARIANT ($(date -u +%FT%TZ)) =="; cat "$LOGS/device.log"; printf '%s\n' "${summary[@]}"
echo "== check =="; grep -E "^$VARIANT|passed|FAIL|CRASH|HUNG" "$LOGS/check.log" | head -20
echo "== sanitize =="; tail -n 8 "$LOGS/sanitize.log"
echo "== bench =="; grep -vE '^\[|^fcbench build' "$LOGS/bench.log" | tail -n 24
echo "== ncu (duration, SM / memory throughput, achieved occupancy) =="
for f in "$LOGS"/ncu-*.log; do
  [ -f "$f" ] && echo "$(basename "$f" .log): $(grep -E '^\s+(Duration|Compute \(SM\) Throughput|Memory Throughput|Achieved Occupancy|Registers Per Thread)\s' "$f" | tr -s ' ' | paste -sd';')"
done
