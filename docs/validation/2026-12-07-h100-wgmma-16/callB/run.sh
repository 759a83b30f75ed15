# Issue 25, session 16 (2026-12-07), call B: candidates for the launch-bound gap, on v10.21 (679b4dc),
# prepared on the CPU (no machine was lent in session 16):
#   K2: where a launch runs 64-key tiles (one warpgroup, S <= 128 at D=64, S <= 64 at D=128), every
#       K and V tile (at most two) is copied in the block's preamble with Q, not the second by the
#       producer after its setmaxnreg.dec; the other launches copy the first tile there, as before;
#   W2: D=64 and 64 < S <= 128 on a small grid: two warpgroups split the two 64-key tiles and
#       combine (each warp 16 rows x 64 keys, as in mma_fused's split), where one warpgroup walks both;
#   KW: both.
# Each candidate: build, full check, bench; KW also the sanitizers; main benched first and last (mma_fused
# beside the first), KW twice.
#   bash docs/validation/2026-12-07-h100-wgmma-16/callB/run.sh   (carry .whl; about 5-6 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap 'git checkout -q csrc/kernels/wgmma_fused.cu; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
P=docs/validation/2026-12-07-h100-wgmma-16/callB
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
SHAPES="--shape 1,1,64,64 --shape 1,1,128,64 --shape 2,3,97,64 --shape 1,2,128,64,causal --shape 1,1,64,128 --shape 2,3,97,128 --shape 1,8,512,64"
use() {  # use NAME: the checkout's kernel with NAME's patch (main: none), built
  built=; git checkout -q csrc/kernels/wgmma_fused.cu
  [ "$1" = main ] || git apply $P/$1.patch || { echo "$1: patch does not apply"; return 1; }
  timeout 150 python3 -m fcbench build > $L/build-$1.log 2>&1; local rc=$?; echo "build $1 rc=$rc $(el)"
  [ $rc = 0 ] && built=$1
}
bench() {  # bench NAME RUN [VARIANTS]
  timeout 60 python3 -m fcbench bench --variant ${3:-wgmma_fused} $SHAPES --min-samples 300 > $L/bench-$1-$2.log 2>&1
  echo "bench $1 #$2 rc=$? $(el)"; pack
}
use main && bench main 1 wgmma_fused,mma_fused
for c in K2 W2 KW; do
  use $c || continue
  timeout 60 python3 -m fcbench check --variant wgmma_fused > $L/check-$c.log 2>&1; echo "check $c rc=$?: $(tail -n 1 $L/check-$c.log) $(el)"
  bench $c 1
done
if [ "$built" = KW ]; then
  timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 80 > $L/sanitize-KW.log 2>&1; echo "sanitize KW rc=$? $(el)"
  tail -n 3 $L/sanitize-KW.log; pack
  bench KW 2
else echo "KW not built: no sanitizer run"; fi
use main && bench main 2
echo; echo "median us per shape (columns in file order)"
for f in $L/bench-*.log; do printf '%-14s' "$(basename $f .log | sed 's/bench-//')"; grep -E "^wgmma_fused " $f | awk '{printf " %6s", $3}'; echo; done
printf '%-14s' mma_fused; grep -E "^mma_fused " $L/bench-main-1.log | awk '{printf " %6s", $3}'; echo
grep -E "^wgmma_fused " $L/bench-main-1.log | awk '{print $2}' | tr '\n' ' '; echo
