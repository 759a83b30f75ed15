# call 5 (session 3, issue 25): v10.14 = v10.13 + at D=64 the key split over four consumer warpgroups (120 registers) with 64-key tiles and 8 stages; v10.14n = v10.14 with 128-key tiles at D=128 (the persistent grid may not need 176); quick check, benches alternated, full check + sanitizers of v10.14
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
cp .probe/v1014.cu $W; timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1014.log 2>&1; rc=$?; echo "v10.14 quick check rc=$rc: $(tail -n 1 $L/check-v1014.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1014.log | head; exit 1; }
SS="--shape 1,8,512,64 --shape 2,4,1000,64 --shape 1,8,512,64,causal --shape 1,8,512,128"
for n in v1014 v1013 v1014-b v1013-b; do cp .probe/${n%-b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SS --min-samples 300 > $L/bench-small-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^(wgmma|mma)_fused" $L/bench-small-$n.log; pack; done
SD="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,128,causal"
for n in v1014n v1014 v1014n-b v1014-b; do cp .probe/${n%-b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused $SD --min-samples 300 > $L/bench-d128-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-d128-$n.log; pack; done
cp .probe/v1014.cu $W
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v1014.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full-v1014.log)"; pack
timeout 150 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 120 > $L/sanitize-v1014.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize-v1014.log; pack
