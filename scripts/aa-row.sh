#!/usr/bin/env bash
# A/A comparisons of one variant, repeated (issue 22): how far does an unchanged row move between
# two commits with no code change, at compare's default samples and at twice the rounds? Decides
# between a per-row budget override and more samples with numbers, not by assumption.
# Runs A vs B of scripts/scratch-repo.sh (a README newline) with `fcbench compare --gate`,
# alternating the default (5 rounds x 8 samples) and --rounds 10, until SECONDS have passed.
# Usage: scripts/aa-row.sh VARIANT [SECONDS]   (gate JSON + logs in $OUT/aa-VARIANT.tgz; a table last)
# Exit 2: an unknown VARIANT or a SECONDS that is not a number; 3: a comparison that could not run.
set -u
VARIANT=${1:?usage: scripts/aa-row.sh VARIANT [SECONDS]}; BUDGET=${2:-240}
[[ $BUDGET =~ ^[0-9]+$ ]] || { echo "aa-row: SECONDS: a whole number, not '$BUDGET'" >&2; exit 2; }
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" python3 -c 'import sys; from fcbench import registry; registry.get(sys.argv[1])' \
  "$VARIANT" 2>/dev/null || { echo "aa-row: VARIANT: '$VARIANT' is not a registered variant (fcbench list)" >&2; exit 2; }
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD FCBENCH=${FCBENCH:-fcbench}
export PYTHONUNBUFFERED=1
LOGS=$(mktemp -d)/aa-$VARIANT; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'tar czf "$OUT/aa-$VARIANT.tgz" -C "$(dirname "$LOGS")" "$(basename "$LOGS")"' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" >/dev/null || exit 3
longest=20 i=0
while (( SECONDS + longest < BUDGET )); do
  i=$((i + 1)); if (( i % 2 )); then opts=(); tag=r5; else opts=(--rounds 10); tag=r10; fi
  t0=$SECONDS
  $FCBENCH compare "$A" "$B" --variant "$VARIANT" --gate --json "$LOGS/aa-$i-$tag.json" "${opts[@]}" \
    > "$LOGS/aa-$i-$tag.log" 2>&1
  rc=$?
  echo "aa-$i-$tag rc=$rc wall_s=$((SECONDS - t0))" >> "$LOGS/summary.txt"
  case $rc in 0|4|5|6|7) ;; *) cat "$LOGS/summary.txt"; tail -n 3 "$LOGS/aa-$i-$tag.log" >&2
    echo "aa-row: a comparison could not run (rc=$rc); stopping" >&2; exit 3 ;; esac  # not a verdict
  (( SECONDS - t0 > longest )) && longest=$((SECONDS - t0))
done
cat "$LOGS/summary.txt"
python3 - "$LOGS" <<'EOF'
import glob, json, os, sys
rows = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "aa-*.json"))):
    tag = f.rsplit("-", 1)[1][:-5]
    for r in json.load(open(f))["rows"]:
        if r.get("ratio") is not None:
            rows.setdefault((r["shape"], tag), []).append((r["ratio"], r["significant"], r["verdict"]))
print(f"{'shape':<24} {'rounds':<6} {'runs':>4} {'max|r-1| %':>10} {'significant':>11} {'FAIL':>4}")
for (shape, tag), rs in sorted(rows.items()):
    print(f"{shape:<24} {tag:<6} {len(rs):>4} {100 * max(abs(r - 1) for r, _, _ in rs):>10.2f} "
          f"{sum(s for _, s, _ in rs):>11} {sum(v.startswith('FAIL') for _, _, v in rs):>4}")
EOF
