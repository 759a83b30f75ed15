#!/usr/bin/env bash
# The CI jobs end to end on a GPU machine, on real commits of a scratch repository
# (scripts/scratch-repo.sh: main is A -> B -> C (planted ~5% slowdown) -> F (fix)):
#   the pull-request job  `fcbench ci pr --base B --head C`  -> pr-summary.md (docs/example-pr-summary.md)
#   the main job          `fcbench record` A, B, C, then `fcbench ci main` at F: history + report
# Everything comes back in $OUT/ci-example.tgz: logs, the PR Markdown and gate JSON, the asv
# results (recorded and compared), the report, and a bundle of the scratch repository (to rebuild the report elsewhere).
# Usage: scripts/ci-example.sh    (asv wheels: see scripts/gate-validate.sh)
set -u
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD FCBENCH=${FCBENCH:-fcbench}
export PYTHONUNBUFFERED=1
LOGS=$(mktemp -d)/ci-example; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'tar czf "$OUT/ci-example.tgz" -C "$(dirname "$LOGS")" ci-example' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
step() {  # step NAME CMD...: logs to $LOGS/NAME.log, prints exit status and wall time
  local name=$1; shift
  local t0=$SECONDS
  "$@" > "$LOGS/$name.log" 2>&1
  echo "$name rc=$? wall_s=$((SECONDS - t0))" | tee -a "$LOGS/summary.txt"
}
git checkout -q "$C"   # the runner checks out the PR's head
step ci-pr $FCBENCH ci pr --base "$B" --head "$C" --markdown "$LOGS/pr-summary.md" --json "$LOGS/pr-gate.json"
git checkout -q main
for ref in A B C; do step "record-$ref" $FCBENCH record "${!ref}"; done
step ci-main $FCBENCH ci main --out "$LOGS/site"
step report $FCBENCH report --out "$LOGS/site" --gate-json "$LOGS/pr-gate.json"
cp -r .asv/results "$LOGS/results"
cp -r .asv/compare "$LOGS/compare"   # the PR comparison's samples, to explain any verdict later
git bundle create "$LOGS/repo.bundle" --all 2>/dev/null
printf 'A=%s\nB=%s\nC=%s\nF=%s\n' "$A" "$B" "$C" "$F" > "$LOGS/commits.txt"
cat "$LOGS/summary.txt"
