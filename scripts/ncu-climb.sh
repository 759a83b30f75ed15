#!/usr/bin/env bash
# ncu of each step of a kernel's climb: for each REF in order, that commit's source of one kernel
# unit is swapped into this checkout, built, and profiled by one ncu process over the shapes (one
# launch each); the checkout's own source is put back at the end, also after an error. A unit
# that no longer builds beside this checkout's headers and bindings (their interface changed since
# REF) is built and profiled from REF's own csrc/ instead (FCBENCH_SOURCE_ROOT at a copy of it), and
# summary.txt says so; a step that builds neither way is reported and skipped.
# Exit codes: 0 every step profiled; 1 some step not built or its ncu failed (the others are still
# profiled; summary.txt names it); 2 bad arguments; 3 a REF that is not a commit or lacks the unit.
# Usage: scripts/ncu-climb.sh VARIANT "SHAPE [SHAPE...]" REF...
#   e.g. scripts/ncu-climb.sh wgmma_fused "1,8,512,64 4,16,2048,128" 33e2d4d ec2d956
# Logs (sources.txt with each step's md5, build-SHA.log, ncu-SHA.log, summary.txt) in
# $OUT/ncu-climb.tgz; docs/validation/2026-12-06-h100-wgmma-5/ncu_table.py tabulates the ncu logs.
set -u
(( $# >= 3 )) || { echo "usage: scripts/ncu-climb.sh VARIANT 'SHAPE [SHAPE...]' REF..." >&2; exit 2; }
variant=$1 shapes=$2; shift 2
src=csrc/kernels/$variant.cu
[ -f "$src" ] || { echo "ncu-climb: VARIANT: no kernel unit $src in this checkout" >&2; exit 2; }
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
LOGS=$(mktemp -d)/ncu-climb; mkdir -p "$LOGS"
FCBENCH=${FCBENCH:-python3 -m fcbench}; NCU=${NCU:-ncu}; PYTHON=${PYTHON:-python3}
shas=()  # every REF resolved before the first build and profile, not after them
for ref in "$@"; do
  shas+=("$(git rev-parse --short=8 --verify -q "$ref^{commit}")") || { echo "ncu-climb: REF: $ref is not a commit" >&2; exit 3; }
done
keep=$(mktemp); cp "$src" "$keep"
trap 'cp "$keep" "$src"; tar czf "$OUT/ncu-climb.tgz" -C "$(dirname "$LOGS")" ncu-climb' EXIT
failed=0
for sha in "${shas[@]}"; do
  git show "$sha:$src" > "$src" || { echo "ncu-climb: $sha has no $src" >&2; exit 3; }
  echo "$sha $(md5sum < "$src" | cut -c1-32) $(git log -1 --format=%s "$sha" | cut -c1-70)" >> "$LOGS/sources.txt"
  root=()  # empty: this checkout, with REF's unit swapped in
  if ! $FCBENCH build > "$LOGS/build-$sha.log" 2>&1; then
    own=$(dirname "$LOGS")/csrc-$sha; mkdir -p "$own"
    git archive "$sha" csrc | tar -x -C "$own"
    root=(env "FCBENCH_SOURCE_ROOT=$own")
    if ! "${root[@]}" $FCBENCH build >> "$LOGS/build-$sha.log" 2>&1; then
      echo "build $sha failed, alone and with its own csrc/: not profiled (build-$sha.log)" | tee -a "$LOGS/summary.txt"
      failed=1
      continue
    fi
    echo "build $sha: its unit did not build with this checkout's csrc/; built and profiled with its own" \
      | tee -a "$LOGS/summary.txt"
  fi
  # Only this variant's kernels run in the process (and torch's own, which the name filter drops).
  # shellcheck disable=SC2086  # the shapes are separate arguments
  ${root[@]+"${root[@]}"} $NCU --clock-control none -k "regex:${variant}_" --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section SchedulerStats --section WarpStateStats --section Occupancy --section LaunchStats \
    $PYTHON scripts/profile_call.py "$variant" $shapes 1 > "$LOGS/ncu-$sha.log" 2>&1
  rc=$?
  echo "ncu $sha rc=$rc" | tee -a "$LOGS/summary.txt"
  (( rc == 0 )) || failed=1
done
exit "$failed"
