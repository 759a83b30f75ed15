# call 3 (session 3, issue 25): v10.13 = v10.12 + a persistent grid for non-causal wide work items (one block per SM walks items blockIdx.x, + gridDim.x, ...; Q released after each warpgroup's last Q.K^T so the next item's Q/K/V copies run under this one's last tiles and output); quick check, bench against v10.12 alternated, full check + sanitizers
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
cp .probe/v1013.cu $W; timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1013.log 2>&1; rc=$?; echo "v10.13 quick check rc=$rc: $(tail -n 1 $L/check-v1013.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1013.log | head; exit 1; }
for n in v1013 v1012 v1013-b v1012-b; do cp .probe/${n%-b}.cu $W
  timeout 80 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
cp .probe/v1013.cu $W
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v1013.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full-v1013.log)"; pack
timeout 200 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 150 > $L/sanitize-v1013.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize-v1013.log; pack
