#!/usr/bin/env bash
# Validates the PR pipeline on a GPU machine (issue 4): cold and one-kernel-changed pipeline
# time, A/A comparisons (false FAILs, largest |ratio - 1|), a planted latency regression, a
# planted correctness bug and a planted register blow-up, on real commits of a scratch clone.
# Usage: scripts/gate-validate.sh [SECONDS_FOR_REPEATS]   (logs and gate JSON in $OUT/gate-logs.tgz)
# The lent GPU machine has no asv and no internet: download the wheels here first (see the device
# tool's README for the platform flags; .whl/ is git-ignored), carry `.whl`, and install them:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_17_x86_64 -d .whl asv==0.6.6 asv_runner==0.3.2 json5 pympler zipp \
#     'importlib-metadata<9' virtualenv distlib platformdirs python-discovery 'packaging>=26.3' tabulate pygal
#   (there) python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
set -u
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
BUDGET=${1:-300}
export PYTHONUNBUFFERED=1 FCBENCH_CACHE_DIR=$(mktemp -d)   # cold build cache
LOGS=$(mktemp -d); CLONE=$(mktemp -d)/repo
trap 'tar czf "$OUT/gate-logs.tgz" -C "$LOGS" .' EXIT
# A scratch repository of this tree's files (the device tool's copy has no git history).
mkdir -p "$CLONE" && tar --exclude=./.git --exclude=./.asv --exclude=./gpu-logs -cf - . | tar -xf - -C "$CLONE"
cd "$CLONE" || exit 3
G="git -c user.email=v@fcbench -c user.name=validate"
git init -qb main && git add -A && $G commit -qm "A: the tree under test" || exit 3
A=$(git rev-parse HEAD)
echo >> README.md; $G commit -qam "A/A: docs only"; B=$(git rev-parse HEAD)
git checkout -q "$A"
sed -i 's|      state.accumulate_pv(v_tiles + buf \* kTileN \* kLd, kLd);|&\n      __nanosleep(300);  // planted regression|' csrc/kernels/wmma_fused_cpasync.cu
$G commit -qam "planted: wmma_fused_cpasync sleeps 300 ns per K/V tile"; C=$(git rev-parse HEAD)
git checkout -q "$A"
sed -i 's|wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> bt;|wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> bt;|' csrc/kernels/wmma_qk.cu
$G commit -qam "planted: wmma_qk reads K row_major (Q.K instead of Q.K^T)"; D=$(git rev-parse HEAD)
git checkout -q "$A"
sed -i 's|WmmaQkConfig<kHeadDim>::kThreads, 2)|WmmaQkConfig<kHeadDim>::kThreads, 8)|' csrc/kernels/wmma_qk.cu
$G commit -qam "planted: wmma_qk asks for 8 blocks per SM"; E=$(git rev-parse HEAD)
git checkout -q "$A"
for c in C D E; do git show --stat "${!c}" | head -8 >> "$LOGS/plants.log"; done
cmp() {  # cmp NAME BASE HEAD [fcbench compare options]: one comparison with its gate; logs rc and wall time
  local name=$1 base=$2 head=$3; shift 3
  local t0=$SECONDS
  fcbench compare "$base" "$head" --gate --json "$LOGS/$name.json" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc wall_s=$((SECONDS - t0))" | tee -a "$LOGS/summary.txt"
}
cmp cold-AB "$A" "$B"
cmp onekernel-AC "$A" "$C"
cmp bug-AD "$A" "$D" --variant wmma_qk
cmp blowup-AE "$A" "$E" --variant wmma_qk
start=$SECONDS; i=0
while (( SECONDS - start < BUDGET )); do
  i=$((i + 1)); cmp "aa-$i" "$A" "$B"
  (( SECONDS - start < BUDGET )) && cmp "reg-$i" "$A" "$C"
done
python3 - "$LOGS" <<'PY' | tee "$LOGS/validation.txt"
import glob, json, os, sys
logs = sys.argv[1]
def rows(name): return json.load(open(os.path.join(logs, name)))["rows"]
def load(prefix):
    return {os.path.basename(f): json.load(open(f)) for f in sorted(glob.glob(os.path.join(logs, prefix + "*.json")))}
aa = load("aa-"); reg = load("reg-")
false_fail = sum(any(r["verdict"].startswith("FAIL") or r["verdict"] == "MISSING" for r in d["rows"]) for d in aa.values())
worst = {}
for d in aa.values():
    for r in d["rows"]:
        if r["ratio"] is not None:
            worst[r["shape"]] = max(worst.get(r["shape"], 0), abs(r["ratio"] - 1))
print(f"A/A: {len(aa)} comparisons, {false_fail} with any failing verdict")
for shape, w in sorted(worst.items()):
    print(f"  largest |head/base - 1| at {shape}: {w:.4f}")
flagged = sum(any(r["variant"] == "wmma_fused_cpasync" and r["verdict"] == "FAIL-LATENCY" for r in d["rows"]) for d in reg.values())
others = sum(any(r["variant"] != "wmma_fused_cpasync" and r["verdict"].startswith("FAIL") for r in d["rows"]) for d in reg.values())
print(f"planted regression: flagged FAIL-LATENCY in {flagged}/{len(reg)}; comparisons flagging another variant: {others}")
ratios = [r["ratio"] for d in reg.values() for r in d["rows"] if r["variant"] == "wmma_fused_cpasync" and r["ratio"]]
for d in list(reg.values())[:1]:
    for r in d["rows"]:
        if r["variant"] == "wmma_fused_cpasync":
            print(f"  planted slowdown, {r['shape']}: head/base {r['ratio']:.3f} ({r['verdict']})")
for name in ("bug-AD.json", "blowup-AE.json", "cold-AB.json", "onekernel-AC.json"):
    d = json.load(open(os.path.join(logs, name)))
    bad = sorted({(r["variant"], r["verdict"]) for r in d["rows"] if r["verdict"] not in ("SAME", "NOISY", "FASTER", "SLOWER")})
    print(f"{name}: exit {d['exit_code']} {bad}")
PY
cat "$LOGS/summary.txt"
