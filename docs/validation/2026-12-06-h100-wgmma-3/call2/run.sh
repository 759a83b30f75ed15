# call 2 (session 3, issue 25): v10.12 = v10.11 + key split over two consumer warpgroups for grids whose 64-row blocks fit at once + tensor-map prefetch and Q's copy before the first barrier; quick check, bench against v10.11 alternated (mma_fused beside at the small shapes), full check (long cases now at 1 x 3 heads: the one-warpgroup kernel) and sanitizers
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128"
cp .probe/v1012.cu $W; timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1012.log 2>&1; rc=$?; echo "v10.12 quick check rc=$rc: $(tail -n 1 $L/check-v1012.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1012.log | head; exit 1; }
for n in v1012 v1011c v1012-b v1011c-b; do cp .probe/${n%-b}.cu $W
  timeout 75 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
cp .probe/v1012.cu $W
timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused --shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --min-samples 300 > $L/bench-small.log 2>&1; echo "== small rc=$?"; grep -E "^(wgmma|mma)_fused" $L/bench-small.log; pack
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v1012.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full-v1012.log)"; pack
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 45 > $L/sanitize-v1012.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize-v1012.log; pack
