# call 1 (session 3, issue 25): v10.12 = FA3 intra-warpgroup overlap (softmax of S(j) under own P.V(j-1), V released after it) + key split over two consumer warpgroups for grids whose 64-row blocks fit at once; quick check, then benched against v10.11 alternated
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128"
cp .probe/v1012ab.cu $W; timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1012ab.log 2>&1; rc=$?; echo "v10.12ab quick check rc=$rc: $(tail -n 1 $L/check-v1012ab.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1012ab.log | head; }
for n in v1012ab v1011c v1012ab2 v1011c2; do cp .probe/${n%2}.cu $W
  timeout 75 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
