#!/usr/bin/env bash
# asv's own commands on a GPU machine (issue 13), on real commits of a scratch repository
# (scripts/scratch-repo.sh: A the tree, B = A + a README newline, C = B + a ~5% slowdown in
# wmma_fused_cpasync), through the fcbench-layered environment of asv.conf.json:
#   aa-N    `asv continuous A B` (nothing changed: exit 0 expected, no regression listed)
#   reg-N   `asv continuous B C` (the planted slowdown: exit 1 and wmma_fused_cpasync listed expected)
# alternating, while the next run still fits in SECONDS; each with its wall time and exit code.
# Usage: scripts/asv-validate.sh [SECONDS]   (logs in $OUT/asv-validate.tgz; asv wheels: see gate-validate.sh)
set -u
BUDGET=${1:-540}
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD
export PYTHONUNBUFFERED=1
LOGS=$(mktemp -d)/asv-validate; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'cp -r "$CLONE/.asv/results" "$LOGS/results" 2>/dev/null; tar czf "$OUT/asv-validate.tgz" -C "$(dirname "$LOGS")" asv-validate' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
python3 -m asv machine --yes --machine gpu > "$LOGS/machine.log" 2>&1 || { cat "$LOGS/machine.log"; exit 3; }
longest=0 i=0
run() {  # run NAME A B: one asv continuous, its exit code, wall time and the rows it flagged
  local name=$1 t0=$SECONDS
  python3 -m asv continuous --machine gpu "$2" "$3" > "$LOGS/$name.log" 2>&1
  local rc=$? took=$((SECONDS - t0))
  (( took > longest )) && longest=$took
  if grep -q "Failed to build the project" "$LOGS/$name.log"; then tail -n 20 "$LOGS/$name.log"; exit 3; fi
  local flagged; flagged=$(grep -cE '^\| [+-] ' "$LOGS/$name.log")
  echo "$name rc=$rc wall_s=$took flagged_rows=$flagged $(grep -E '^\| [+-] ' "$LOGS/$name.log" | grep -o "time_attention('[a-z_]*', '[^']*')" | tr '\n' ' ')" \
    | tee -a "$LOGS/summary.txt"
}
while (( SECONDS + longest < BUDGET )); do
  i=$((i + 1))
  run "aa-$i" "$A" "$B"
  (( SECONDS + longest < BUDGET )) && run "reg-$i" "$B" "$C"
done
echo "== asv-validate ($(date -u +%FT%TZ)) =="; cat "$LOGS/summary.txt"
