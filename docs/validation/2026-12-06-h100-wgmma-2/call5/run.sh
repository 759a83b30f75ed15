# call 5 (issue 25): v10.9 (causal: each consumer warpgroup skips the tiles wholly masked for it) against v10.8; full check + sanitizers of v10.9
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 4,16,2048,128,causal --shape 2,32,8192,64,causal --shape 1,8,512,64,causal"
try() {  # try NAME [nocheck]: quick check then bench of the source now in $W
  local t0=$SECONDS rc=0
  if [ -z "${2:-}" ]; then timeout 170 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-$1.log 2>&1; rc=$?
    echo "$1 check rc=$rc $((SECONDS-t0))s: $(tail -n 1 $L/check-$1.log)"; fi
  [ $rc = 0 ] && { timeout 90 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$1.log 2>&1; echo "$1 bench rc=$? $((SECONDS-t0))s"; }
  pack; return $rc
}
cp .probe/v109.cu $W; try v109; ok=$?
cp .probe/v108.cu $W; try v108 nocheck
cp .probe/v109.cu $W; try v109b nocheck
for n in v109 v108 v109b; do echo "== $n"; grep -E "^wgmma_fused" $L/bench-$n.log; done
[ $ok = 0 ] || exit 1
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v109.log 2>&1; echo "full check v109 rc=$?: $(tail -n 1 $L/check-full-v109.log)"; pack
timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 40 > $L/sanitize-v109.log 2>&1; echo "sanitize v109 rc=$?"; tail -n 4 $L/sanitize-v109.log; pack
