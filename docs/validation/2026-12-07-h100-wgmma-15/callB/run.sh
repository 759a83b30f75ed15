# Issue 25, session 15 (2026-12-07), call B: two candidates for the launch-bound gap, on v10.20 (3bc5765):
#   U: one warpgroup with 64-key tiles where S <= 128 on a small grid (v10.20 takes it where S <= 64):
#      no four-way split's exchange and combine at (2,3,97,64), no 128-key tile with 31 keys masked
#      at (2,3,97,128);
#   X: only the first copies' three barriers initialised before those copies are issued; the other
#      barriers (up to 31 at D=64) under the copies' flight, fenced again before the block's barrier;
#   UX: both.
# Each candidate: build, full check, bench; UX also the sanitizers; main benched first and last, UX twice.
#   bash docs/validation/2026-12-07-h100-wgmma-15/callB/run.sh   (carry .whl; about 5-6 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap 'git checkout -q csrc/kernels/wgmma_fused.cu; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
P=docs/validation/2026-12-07-h100-wgmma-15/callB
{ nvidia-smi -L; date -u; git rev-parse HEAD; } | tee $L/device.txt
SHAPES="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,2,64,128,causal --shape 1,1,128,64 --shape 1,2,128,128,causal --shape 1,8,512,64 --shape 2,4,1000,64"
use() {  # use NAME: the checkout's kernel with NAME's patch (main: none), built
  git checkout -q csrc/kernels/wgmma_fused.cu
  [ "$1" = main ] || git apply $P/$1.patch || { echo "$1: patch does not apply"; return 1; }
  timeout 150 python3 -m fcbench build > $L/build-$1.log 2>&1; echo "build $1 rc=$? $(el)"
}
bench() {  # bench NAME RUN [VARIANTS]
  timeout 60 python3 -m fcbench bench --variant ${3:-wgmma_fused} $SHAPES --min-samples 300 > $L/bench-$1-$2.log 2>&1
  echo "bench $1 #$2 rc=$? $(el)"; pack
}
use main && bench main 1 wgmma_fused,mma_fused
for c in U X UX; do
  use $c || continue
  timeout 60 python3 -m fcbench check --variant wgmma_fused > $L/check-$c.log 2>&1; echo "check $c rc=$?: $(tail -n 1 $L/check-$c.log) $(el)"
  bench $c 1
done
timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 80 > $L/sanitize-UX.log 2>&1; echo "sanitize UX rc=$? $(el)"; tail -n 3 $L/sanitize-UX.log; pack
bench UX 2
use main && bench main 2
echo; echo "median us per shape (columns in file order)"
for f in $L/bench-*.log; do printf '%-14s' "$(basename $f .log | sed 's/bench-//')"; grep -E "^wgmma_fused " $f | awk '{printf " %6s", $3}'; echo; done
printf '%-14s' mma_fused; grep -E "^mma_fused " $L/bench-main-1.log | awk '{printf " %6s", $3}'; echo
grep -E "^wgmma_fused " $L/bench-main-1.log | awk '{print $2}' | tr '\n' ' '; echo
