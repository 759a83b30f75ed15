#!/usr/bin/env bash
# Mutation tests of the merge gate on a GPU machine (issue 11): each plant is a real commit of a
# scratch repository (scripts/scratch-repo.sh; base = its commit A, the tree under test) with one
# bug of one class in one variant; `fcbench ci pr --base A --head PLANT` must exit with the
# expected code, blame the planted variant alone, and give it the expected verdicts.
# Usage: scripts/mutation-test.sh [PLANT...]   (default: all; `scripts/mutation-test.sh list` names them)
# Logs, gate JSON and a summary in $OUT/mutation-<first plant>.tgz; the table is printed last:
#   plant  class  variant  expected  got  verdicts of the variant  others blamed  seconds  result
# asv wheels: see scripts/gate-validate.sh.
set -u
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
SRC=$PWD FCBENCH=${FCBENCH:-fcbench}
export PYTHONUNBUFFERED=1
K=csrc/kernels
# name | class | variant | file | allowed exit codes | verdicts the variant must get | sed script ("rm": delete the file)
PLANTS=(
  "trap|trap (__trap)|scalar_tiled|$K/scalar_tiled.cu|4|CRASHED|s@^  const float q_scale = .*@&\n  if (blockIdx.x == 0 \&\& threadIdx.x == 0) __trap();  // planted@"
  "oob-write|out-of-bounds write (illegal address)|scalar_tiled|$K/scalar_tiled.cu|4|CRASHED|s@o\[lane + 32 \* i\] = @o[lane + 32 * i + (1ll << 40)] = @"
  "hang|K/V loop that never advances at S=512|scalar_tiled|$K/scalar_tiled.cu|4|HUNG|s@n0 < kv_end; n0 += kTileN)@n0 < kv_end; n0 += (p.seqlen == 512 ? 0 : kTileN))@"
  "oob-read|partial-tile K load past seqlen (output unchanged)|scalar_tiled|$K/scalar_tiled.cu|4,7|FAIL-SANITIZER|s@__half2 kv = __float2half2_rn(0.f), vv@__half2 kv = *reinterpret_cast<const __half2*>(k_base + (n0 + r) * p.k_stride[2] + c), vv@"
  "barrier|missing __syncthreads between cp.async stages|wmma_fused_cpasync|$K/wmma_fused_cpasync.cu|4,7|FAIL-SANITIZER|/tile .tile. is visible to every warp/d"
  "skip-rescale|rescale skipped when alpha >= 0.99|scalar_tiled|$K/scalar_tiled.cu|4|FAIL-CORRECTNESS|s@const float alpha = rescale_factor(row_max, new_max);@const float alpha = rescale_factor(row_max, new_max) >= 0.99f ? 1.f : rescale_factor(row_max, new_max);@"
  "causal|causal boundary one key late|scalar_tiled|$K/scalar_tiled.cu|4|FAIL-CORRECTNESS|s@key_masked(n0 + j, row, p.seqlen@key_masked(n0 + j, row + 1, p.seqlen@"
  "scale|softmax scale without log2(e)|wmma_qk|$K/wmma_qk.cu|4|FAIL-CORRECTNESS|s@const float score_scale = p.softmax_scale \* kLog2e;@const float score_scale = p.softmax_scale;@"
  "head-index|wrong head index (h % 2)|wmma_fused|$K/wmma_fused.cu|4|FAIL-CORRECTNESS|s@^  const int h = blockIdx.y;@  const int h = blockIdx.y % 2;@"
  "local-memory|dynamically indexed local array (stack frame)|scalar_tiled|$K/scalar_tiled.cu|5|FAIL-RESOURCES|s@^  float acc\[kPerLane\] = {};@&\n  float planted[64];\n  for (int t = 0; t < 64; ++t) planted[t] = p.softmax_scale * t;\n  acc[0] += planted[p.seqlen \& 63] * 0.f;@"
  "spill|__launch_bounds__ asking for 8 blocks per SM (spills)|wmma_qk|$K/wmma_qk.cu|5|FAIL-RESOURCES|s@WmmaQkConfig<kHeadDim>::kThreads, 2)@WmmaQkConfig<kHeadDim>::kThreads, 8)@"
  "slowdown|__nanosleep(370) per K/V tile (~5%)|wmma_fused_cpasync|$K/wmma_fused_cpasync.cu|6|FAIL-LATENCY|s@      state.accumulate_pv(v_tiles + buf \* kTileN \* kLd, kLd);@&\n      __nanosleep(370);  // planted@"
  "wide-only|second row tile reads the first one's Q (128-row blocks only: the check's wide grids)|mma_fused|$K/mma_fused.cu|4|FAIL-CORRECTNESS|s@ldmatrix_x4(qa\[mt\], q_lane.at(16 \* mt, kk));@ldmatrix_x4(qa[mt], q_lane.at(0, kk));@"
  "missing|a variant's kernel unit deleted|wmma_unfused|$K/wmma_unfused.cu|4|MISSING|rm"
  "comment|a comment-only kernel change (must pass)|wmma_fused|$K/wmma_fused.cu|0||\$a // A comment: nothing to see."
)
if [[ ${1:-} == list ]]; then printf '%s\n' "${PLANTS[@]}" | cut -d'|' -f1-3; exit 0; fi
WANT=("$@")
known=" $(printf '%s\n' "${PLANTS[@]}" | cut -d'|' -f1 | tr '\n' ' ')"
for w in "${WANT[@]}"; do  # a typo must not run nothing and report "0 of 0 plants caught"
  [[ $known == *" $w "* ]] || { echo "mutation-test: unknown plant '$w' (scripts/mutation-test.sh list)" >&2; exit 2; }
done
LOGS=$(mktemp -d)/mutation-${1:-all}; mkdir -p "$LOGS"; CLONE=$(mktemp -d)/repo
trap 'tar czf "$OUT/mutation-${WANT[0]:-all}.tgz" -C "$(dirname "$LOGS")" "$(basename "$LOGS")"' EXIT
source "$SRC/scripts/scratch-repo.sh" "$CLONE" || exit 3
G="git -c user.email=m@fcbench -c user.name=mutation"
results=()
for entry in "${PLANTS[@]}"; do
  IFS='|' read -r name class variant file codes verdicts script <<< "$entry"
  [[ ${#WANT[@]} -eq 0 || " ${WANT[*]} " == *" $name "* ]] || continue
  git checkout -q -B "plant-$name" "$A"
  if [[ $script == rm ]]; then git rm -q "$file"; else sed -i "$script" "$file"; fi
  if git diff --quiet HEAD; then echo "plant $name: its edit matched nothing in $file" >&2; exit 3; fi
  git diff HEAD > "$LOGS/$name.diff"
  $G commit -qam "planted ($class): $variant"
  head=$(git rev-parse HEAD)
  t0=$SECONDS
  $FCBENCH ci pr --base "$A" --head "$head" --json "$LOGS/$name.json" --markdown "$LOGS/$name.md" > "$LOGS/$name.log" 2>&1
  rc=$?
  secs=$((SECONDS - t0))
  cp .asv/compare/worker-*.log "$LOGS/" 2>/dev/null; log=$(grep -o "log: /[^ ]*worker.log" "$LOGS/$name.log" | head -1); [[ -n $log ]] && cp "${log#log: }" "$LOGS/$name-check-worker.log"
  line=$(python3 "$SRC/scripts/mutation_verdict.py" "$LOGS/$name.json" "$name" "$class" "$variant" "$codes" "$verdicts" "$rc" "$secs")
  echo "$line" | tee -a "$LOGS/summary.txt"
  results+=("$line")
done
git checkout -q main
echo; echo "== mutation tests ($(date -u +%FT%TZ)) =="
printf '%s\n' "${results[@]}" | python3 "$SRC/scripts/mutation_verdict.py" --table
