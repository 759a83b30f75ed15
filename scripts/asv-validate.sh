#!/usr/bin/env bash
# asv's own commands on a GPU machine (issue 13), through the fcbench-layered environment of
# asv.conf.json, on real commits of a scratch repository (scripts/scratch-repo.sh: A the tree,
# B = A + a README newline, C = B + a ~5% slowdown in wmma_fused_cpasync, F = C reverted).
# Each STEP=SECONDS runs in the order given, within its own SECONDS (a run starts only if it fits):
#   continuous  `asv continuous --factor 1.03 A B` (aa-N: nothing changed, exit 0 and no row expected)
#               and `B C` (reg-N: exit 1 and wmma_fused_cpasync's rows expected), alternating; after
#               each, `fcbench gate` on the very results asv stored: which rows each one flagged
#   new         main's head F recorded (if no step before did), two more commits G, H, then `asv run
#               NEW`: it must measure G and H alone;
#               `asv publish` and `fcbench report` then build from the history
#   find        a branch of 16 commits after A (docs-only, C's slowdown planted in the 11th),
#               `asv find` over them for benchmarks.Latency.time_attention: it must name the 11th
#               (FCBENCH_VARIANTS=wmma_fused_cpasync FCBENCH_SHAPES=4,16,2048,64 in the environment:
#               each step measures that row alone, as a user bisecting one regression would)
# Usage: scripts/asv-validate.sh STEP=SECONDS...   e.g. continuous=300 new=150 find=240
# (logs in $OUT/asv-validate.tgz; asv wheels: see gate-validate.sh's header; summary.txt has a line
# per command: exit code, wall time, what it flagged)
set -u
(( $# )) || { echo "usage: scripts/asv-validate.sh STEP=SECONDS... (steps: continuous, new, find)" >&2; exit 2; }
for arg in "$@"; do  # every step named before the first one runs
  [[ $arg =~ ^(continuous|new|find)=[0-9]+$ ]] || {
    echo "asv-validate: '$arg' is not STEP=SECONDS (steps: continuous, new, find)" >&2; exit 2; }
done
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD
export PYTHONUNBUFFERED=1
LOGS=$(mktemp -d)/asv-validate; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'cp -r "$CLONE/.asv/results" "$LOGS/results" 2>/dev/null
      tar czf "$OUT/asv-validate.tgz" -C "$(dirname "$LOGS")" asv-validate' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
python3 -m asv machine --yes --machine gpu > "$LOGS/machine.log" 2>&1 || { cat "$LOGS/machine.log"; exit 3; }
longest=0
note() { echo "$*" | tee -a "$LOGS/summary.txt"; }
timed() {  # timed NAME CMD...: runs CMD into NAME.log; sets rc and took
  local name=$1 t0=$SECONDS; shift
  "$@" > "$LOGS/$name.log" 2>&1; rc=$?; took=$((SECONDS - t0))
  if grep -q "Failed to build the project\|Traceback" "$LOGS/$name.log"; then tail -n 30 "$LOGS/$name.log"; fi
}
flagged() {  # the rows asv listed as changed in LOG, as "+name(params)" / "-name(params)"
  grep -E '^\| [+-] ' "$1" | sed -E 's/^\| ([+-]) .* (benchmarks\.[A-Za-z_.]+\([^)]*\)[^|]*)\|?$/\1\2/; s/benchmarks\.//; s/ +$//' | tr -d ' ' | paste -sd' '
}
continuous() {  # continuous NAME BASE HEAD: asv's verdict, then fcbench gate's on the same results
  local name=$1
  timed "$name" python3 -m asv continuous --machine gpu --factor 1.03 "$2" "$3"
  local asv_rc=$rc asv_took=$took
  (( took > longest )) && longest=$took
  python3 -m fcbench gate "$2" "$3" --results-dir .asv/results --machine gpu --json "$LOGS/$name-gate.json" \
    > "$LOGS/$name-gate.log" 2>&1
  local gate_rc=$?
  local gate_rows; gate_rows=$(python3 -c "import json,sys; print(' '.join(f\"{r['verdict']}:{r['variant']}{r['shape']}\" for r in json.load(open(sys.argv[1]))['rows'] if r['verdict'] not in ('SAME','NEW')))" "$LOGS/$name-gate.json" 2>/dev/null)
  note "$name asv_rc=$asv_rc wall_s=$asv_took asv_flagged=[$(flagged "$LOGS/$name.log")] gate_rc=$gate_rc gate=[$gate_rows]"
}
fits() { (( SECONDS + ${1:-$longest} < deadline )); }
G="git -c user.email=v@fcbench -c user.name=validate"
for arg in "$@"; do
  step=${arg%%=*}; deadline=$((SECONDS + ${arg#*=}))
  case $step in
    continuous)
      i=0
      while fits; do
        i=$((i + 1)); continuous "aa-$i" "$A" "$B"
        fits && continuous "reg-$i" "$B" "$C"
      done ;;
    new)
      # The history so far: main's head (F) recorded, unless a step before did that already.
      ls .asv/results/gpu/"${F:0:8}"-*.json > /dev/null 2>&1 || timed record-F python3 -m asv run --machine gpu "$F^!"
      for c in G H; do echo "$c" >> README.md; $G commit -qam "$c: docs only"; done
      expected="$(git rev-parse --short=8 HEAD~1) $(git rev-parse --short=8 HEAD)"
      timed new python3 -m asv run --machine gpu NEW
      measured=$(grep -oE "For fcbench commit [0-9a-f]{8}" "$LOGS/new.log" | awk '{print $4}' | sort | paste -sd' ')
      note "new asv_rc=$rc wall_s=$took measured=[$measured] expected=[$(tr ' ' '\n' <<< "$expected" | sort | paste -sd' ')]"
      timed publish python3 -m asv publish; note "asv-publish rc=$rc wall_s=$took"
      timed report python3 -m fcbench report --results-dir .asv/results --out "$LOGS/../site"; note "fcbench-report rc=$rc wall_s=$took"
      tar czf "$LOGS/site.tgz" -C "$LOGS/.." site .asv/html 2>/dev/null || tar czf "$LOGS/site.tgz" -C "$LOGS/.." site ;;
    find)
      git checkout -qb find "$A"
      for n in $(seq 1 16); do
        echo "find $n" >> README.md
        (( n == 11 )) && git diff "$B" "$C" -- csrc | git apply
        $G commit -qam "find $n$( (( n == 11 )) && echo ': planted slowdown')"
        (( n == 11 )) && planted=$(git rev-parse HEAD)
      done
      # Bounded by the step's own time (timeout 0 would mean none): a killed find shows rc 124.
      left=$((deadline - SECONDS)); (( left > 0 )) || left=1
      timed find timeout "$left" python3 -m asv find --machine gpu "$A..find" benchmarks.Latency.time_attention
      found=$(grep -oE "Greatest regression found: [0-9a-f]+" "$LOGS/find.log" | awk '{print $4}')
      note "find asv_rc=$rc wall_s=$took found=${found:-none} planted=${planted:0:8} commits_measured=$(grep -c 'For fcbench commit' "$LOGS/find.log")"
      git checkout -q main ;;
    *) echo "step: continuous, new or find, not '$step'" >&2; exit 2 ;;
  esac
done
echo "== asv-validate $* ($(date -u +%FT%TZ), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)) =="
cat "$LOGS/summary.txt"
