#!/usr/bin/env bash
# Validates the PR pipeline on a GPU machine (issue 4) on real commits of a scratch repository:
#   full     (default) pipeline wall time from a cold build cache and with one kernel changed, a
#            planted correctness bug, a planted register blow-up, then repeats for SECONDS;
#   repeats  only the repeats: A/A comparisons and planted-regression comparisons, alternating,
#            for SECONDS (run it in several device calls; the summary combines them); every
#            second pair runs with --head-first (named *-hf), to test the comparison for an order bias.
# Usage: scripts/gate-validate.sh [full|repeats] [SECONDS] [PAIRS]   (logs + gate JSON in $OUT/gate-logs-MODE.tgz)
# SECONDS bounds the whole script: a repeat starts only if the longest comparison so far still fits;
# PAIRS (default: no limit) stops after that many A/A + planted-regression pairs.
# Summary over the logs of any number of runs: python3 scripts/gate_validation_summary.py DIR...
# The lent GPU machine has no asv and no internet: download the wheels here first (see the device
# tool's README for the platform flags; .whl/ is git-ignored), carry `.whl`, and install them:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_17_x86_64 -d .whl asv==0.6.6 asv_runner==0.3.2 json5 pympler zipp \
#     'importlib-metadata<9' virtualenv distlib platformdirs python-discovery 'packaging>=26.3' tabulate \
#     pygal==3.1.3   (a runtime dependency since the report's static charts: fcbench names it if missing)
#   (there) python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
set -u
MODE=${1:-full}; BUDGET=${2:-300}; PAIRS=${3:-1000000}
[[ $MODE == full || $MODE == repeats ]] || { echo "mode: full or repeats, not '$MODE'" >&2; exit 2; }
[[ $BUDGET =~ ^[0-9]+$ && $PAIRS =~ ^[0-9]+$ ]] || { echo "SECONDS and PAIRS: whole numbers, not '$BUDGET' / '$PAIRS'" >&2; exit 2; }
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD FCBENCH=${FCBENCH:-fcbench}   # FCBENCH="python3 -m fcbench" where it isn't installed
export PYTHONUNBUFFERED=1 FCBENCH_CACHE_DIR=$(mktemp -d)   # cold build cache
LOGS=$(mktemp -d)/$MODE-$(date -u +%H%M%S); mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
# At exit: the workers' logs too (a worker that crashed or raised says why there).
trap 'cp "$CLONE"/.asv/compare/worker-*.log "$LOGS/" 2>/dev/null
      tar czf "$OUT/gate-logs-$MODE.tgz" -C "$(dirname "$LOGS")" "$(basename "$LOGS")"' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
for c in C D E; do git show "${!c}" -- csrc | head -30 >> "$LOGS/plants.log"; done
cmp() {  # cmp NAME BASE HEAD [fcbench compare options]: one comparison with its gate; logs rc and wall time
  local name=$1 base=$2 head=$3; shift 3
  local t0=$SECONDS
  $FCBENCH compare "$base" "$head" --gate --json "$LOGS/$name.json" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  mkdir -p "$LOGS/$name-samples"  # both sides' asv results: the next comparison overwrites them
  cp .asv/compare/*/"${base:0:8}"-*.json .asv/compare/*/"${head:0:8}"-*.json "$LOGS/$name-samples/" 2>/dev/null
  echo "$name rc=$rc wall_s=$((SECONDS - t0)) $(grep -o 'took .*)' "$LOGS/$name.log")" | tee -a "$LOGS/summary.txt"
  [[ -s $LOGS/$name.json ]] || { tail -n 5 "$LOGS/$name.log"; return 1; }  # no gate ran: not a comparison
}
full_failed=0
if [[ $MODE == full ]]; then  # each gives its verdict or is counted as not run (exit 3 at the end)
  cmp cold-AB "$A" "$B" || full_failed=1
  cmp onekernel-AC "$A" "$C" || full_failed=1
  cmp bug-AD "$A" "$D" --variant wmma_qk || full_failed=1
  cmp blowup-AE "$A" "$E" --variant wmma_qk || full_failed=1
fi
longest=30 i=0
fits() { (( SECONDS + longest < BUDGET )); }
timed() { local t0=$SECONDS; cmp "$@" || exit 3; (( SECONDS - t0 > longest )) && longest=$((SECONDS - t0)); return 0; }
while fits && (( i < PAIRS )); do  # every second pair with the head's side first: an order bias shows as a sign flip
  i=$((i + 1)); if (( i % 2 )); then order=(); sfx=; else order=(--head-first); sfx=-hf; fi
  timed "aa-$i$sfx" "$A" "$B" "${order[@]}"
  fits && timed "reg-$i$sfx" "$A" "$C" "${order[@]}"
done
PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}" python3 "$SRC/scripts/gate_validation_summary.py" "$LOGS"; rc=$?
(( full_failed == 0 )) || { echo "gate-validate: a full-mode comparison gave no gate result (summary.txt)" >&2; exit 3; }
exit $rc
