# call 7 (session 3, issue 25): v10.15 = v10.14 + part of the softmax's exponentials by a polynomial on the FMA pipes (FlashAttention-4's SFU offload): p2 = 2 of every 8 scores, p4 = 4 of 8; quick check of p2, benched against v10.14 alternated
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
cp .probe/v1015p2.cu $W; timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1015p2.log 2>&1; rc=$?; echo "v10.15p2 quick check rc=$rc: $(tail -n 1 $L/check-v1015p2.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1015p2.log | head; exit 1; }
SH="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,64 --shape 4,16,2048,64,causal"
for n in v1015p2 v1014 v1015p4 v1015p2-b v1014-b; do cp .probe/${n%-b}.cu $W
  timeout 70 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
