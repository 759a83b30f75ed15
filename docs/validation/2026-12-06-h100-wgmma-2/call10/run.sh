# call 10 (issue 25): v10.11 (176-key tiles at D=128 with two consumer warpgroups) against v10.10; full check + sanitizers if the quick check passes
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,128,causal --shape 1,8,512,128"
cp .probe/v1011.cu $W; timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1011.log 2>&1; rc=$?; echo "v10.11 quick check rc=$rc: $(tail -n 1 $L/check-v1011.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1011.log | head; exit 1; }
for n in v1011 v1010 v1011b v1010b; do cp .probe/${n%b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
cp .probe/v1011.cu $W
timeout 120 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v1011.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full-v1011.log)"; pack
timeout 80 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 40 > $L/sanitize-v1011.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize-v1011.log; pack
