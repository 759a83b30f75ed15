#!/usr/bin/env bash
# Records a kernel's climb into the asv history: `fcbench record` of each REF in order (every
# variant, the tracked shapes), then `fcbench gate` between each consecutive pair on the very
# results recorded, so each step's verdict is what the merge gate would have said.
# A gate's verdict (exit 0, 4, 5, 6 or 7) is what the climb measured, not a failure of this script.
# Exit codes: 0 every step recorded and every gate gave a verdict; 1 a record failed (a row that did
# not measure, or it could not run) or a gate could not run (summary.txt names it; the other steps
# are still recorded); 2 bad arguments; 3 a REF that is not a commit.
# Usage: scripts/record-climb.sh REF REF...   (results and gate tables in $OUT/climb.tgz)
set -u
(( $# >= 2 )) || { echo "usage: scripts/record-climb.sh REF REF..." >&2; exit 2; }
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
LOGS=$(mktemp -d)/climb; mkdir -p "$LOGS"
FCBENCH=${FCBENCH:-python3 -m fcbench}
trap 'cp -r .asv/results "$LOGS/results" 2>/dev/null; tar czf "$OUT/climb.tgz" -C "$(dirname "$LOGS")" climb' EXIT
shas=()  # every REF resolved before the first recording, not after it
for ref in "$@"; do
  shas+=("$(git rev-parse --short=8 --verify -q "$ref^{commit}")") || { echo "record-climb: REF: $ref is not a commit" >&2; exit 3; }
done
prev= failed=0
refs=("$@")
for i in "${!refs[@]}"; do
  ref=${refs[i]} sha=${shas[i]}
  t0=$SECONDS
  $FCBENCH record "$ref" > "$LOGS/record-$sha.log" 2>&1
  rc=$?
  echo "record $sha ($(git log -1 --format=%s "$ref" | cut -c1-60)) rc=$rc wall_s=$((SECONDS - t0))" | tee -a "$LOGS/summary.txt"
  (( rc == 0 )) || failed=1
  if [ -n "$prev" ]; then
    $FCBENCH gate "$prev" "$sha" --results-dir .asv/results --markdown "$LOGS/gate-$prev-$sha.md" \
      --json "$LOGS/gate-$prev-$sha.json" > "$LOGS/gate-$prev-$sha.log" 2>&1
    rc=$?
    echo "gate $prev -> $sha rc=$rc: $(tail -n 1 "$LOGS/gate-$prev-$sha.log")" | tee -a "$LOGS/summary.txt"
    case $rc in 0|4|5|6|7) ;; *) failed=1 ;; esac
  fi
  prev=$sha
done
exit "$failed"
