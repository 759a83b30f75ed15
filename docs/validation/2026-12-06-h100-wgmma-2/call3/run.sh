# call 3 (issue 25): v10.7 (v10.6 + one warpgroup for grids under a wave), v10.6 (v10.5 + 4-chain reductions), v10.5 baseline; full check + sanitizers of v10.7
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
try() {  # try NAME [nocheck]: quick check then bench of the source now in $W
  local t0=$SECONDS rc=0
  if [ -z "${2:-}" ]; then timeout 170 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-$1.log 2>&1; rc=$?
    echo "$1 check rc=$rc $((SECONDS-t0))s: $(tail -n 1 $L/check-$1.log)"; fi
  [ $rc = 0 ] && { timeout 90 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 100 > $L/bench-$1.log 2>&1; echo "$1 bench rc=$? $((SECONDS-t0))s"; }
  pack
}
cp .probe/v107.cu $W; try v107
cp .probe/v106.cu $W; try v106
cp .probe/v105.cu $W; try v105 nocheck
cp .probe/v107.cu $W
for n in v107 v106 v105; do echo "== $n"; grep -E "^wgmma_fused" $L/bench-$n.log; done
timeout 100 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v107.log 2>&1; echo "full check v107 rc=$?: $(tail -n 1 $L/check-full-v107.log)"; pack
timeout 120 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 50 > $L/sanitize-v107.log 2>&1; echo "sanitize v107 rc=$?"; tail -n 6 $L/sanitize-v107.log; pack
