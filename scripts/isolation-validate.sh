#!/usr/bin/env bash
# What isolation and the sanitizer stage cost when nothing breaks, and that bench / record isolate
# a broken kernel too (issue 11), on real commits of a scratch repository (scripts/scratch-repo.sh):
#   ci-pr-cold   `fcbench ci pr --base A --head COMMENT` with an empty build cache (COMMENT = A + a
#                comment in wmma_fused.cu, so the sanitizer stage runs on one kernel)
#   ci-pr-warm   the same again (every object cached)
#   aa-N         `fcbench compare A B --gate` (B = A + a README newline), N times: no false FAIL
#   bench-trap   `fcbench bench` in a checkout whose scalar_tiled traps: scalar_tiled crashed, the rest timed, exit 1
#   record-trap  `fcbench record` of that commit: exit 0, its failure recorded as CRASHED beside the results
# Usage: scripts/isolation-validate.sh [AA_RUNS]   (logs in $OUT/isolation.tgz; asv wheels: see gate-validate.sh)
set -u
AA=${1:-4}
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD FCBENCH=${FCBENCH:-fcbench}
export PYTHONUNBUFFERED=1 FCBENCH_CACHE_DIR=$(mktemp -d)   # cold build cache for the first step
LOGS=$(mktemp -d)/isolation; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'tar czf "$OUT/isolation.tgz" -C "$(dirname "$LOGS")" isolation' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
G="git -c user.email=v@fcbench -c user.name=validate"
plant() {  # plant NAME SED FILE: a commit on A; prints its sha
  git checkout -q -B "$1" "$A" && sed -i "$2" "$3" && $G commit -qam "$1" && git rev-parse HEAD
}
COMMENT=$(plant comment '$a // A comment: nothing to see.' csrc/kernels/wmma_fused.cu)
TRAP=$(plant trap 's@^  const float q_scale = .*@&\n  if (blockIdx.x == 0 \&\& threadIdx.x == 0) __trap();@' csrc/kernels/scalar_tiled.cu)
git checkout -q main
step() {  # step NAME EXPECTED_RC CMD...
  local name=$1 want=$2; shift 2
  local t0=$SECONDS
  "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc expected=$want wall_s=$((SECONDS - t0)) $(grep -ho 'took .*' "$LOGS/$name.log" | tail -1)" | tee -a "$LOGS/summary.txt"
}
step ci-pr-cold 0 $FCBENCH ci pr --base "$A" --head "$COMMENT" --json "$LOGS/ci-pr-cold.json"
step ci-pr-warm 0 $FCBENCH ci pr --base "$A" --head "$COMMENT" --json "$LOGS/ci-pr-warm.json"
for i in $(seq "$AA"); do step "aa-$i" 0 $FCBENCH compare "$A" "$B" --gate --json "$LOGS/aa-$i.json"; done
git worktree add -q "$LOGS/../trap-tree" "$TRAP"
(cd "$LOGS/../trap-tree" && step bench-trap 1 env FCBENCH_SOURCE_ROOT="$PWD" $FCBENCH bench \
  --variant scalar_tiled,wmma_fused,sdpa_flash --shape 1,8,512,64 --shape 1,8,1024,64)
step record-trap 0 $FCBENCH record "$TRAP" --variant scalar_tiled,wmma_fused --samples 10
cp .asv/results/*/"${TRAP:0:8}"-*.failures "$LOGS/" 2>/dev/null
echo; echo "== isolation ($(date -u +%FT%TZ)) =="; cat "$LOGS/summary.txt"
grep -h "failing of" "$LOGS"/aa-*.log
tail -n 8 "$LOGS/bench-trap.log"; cat "$LOGS"/*.failures 2>/dev/null
